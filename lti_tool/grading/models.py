"""The outbox of scores to deliver, and the platforms' access tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import false
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.db import Base
from lti_tool.db import utcnow

PENDING = "pending"  # waiting for its next try
SENDING = "sending"  # claimed by a worker (claimed_by) until lease_until, renewed by heart-beats
DELIVERED = "delivered"
FAILED = "failed"  # the platform refused it for good (shown to admins and instructors; resend)
NOT_GRADABLE = "not_gradable"  # the user is not a gradable student there (e.g. a teacher)
SUPERSEDED = "superseded"  # a newer score for the same learner and activity replaced it
OPEN_STATES = (PENDING, SENDING)


class ScoreDelivery(Base):
    """One Score to post to one line item for one learner. Written in the same transaction as
    the attempt change that caused it, so a grade is never lost."""

    __tablename__ = "score_delivery"
    __table_args__ = (
        Index("ix_score_delivery_due", "status", "next_try_at"),
        Index("ix_score_delivery_learner_link", "learner_id", "resource_link_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE")
    )
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner_account.id", ondelete="CASCADE"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # started | completed
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the Score, as posted
    timestamp: Mapped[datetime]  # the Score's timestamp: strictly increasing per learner/link
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the worker that holds the claim
    # an earlier POST may have reached the platform without its answer reaching us (a crash, a
    # timeout): read the platform's result before sending it again
    outcome_unknown: Mapped[bool] = mapped_column(default=False, server_default=false())
    reason: Mapped[str | None] = mapped_column(String(32))  # the likely cause (grading.reasons)
    correlation_id: Mapped[str | None] = mapped_column(String(16))  # the launch's, for logs
    last_status: Mapped[int | None]  # the platform's last HTTP status
    last_error: Mapped[str | None] = mapped_column(Text)  # the platform's own words, trimmed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class AccessToken(Base):
    """An OAuth2 access token of a registration for a set of scopes, shared by all processes."""

    __tablename__ = "access_token"
    __table_args__ = (UniqueConstraint("registration_id", "scopes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    scopes: Mapped[str] = mapped_column(String(1024))
    token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]


class ServiceGrant(Base):
    """What the tool learnt about a scope from a registration's token endpoint: granted, or
    refused (and the platform's answer). Shown on the administration page."""

    __tablename__ = "service_grant"
    __table_args__ = (UniqueConstraint("registration_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(255))
    granted: Mapped[bool]
    detail: Mapped[str | None] = mapped_column(String(255))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
