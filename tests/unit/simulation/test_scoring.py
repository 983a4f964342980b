"""Scores: maxima from the graph (hand-computed), per-dimension and overall ratios, the cap."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lti_tool.simulation import Case
from lti_tool.simulation import State
from lti_tool.simulation import load_case
from lti_tool.simulation import score

Play = Callable[..., State]


def test_maxima_are_computed_from_the_graph(tour: Case) -> None:
    # identification: private-exam 1 + universal-education 2 + objective-notes 1 = 4
    # safety: private-exam 2 + phone-interpreter 1 + respect-and-offer 1
    #         + ask-about-safety 2 + objective-notes 1 = 7
    # communication: phone-interpreter 2 + universal-education 2 = 4
    # referral: refer-with-consent 3 + warm-handover 2 = 5 (needs trust 3 and the interpreter)
    assert tour.analysis.maximum == {
        "identification": 4,
        "safety": 7,
        "communication": 4,
        "referral": 5,
    }
    # No single path earns every maximum: the referral path earns 3+3+4+4+4 = 18,
    # the best door-left-open path 3+3+4+3+2+2 = 17; the maxima above add up to 20.
    assert tour.analysis.maximum_total == 18


def test_the_best_path_scores_one_overall(
    tour: Case, play: Play, tour_paths: dict[str, tuple[str, ...]]
) -> None:
    result = score(tour, play(tour, *tour_paths["referral-made"]))
    assert result.earned == {"identification": 3, "safety": 6, "communication": 4, "referral": 5}
    assert result.maximum == {"identification": 4, "safety": 7, "communication": 4, "referral": 5}
    assert result.dimensions == {
        "identification": 3 / 4,
        "safety": 6 / 7,
        "communication": 1.0,
        "referral": 1.0,
    }
    assert result.overall == 1.0
    assert (result.critical, result.capped) == (False, False)


def test_a_good_path_scores_its_share_per_dimension_and_overall(
    tour: Case, play: Play, tour_paths: dict[str, tuple[str, ...]]
) -> None:
    result = score(tour, play(tour, *tour_paths["door-left-open"]))
    assert result.earned == {"identification": 4, "safety": 7, "communication": 3, "referral": 2}
    assert result.dimensions == {
        "identification": 1.0,
        "safety": 1.0,
        "communication": 3 / 4,
        "referral": 2 / 5,
    }
    assert result.overall == 16 / 18


def test_a_critical_choice_caps_the_overall_score(tour: Case, play: Play) -> None:
    state = play(tour, "private-exam", "phone-interpreter", "universal-education", "call-police")
    result = score(tour, state)
    assert sum(result.earned.values()) == 10  # 10 / 18 = 0.56, above the 0.5 cap
    assert result.overall == 0.5
    assert (result.critical, result.capped) == (True, True)
    assert result.dimensions["communication"] == 1.0  # dimensions are not capped


def test_a_critical_score_below_the_cap_is_not_capped(
    tour: Case, play: Play, tour_paths: dict[str, tuple[str, ...]]
) -> None:
    result = score(tour, play(tour, *tour_paths["taken-away"]))
    assert result.overall == 0.0
    assert (result.critical, result.capped) == (True, False)


def test_an_unfinished_attempt_scores_what_it_has_earned(tour: Case, play: Play) -> None:
    result = score(tour, play(tour, "private-exam"))
    assert result.earned == {"identification": 1, "safety": 2, "communication": 0, "referral": 0}
    assert result.overall == 3 / 18


def test_maxima_respect_conditions_and_effects(write_case: Callable[..., Path], play: Play) -> None:
    # "rush" earns 1 now but leaves "ready" false, so the 5-point bonus is never offered
    # after it: the maximum is careful (0) + bonus (5) = 5, not rush (1) + bonus (5) = 6.
    path = write_case(
        "conditions-and-effects",
        """\
  arrival:
    text: A patient arrives.
    choices:
      - {id: rush, verdict: best, text: Rush., feedback: Quick., points: {safety: 1}, next: decide}
      - id: careful
        verdict: acceptable
        text: Take time.
        feedback: Good.
        effects: {set: {ready: true}}
        next: decide
  decide:
    text: Decide.
    choices:
      - {id: bonus, verdict: best, text: Bonus., feedback: Good., when: ready, points: {safety: 5}, next: end}
      - {id: plain, verdict: acceptable, text: Plain., feedback: Fine., next: end}
  end:
    text: Done.
    ending: {title: Done, debrief: Done.}
""",
        variables="  ready: false\n",
    )
    case = load_case(path)
    assert case.analysis.maximum == {"safety": 5}
    assert case.analysis.maximum_total == 5
    assert score(case, play(case, "rush", "plain")).overall == pytest.approx(1 / 5)
    assert score(case, play(case, "careful", "bonus")).overall == 1.0


def test_the_cap_comes_from_the_case(write_case: Callable[..., Path], play: Play) -> None:
    path = write_case(
        "custom-cap",
        """\
  arrival:
    text: A patient arrives.
    choices:
      - {id: ask, verdict: best, text: Ask., feedback: Good., points: {safety: 4}, next: end}
      - {id: harm, verdict: not-recommended, text: Harm., feedback: No., critical: true, points: {safety: 3}, next: end}
  end:
    text: Done.
    ending: {title: Done, debrief: Done.}
""",
        critical_cap=0.25,
    )
    case = load_case(path)
    result = score(case, play(case, "harm"))
    assert result.dimensions == {"safety": 0.75}
    assert result.overall == 0.25
    assert result.capped is True
