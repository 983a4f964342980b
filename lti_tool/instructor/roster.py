"""The course roster from Names and Role Provisioning Services, page by page."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from lti_tool.grading.ags import next_page
from lti_tool.grading.tokens import TokenCache
from lti_tool.grading.tokens import TokenError
from lti_tool.http import http_session
from lti_tool.lti.claims import parse_role
from lti_tool.lti.registrations import RegistrationRecord

SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 100


class RosterError(Exception):
    pass


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
        raise RosterError(str(exc)) from exc
    members: list[Member] = []
    next_url: str | None = url
    pages = 0
    while next_url and pages < MAX_PAGES:
        pages += 1
        try:
            response = http_session().get(
                next_url,
                headers={"Authorization": f"Bearer {token}", "Accept": MEMBERSHIPS},
                timeout=timeout,
            )
        except requests.RequestException as exc:
            raise RosterError(type(exc).__name__) from exc
        if response.status_code != 200:
            raise RosterError(f"the platform answered {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise RosterError("the platform's roster is not JSON") from exc
        for raw in data.get("members", []) if isinstance(data, dict) else []:
            if not isinstance(raw, dict) or not isinstance(raw.get("user_id"), str):
                continue
            roles = [parse_role(r)[0] for r in raw.get("roles", []) if isinstance(r, str)]
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
