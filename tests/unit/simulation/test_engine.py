"""Playing the feature tour: starting, offering and taking choices, effects, endings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lti_tool.simulation import Case
from lti_tool.simulation import CaseFinished
from lti_tool.simulation import ChoiceNotOffered
from lti_tool.simulation import State
from lti_tool.simulation import StateInvalid
from lti_tool.simulation import Step
from lti_tool.simulation import analysis
from lti_tool.simulation import builder
from lti_tool.simulation import choose
from lti_tool.simulation import debrief
from lti_tool.simulation import decisions_up_to
from lti_tool.simulation import is_finished
from lti_tool.simulation import offered_choices
from lti_tool.simulation import score
from lti_tool.simulation import start

Play = Callable[..., State]


def offered_ids(case: Case, state: State) -> list[str]:
    return [choice.id for choice in offered_choices(case, state)]


def test_start_is_the_start_node_with_the_initial_variables(tour: Case) -> None:
    state = start(tour)
    assert state.node_id == "triage"
    assert dict(state.variables) == {"seen_alone": False, "trust": 0, "interpreter": "none"}
    assert state.path == ()
    assert state.critical is False
    assert state.decisions_made == 0
    assert state.visited == frozenset({"triage"})
    assert not is_finished(tour, state)


def test_choose_records_the_step_and_moves_to_next(tour: Case, play: Play) -> None:
    state = play(tour, "private-exam", "phone-interpreter")
    assert state.node_id == "history"
    assert state.path == (Step("triage", "private-exam"), Step("language", "phone-interpreter"))
    assert state.decisions_made == 2
    assert state.visited == frozenset({"triage", "language", "history"})


def test_set_and_add_effects_change_the_variables(tour: Case, play: Play) -> None:
    after_exam = play(tour, "private-exam")
    assert dict(after_exam.variables) == {
        "seen_alone": True,
        "trust": 1,
        "interpreter": "none",
    }
    after_interpreter = choose(tour, after_exam, "phone-interpreter")
    assert after_interpreter.variables["interpreter"] == "professional"
    assert after_interpreter.variables["trust"] == 2
    after_label = choose(tour, after_interpreter, "ask-if-trafficked")  # add: {trust: -1}
    assert after_label.variables["trust"] == 1


def test_choose_never_changes_the_state_it_was_given(tour: Case) -> None:
    before = start(tour)
    choose(tour, before, "private-exam")
    assert before == start(tour)
    with pytest.raises(TypeError):
        before.variables["trust"] = 5  # type: ignore[index]


def test_a_conditional_choice_is_offered_only_when_its_condition_holds(
    tour: Case, play: Play
) -> None:
    assert offered_ids(tour, play(tour, "private-exam")) == ["phone-interpreter", "simple-english"]
    assert offered_ids(tour, play(tour, "continue-with-companion")) == [
        "phone-interpreter",
        "companion-interprets",
        "simple-english",
    ]


def test_visited_conditions_unlock_a_choice_after_the_loop(tour: Case, play: Play) -> None:
    first_time = play(tour, "private-exam", "phone-interpreter")
    assert offered_ids(tour, first_time) == [
        "review-chart",
        "universal-education",
        "ask-if-trafficked",
        "treat-only",
    ]
    back = choose(tour, choose(tour, first_time, "review-chart"), "back-to-patient")
    assert back.node_id == "history"
    assert "ask-about-clinics" in offered_ids(tour, back)


def test_the_no_points_loop_can_be_taken_again_and_left(tour: Case, play: Play) -> None:
    state = play(tour, "private-exam", "phone-interpreter")
    for _ in range(3):
        state = choose(tour, choose(tour, state, "review-chart"), "back-to-patient")
    assert state.decisions_made == 8
    assert score(tour, state).earned == {
        "identification": 1,
        "safety": 3,
        "communication": 2,
        "referral": 0,
    }
    state = choose(tour, state, "treat-only")
    assert is_finished(tour, state)


def test_integer_comparison_and_text_equality_gate_the_referral(tour: Case, play: Play) -> None:
    trusted = play(tour, "private-exam", "phone-interpreter", "universal-education")
    assert trusted.variables["trust"] == 3
    assert "refer-with-consent" in offered_ids(tour, trusted)
    with_gestures = play(tour, "private-exam", "simple-english", "universal-education")
    assert with_gestures.variables["trust"] == 2
    assert "refer-with-consent" not in offered_ids(tour, with_gestures)


@pytest.mark.parametrize(
    ("choices", "choice_id"),
    [
        ((), "no-such-choice"),
        ((), "warm-handover"),  # exists, but at another node
        (("private-exam",), "companion-interprets"),  # exists here, but not offered now
        (("private-exam", "simple-english", "universal-education"), "refer-with-consent"),
    ],
)
def test_choices_not_offered_now_are_rejected(
    tour: Case, play: Play, choices: tuple[str, ...], choice_id: str
) -> None:
    state = play(tour, *choices)
    with pytest.raises(ChoiceNotOffered):
        choose(tour, state, choice_id)


def test_each_ending_finishes_the_case_and_choose_then_refuses(
    tour: Case, play: Play, tour_paths: dict[str, tuple[str, ...]]
) -> None:
    assert set(tour_paths) == set(tour.ending_node_ids)
    for ending, choices in tour_paths.items():
        state = play(tour, *choices)
        assert state.node_id == ending
        assert is_finished(tour, state)
        assert offered_choices(tour, state) == []
        with pytest.raises(CaseFinished):
            choose(tour, state, "private-exam")


def test_a_critical_choice_marks_the_state(tour: Case, play: Play) -> None:
    assert play(tour, "continue-with-companion").critical is False
    assert play(tour, "continue-with-companion", "companion-interprets").critical is True
    assert play(tour, *("continue-with-companion", "companion-interprets", "treat-only")).critical


def test_case_facts_for_the_web_layer(tour: Case) -> None:
    assert tour.id == "feature-tour"
    assert tour.version == 1
    assert tour.start == "triage"
    assert tour.decision_node_count == 8
    assert tour.ending_node_ids == (
        "referral-made",
        "door-left-open",
        "taken-away",
        "treated-only",
        "trust-lost",
    )
    triage = tour.nodes["triage"]
    assert not triage.is_ending
    assert triage.speaker[0] == (
        "Dan",
        "She slipped in the shower. I'll tell you everything, her English isn't good.",
    )
    assert triage.observations[0] == "Pulse 104, blood pressure 118/76, pain 7 out of 10."
    assert triage.indicators == ("companion-answers", "avoids-eye-contact")
    interprets = tour.nodes["language"].choice("companion-interprets")
    assert interprets is not None
    assert interprets.when == "not seen_alone"
    assert interprets.critical is True
    ending = tour.nodes["door-left-open"].ending
    assert ending is not None
    assert ending.title == "A door left open"
    assert tour.sources[0].year == 2009
    assert tour.dimensions["safety"] == "Safety of the patient and staff"


def test_per_request_calls_never_analyse_the_graph_again(
    tour: Case, play: Play, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_analysis(*args: object, **kwargs: object) -> None:
        raise AssertionError("the analysis must be cached on the Case")

    monkeypatch.setattr(analysis, "_explore", no_analysis)
    monkeypatch.setattr(analysis, "analyse", no_analysis)
    monkeypatch.setattr(builder, "analyse", no_analysis)
    state = play(tour, "private-exam", "phone-interpreter", "universal-education")
    offered_choices(tour, state)
    state = State.from_json(tour, state.to_json())
    score(tour, state)
    debrief(tour, choose(tour, choose(tour, state, "refer-with-consent"), "warm-handover"))


def test_a_state_at_a_node_the_case_does_not_have_is_invalid(tour: Case) -> None:
    foreign = State("x-ray-room", tour.variables, visited=frozenset({"x-ray-room"}))
    with pytest.raises(StateInvalid):
        offered_choices(tour, foreign)
    with pytest.raises(StateInvalid):
        choose(tour, foreign, "private-exam")
    with pytest.raises(StateInvalid):
        is_finished(tour, foreign)


def test_decisions_up_to_is_the_longest_path_through_where_the_learner_is(
    tour: Case, play: Play, tour_paths: dict[str, tuple[str, ...]]
) -> None:
    longest = max(len(choices) for choices in tour_paths.values())
    assert tour.analysis.most_decisions == longest == 8
    assert decisions_up_to(tour, start(tour)) == 8
    # on the longest path the bound never moves
    door = tour_paths["door-left-open"]
    assert [decisions_up_to(tour, play(tour, *door[:n])) for n in range(len(door) + 1)] == [8] * 9
    # on a shorter path it shrinks to the decisions that path can still take, down to its length
    referral = tour_paths["referral-made"]
    bounds = [decisions_up_to(tour, play(tour, *referral[:n])) for n in range(len(referral) + 1)]
    assert bounds[0] == 8
    assert bounds[-1] == len(referral) == 5
    assert bounds == sorted(bounds, reverse=True)
    # an ending counts the decisions made, whichever way it was reached
    for choices in tour_paths.values():
        assert decisions_up_to(tour, play(tour, *choices)) == len(choices)
