"""The course overview: every activity of the instructor's own course that the tool knows (each
resource link launched at least once), with its case, attempts, completion and average score.

Only the course of the current launch's activity is read, on the platform of that activity:
another course's activities, learners or scores never appear. Without a course (a launch with
no context) the overview holds the current activity alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.instructor.class_results import graded
from lti_tool.instructor.class_results import reaches
from lti_tool.learner.models import COMPLETED
from lti_tool.learner.models import Attempt
from lti_tool.learner.policy import AttemptPolicy
from lti_tool.library import library
from lti_tool.lti.models import Course
from lti_tool.lti.models import ResourceLink
from lti_tool.simulation import Case


@dataclass(frozen=True, slots=True)
class AttemptFigures:
    learner_id: int
    number: int
    status: str
    score: float | None


@dataclass(frozen=True, slots=True)
class ActivityRow:
    link_id: int
    title: str | None  # the platform's title of the activity
    case: Case | None  # None: no case chosen yet, or a case the library no longer has
    case_id: str | None
    current: bool  # the activity of the current launch: its dashboard can be opened
    attempts: int
    started: int  # learners with at least one attempt
    completed: int  # learners with a completed attempt
    average: float | None  # the average of each learner's graded score
    passed: int


@dataclass(frozen=True, slots=True)
class CourseOverview:
    title: str | None
    activities: tuple[ActivityRow, ...]


def course_links(session: Session, link: ResourceLink) -> list[ResourceLink]:
    """The activities of ``link``'s course on ``link``'s platform (``link`` alone without a
    course), in the order the tool first saw them."""
    if link.course_id is None:
        return [link]
    return list(
        session.scalars(
            select(ResourceLink)
            .where(ResourceLink.course_id == link.course_id,
                   ResourceLink.platform_id == link.platform_id)
            .order_by(ResourceLink.id)
        )
    )  # fmt: skip


def _figures(session: Session, link_ids: list[int]) -> dict[int, list[AttemptFigures]]:
    """The counted attempts (no previews, no test users) of these activities, without their
    states: only the columns the overview needs."""
    found: dict[int, list[AttemptFigures]] = defaultdict(list)
    rows = session.execute(
        select(Attempt.resource_link_id, Attempt.learner_id, Attempt.number, Attempt.status,
               Attempt.score)
        .where(Attempt.resource_link_id.in_(link_ids), Attempt.preview.is_(False),
               Attempt.test_user.is_(False))
    )  # fmt: skip
    for link_id, learner_id, number, status, score in rows:
        found[link_id].append(AttemptFigures(learner_id, number, status, score))
    return found


def course_overview(session: Session, link: ResourceLink) -> CourseOverview:
    links = course_links(session, link)
    figures = _figures(session, [each.id for each in links])
    course = session.get(Course, link.course_id) if link.course_id is not None else None
    activities = []
    for each in links:
        attempts = figures.get(each.id, [])
        case = library().case(each.case_id)
        policy = AttemptPolicy.from_settings(each.settings)
        counted = graded(attempts, policy.grade_from)
        mark = policy.pass_mark_share(case.pass_mark) if case else 0.0
        scores = [a.score for a in counted.values() if a.score is not None]
        activities.append(
            ActivityRow(
                link_id=each.id,
                title=each.title,
                case=case,
                case_id=each.case_id,
                current=each.id == link.id,
                attempts=len(attempts),
                started=len({a.learner_id for a in attempts}),
                completed=len({a.learner_id for a in attempts if a.status == COMPLETED}),
                average=sum(scores) / len(scores) if scores else None,
                passed=sum(1 for a in counted.values() if case and reaches(a.score, mark)),
            )
        )
    return CourseOverview(course.title if course else None, tuple(activities))
