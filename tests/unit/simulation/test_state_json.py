"""State.to_json / State.from_json: a compact round trip, and tampered state refused."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from lti_tool.simulation import Case
from lti_tool.simulation import State
from lti_tool.simulation import StateInvalid
from lti_tool.simulation import choose
from lti_tool.simulation import load_case
from lti_tool.simulation import start

Play = Callable[..., State]
THROUGH_THE_LOOP = ("private-exam", "phone-interpreter", "review-chart", "back-to-patient")


def test_the_json_is_compact_and_plain(tour: Case, play: Play) -> None:
    state = play(tour, "private-exam", "phone-interpreter")
    assert state.to_json() == {
        "node": "history",
        "vars": {"seen_alone": True, "trust": 2, "interpreter": "professional"},
        "path": [["triage", "private-exam"], ["language", "phone-interpreter"]],
        "critical": False,
    }


@pytest.mark.parametrize(
    "choices",
    [
        (),
        THROUGH_THE_LOOP,
        ("continue-with-companion", "companion-interprets", "treat-only"),
        ("private-exam", "phone-interpreter", "universal-education", "refer-with-consent"),
    ],
)
def test_round_trip_through_json_text(tour: Case, play: Play, choices: tuple[str, ...]) -> None:
    state = play(tour, *choices)
    restored = State.from_json(tour, json.loads(json.dumps(state.to_json())))
    assert restored == state
    assert restored.visited == state.visited
    assert restored.to_json() == state.to_json()


def test_a_restored_state_plays_on(tour: Case, play: Play) -> None:
    saved = play(tour, *THROUGH_THE_LOOP).to_json()
    restored = State.from_json(tour, saved)
    assert choose(tour, restored, "ask-about-clinics").node_id == "disclosure"


def tamper(data: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    change(changed)
    return changed


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d.update(node="referral-made"), id="node moved"),
        pytest.param(lambda d: d["vars"].update(trust=5), id="variable changed"),
        pytest.param(lambda d: d["vars"].update(seen_alone=1), id="variable type changed"),
        pytest.param(lambda d: d["vars"].pop("trust"), id="variable removed"),
        pytest.param(lambda d: d["vars"].update(extra=1), id="variable added"),
        pytest.param(lambda d: d.update(critical=True), id="critical flag set"),
        pytest.param(lambda d: d.update(critical=0), id="critical flag not a boolean"),
        pytest.param(lambda d: d["path"].pop(), id="step removed"),
        pytest.param(
            lambda d: d["path"][0].__setitem__(1, "continue-with-companion"),
            id="earlier choice swapped",
        ),
        pytest.param(
            lambda d: d["path"][1].__setitem__(1, "companion-interprets"),
            id="choice not offered then",
        ),
        pytest.param(lambda d: d["path"][1].__setitem__(0, "triage"), id="step at wrong node"),
        pytest.param(lambda d: d["path"][2].__setitem__(1, "jump-to-end"), id="unknown choice"),
        pytest.param(
            lambda d: d["path"].append(["history", "treat-only", "x"]), id="step not a pair"
        ),
        pytest.param(lambda d: d["path"].append("history/treat-only"), id="step not a list"),
        pytest.param(lambda d: d.update(path="triage"), id="path not a list"),
        pytest.param(lambda d: d.update(version=2), id="extra key"),
        pytest.param(lambda d: d.pop("critical"), id="missing key"),
    ],
)
def test_tampered_state_is_refused(
    tour: Case, play: Play, change: Callable[[dict[str, Any]], object]
) -> None:
    saved = play(tour, *THROUGH_THE_LOOP).to_json()
    with pytest.raises(StateInvalid):
        State.from_json(tour, tamper(saved, change))


@pytest.mark.parametrize("data", [None, [], "state", 3])
def test_non_objects_are_refused(tour: Case, data: object) -> None:
    with pytest.raises(StateInvalid):
        State.from_json(tour, data)


def test_a_path_beyond_an_ending_is_refused(tour: Case, play: Play) -> None:
    saved = play(tour, "confront-companion").to_json()
    saved["path"].append(["taken-away", "private-exam"])
    with pytest.raises(StateInvalid):
        State.from_json(tour, saved)


def test_state_from_another_case_is_refused(
    tour: Case, write_case: Callable[..., Any], play: Play
) -> None:
    other = load_case(
        write_case(
            "other",
            """\
  triage:
    text: Another triage.
    choices:
      - {id: private-exam, verdict: best, text: Examine., feedback: Good., points: {safety: 1}, next: end}
  end:
    text: Done.
    ending: {title: Done, debrief: Done.}
""",
            start="triage",
        )
    )
    saved = play(tour, "private-exam").to_json()
    with pytest.raises(StateInvalid):
        State.from_json(other, saved)
    assert State.from_json(other, choose(other, start(other), "private-exam").to_json())


def test_an_overlong_path_is_refused_before_replaying_it(tour: Case) -> None:
    data = {"node": "triage", "vars": {}, "path": [["triage", "x"]] * 1001, "critical": False}
    with pytest.raises(StateInvalid, match="at most 1000 steps"):
        State.from_json(tour, data)
