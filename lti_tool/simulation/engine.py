"""Playing a case: start, offer choices, take one. Pure functions over frozen data."""

from __future__ import annotations

from lti_tool.simulation.errors import CaseFinished
from lti_tool.simulation.errors import ChoiceNotOffered
from lti_tool.simulation.model import Case
from lti_tool.simulation.model import Choice
from lti_tool.simulation.state import State


def start(case: Case) -> State:
    return State.initial(case)


def is_finished(case: Case, state: State) -> bool:
    return case.nodes[state.node_id].is_ending


def offered_choices(case: Case, state: State) -> list[Choice]:
    return [
        choice
        for choice in case.nodes[state.node_id].choices
        if choice.is_offered(state.variables, state.visited)
    ]


def choose(case: Case, state: State, choice_id: str) -> State:
    """The state after taking ``choice_id``, which must be offered at the current node now."""
    node = case.nodes[state.node_id]
    if node.is_ending:
        raise CaseFinished(f"case {case.id} is finished at {node.id}")
    choice = node.choice(choice_id)
    if choice is None or not choice.is_offered(state.variables, state.visited):
        raise ChoiceNotOffered(f"choice {choice_id!r} is not offered at {node.id}")
    return state.after(choice)
