"""The end-of-case debrief: each decision against the best options, and the indicators."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lti_tool.simulation.model import Case
from lti_tool.simulation.scoring import Score
from lti_tool.simulation.scoring import score
from lti_tool.simulation.scoring import taken_choices
from lti_tool.simulation.state import State


@dataclass(frozen=True, slots=True)
class DebriefStep:
    node_id: str
    choice_id: str
    feedback: str
    points: Mapping[str, int]
    critical: bool
    best_choice_ids: tuple[str, ...]  # the offered choices whose verdict is `best`


@dataclass(frozen=True, slots=True)
class Debrief:
    steps: list[DebriefStep]
    indicators_noticed: list[str]  # in the order the learner noticed them
    indicators_missed: list[str]  # in the order they were first met, never noticed
    score: Score
    ending_node_id: str | None  # None while the case is not finished


def debrief(case: Case, state: State) -> Debrief:
    steps: list[DebriefStep] = []
    noticed: dict[str, None] = {}  # dicts as ordered sets
    met: dict[str, None] = {}
    current = State.initial(case, state.country)
    for choice in taken_choices(case, state):
        node = case.nodes[current.node_id]
        steps.append(
            DebriefStep(
                node_id=node.id,
                choice_id=choice.id,
                feedback=choice.feedback,
                points=dict(choice.points),
                critical=choice.critical,
                best_choice_ids=_best_choice_ids(case, current),
            )
        )
        met.update(dict.fromkeys(node.indicators))
        met.update(dict.fromkeys(choice.missed))
        noticed.update(dict.fromkeys(choice.noticed))
        current = current.after(choice)
    last = case.nodes[current.node_id]
    met.update(dict.fromkeys(last.indicators))
    return Debrief(
        steps=steps,
        indicators_noticed=list(noticed),
        indicators_missed=[indicator for indicator in met if indicator not in noticed],
        score=score(case, state),
        ending_node_id=last.id if last.is_ending else None,
    )


def _best_choice_ids(case: Case, state: State) -> tuple[str, ...]:
    """The offered choices the author judged `best` (the checker makes sure there is one)."""
    return tuple(
        choice.id
        for choice in case.nodes[state.node_id].choices
        if choice.is_best and choice.is_offered(state.variables, state.visited)
    )
