"""What the tool keeps about a learner, for how long, and how to hand it over or erase it.

A learner is known by (issuer, ``sub``). Their rows: the account (``sub``, a display name when
the platform sends one, languages), their attempts (path, times, scores) with the records of
completion issued for them, and the grade deliveries of those attempts (the payload names the
``sub``). Deleting a learner removes them all (records go with their attempts); a purge
removes attempts (and their records) untouched for the retention period, then accounts with
nothing left, and delivered grade rows after a shorter period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.grading.models import DELIVERED
from lti_tool.grading.models import FAILED
from lti_tool.grading.models import NOT_GRADABLE
from lti_tool.grading.models import SUPERSEDED
from lti_tool.grading.models import ScoreDelivery
from lti_tool.learner.models import Attempt
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.models import Platform
from lti_tool.records.models import CompletionRecord

DAYS_PER_MONTH = 30
FINISHED_DELIVERIES = (DELIVERED, SUPERSEDED, FAILED, NOT_GRADABLE)


def find_learner(session: Session, issuer: str, sub: str) -> LearnerAccount | None:
    return session.scalar(
        select(LearnerAccount)
        .join(Platform, Platform.id == LearnerAccount.platform_id)
        .where(Platform.issuer == issuer, LearnerAccount.sub == sub)
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_learner(session: Session, learner: LearnerAccount) -> dict[str, Any]:
    """Everything the tool keeps about one learner, as JSON-ready data."""
    issuer = session.scalar(select(Platform.issuer).where(Platform.id == learner.platform_id))
    attempts = session.scalars(
        select(Attempt).where(Attempt.learner_id == learner.id).order_by(Attempt.id)
    )
    deliveries = session.scalars(
        select(ScoreDelivery).where(ScoreDelivery.learner_id == learner.id)
        .order_by(ScoreDelivery.id)
    )  # fmt: skip
    return {
        "learner": {
            "issuer": issuer, "sub": learner.sub, "display_name": learner.display_name,
            "preferred_locale": learner.preferred_locale,
            "preferred_country": learner.preferred_country,
            "created_at": _iso(learner.created_at),
        },
        "attempts": [
            {"case_id": a.case_id, "case_version": a.case_version, "number": a.number,
             "status": a.status, "path": a.state.get("path", []), "step_times": a.step_times,
             "score": a.score, "scores": a.scores, "critical": a.critical,
             "started_at": _iso(a.started_at), "updated_at": _iso(a.updated_at),
             "completed_at": _iso(a.completed_at)}
            for a in attempts
        ],
        "records_of_completion": [
            {"attempt_number": number, "issued_at": _iso(issued_at), "facts": facts}
            for number, issued_at, facts in session.execute(
                select(Attempt.number, CompletionRecord.issued_at, CompletionRecord.facts)
                .join(Attempt, Attempt.id == CompletionRecord.attempt_id)
                .where(Attempt.learner_id == learner.id)
                .order_by(CompletionRecord.id)
            )
        ],
        "grade_deliveries": [
            {"kind": d.kind, "status": d.status, "payload": d.payload,
             "created_at": _iso(d.created_at), "delivered_at": _iso(d.delivered_at)}
            for d in deliveries
        ],
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Removed:
    learners: int = 0
    attempts: int = 0
    deliveries: int = 0


def delete_learner(session: Session, learner_id: int) -> Removed:
    """Remove one learner and every row that names them (in the caller's transaction)."""
    deliveries = session.execute(
        delete(ScoreDelivery).where(ScoreDelivery.learner_id == learner_id)
    ).rowcount
    attempts = session.execute(delete(Attempt).where(Attempt.learner_id == learner_id)).rowcount
    learners = session.execute(
        delete(LearnerAccount).where(LearnerAccount.id == learner_id)
    ).rowcount
    return Removed(learners, attempts, deliveries)


def purge(session: Session, now: datetime, months: int, delivered_days: int) -> Removed:
    """Remove attempts untouched for ``months``, then learners with nothing left who arrived
    before then, and finished grade deliveries older than ``delivered_days``. A grade still
    waiting to be delivered is never removed."""
    cutoff = now - timedelta(days=DAYS_PER_MONTH * months)
    delivered_cutoff = now - timedelta(days=delivered_days)
    deliveries = session.execute(
        delete(ScoreDelivery).where(ScoreDelivery.status.in_(FINISHED_DELIVERIES),
                                    ScoreDelivery.created_at < delivered_cutoff)
    ).rowcount  # fmt: skip
    old_attempts = select(Attempt.id).where(Attempt.updated_at < cutoff)
    deliveries += session.execute(
        delete(ScoreDelivery).where(ScoreDelivery.attempt_id.in_(old_attempts),
                                    ScoreDelivery.status.in_(FINISHED_DELIVERIES))
    ).rowcount  # fmt: skip
    attempts = session.execute(delete(Attempt).where(Attempt.updated_at < cutoff)).rowcount
    learners = session.execute(
        delete(LearnerAccount).where(
            LearnerAccount.created_at < cutoff,
            ~exists().where(Attempt.learner_id == LearnerAccount.id),
            ~exists().where(ScoreDelivery.learner_id == LearnerAccount.id),
        )
    ).rowcount
    return Removed(learners, attempts, deliveries)
