"""The sandbox platform's own data: a stand-in LMS with its own database.

The sandbox is another party, not part of the tool: its tables live in their own database
(``LTI_TOOL_SANDBOX_DATABASE_URL``, a SQLite file in the instance folder by default) and are
created directly from this metadata; the tool's schema and migrations never include them.
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import sessionmaker

from lti_tool.db import make_engine


def now() -> datetime:
    return datetime.now(UTC)


class SandboxBase(DeclarativeBase):
    metadata = MetaData()


class SbUser(SandboxBase):
    __tablename__ = "sb_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    sub: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))  # learner | instructor
    test_user: Mapped[bool] = mapped_column(default=False)


class SbResourceLink(SandboxBase):
    __tablename__ = "sb_resource_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    rl_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    custom: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    lineitem_id: Mapped[int | None] = mapped_column(ForeignKey("sb_lineitem.id"))


class SbLaunchRequest(SandboxBase):
    __tablename__ = "sb_launch_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    hint: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("sb_user.id"))
    resource_link_id: Mapped[int | None] = mapped_column(ForeignKey("sb_resource_link.id"))
    message_type: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    used: Mapped[bool] = mapped_column(default=False)


class SbLineItem(SandboxBase):
    __tablename__ = "sb_lineitem"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(255))
    score_maximum: Mapped[float]
    resource_link_id: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(255))
    tag: Mapped[str | None] = mapped_column(String(255))


class SbScore(SandboxBase):
    __tablename__ = "sb_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    lineitem_id: Mapped[int] = mapped_column(ForeignKey("sb_lineitem.id"), index=True)
    user_sub: Mapped[str] = mapped_column(String(255), index=True)
    score_given: Mapped[float | None]
    score_maximum: Mapped[float | None]
    activity_progress: Mapped[str] = mapped_column(String(32))
    grading_progress: Mapped[str] = mapped_column(String(32))
    timestamp: Mapped[str] = mapped_column(String(64))
    timestamp_epoch: Mapped[float]
    comment: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]


class SbToken(SandboxBase):
    __tablename__ = "sb_token"

    token: Mapped[str] = mapped_column(String(128), primary_key=True)
    scopes: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[float]


class SbRegistrationToken(SandboxBase):
    """A Dynamic Registration token: handed to the tool with the registration URL, good for one
    registration within its hour."""

    __tablename__ = "sb_registration_token"

    token: Mapped[str] = mapped_column(String(128), primary_key=True)
    tool_url: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[float]
    used: Mapped[bool] = mapped_column(default=False)


class SbSetting(SandboxBase):
    __tablename__ = "sb_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SbEvent(SandboxBase):
    """A log of service calls the sandbox received, for the tests and the gradebook page."""

    __tablename__ = "sb_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


def make_sessionmaker(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)  # the tool's own engine settings (SQLite: WAL, BEGIN IMMEDIATE)
    SandboxBase.metadata.create_all(engine)
    return sessionmaker(engine, expire_on_commit=False)


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(SbSetting, key)
    return json.loads(row.value) if row else default


def set_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(SbSetting, key)
    if row is None:
        session.add(SbSetting(key=key, value=json.dumps(value)))
    else:
        row.value = json.dumps(value)


def log_event(session: Session, kind: str, detail: dict[str, Any]) -> None:
    session.add(SbEvent(kind=kind, detail=json.dumps(detail, sort_keys=True), at=now()))


def events(session: Session, kind: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(SbEvent).where(SbEvent.kind == kind).order_by(SbEvent.id))
    return [json.loads(row.detail) for row in rows]
