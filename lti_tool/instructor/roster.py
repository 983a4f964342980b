"""The course roster from Names and Role Provisioning Services, page by page."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from flask_babel import gettext as _

from lti_tool.grading.ags import next_page
from lti_tool.grading.tokens import TokenCache
from lti_tool.grading.tokens import TokenError
from lti_tool.http import http_session
from lti_tool.lti.claims import SCOPE_MEMBERSHIP
from lti_tool.lti.claims import parse_role
from lti_tool.lti.registrations import RegistrationRecord

SCOPE = SCOPE_MEMBERSHIP
MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 100


class RosterError(Exception):
    """Why the roster could not be read: ``reason`` is for the instructor (translated), the
    message for the log."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _no_token(exc: Exception) -> RosterError:
    return RosterError(str(exc), _("the platform did not give the tool an access token"))


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    name: str | None
    learner: bool
    active: bool


def fetch_roster(tokens: TokenCache, registration: RegistrationRecord, url: str,
                 timeout: float) -> list[Member]:  # fmt: skip
    """Every member of the course, following the ``Link: rel="next"`` pages (read tolerantly:
    Moodle has sent typographic quotes)."""
    try:
        token = tokens.get(registration, (SCOPE,))
    except TokenError as exc:
        raise _no_token(exc) from exc
    members: list[Member] = []
    next_url: str | None = url
    pages = 0
    renewed = False
    while next_url and pages < MAX_PAGES:
        pages += 1
        try:
            response = http_session().get(
                next_url,
                headers={"Authorization": f"Bearer {token}", "Accept": MEMBERSHIPS},
                timeout=timeout,
            )
        except requests.RequestException as exc:
            raise RosterError(type(exc).__name__, _("the platform could not be reached")) from exc
        if response.status_code == 401 and not renewed:
            # the platform forgot or revoked the token before its time: one new one, once
            renewed, pages = True, pages - 1
            tokens.invalidate(registration, (SCOPE,), token)
            try:
                token = tokens.get(registration, (SCOPE,))
            except TokenError as exc:
                raise _no_token(exc) from exc
            continue
        if response.status_code != 200:
            raise RosterError(f"HTTP {response.status_code}",
                              _("the platform answered with error %(status)s",
                                status=response.status_code))  # fmt: skip
        try:
            data = response.json()
        except ValueError as exc:
            raise RosterError("not JSON", _("the platform's answer was not a roster")) from exc
        raw_members = data.get("members") if isinstance(data, dict) else None
        if not isinstance(raw_members, list):
            raise RosterError("no members list", _("the platform's answer was not a roster"))
        for raw in raw_members:
            if not isinstance(raw, dict) or not isinstance(raw.get("user_id"), str):
                continue
            raw_roles = raw.get("roles")
            roles = [parse_role(r)[0] for r in raw_roles if isinstance(r, str)] if isinstance(
                raw_roles, list) else []  # fmt: skip
            name = raw.get("name") if isinstance(raw.get("name"), str) else None
            members.append(
                Member(
                    user_id=raw["user_id"],
                    name=name,
                    learner="Learner" in roles or "Student" in roles,
                    active=raw.get("status", "Active") == "Active",
                )
            )
        next_url = next_page(response.headers.get("Link"))
    return members
