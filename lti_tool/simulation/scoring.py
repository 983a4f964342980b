"""Scores per dimension and overall, against the maxima computed from the case graph."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lti_tool.simulation.errors import StateInvalid
from lti_tool.simulation.model import Case
from lti_tool.simulation.model import Choice
from lti_tool.simulation.state import State


@dataclass(frozen=True, slots=True)
class Score:
    overall: float  # in [0, 1], capped at the case's critical_cap after a critical choice
    dimensions: Mapping[str, float]  # earned / maximum per dimension, in [0, 1]
    earned: Mapping[str, int]
    maximum: Mapping[str, int]
    critical: bool  # a critical choice was taken
    capped: bool  # the cap lowered the overall score


def taken_choices(case: Case, state: State) -> list[Choice]:
    choices = []
    for step in state.path:
        node = case.nodes.get(step.node_id)
        choice = node.choice(step.choice_id) if node else None
        if choice is None:
            raise StateInvalid(f"step {step.node_id}/{step.choice_id} is not in case {case.id}")
        choices.append(choice)
    return choices


def score(case: Case, state: State) -> Score:
    earned = dict.fromkeys(case.dimensions, 0)
    for choice in taken_choices(case, state):
        for dimension, points in choice.points.items():
            earned[dimension] += points
    maximum = dict(case.analysis.maximum)
    raw = _ratio(sum(earned.values()), case.analysis.maximum_total)
    capped = state.critical and raw > case.critical_cap
    return Score(
        overall=min(raw, case.critical_cap) if state.critical else raw,
        dimensions={name: _ratio(earned[name], maximum[name]) for name in case.dimensions},
        earned=earned,
        maximum=maximum,
        critical=state.critical,
        capped=capped,
    )


def _ratio(earned: int, maximum: int) -> float:
    return min(1.0, earned / maximum) if maximum > 0 else 0.0
