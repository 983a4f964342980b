"""Fixtures for the engine tests: the feature-tour sample case, and small case files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lti_tool.simulation import Case
from lti_tool.simulation import State
from lti_tool.simulation import choose
from lti_tool.simulation import load_case
from lti_tool.simulation import start

DATA = Path(__file__).resolve().parents[2] / "data"
FEATURE_TOUR = DATA / "cases" / "feature-tour.yaml"
BAD_CASES = DATA / "bad_cases"

# The paths to each ending listed at the top of feature-tour.yaml.
REFERRAL_MADE = (
    "private-exam",
    "phone-interpreter",
    "universal-education",
    "refer-with-consent",
    "warm-handover",
)
DOOR_LEFT_OPEN = (
    "private-exam",
    "phone-interpreter",
    "review-chart",
    "back-to-patient",
    "ask-about-clinics",
    "respect-and-offer",
    "ask-about-safety",
    "objective-notes",
)
TAKEN_AWAY = ("confront-companion",)
TREATED_ONLY = ("continue-with-companion", "companion-interprets", "treat-only")
TRUST_LOST = ("private-exam", "simple-english", "ask-if-trafficked", "call-police")

CASE_HEADER = """\
id: {case_id}
version: 1
title: Small case
summary: A small case for one test.
modules: [identification]
setting: emergency-department
learner_role: Triage nurse
minutes: 5
content_note: No distressing content.
critical_cap: {critical_cap}
dimensions:
{dimensions}
sources:
  - title: Caring for Trafficked Persons
    publisher: IOM
    year: 2009
    url: https://publications.iom.int/books/caring-trafficked-persons-guidance-health-providers
{variables}start: {start}
nodes:
"""


@pytest.fixture(scope="session")
def tour() -> Case:
    return load_case(FEATURE_TOUR)


@pytest.fixture(scope="session")
def tour_paths() -> dict[str, tuple[str, ...]]:
    """Ending node id -> the choice ids of one path to it, as listed in feature-tour.yaml."""
    return {
        "referral-made": REFERRAL_MADE,
        "door-left-open": DOOR_LEFT_OPEN,
        "taken-away": TAKEN_AWAY,
        "treated-only": TREATED_ONLY,
        "trust-lost": TRUST_LOST,
    }


@pytest.fixture
def play() -> Callable[..., State]:
    """``play(case, *choice_ids)``: the state after taking the choices from the start."""

    def played(case: Case, *choice_ids: str) -> State:
        state = start(case)
        for choice_id in choice_ids:
            state = choose(case, state, choice_id)
        return state

    return played


@pytest.fixture
def write_case(tmp_path: Path) -> Callable[..., Path]:
    """``write_case(case_id, nodes_yaml, ...)``: a case file in tmp_path with a valid header."""

    def written(
        case_id: str,
        nodes: str,
        *,
        dimensions: tuple[str, ...] = ("safety",),
        variables: str = "",
        start: str = "arrival",
        critical_cap: float = 0.5,
        directory: Path = tmp_path,
    ) -> Path:
        header = CASE_HEADER.format(
            case_id=case_id,
            critical_cap=critical_cap,
            dimensions="".join(f"  {name}: {{label: {name.title()}}}\n" for name in dimensions),
            variables=f"variables:\n{variables}" if variables else "",
            start=start,
        )
        path = directory / f"{case_id}.yaml"
        path.write_text(header + nodes, encoding="utf-8")
        return path

    return written
