"""Scores waiting to be delivered: written in the transaction that changes the attempt, so a
grade is never lost; delivered later by a worker (see ``worker.py``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.grading.ags import SCOPE_SCORE
from lti_tool.grading.models import DELIVERED
from lti_tool.grading.models import FAILED
from lti_tool.grading.models import NOT_GRADABLE
from lti_tool.grading.models import OPEN_STATES
from lti_tool.grading.models import PENDING
from lti_tool.grading.models import SENDING
from lti_tool.grading.models import SUPERSEDED
from lti_tool.grading.models import ScoreDelivery
from lti_tool.learner.models import COMPLETED
from lti_tool.learner.models import Attempt
from lti_tool.learner.policy import AttemptPolicy
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.models import Platform
from lti_tool.lti.models import Registration
from lti_tool.lti.models import ResourceLink
from lti_tool.observability import correlation

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def next_timestamp(last: datetime | None, now: datetime) -> datetime:
    """Strictly later than ``last`` even when compared in whole seconds (Moodle answers 409 to
    a timestamp that is not newer, second by second; Canvas 400 to an older one)."""
    if last is None:
        return now
    next_second = last.replace(microsecond=0) + timedelta(seconds=1)
    return max(now, next_second)


def is_canvas(addresses: tuple[str | None, ...]) -> bool:
    """Canvas, by its issuer or service hosts (its score extension shows in SpeedGrader)."""
    return any(a and ("instructure.com" in a or "canvaslms.com" in a) for a in addresses)


_GRADED = (
    Attempt.learner_id == bindparam("learner"),
    Attempt.resource_link_id == bindparam("link"),
    Attempt.status == COMPLETED,
    Attempt.preview.is_(False),
)
# the attempt whose score counts, by the link's policy (its number names it in the comment)
_COUNTED = select(Attempt.number, Attempt.score).where(*_GRADED).limit(1)
_ORDER = {
    "best": (Attempt.score.desc(), Attempt.completed_at, Attempt.number),
    "latest": (Attempt.completed_at.desc(), Attempt.number.desc()),
    "first": (Attempt.completed_at, Attempt.number),
}
_LAST_STAMP = select(func.max(ScoreDelivery.timestamp)).where(
    ScoreDelivery.learner_id == bindparam("learner"),
    ScoreDelivery.resource_link_id == bindparam("link"),
)
_SUPERSEDE = (
    update(ScoreDelivery)
    .where(ScoreDelivery.learner_id == bindparam("learner"),
           ScoreDelivery.resource_link_id == bindparam("link"),
           ScoreDelivery.status == PENDING)
    .values(status=SUPERSEDED)
    .execution_options(synchronize_session=False)
)  # fmt: skip
_INSERT = insert(ScoreDelivery).returning(ScoreDelivery.id)
_TARGET = (
    select(
        ResourceLink.registration_id,
        ResourceLink.ags_scopes,
        ResourceLink.lineitem_url,
        ResourceLink.lineitems_url,
        ResourceLink.found_lineitem_url,
        ResourceLink.settings,
        Registration.key_set_url,
        Registration.auth_login_url,
        Platform.issuer,
        LearnerAccount.sub,
        # what the score needs besides, in the same round trip
        _LAST_STAMP.scalar_subquery().label("last_stamp"),
    )
    .join(Registration, Registration.id == ResourceLink.registration_id)
    .join(Platform, Platform.id == Registration.platform_id)
    .join(LearnerAccount, LearnerAccount.id == bindparam("learner"))
    .where(ResourceLink.id == bindparam("link"))
)


def enqueue(
    session: Session,
    *,
    link_id: int,
    learner_id: int,
    attempt_id: int,
    kind: str,
    now: datetime,
    comment: Callable[[int, float], str] | None = None,
    launch_url: str | None = None,
) -> int | None:
    """Queue the learner's current grade (``completed``) or progress (``started``) for the
    link's line item; nothing when the platform granted no score scope for this link. The
    grade is the score of the attempt the link's policy counts (best, latest or first), and
    ``comment(number, score)`` describes that attempt. Returns the delivery's id."""
    db = session.connection()
    target = db.execute(_TARGET, {"link": link_id, "learner": learner_id}).first()
    if target is None or SCOPE_SCORE not in (target.ags_scopes or []):
        return None
    if not (target.lineitem_url or target.lineitems_url or target.found_lineitem_url):
        return None
    policy = AttemptPolicy.from_settings(target.settings)
    stamp = next_timestamp(target.last_stamp, now)
    payload: dict[str, Any] = {"userId": target.sub, "timestamp": _iso(stamp)}
    if kind == "completed":
        counted = db.execute(
            _COUNTED.order_by(*_ORDER[policy.grade_from]),
            {"learner": learner_id, "link": link_id},
        ).first()
        if counted is None or counted.score is None:
            return None
        grade = counted.score
        payload.update(
            scoreGiven=round(grade * policy.score_maximum, 4),
            scoreMaximum=policy.score_maximum,
            activityProgress="Completed",
            gradingProgress="FullyGraded",
        )
        if comment is not None:
            payload["comment"] = comment(counted.number, grade)[:1000]
        if is_canvas((target.issuer, target.key_set_url, target.auth_login_url)) and launch_url:
            payload[CANVAS_SUBMISSION] = {
                "new_submission": True,
                "submission_type": "basic_lti_launch",
                "submission_data": launch_url,
                "submitted_at": _iso(stamp),
            }
    else:
        payload.update(activityProgress="Started", gradingProgress="NotReady")
    # A newer score replaces any older one still waiting: the platform must never receive an
    # older score after a newer one.
    db.execute(_SUPERSEDE, {"learner": learner_id, "link": link_id})
    return int(
        db.execute(
            _INSERT,
            {"registration_id": target.registration_id, "resource_link_id": link_id,
             "learner_id": learner_id, "attempt_id": attempt_id, "kind": kind,
             "payload": payload, "timestamp": stamp, "status": PENDING, "tries": 0,
             "next_try_at": now, "created_at": now, "correlation_id": correlation.current()},
        ).scalar_one()
    )  # fmt: skip


def resend(session: Session, delivery_ids: list[int], now: datetime) -> int:
    """Send again now: refused deliveries go back in the queue (the newest per learner and
    activity only), waiting ones skip the rest of their back-off. Returns how many."""
    rows = session.scalars(
        select(ScoreDelivery).where(ScoreDelivery.id.in_(delivery_ids),
                                    ScoreDelivery.status.in_((FAILED, NOT_GRADABLE, PENDING)))
    ).all()  # fmt: skip
    count = 0
    for row in rows:
        if row.status == PENDING:
            row.next_try_at = now
            count += 1
            continue
        newer_open = session.scalar(
            select(func.count()).where(
                ScoreDelivery.learner_id == row.learner_id,
                ScoreDelivery.resource_link_id == row.resource_link_id,
                ScoreDelivery.id > row.id,
                ScoreDelivery.status.in_((*OPEN_STATES, DELIVERED)),
            )
        )
        if newer_open:
            row.status = SUPERSEDED
            continue
        row.status, row.next_try_at, row.lease_until = PENDING, now, None
        count += 1
    return count


@dataclass(frozen=True)
class Status:
    counts: dict[str, int]
    oldest_pending: datetime | None

    def oldest_pending_age(self, now: datetime) -> float | None:
        if self.oldest_pending is None:
            return None
        return max((now - self.oldest_pending).total_seconds(), 0.0)


def status(session: Session, link_ids: list[int] | None = None) -> Status:
    query = select(ScoreDelivery.status, func.count()).group_by(ScoreDelivery.status)
    oldest = select(func.min(ScoreDelivery.created_at)).where(
        ScoreDelivery.status.in_((PENDING, SENDING))
    )
    if link_ids is not None:
        query = query.where(ScoreDelivery.resource_link_id.in_(link_ids))
        oldest = oldest.where(ScoreDelivery.resource_link_id.in_(link_ids))
    counts = {state: 0 for state in (PENDING, SENDING, DELIVERED, FAILED, NOT_GRADABLE, SUPERSEDED)}
    counts.update({state: int(n) for state, n in session.execute(query)})
    return Status(counts=counts, oldest_pending=session.scalar(oldest))


def failures(session: Session, link_ids: list[int] | None = None, limit: int = 100
             ) -> list[ScoreDelivery]:  # fmt: skip
    query = (
        select(ScoreDelivery)
        .where(ScoreDelivery.status == FAILED)
        .order_by(ScoreDelivery.id.desc())
        .limit(limit)
    )
    if link_ids is not None:
        query = query.where(ScoreDelivery.resource_link_id.in_(link_ids))
    return list(session.scalars(query))


def waiting(session: Session, link_ids: list[int] | None = None, limit: int = 100
            ) -> list[ScoreDelivery]:  # fmt: skip
    """Deliveries waiting for their next try, the soonest first."""
    query = (
        select(ScoreDelivery)
        .where(ScoreDelivery.status == PENDING)
        .order_by(ScoreDelivery.next_try_at, ScoreDelivery.id)
        .limit(limit)
    )
    if link_ids is not None:
        query = query.where(ScoreDelivery.resource_link_id.in_(link_ids))
    return list(session.scalars(query))


def backoff(tries: int, jitter: float, base: float = 2.0, cap: float = 300.0) -> float:
    """Seconds before the next try: exponential, capped, with jitter in [0.5, 1.5)."""
    return min(cap, base * math.pow(2, max(tries - 1, 0))) * (0.5 + jitter)
