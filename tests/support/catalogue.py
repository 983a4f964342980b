"""The shipped case library as tests see it: every reachable state of a case, a path to each
ending, the best-scoring path, and the catalogue table of ``docs/cases.md``.

Everything is computed with the engine's public API (``start``, ``offered_choices``,
``choose``, ``is_finished``), so a path found here is one a learner can actually play.

Print the catalogue table (to paste into ``docs/cases.md`` after changing a case)::

    .venv/bin/python -m tests.support.catalogue
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from lti_tool.paths import CASES_DIR
from lti_tool.simulation import Case
from lti_tool.simulation import State
from lti_tool.simulation import choose
from lti_tool.simulation import is_finished
from lti_tool.simulation import load_library
from lti_tool.simulation import offered_choices
from lti_tool.simulation import start

MODULES = (
    "thb-basics",
    "rights-access",
    "role-of-health",
    "trauma-informed-care",
    "identification",
    "communication",
    "safe-referral",
    "long-term-care",
    "covid-19",
)

CASE_IDS = tuple(path.stem for path in sorted(CASES_DIR.glob("*.yaml")))


@cache
def library() -> dict[str, Case]:
    """The shipped cases, loaded once per test process."""
    return load_library([CASES_DIR])


def state_key(state: State) -> Hashable:
    """What decides the rest of a play: where the learner is, the variables, the nodes seen."""
    return (state.node_id, tuple(sorted(state.variables.items())), state.visited)


@dataclass(frozen=True)
class Reached:
    state: State
    choices: tuple[str, ...]  # the choice ids taken from the start to get here


def reachable(case: Case) -> list[Reached]:
    """Every distinct state reachable from the start, each with one shortest path to it."""
    first = start(case)
    seen = {state_key(first)}
    queue = deque([Reached(first, ())])
    found = []
    while queue:
        here = queue.popleft()
        found.append(here)
        if is_finished(case, here.state):
            continue
        for choice in offered_choices(case, here.state):
            after = choose(case, here.state, choice.id)
            key = state_key(after)
            if key not in seen:
                seen.add(key)
                queue.append(Reached(after, (*here.choices, choice.id)))
    return found


def paths_to_endings(case: Case) -> dict[str, tuple[str, ...]]:
    """For each ending node reachable in play, a shortest list of choices that reaches it."""
    paths: dict[str, tuple[str, ...]] = {}
    for here in reachable(case):
        if is_finished(case, here.state) and here.state.node_id not in paths:
            paths[here.state.node_id] = here.choices
    return paths


def best_path(case: Case) -> tuple[str, ...]:
    """A complete path with the most points; among those, one without a critical choice."""
    memo: dict[Hashable, tuple[int, bool, tuple[str, ...]]] = {}
    on_stack: set[Hashable] = set()

    def best_from(state: State) -> tuple[int, bool, tuple[str, ...]] | None:
        if is_finished(case, state):
            return 0, True, ()
        key = state_key(state)
        if key in memo:
            return memo[key]
        on_stack.add(key)
        best: tuple[int, bool, tuple[str, ...]] | None = None
        for choice in offered_choices(case, state):
            after = choose(case, state, choice.id)
            if state_key(after) in on_stack:  # a cycle earns no points: never worth taking
                continue
            rest = best_from(after)
            if rest is None:
                continue
            candidate = (
                choice.total_points + rest[0],
                rest[1] and not choice.critical,
                (choice.id, *rest[2]),
            )
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        on_stack.discard(key)
        if best is not None:
            memo[key] = best
        return best

    result = best_from(start(case))
    assert result is not None, f"{case.id}: no complete path"
    return result[2]


def play(case: Case, choices: Iterable[str]) -> State:
    state = start(case)
    for choice_id in choices:
        state = choose(case, state, choice_id)
    return state


def catalogue_table(cases: Iterable[Case]) -> str:
    """The Markdown table of ``docs/cases.md``: one row per case, sorted by title."""
    rows = [
        "| Title | Id | Setting | Modules | Minutes | Decision points | Endings |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for case in sorted(cases, key=lambda c: c.title.casefold()):
        modules = ", ".join(f"`{m}`" for m in MODULES if m in case.modules)
        rows.append(
            f"| {case.title} | `{case.id}` | `{case.setting}` | {modules} | {case.minutes} "
            f"| {case.decision_node_count} | {len(case.ending_node_ids)} |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(catalogue_table(library().values()), end="")
