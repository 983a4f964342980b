"""Whether each registration's platform granted the AGS Result service, which the worker needs
to tell whether a score sent before a crash arrived (see ``worker.py``). From what the token
endpoint said when asked (kept in ``service_grant``), else from the scopes the launches listed."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.grading.ags import SCOPE_RESULT_READ
from lti_tool.grading.models import ServiceGrant
from lti_tool.lti.models import ResourceLink

Grant = Literal["granted", "not_granted", "unknown"]


def result_service_by_registration(session: Session) -> dict[int, Grant]:
    found: dict[int, Grant] = {}
    for registration_id, scopes in session.execute(
        select(ResourceLink.registration_id, ResourceLink.ags_scopes)
    ):
        if not scopes:
            continue  # no grade service at all for that link
        if SCOPE_RESULT_READ in scopes:
            found[registration_id] = "granted"
        else:
            found.setdefault(registration_id, "not_granted")
    for registration_id, granted in session.execute(
        select(ServiceGrant.registration_id, ServiceGrant.granted)
        .where(ServiceGrant.scope == SCOPE_RESULT_READ)
    ):  # fmt: skip
        found[registration_id] = "granted" if granted else "not_granted"
    return found
