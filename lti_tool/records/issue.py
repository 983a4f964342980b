"""Issuing records of completion and finding them again by their code. Services take a
Connection and never commit (the view does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import Table
from sqlalchemy import insert
from sqlalchemy import select

from lti_tool.lti.models import Course
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.models import ResourceLink
from lti_tool.records.codes import digest
from lti_tool.records.codes import grouped
from lti_tool.records.codes import normalised
from lti_tool.records.facts import RecordFacts
from lti_tool.records.models import CompletionRecord

TABLE: Table = CompletionRecord.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Context:
    """Who and where, as the platform last told the tool."""

    learner: str | None
    course: str | None
    activity: str | None


def context_of(db: Connection, learner_id: int, link_id: int) -> Context:
    name = db.execute(
        select(LearnerAccount.display_name).where(LearnerAccount.id == learner_id)
    ).scalar()
    row = db.execute(
        select(Course.title, ResourceLink.title)
        .select_from(ResourceLink)
        .outerjoin(Course, Course.id == ResourceLink.course_id)
        .where(ResourceLink.id == link_id)
    ).first()
    course, activity = (row[0], row[1]) if row else (None, None)
    return Context(learner=name or None, course=course or None, activity=activity or None)


@dataclass(frozen=True, slots=True)
class Issued:
    code: str  # grouped for reading
    issued_at: datetime
    facts: RecordFacts


def issue(db: Connection, code: str, attempt_id: int, facts: RecordFacts, now: datetime
          ) -> Issued:  # fmt: skip
    """Keep a new record of ``facts`` for the attempt under ``code`` (from ``new_code``: each
    PDF has its own)."""
    plain = normalised(code)
    assert plain is not None
    db.execute(insert(TABLE).values(code_digest=digest(plain), attempt_id=attempt_id,
                                    issued_at=now, facts=facts.to_json()))  # fmt: skip
    return Issued(grouped(plain), now, facts)


def find(db: Connection, text: str | None) -> Issued | None:
    """The record whose code ``text`` is (typed or copied in any usual way), or None."""
    plain = normalised(text)
    if plain is None:
        return None
    row = db.execute(
        select(TABLE.c.issued_at, TABLE.c.facts).where(TABLE.c.code_digest == digest(plain))
    ).first()
    if row is None:
        return None
    return Issued(grouped(plain), row.issued_at, RecordFacts.from_json(row.facts))
