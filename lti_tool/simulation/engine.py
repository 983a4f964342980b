"""Playing a case: start, offer choices, take one. Pure functions over frozen data."""

from __future__ import annotations

from lti_tool.simulation.errors import CaseFinished
from lti_tool.simulation.errors import ChoiceNotOffered
from lti_tool.simulation.errors import StateInvalid
from lti_tool.simulation.model import Case
from lti_tool.simulation.model import Choice
from lti_tool.simulation.model import Node
from lti_tool.simulation.shuffle import shown_order
from lti_tool.simulation.state import State


def start(case: Case, country: str = "") -> State:
    return State.initial(case, country)


def is_finished(case: Case, state: State) -> bool:
    return _node_at(case, state).is_ending


def offered_choices(case: Case, state: State, seed: str | None = None) -> list[Choice]:
    """The choices on offer now, in the order the attempt with ``seed`` shows them (the
    written order without a seed)."""
    node = _node_at(case, state)
    choices = node.choices if seed is None else shown_order(node.choices, seed, node.id)
    return [choice for choice in choices if choice.is_offered(state.variables, state.visited)]


def decisions_up_to(case: Case, state: State) -> int:
    """The most decisions an attempt at ``state`` makes in all: those already made and the most
    still ahead on any way from here to an ending (so at the start, the case's longest path).
    Never less than the decision the learner is at now."""
    ahead = case.analysis.decisions_ahead(state.node_id, state.variables, state.visited)
    now = 0 if _node_at(case, state).is_ending else 1
    return state.decisions_made + max(ahead or 0, now)


def shown_path(case: Case, state: State, seed: str | None) -> list[tuple[str, ...]]:
    """For each decision on ``state``'s path, the ids of the choices offered then, in the
    order that attempt showed them."""
    shown = []
    current = State.initial(case, state.country)
    for step in state.path:
        shown.append(tuple(choice.id for choice in offered_choices(case, current, seed)))
        current = choose(case, current, step.choice_id)
    return shown


def choose(case: Case, state: State, choice_id: str) -> State:
    """The state after taking ``choice_id``, which must be offered at the current node now."""
    node = _node_at(case, state)
    if node.is_ending:
        raise CaseFinished(f"case {case.id} is finished at {node.id}")
    choice = node.choice(choice_id)
    if choice is None or not choice.is_offered(state.variables, state.visited):
        raise ChoiceNotOffered(f"choice {choice_id!r} is not offered at {node.id}")
    return state.after(choice)


def _node_at(case: Case, state: State) -> Node:
    node = case.nodes.get(state.node_id)
    if node is None:
        raise StateInvalid(f"node {state.node_id!r} is not in case {case.id}")
    return node
