"""The class's results: the attempt of each learner that the gradebook gets, who passed, and the
class average of each skill (each dimension of the case). Previews and test users are left out
by the caller (``stats.counted_attempts``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from typing import TypeVar

from lti_tool.instructor.stats import LearnerRow
from lti_tool.learner.models import COMPLETED
from lti_tool.simulation import Case

PASS_TOLERANCE = 1e-9  # 0.7 stored as 0.69999... still passes a 70 % mark (learner/standing.py)


class Scored(Protocol):
    @property
    def learner_id(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def score(self) -> float | None: ...


S = TypeVar("S", bound=Scored)


def graded(attempts: Iterable[S], grade_from: str) -> dict[int, S]:
    """Per learner, the completed attempt whose score the gradebook gets: the latest, the
    first, or the one with the highest score (the earliest of equal ones), as the grade sent
    to the platform and the learner's own page choose it (``learner/standing.py``)."""
    done: dict[int, list[S]] = defaultdict(list)
    for attempt in attempts:
        if attempt.status == COMPLETED and attempt.score is not None:
            done[attempt.learner_id].append(attempt)
    chosen = {}
    for learner_id, scored in done.items():
        if grade_from == "latest":
            chosen[learner_id] = max(scored, key=lambda a: a.number)
        elif grade_from == "first":
            chosen[learner_id] = min(scored, key=lambda a: a.number)
        else:
            chosen[learner_id] = max(scored, key=lambda a: (a.score or 0.0, -a.number))
    return chosen


def reaches(score: float | None, mark: float) -> bool:
    return score is not None and score >= mark - PASS_TOLERANCE


def mark_passed(rows: Iterable[LearnerRow], counted: Mapping[int, Scored], mark: float) -> None:
    """Set ``passed`` on each row: the learner's graded attempt reaches ``mark``."""
    for row in rows:
        attempt = counted.get(row.learner_id) if row.learner_id is not None else None
        row.passed = attempt is not None and reaches(attempt.score, mark)


@dataclass(frozen=True, slots=True)
class SkillAverage:
    dimension: str
    label: str  # the case's English label; the template translates it
    average: float | None  # in [0, 1]; None when no learner has completed the case
    learners: int


@dataclass(frozen=True, slots=True)
class ClassResults:
    learners: int  # learners with a graded attempt at this case
    average: float | None  # the class average of the overall score
    passed: int
    skills: tuple[SkillAverage, ...]


class WithScores(Scored, Protocol):
    @property
    def case_id(self) -> str: ...
    @property
    def scores(self) -> dict[str, float] | None: ...


def class_results(case: Case, attempts: Iterable[WithScores], grade_from: str,
                  mark: float) -> ClassResults:  # fmt: skip
    """Averages over each learner's graded attempt at ``case`` (attempts at a case the activity
    used before have other skills, and are left out)."""
    counted = graded((a for a in attempts if a.case_id == case.id), grade_from)
    skills = []
    for dimension, label in case.dimensions.items():
        values = [
            float(a.scores[dimension]) for a in counted.values()
            if isinstance(a.scores, dict) and isinstance(a.scores.get(dimension), int | float)
        ]  # fmt: skip
        skills.append(SkillAverage(dimension, label, _mean(values), len(values)))
    overall = [float(a.score) for a in counted.values() if a.score is not None]
    return ClassResults(
        learners=len(counted),
        average=_mean(overall),
        passed=sum(1 for a in counted.values() if reaches(a.score, mark)),
        skills=tuple(skills),
    )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
