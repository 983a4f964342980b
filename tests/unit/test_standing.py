"""The pass mark of a link and the attempt whose score the gradebook receives."""

from __future__ import annotations

import pytest

from lti_tool.learner.attempts import Completed
from lti_tool.learner.policy import AttemptPolicy
from lti_tool.learner.policy import pass_mark_or_none
from lti_tool.learner.standing import standing

DONE = [Completed(1, 1, 0.5), Completed(2, 2, 0.9), Completed(3, 3, 0.9), Completed(4, 4, 0.4)]


def test_the_best_attempt_counts_the_earliest_of_equal_scores() -> None:
    where = standing(AttemptPolicy(), 0.7, 0.4, DONE)
    assert (where.counting_number, where.counting_score) == (2, 0.9)
    assert where.counting_passed and not where.passed
    assert where.pass_mark == 0.7


def test_the_latest_attempt_counts_under_the_latest_policy() -> None:
    where = standing(AttemptPolicy(grade_from="latest"), 0.7, 0.4, DONE)
    assert (where.counting_number, where.counting_score, where.counting_passed) == (4, 0.4, False)


def test_the_links_pass_mark_overrides_the_cases() -> None:
    where = standing(AttemptPolicy(pass_mark=35), 0.7, 0.4, DONE)
    assert where.pass_mark == 0.35 and where.passed
    assert standing(AttemptPolicy(), 0.7, 0.7, DONE).passed  # reaching the mark passes


@pytest.mark.parametrize(("value", "kept"), [(55, 55.0), (0, 0.0), (100, 100.0), (55.5, 55.5),
                                             (101, None), (-1, None), (True, None), ("55", None),
                                             (float("nan"), None), (None, None)])  # fmt: skip
def test_stored_pass_marks_outside_0_to_100_are_ignored(value: object, kept: float | None) -> None:
    assert pass_mark_or_none(value) == kept
    assert AttemptPolicy.from_settings({"pass_mark": value}).pass_mark == kept
