"""Attempts: one learner's play of one case at one resource link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.db import Base
from lti_tool.db import utcnow

IN_PROGRESS = "in_progress"
COMPLETED = "completed"
CLOSED = "closed"  # begun on an earlier version of the case whose path no longer exists


class Attempt(Base):
    """The engine's state travels in ``state`` (its path is the list of decisions), and ``step``
    counts the decisions made: a choice is recorded by one conditional UPDATE on ``step``, so a
    double click, the back button or a second tab can never record a choice twice."""

    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("learner_id", "resource_link_id", "number"),
        Index("ix_attempt_link_status", "resource_link_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner_account.id", ondelete="CASCADE"), index=True
    )
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    case_id: Mapped[str] = mapped_column(String(64))
    case_version: Mapped[int]
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    step: Mapped[int] = mapped_column(default=0)
    # the order of each decision's options comes from this (lti_tool/simulation/shuffle.py);
    # None for attempts begun before options were shuffled: they keep the written order
    shuffle_seed: Mapped[str | None] = mapped_column(String(32))
    # the country whose law and services the attempt is played in (lti_tool/countries.py);
    # None: begun before countries were known, or no country was known
    country: Mapped[str | None] = mapped_column(String(2))
    # seconds since the start at which each decision was made (time spent, per decision)
    step_times: Mapped[list[float]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS)
    score: Mapped[float | None]
    scores: Mapped[dict[str, float] | None] = mapped_column(JSON)
    critical: Mapped[bool] = mapped_column(default=False)
    preview: Mapped[bool] = mapped_column(default=False)  # an instructor trying the case
    test_user: Mapped[bool] = mapped_column(default=False)  # the platform's test student
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
