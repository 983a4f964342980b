"""Record an accepted launch: the learner account, course, resource link and the launch itself.

Rows are upserted with one statement each (``INSERT … ON CONFLICT``), so two first launches of
the same learner at the same moment cannot collide. Names are kept only as the platform sent
them; e-mail addresses are never stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table
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


def upsert(
    session: Session,
    table: Table,
    keys: dict[str, Any],
    insert_values: dict[str, Any],
    update_values: dict[str, Any],
) -> int:
    """Insert or update the row with these key values and return its id."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    statement = statement.values({**keys, **insert_values, **update_values})
    # With nothing to update, re-set a key column: DO NOTHING would not return the id.
    first_key = next(iter(keys))
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_=update_values or {first_key: statement.excluded[first_key]},
    )
    return int(session.execute(statement.returning(table.c.id)).scalar_one())


def ensure_deployment(
    session: Session,
    registration: RegistrationRecord,
    known: DeploymentRecord | None,
    deployment_id: str,
    now: datetime,
) -> int:
    """The deployment's row id; a deployment new to us is recorded as accepted by policy."""
    if known is not None:
        return known.id
    return upsert(
        session,
        Deployment.__table__,  # type: ignore[arg-type]
        {"registration_id": registration.id, "deployment_id": deployment_id},
        {"origin": "auto", "created_at": now},
        {},
    )


def record_learner(session: Session, platform_id: int, ctx: LaunchContext, now: datetime) -> int:
    return upsert(
        session,
        LearnerAccount.__table__,  # type: ignore[arg-type]
        {"platform_id": platform_id, "sub": ctx.sub},
        {"created_at": now},
        {"display_name": ctx.display_name, "last_launch_at": now},
    )


def record_course(
    session: Session, platform_id: int, ctx: LaunchContext, now: datetime
) -> int | None:
    if ctx.context_id is None:
        return None
    update = {"title": ctx.context_title, "label": ctx.context_label}
    if ctx.nrps_url:
        update["nrps_url"] = ctx.nrps_url
    return upsert(
        session,
        Course.__table__,  # type: ignore[arg-type]
        {"platform_id": platform_id, "context_id": ctx.context_id},
        {"created_at": now},
        update,
    )


def record_resource_link(
    session: Session,
    registration: RegistrationRecord,
    course_id: int | None,
    ctx: LaunchContext,
    now: datetime,
) -> int | None:
    if ctx.resource_link_id is None:
        return None
    update: dict[str, Any] = {"title": ctx.resource_link_title, "course_id": course_id}
    if ctx.ags is not None:
        update.update(
            lineitem_url=ctx.ags.lineitem,
            lineitems_url=ctx.ags.lineitems,
            ags_scopes=list(ctx.ags.scopes),
        )
    case_id = ctx.custom.get("case_id")
    if case_id:
        update["case_id"] = case_id[:64]
    return upsert(
        session,
        ResourceLink.__table__,  # type: ignore[arg-type]
        {"platform_id": registration.platform_id, "resource_link_id": ctx.resource_link_id},
        {"registration_id": registration.id, "created_at": now, "settings": {}, "ags_scopes": []},
        update,
    )
