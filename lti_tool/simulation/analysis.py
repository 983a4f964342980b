"""Exhaustive search over a case's (node, variables, visited nodes) states.

It yields the scoring maxima, the best total reachable from every state (for the debrief),
and the graph problems the checker reports. Only variables read by some condition and nodes
named in some ``visited()`` are tracked: the others cannot change which choices are offered,
so leaving them out keeps the search exact while keeping the state space small.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from collections.abc import Set
from dataclasses import dataclass
from dataclasses import field

from lti_tool.simulation.conditions import Value
from lti_tool.simulation.conditions import nodes_checked
from lti_tool.simulation.conditions import variables_read
from lti_tool.simulation.graphs import strongly_connected
from lti_tool.simulation.model import Choice
from lti_tool.simulation.model import Node

MAX_STATES = 200_000

StateKey = tuple[str, tuple[Value, ...], frozenset[str]]


@dataclass(frozen=True, eq=False)
class Analysis:
    maximum: Mapping[str, int]  # per dimension, over all complete paths
    maximum_total: int  # the most points a single complete path earns
    most_decisions: int  # the most decisions on a way from the start to an ending
    state_count: int
    tracked_variables: tuple[str, ...]
    tracked_nodes: frozenset[str]
    best_total_from: Mapping[StateKey, int] = field(repr=False)
    decisions_ahead_from: Mapping[StateKey, int] = field(repr=False, default_factory=dict)

    def best_total(
        self, node_id: str, variables: Mapping[str, Value], visited: Set[str]
    ) -> int | None:
        """The most points still reachable from this state, or None if no ending is."""
        return self.best_total_from.get(self._key(node_id, variables, visited))

    def decisions_ahead(
        self, node_id: str, variables: Mapping[str, Value], visited: Set[str]
    ) -> int | None:
        """The most decisions still to make from this state on a way to an ending, or None
        if no ending is reachable."""
        return self.decisions_ahead_from.get(self._key(node_id, variables, visited))

    def _key(self, node_id: str, variables: Mapping[str, Value], visited: Set[str]) -> StateKey:
        values = tuple(variables[name] for name in self.tracked_variables)
        return (node_id, values, frozenset(visited) & self.tracked_nodes)


@dataclass(frozen=True)
class GraphFindings:
    too_many_states: bool = False
    unreachable: tuple[str, ...] = ()  # node ids
    never_offered: tuple[tuple[str, str], ...] = ()  # (node id, choice id)
    stuck: tuple[tuple[str, str], ...] = ()  # (node id, a situation where nothing is offered)
    no_way_out: tuple[str, ...] = ()  # nodes on a cycle from which no ending is reachable
    point_cycles: tuple[tuple[str, str], ...] = ()  # (node id, choice id)
    zero_dimensions: tuple[str, ...] = ()
    country_maximum: tuple[Value, ...] = ()  # root values whose maximum differs from the first


@dataclass(frozen=True, slots=True)
class _Move:
    choice: Choice
    sets: tuple[tuple[int, Value], ...]
    adds: tuple[tuple[int, int], ...]
    tracks_next: bool


def analyse(
    start: str,
    nodes: Mapping[str, Node],
    variables: Mapping[str, Value],
    dimensions: Sequence[str],
    max_states: int = MAX_STATES,
    roots: Mapping[str, Sequence[Value]] | None = None,
) -> tuple[Analysis | None, GraphFindings]:
    """``roots`` gives, for a variable whose start value is set from outside the case (the
    learner's country), every value it can start with; the first is the reference, and the
    search starts from each. A root whose maximum differs from the first is reported."""
    conditions = [c.condition for n in nodes.values() for c in n.choices if c.condition]
    read = set().union(*(variables_read(condition) for condition in conditions))
    tracked_variables = tuple(name for name in variables if name in read)
    tracked_nodes = frozenset().union(*(nodes_checked(condition) for condition in conditions))

    starts = [variables]
    for name, values in (roots or {}).items():
        if name in tracked_variables:
            starts = [{**s, name: value} for value in values for s in starts]
    explored = _explore(start, nodes, starts, tracked_variables, tracked_nodes, max_states)
    if explored is None:
        return None, GraphFindings(too_many_states=True)
    keys, edges = explored
    can_end = _can_reach_ending(keys, edges, nodes)
    components = strongly_connected([[target for _, target in moves] for moves in edges])
    best = _best_points(keys, edges, nodes, dimensions, components, can_end)
    ahead = most_decisions_ahead(edges, [nodes[key[0]].is_ending for key in keys], components)

    reached = {key[0] for key in keys}
    offered = {
        (key[0], choice.id) for key, moves in zip(keys, edges, strict=True) for choice, _ in moves
    }
    start_best = best[0]
    differing = tuple(
        starting[name]
        for number, starting in enumerate(starts)
        if best[number] != start_best
        for name in (roots or {})
        if name in tracked_variables
    )
    findings = GraphFindings(
        unreachable=tuple(node_id for node_id in nodes if node_id not in reached),
        never_offered=tuple(
            (node_id, choice.id)
            for node_id, node in nodes.items()
            if node_id in reached
            for choice in node.choices
            if (node_id, choice.id) not in offered
        ),
        stuck=_stuck(keys, edges, nodes, tracked_variables, tracked_nodes),
        no_way_out=_no_way_out(keys, edges, nodes, components, can_end),
        point_cycles=_point_cycles(nodes, offered),
        country_maximum=differing,
        zero_dimensions=tuple(
            dimension
            for position, dimension in enumerate(dimensions)
            if start_best is not None and start_best[position] == 0
        ),
    )
    count = len(dimensions)
    analysis = Analysis(
        maximum={d: start_best[i] if start_best else 0 for i, d in enumerate(dimensions)},
        maximum_total=start_best[count] if start_best else 0,
        most_decisions=ahead[0] or 0,
        state_count=len(keys),
        tracked_variables=tracked_variables,
        tracked_nodes=tracked_nodes,
        best_total_from={
            key: value[count] for key, value in zip(keys, best, strict=True) if value is not None
        },
        decisions_ahead_from={
            key: value for key, value in zip(keys, ahead, strict=True) if value is not None
        },
    )
    return analysis, findings


def _explore(
    start: str,
    nodes: Mapping[str, Node],
    starts: Sequence[Mapping[str, Value]],
    tracked_variables: tuple[str, ...],
    tracked_nodes: frozenset[str],
    max_states: int,
) -> tuple[list[StateKey], list[list[tuple[Choice, int]]]] | None:
    """Every state reachable from the ``starts``, which take the first positions."""
    position = {name: index for index, name in enumerate(tracked_variables)}
    moves = {
        node_id: [
            _Move(
                choice,
                tuple((position[n], v) for n, v in choice.effects.set_to.items() if n in position),
                tuple((position[n], a) for n, a in choice.effects.add.items() if n in position),
                choice.next in tracked_nodes,
            )
            for choice in node.choices
        ]
        for node_id, node in nodes.items()
    }
    keys: list[StateKey] = []
    index: dict[StateKey, int] = {}
    for variables in starts:
        first: StateKey = (
            start,
            tuple(variables[name] for name in tracked_variables),
            frozenset({start}) & tracked_nodes,
        )
        index.setdefault(first, len(keys))
        if index[first] == len(keys):
            keys.append(first)
    edges: list[list[tuple[Choice, int]]] = []
    current = 0
    while current < len(keys):
        node_id, values, visited = keys[current]
        environment = dict(zip(tracked_variables, values, strict=True))
        out: list[tuple[Choice, int]] = []
        for move in moves[node_id]:
            choice = move.choice
            if not choice.is_offered(environment, visited):
                continue
            new_values = values
            if move.sets or move.adds:
                changed = list(values)
                for slot, value in move.sets:
                    changed[slot] = value
                for slot, amount in move.adds:
                    changed[slot] += amount  # type: ignore[operator]
                new_values = tuple(changed)
            new_visited = visited | {choice.next} if move.tracks_next else visited
            key = (choice.next, new_values, new_visited)
            target = index.get(key)
            if target is None:
                target = len(keys)
                if target >= max_states:
                    return None
                index[key] = target
                keys.append(key)
            out.append((choice, target))
        edges.append(out)
        current += 1
    return keys, edges


def _can_reach_ending(
    keys: list[StateKey], edges: list[list[tuple[Choice, int]]], nodes: Mapping[str, Node]
) -> list[bool]:
    predecessors: list[list[int]] = [[] for _ in keys]
    for state, moves in enumerate(edges):
        for _, target in moves:
            predecessors[target].append(state)
    can_end = [nodes[key[0]].is_ending for key in keys]
    queue = [state for state, ending in enumerate(can_end) if ending]
    while queue:
        state = queue.pop()
        for previous in predecessors[state]:
            if not can_end[previous]:
                can_end[previous] = True
                queue.append(previous)
    return can_end


def _best_points(
    keys: list[StateKey],
    edges: list[list[tuple[Choice, int]]],
    nodes: Mapping[str, Node],
    dimensions: Sequence[str],
    components: list[list[int]],
    can_end: list[bool],
) -> list[list[int] | None]:
    """Per state: the most points reachable in each dimension, then in total (or None).

    Components come sinks first, so every edge leaving a component meets a finished value.
    Edges inside a component are free moves: a cycle must earn no points (that is checked
    separately), so all states of a component share one value.
    """
    component_of = [0] * len(keys)
    for number, component in enumerate(components):
        for state in component:
            component_of[state] = number
    zeros = [0] * (len(dimensions) + 1)
    best: list[list[int] | None] = [None] * len(keys)
    for number, component in enumerate(components):
        if not can_end[component[0]]:
            continue
        value: list[int] | None = None
        for state in component:
            candidates = [zeros] if nodes[keys[state][0]].is_ending else []
            for choice, target in edges[state]:
                after = best[target]
                if component_of[target] != number and after is not None:
                    gains = [choice.points.get(dimension, 0) for dimension in dimensions]
                    gains.append(choice.total_points)
                    candidates.append(list(map(sum, zip(gains, after, strict=True))))
            for candidate in candidates:
                value = candidate if value is None else list(map(max, value, candidate))
        for state in component:
            best[state] = value
    return best


EXACT_CYCLE_STATES = 12  # larger cycles (none so far) get an upper bound instead


def most_decisions_ahead(
    edges: Sequence[Sequence[tuple[Choice, int]]],
    is_ending: Sequence[bool],
    components: Sequence[Sequence[int]],
) -> list[int | None]:
    """Per state: the most decisions on a way from it to an ending that never comes back to a
    state it was in (0 at an ending), or None when no ending is reachable.

    ``components`` are the strongly connected components of the state graph, sinks first
    (``graphs.strongly_connected``), so a way that leaves a component never comes back to it:
    between components this is the longest path, exactly. Inside a cycle (a "look at the chart
    and come back" loop) the ways that visit each state once are tried one by one; a cycle of
    more than ``EXACT_CYCLE_STATES`` states gets an upper bound instead (k - 1 moves inside,
    then the best way out).
    """
    component_of = [0] * len(edges)
    for number, component in enumerate(components):
        for state in component:
            component_of[state] = number
    ahead: list[int | None] = [None] * len(edges)
    for number, component in enumerate(components):
        way_out: dict[int, int] = {}  # state -> the most decisions from it by leaving at once
        for state in component:
            best = 0 if is_ending[state] else None
            for _, target in edges[state]:
                after = ahead[target]
                if component_of[target] != number and after is not None:
                    best = max(best if best is not None else 0, after + 1)
            if best is not None:
                way_out[state] = best
        if not way_out:
            continue
        if len(component) == 1:
            ahead[component[0]] = way_out.get(component[0])
        elif len(component) > EXACT_CYCLE_STATES:
            for state in component:
                ahead[state] = max(way_out.values()) + len(component) - 1
        else:
            inside = {
                state: [target for _, target in edges[state] if component_of[target] == number]
                for state in component
            }
            for state in component:
                ahead[state] = _longest_inside(state, inside, way_out)
    return ahead


def _longest_inside(
    first: int, inside: Mapping[int, Sequence[int]], way_out: Mapping[int, int]
) -> int | None:
    """The most decisions from ``first``: moves inside its cycle, each state once, then out."""
    best: int | None = None
    stack = [(first, 0, frozenset({first}))]
    while stack:
        state, moves, seen = stack.pop()
        if state in way_out:
            best = max(best if best is not None else 0, moves + way_out[state])
        stack.extend((target, moves + 1, seen | {target})
                     for target in inside[state] if target not in seen)  # fmt: skip
    return best


def _stuck(
    keys: list[StateKey],
    edges: list[list[tuple[Choice, int]]],
    nodes: Mapping[str, Node],
    tracked_variables: tuple[str, ...],
    tracked_nodes: frozenset[str],
) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for key, moves in zip(keys, edges, strict=True):
        node_id, values, visited = key
        if not moves and not nodes[node_id].is_ending and node_id not in found:
            pairs = zip(tracked_variables, values, strict=True)
            situation = [f"{name} = {render_value(value)}" for name, value in pairs]
            situation += [
                f"visited('{n}') = {render_value(n in visited)}" for n in sorted(tracked_nodes)
            ]
            found[node_id] = ", ".join(situation)
    return tuple((node_id, found[node_id]) for node_id in nodes if node_id in found)


def _no_way_out(
    keys: list[StateKey],
    edges: list[list[tuple[Choice, int]]],
    nodes: Mapping[str, Node],
    components: list[list[int]],
    can_end: list[bool],
) -> tuple[str, ...]:
    trapped: set[str] = set()
    for component in components:
        if can_end[component[0]]:
            continue
        members = set(component)
        if len(component) > 1 or any(target in members for _, target in edges[component[0]]):
            trapped.update(keys[state][0] for state in component)
    return tuple(node_id for node_id in nodes if node_id in trapped)


def _point_cycles(
    nodes: Mapping[str, Node], offered: set[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """Choices that earn points on a cycle of the node graph (as actually played)."""
    order = {node_id: number for number, node_id in enumerate(nodes)}
    successors = [
        [order[c.next] for c in node.choices if (node_id, c.id) in offered]
        for node_id, node in nodes.items()
    ]
    component_of = [0] * len(order)
    sizes = []
    for number, component in enumerate(strongly_connected(successors)):
        sizes.append(len(component))
        for member in component:
            component_of[member] = number
    found = []
    for node_id, node in nodes.items():
        for choice in node.choices:
            if (node_id, choice.id) not in offered or choice.total_points == 0:
                continue
            here, there = order[node_id], order[choice.next]
            if component_of[here] == component_of[there] and (
                sizes[component_of[here]] > 1 or here == there
            ):
                found.append((node_id, choice.id))
    return tuple(found)


def render_value(value: Value) -> str:
    """A value as the condition language writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)
