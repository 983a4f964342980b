"""The debrief: each decision with its feedback and the best options, and the indicators."""

from __future__ import annotations

from collections.abc import Callable

from lti_tool.simulation import Case
from lti_tool.simulation import DebriefStep
from lti_tool.simulation import State
from lti_tool.simulation import debrief
from lti_tool.simulation import score

Play = Callable[..., State]


def test_steps_show_feedback_points_and_the_best_options(
    tour: Case, play: Play, tour_paths: dict[str, tuple[str, ...]]
) -> None:
    result = debrief(tour, play(tour, *tour_paths["referral-made"]))
    assert [(s.node_id, s.choice_id, s.best_choice_ids) for s in result.steps] == [
        ("triage", "private-exam", ("private-exam",)),
        ("language", "phone-interpreter", ("phone-interpreter",)),
        # the best options are the offered ones the author judged `best`, whatever their points
        ("history", "universal-education", ("universal-education",)),
        ("disclosure", "refer-with-consent", ("refer-with-consent", "respect-and-offer")),
        ("handover", "warm-handover", ("warm-handover",)),
    ]
    first = result.steps[0]
    assert first.points == {"identification": 1, "safety": 2}
    assert first.critical is False
    assert first.feedback == tour.nodes["triage"].choices[0].feedback
    assert result.ending_node_id == "referral-made"
    assert result.score == score(tour, play(tour, *tour_paths["referral-made"]))


def test_best_options_are_the_offered_choices_with_verdict_best(tour: Case, play: Play) -> None:
    # After gestures instead of an interpreter, the referral can no longer be offered, so at
    # the disclosure respect-and-offer is the only best option.
    state = play(
        tour,
        "private-exam",
        "simple-english",
        "universal-education",
        "give-leaflet",
        "skip-safety",
        "label-letter",
    )
    steps = debrief(tour, state).steps
    assert steps[1] == DebriefStep(
        node_id="language",
        choice_id="simple-english",
        feedback=tour.nodes["language"].choices[2].feedback,
        points={},
        critical=False,
        best_choice_ids=("phone-interpreter",),
    )
    assert steps[3].best_choice_ids == ("respect-and-offer",)
    assert steps[4].best_choice_ids == ("ask-about-safety",)
    assert steps[5].best_choice_ids == ("objective-notes",)


def test_choices_not_offered_at_the_time_are_never_best(tour: Case, play: Play) -> None:
    # Without seeing her alone, neither best option of the history is offered: the debrief
    # names none there rather than promote a lesser one.
    state = play(tour, "continue-with-companion", "phone-interpreter", "treat-only")
    history = debrief(tour, state).steps[2]
    assert history.node_id == "history"
    assert history.best_choice_ids == ()


def test_indicators_noticed_in_order_and_none_missed_on_the_best_path(
    tour: Case, play: Play, tour_paths: dict[str, tuple[str, ...]]
) -> None:
    result = debrief(tour, play(tour, *tour_paths["referral-made"]))
    assert result.indicators_noticed == [
        "companion-answers",
        "avoids-eye-contact",
        "injury-story-mismatch",
        "debt-bondage",
        "restricted-movement",
    ]
    assert result.indicators_missed == []


def test_missed_indicators_come_from_choices_and_from_visited_nodes(
    tour: Case, play: Play, tour_paths: dict[str, tuple[str, ...]]
) -> None:
    result = debrief(tour, play(tour, *tour_paths["trust-lost"]))
    assert result.indicators_noticed == ["companion-answers", "avoids-eye-contact"]
    # injury-story-mismatch: named as missed by ask-if-trafficked (and present at history);
    # debt-bondage, restricted-movement: present at the disclosure node, never noticed
    assert result.indicators_missed == [
        "injury-story-mismatch",
        "debt-bondage",
        "restricted-movement",
    ]
    steps = debrief(tour, play(tour, *tour_paths["trust-lost"])).steps
    assert steps[-1].critical is True


def test_an_indicator_noticed_later_is_not_missed(
    tour: Case, play: Play, tour_paths: dict[str, tuple[str, ...]]
) -> None:
    result = debrief(tour, play(tour, *tour_paths["door-left-open"]))
    # chart shows repeat-clinic-visits and no-documents; both are noticed later on
    assert result.indicators_noticed == [
        "companion-answers",
        "avoids-eye-contact",
        "repeat-clinic-visits",
        "injury-story-mismatch",
        "debt-bondage",
        "restricted-movement",
        "no-documents",
    ]
    assert result.indicators_missed == []


def test_an_unfinished_attempt_has_no_ending_and_counts_the_current_node(
    tour: Case, play: Play
) -> None:
    result = debrief(tour, play(tour, "continue-with-companion"))
    assert result.ending_node_id is None
    assert result.indicators_noticed == []
    assert result.indicators_missed == ["companion-answers", "avoids-eye-contact"]
    assert [step.choice_id for step in result.steps] == ["continue-with-companion"]
