"""Record an accepted launch: the learner account, the course and the resource link.

Rows are upserted with one statement each (``INSERT … ON CONFLICT … RETURNING``), so two first
launches of the same learner at the same moment cannot collide. The statements are built once
per database dialect, and a per-process cache skips an upsert whose row this process has just
written with the same values: most launches change nothing (see docs/performance.md). An
activity row whose launch carries the platform's case is always written (see ``_case_rule``).
Names are kept only as the platform sent them; e-mail addresses are never stored.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from lti_tool.lti.claims import LaunchContext
from lti_tool.lti.models import Course
from lti_tool.lti.models import Deployment
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.models import ResourceLink
from lti_tool.lti.registrations import DeploymentRecord
from lti_tool.lti.registrations import RegistrationRecord


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _upsert(
    dialect: str,
    table: Table,
    keys: Sequence[str],
    insert_only: Sequence[str],
    updated: Sequence[str],
    keep_existing: Sequence[str] = (),
    returning: Sequence[str] = ("id",),
    special: Sequence[str] = (),
) -> Any:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    columns = [*keys, *insert_only, *updated, *keep_existing, *special]
    statement = module.insert(table).values(
        {name: bindparam(name, type_=table.c[name].type) for name in columns}
    )
    excluded = statement.excluded
    update: dict[str, Any] = {name: excluded[name] for name in updated}
    for name in keep_existing:  # a launch without the value keeps what an earlier one stored
        update[name] = func.coalesce(excluded[name], table.c[name])
    if "platform_case_id" in special:
        update.update(_case_rule(table, excluded))
    if not update:  # DO NOTHING would not return the id
        update = {keys[0]: excluded[keys[0]]}
    statement = statement.on_conflict_do_update(index_elements=list(keys), set_=update)
    return statement.returning(*(table.c[name] for name in returning))


class _Statements:
    def __init__(self, dialect: str) -> None:
        self.deployment = _upsert(
            dialect, _table(Deployment), ("registration_id", "deployment_id"),
            ("origin", "created_at"), (),
        )  # fmt: skip
        self.learner = _upsert(
            dialect, _table(LearnerAccount), ("platform_id", "sub"), ("created_at",),
            ("display_name",), returning=("id", "preferred_locale"),
        )  # fmt: skip
        self.course = _upsert(
            dialect, _table(Course), ("platform_id", "context_id"), ("created_at",),
            ("title", "label"), keep_existing=("nrps_url",),
        )  # fmt: skip
        self.resource_link = _upsert(
            dialect, _table(ResourceLink), ("platform_id", "resource_link_id"),
            ("registration_id", "created_at", "settings"),
            ("title", "course_id", "lineitem_url", "lineitems_url", "ags_scopes"),
            special=("case_id", "platform_case_id"),
        )  # fmt: skip


def _case_rule(table: Table, excluded: Any) -> dict[str, Any]:
    """Where a link's case comes from: the platform's custom ``case_id`` is adopted only when
    it differs from the one recorded for the link (the platform's own setting changed), so a
    case the teacher chose in the tool stands until then. A launch without it changes nothing."""
    sent, seen = excluded.platform_case_id, table.c.platform_case_id
    changed = and_(sent.is_not(None), or_(seen.is_(None), seen != sent))
    return {
        "case_id": case((changed, sent), else_=table.c.case_id),
        "platform_case_id": func.coalesce(sent, seen),
    }


_statements: dict[str, _Statements] = {}


def statements(session: Session) -> _Statements:
    dialect = session.get_bind().dialect.name
    if dialect not in _statements:
        _statements[dialect] = _Statements(dialect)
    return _statements[dialect]


class RowCache:
    """What this process last wrote for a row: (key) → (values, result, when). An upsert with
    the same values within ``ttl`` seconds is skipped and the remembered result returned."""

    def __init__(self, ttl: float, size: int = 20_000) -> None:
        self._ttl = ttl
        self._size = size
        self._rows: dict[Any, tuple[Any, Any, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, values: Any) -> Any:
        hit = self._rows.get(key)
        if hit is None or hit[0] != values or time.monotonic() - hit[2] > self._ttl:
            return None
        return hit[1]

    def put(self, key: Any, values: Any, result: Any) -> None:
        if self._ttl <= 0:
            return
        with self._lock:
            if len(self._rows) >= self._size:
                self._rows.clear()
            self._rows[key] = (values, result, time.monotonic())

    def forget(self, key: Any) -> None:
        with self._lock:
            self._rows.pop(key, None)


@dataclass(frozen=True, slots=True)
class RecordedLaunch:
    learner_id: int
    learner_locale: str | None  # the learner's own earlier choice from the language menu
    course_id: int | None
    resource_link_id: int | None
    deployment_pk: int


def record_launch(
    session: Session,
    cache: RowCache,
    registration: RegistrationRecord,
    deployment: DeploymentRecord | None,
    ctx: LaunchContext,
    now: datetime,
    after_commit: list[tuple[Any, Any, Any]],
) -> RecordedLaunch:
    """Upsert the rows a launch touches (skipping those this process just wrote unchanged).
    What to remember goes to ``after_commit``: the caller puts it in the cache once the
    transaction is committed, so a rolled-back launch leaves no false memories."""
    stmts = statements(session)
    db = session.connection()
    platform = registration.platform_id

    def upsert(
        name: str,
        key: tuple[Any, ...],
        values: dict[str, Any],
        changing: tuple[Any, ...],
        statement: Any,
        one_row: bool = False,
        cacheable: bool = True,
    ) -> Any:
        cached = cache.get((name, *key), changing) if cacheable else None
        if cached is not None:
            return cached
        result = db.execute(statement, values)
        row = result.one() if one_row else result.scalar_one()
        row = tuple(row) if one_row else row
        if cacheable:
            after_commit.append(((name, *key), changing, row))
        return row

    if deployment is not None:
        deployment_pk = deployment.id
    else:
        deployment_pk = upsert(
            "deployment", (registration.id, ctx.deployment_id),
            {"registration_id": registration.id, "deployment_id": ctx.deployment_id,
             "origin": "auto", "created_at": now},
            (), stmts.deployment,
        )  # fmt: skip
    learner_id, learner_locale = upsert(
        "learner", (platform, ctx.sub),
        {"platform_id": platform, "sub": ctx.sub, "created_at": now,
         "display_name": ctx.display_name},
        (ctx.display_name,), stmts.learner, one_row=True,
    )  # fmt: skip
    course_id = None
    if ctx.context_id is not None:
        course_id = upsert(
            "course", (platform, ctx.context_id),
            {"platform_id": platform, "context_id": ctx.context_id, "created_at": now,
             "title": ctx.context_title, "label": ctx.context_label, "nrps_url": ctx.nrps_url},
            (ctx.context_title, ctx.context_label, ctx.nrps_url), stmts.course,
        )  # fmt: skip
    link_id = None
    if ctx.resource_link_id is not None:
        case_id = (ctx.custom.get("case_id") or "")[:64] or None
        ags = ctx.ags
        values = {
            "platform_id": platform, "resource_link_id": ctx.resource_link_id,
            "registration_id": registration.id, "created_at": now,
            "settings": settings_from_custom(ctx.custom),
            "title": ctx.resource_link_title, "course_id": course_id,
            "lineitem_url": ags.lineitem if ags else None,
            "lineitems_url": ags.lineitems if ags else None,
            "ags_scopes": list(ags.scopes) if ags else [], "case_id": case_id,
            "platform_case_id": case_id,
        }  # fmt: skip
        changing = (ctx.resource_link_title, course_id, ags, case_id)
        # A launch that carries the platform's case is always written: whether it changes the
        # link's case depends on what other processes wrote (the teacher's choice, an earlier
        # platform value), which this process's memory cannot know.
        link_id = upsert(
            "link", (platform, ctx.resource_link_id), values, changing, stmts.resource_link,
            cacheable=case_id is None,
        )  # fmt: skip
    return RecordedLaunch(
        learner_id=learner_id,
        learner_locale=learner_locale,
        course_id=course_id,
        resource_link_id=link_id,
        deployment_pk=deployment_pk,
    )


SETTING_PARAMETERS = {
    "attempts_allowed": int,
    "grade_from": str,
    "feedback": str,
    "score_maximum": float,
    "pass_mark": float,
    "country": str,
}


def settings_from_custom(custom: dict[str, str]) -> dict[str, object]:
    """An activity's first settings, from the custom parameters a deep link gave it (later
    changes made in the tool are kept: these apply when the activity is first seen)."""
    settings: dict[str, object] = {}
    for name, kind in SETTING_PARAMETERS.items():
        raw = custom.get(name)
        if raw in (None, ""):
            continue
        try:
            value = kind(raw)
        except ValueError:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue  # "nan" and "inf" parse, but JSON (and PostgreSQL) cannot store them
        settings[name] = value
    return settings


DEEP_LINKING_KEYS = (
    "deep_link_return_url",
    "data",
    "accept_types",
    "accept_multiple",
    "accept_presentation_document_targets",
)


def message_data(ctx: LaunchContext) -> dict[str, object]:
    """What later pages need from the message, never names or e-mail addresses."""
    data: dict[str, object] = {}
    if ctx.deep_linking:
        # only what the deep linking response needs: the launch token stays small
        data["deep_linking"] = {
            key: ctx.deep_linking[key] for key in DEEP_LINKING_KEYS if key in ctx.deep_linking
        }
    if ctx.for_user_sub:
        data["for_user_sub"] = ctx.for_user_sub
    return data
