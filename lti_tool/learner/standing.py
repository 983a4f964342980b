"""Where a learner stands after an attempt: the pass mark, and the attempt the gradebook gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lti_tool.learner.attempts import Completed
from lti_tool.learner.policy import AttemptPolicy


@dataclass(frozen=True, slots=True)
class Standing:
    pass_mark: float  # share of the maximum, in [0, 1]
    passed: bool  # this attempt reached the pass mark
    grade_from: str  # best | latest | first
    counting_number: int | None  # the attempt whose score the gradebook receives
    counting_score: float | None
    counting_passed: bool


def standing(
    policy: AttemptPolicy, case_pass_mark: float, score: float, completed: Sequence[Completed]
) -> Standing:
    """``completed`` are the learner's completed attempts at the link, in order. The attempt
    that counts is chosen as the grade sent to the platform is (lti_tool/grading/outbox.py):
    the latest one, the first one, or the one with the highest score (the earliest of equal
    ones)."""
    mark = policy.pass_mark_share(case_pass_mark)
    scored = [attempt for attempt in completed if attempt.score is not None]
    counting: Completed | None = None
    if scored:
        if policy.grade_from == "latest":
            counting = max(scored, key=lambda attempt: attempt.number)
        elif policy.grade_from == "first":
            counting = min(scored, key=lambda attempt: attempt.number)
        else:
            counting = max(scored, key=lambda attempt: (attempt.score, -attempt.number))
    counting_score = counting.score if counting else None
    return Standing(
        pass_mark=mark,
        passed=_reaches(score, mark),
        grade_from=policy.grade_from,
        counting_number=counting.number if counting else None,
        counting_score=counting_score,
        counting_passed=counting_score is not None and _reaches(counting_score, mark),
    )


def _reaches(score: float, mark: float) -> bool:
    return score >= mark - 1e-9  # 0.7 stored as 0.69999... still passes a 70 % mark
