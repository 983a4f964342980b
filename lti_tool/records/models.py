"""A record of completion issued for an attempt: its code's digest and what it shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.db import Base
from lti_tool.db import utcnow


class CompletionRecord(Base):
    """One PDF handed to a learner. ``facts`` is what the PDF shows, as issued (see
    ``records.facts``), so the verification page shows the same whatever changes later; the
    record goes with its attempt (deleted learner, retention purge)."""

    __tablename__ = "completion_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
