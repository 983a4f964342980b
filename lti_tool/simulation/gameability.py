"""How far a learner gets without reading: the expected score of simple strategies.

Each strategy picks among the options offered at a decision by their form only (the longest
text, the first shown, ...). Its expected overall score is computed exactly over every path of
the case graph, with the grade's own rules: all points earned divided by the best single path's
total, capped at ``critical_cap`` after a critical choice. Ties are split evenly; a strategy
that would go round a cycle for ever never reaches an ending and scores 0 on that branch.

Options are shuffled per attempt (``shuffle.py``), so the honest figure for "always the first"
and "always the last" is the expectation over every order a learner can be shown, ``fixed``
options in place; the authored order is reported too, for authors.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass

from lti_tool.simulation.conditions import Value
from lti_tool.simulation.country import VALUES as COUNTRY_VALUES
from lti_tool.simulation.country import with_country
from lti_tool.simulation.graphs import strongly_connected
from lti_tool.simulation.model import Case
from lti_tool.simulation.model import Choice
from lti_tool.simulation.model import Node
from lti_tool.simulation.shuffle import every_order

BEST_LONGEST_LIMIT = 0.4  # a case fails when the best option is the longest in more decisions

Length = Callable[[Node, Choice], int]  # the length of an option's text as the learner reads it
Strategy = Callable[[Node, tuple[Choice, ...]], list[tuple[Choice, float]]]

# the strategies that decide whether a case passes, in the order of the table
STRATEGIES = ("longest", "shortest", "first", "last", "random")


@dataclass(frozen=True)
class Gameability:
    scores: Mapping[str, float]  # strategy -> expected overall score in [0, 1]
    first_authored: float  # always the first option, had the options not been shuffled
    last_authored: float
    decisions: int  # decision nodes with at least two options
    best_longest: tuple[str, ...]  # decision nodes where a `best` option is the longest

    @property
    def best_longest_share(self) -> float:
        return len(self.best_longest) / self.decisions if self.decisions else 0.0


def english_length(node: Node, choice: Choice) -> int:
    return len(choice.text.strip())


def measure(case: Case, length: Length = english_length) -> Gameability:
    strategies: dict[str, Strategy] = {
        "longest": by_length(length, longest=True),
        "shortest": by_length(length, longest=False),
        "first": shown_position(first=True),
        "last": shown_position(first=False),
        "random": uniformly,
    }
    decisions = [node for node in case.nodes.values() if len(node.choices) >= 2]
    countries = COUNTRY_VALUES if case.reads_country else ("",)

    def worst(strategy: Strategy) -> float:  # the highest score over every country
        return max(expected_score(case, strategy, country) for country in countries)

    return Gameability(
        scores={name: worst(strategy) for name, strategy in strategies.items()},
        first_authored=worst(lambda node, offered: [(offered[0], 1.0)]),
        last_authored=worst(lambda node, offered: [(offered[-1], 1.0)]),
        decisions=len(decisions),
        best_longest=tuple(node.id for node in decisions if _best_is_longest(node, length)),
    )


def _best_is_longest(node: Node, length: Length) -> bool:
    longest = max(length(node, choice) for choice in node.choices)
    return any(c.is_best and length(node, c) == longest for c in node.choices)


def by_length(length: Length, *, longest: bool) -> Strategy:
    def strategy(node: Node, offered: tuple[Choice, ...]) -> list[tuple[Choice, float]]:
        sizes = [length(node, choice) for choice in offered]
        target = max(sizes) if longest else min(sizes)
        picked = [choice for choice, size in zip(offered, sizes, strict=True) if size == target]
        return [(choice, 1 / len(picked)) for choice in picked]

    return strategy


def shown_position(*, first: bool) -> Strategy:
    """Always the first (or last) option shown, over every order a learner can be shown."""
    odds: dict[tuple[str, tuple[str, ...]], dict[str, float]] = {}

    def strategy(node: Node, offered: tuple[Choice, ...]) -> list[tuple[Choice, float]]:
        key = (node.id, tuple(choice.id for choice in offered))
        if key not in odds:
            odds[key] = _position_odds(node, key[1], first)
        return [(choice, odds[key][choice.id]) for choice in offered if choice.id in odds[key]]

    return strategy


def _position_odds(node: Node, offered_ids: tuple[str, ...], first: bool) -> dict[str, float]:
    counts: dict[str, int] = {}
    total = 0
    for order in every_order(node.choices):
        shown = [choice.id for choice in order if choice.id in offered_ids]
        picked = shown[0] if first else shown[-1]
        counts[picked] = counts.get(picked, 0) + 1
        total += 1
    return {choice_id: count / total for choice_id, count in counts.items()}


def uniformly(node: Node, offered: tuple[Choice, ...]) -> list[tuple[Choice, float]]:
    return [(choice, 1 / len(offered)) for choice in offered]


# (node, tracked variable values, tracked visited nodes, points earned, critical taken)
_State = tuple[str, tuple[Value, ...], frozenset[str], int, bool]


def expected_score(case: Case, strategy: Strategy, country: str = "") -> float:
    tracked = case.analysis.tracked_variables
    variables = with_country(case.variables, country)
    watched = case.analysis.tracked_nodes
    position = {name: index for index, name in enumerate(tracked)}
    first: _State = (
        case.start,
        tuple(variables[name] for name in tracked),
        frozenset({case.start}) & watched,
        0,
        False,
    )
    states = [first]
    index = {first: 0}
    edges: list[list[tuple[int, float]]] = []
    current = 0
    while current < len(states):
        node_id, values, visited, earned, critical = states[current]
        node = case.nodes[node_id]
        environment = dict(zip(tracked, values, strict=True))
        offered = tuple(c for c in node.choices if c.is_offered(environment, visited))
        out: list[tuple[int, float]] = []
        for choice, chance in strategy(node, offered) if offered else []:
            changed = list(values)
            for name, value in choice.effects.set_to.items():
                if name in position:
                    changed[position[name]] = value
            for name, amount in choice.effects.add.items():
                if name in position:
                    changed[position[name]] += amount  # type: ignore[operator]
            after: _State = (
                choice.next,
                tuple(changed),
                visited | ({choice.next} & watched),
                earned + choice.total_points,
                critical or choice.critical,
            )
            target = index.get(after)
            if target is None:
                target = index[after] = len(states)
                states.append(after)
            out.append((target, chance))
        edges.append(out)
        current += 1
    return _solve(case, states, edges)[0]


def _solve(case: Case, states: list[_State], edges: list[list[tuple[int, float]]]) -> list[float]:
    """Expected final score from every state: components sinks first, cycles by iteration."""
    value = [0.0] * len(states)
    for number, (node_id, _, _, earned, critical) in enumerate(states):
        if case.nodes[node_id].is_ending:
            maximum = case.analysis.maximum_total
            raw = min(1.0, earned / maximum) if maximum else 0.0
            value[number] = min(raw, case.critical_cap) if critical else raw
    for component in strongly_connected([[t for t, _ in moves] for moves in edges]):
        for _ in range(10_000 if len(component) > 1 or _loops(edges, component[0]) else 1):
            change = 0.0
            for state in component:
                if not edges[state]:
                    continue
                new = sum(chance * value[target] for target, chance in edges[state])
                change = max(change, abs(new - value[state]))
                value[state] = new
            if change < 1e-12:
                break
    return value


def _loops(edges: list[list[tuple[int, float]]], state: int) -> bool:
    return any(target == state for target, _ in edges[state])
