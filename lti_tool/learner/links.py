"""The activity (resource link) a page belongs to, with what the learner pages need of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import bindparam
from sqlalchemy import select

from lti_tool.lti.models import Platform
from lti_tool.lti.models import ResourceLink

_BY_ID = (
    select(
        ResourceLink.id,
        ResourceLink.title,
        ResourceLink.case_id,
        ResourceLink.settings,
        Platform.default_country,
    )
    .join(Platform, Platform.id == ResourceLink.platform_id)
    .where(ResourceLink.id == bindparam("id"))
)


@dataclass(frozen=True, slots=True)
class LinkRow:
    id: int
    title: str | None
    case_id: str | None
    settings: dict[str, Any]
    default_country: str | None


def load_link(db: Connection, link_id: int) -> LinkRow | None:
    row = db.execute(_BY_ID, {"id": link_id}).first()
    return LinkRow(*row) if row else None
