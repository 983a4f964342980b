"""LTI Dynamic Registration 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0), the tool's side.

The tool's administrator makes a one-time link (``lti-tool platform invite``); the LMS
administrator enters it in Moodle (*Manage tools › Tool URL › Add LTI Advantage*) or Canvas
(*Developer Keys › + LTI Registration*). The platform opens it with ``openid_configuration`` and
``registration_token``; the tool reads the platform's configuration, shows what it will
register, and on confirmation sends its own configuration to the platform's registration
endpoint and records the client id and deployment id it gets back. Without a valid link nobody
can make the tool register a platform, or make it fetch an address of their choosing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.http import http_session
from lti_tool.lti.claims import DEEP_LINKING_REQUEST
from lti_tool.lti.claims import TOOL_SCOPES
from lti_tool.lti.models import Registration
from lti_tool.lti.models import RegistrationInvite
from lti_tool.lti.registrations import add_registration
from lti_tool.lti.tool_profile import CANVAS_DEEP_LINKING_PLACEMENTS
from lti_tool.lti.tool_profile import DESCRIPTION
from lti_tool.lti.tool_profile import TITLE

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
MAX_DOCUMENT_BYTES = 256 * 1024
MAX_TOKEN_LENGTH = 100
PLATFORM_TEXT_LIMIT = 300
REQUIRED_ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
)


class RegistrationFailed(Exception):
    """``code`` names what went wrong (the view words it for the administrator, the log keeps
    the code); ``detail`` is what the platform said, or which field was wrong."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class PlatformConfiguration:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None
    scopes_supported: tuple[str, ...]
    product_family_code: str


@dataclass(frozen=True, slots=True)
class PlatformAnswer:
    client_id: str
    deployment_id: str | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(session: Session, name: str, lifetime: timedelta) -> str:
    """A new one-time registration link's token (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    session.add(RegistrationInvite(token_hash=_hash(token), name=name,
                                   expires_at=utcnow() + lifetime))  # fmt: skip
    session.flush()
    return token


def usable_invite(session: Session, token: str) -> RegistrationInvite | None:
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    invite = session.scalar(
        select(RegistrationInvite).where(RegistrationInvite.token_hash == _hash(token))
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= utcnow():
        return None
    return invite


def claim_invite(session: Session, token: str) -> RegistrationInvite | None:
    """Take the invite for this registration, so that two confirmations of one link cannot
    both register; ``release_invite`` gives it back when the registration fails."""
    invite = usable_invite(session, token)
    if invite is None:
        return None
    claimed = session.execute(
        update(RegistrationInvite)
        .where(RegistrationInvite.id == invite.id, RegistrationInvite.used_at.is_(None))
        .values(used_at=utcnow())
    )
    session.commit()
    return invite if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def release_invite(session: Session, invite_id: int) -> None:
    session.rollback()
    session.execute(
        update(RegistrationInvite)
        .where(RegistrationInvite.id == invite_id, RegistrationInvite.registration_id.is_(None))
        .values(used_at=None)
    )
    session.commit()


def read_platform_configuration(
    url: str, registration_token: str | None, timeout: float
) -> PlatformConfiguration:
    """The platform's OpenID configuration, checked: its issuer must be on the host the
    configuration was read from (the spec's rule), and every endpoint an absolute URL."""
    if not _absolute_url(url):
        raise RegistrationFailed("configuration_url")
    data = _get_json(url, registration_token, timeout)
    issuer = data.get("issuer")
    if not _absolute_url(issuer):
        raise RegistrationFailed("configuration_incomplete", "issuer")
    endpoints = {}
    for name in REQUIRED_ENDPOINTS:
        if not _absolute_url(data.get(name)):
            raise RegistrationFailed("configuration_incomplete", name)
        endpoints[name] = data[name]
    if _host(issuer) != _host(url):
        raise RegistrationFailed("issuer_mismatch")
    server = data.get("authorization_server")
    scopes = data.get("scopes_supported")
    platform = data.get(PLATFORM_CONFIGURATION)
    family = platform.get("product_family_code") if isinstance(platform, dict) else None
    return PlatformConfiguration(
        issuer=issuer,  # exactly as the platform's id_tokens will carry it
        authorization_server=server if isinstance(server, str) and server.strip() else None,
        scopes_supported=tuple(s for s in scopes if isinstance(s, str))
        if isinstance(scopes, list)
        else (),
        product_family_code=family if isinstance(family, str) else "",
        **endpoints,
    )


def tool_configuration(
    platform: PlatformConfiguration, urls: dict[str, str], share_names: bool
) -> dict[str, Any]:
    """What the tool asks the platform to register (spec §3.3): its URLs, the service scopes
    the platform offers of those the tool uses, and deep linking as the way to add a case."""
    offered = set(platform.scopes_supported)
    scopes = [scope for scope in TOOL_SCOPES if not offered or scope in offered]
    message: dict[str, Any] = {"type": DEEP_LINKING_REQUEST, "target_link_uri": urls["launch"],
                               "label": TITLE}  # fmt: skip
    if platform.product_family_code == "canvas":
        message["placements"] = list(CANVAS_DEEP_LINKING_PLACEMENTS)
    claims = ["iss", "sub", "locale"] + (["name", "given_name", "family_name"] if share_names
                                         else [])  # fmt: skip
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login"],
        "redirect_uris": [urls["launch"]],
        "client_name": TITLE,
        "jwks_uri": urls["jwks"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(urls["launch"]).netloc,
            "description": DESCRIPTION,
            "target_link_uri": urls["launch"],
            "claims": claims,
            "messages": [message],
        },
    }


def register_with_platform(
    platform: PlatformConfiguration,
    registration_token: str | None,
    configuration: dict[str, Any],
    timeout: float,
) -> PlatformAnswer:
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        answer = http_session().post(platform.registration_endpoint, json=configuration,
                                     headers=headers, timeout=timeout,
                                     allow_redirects=False)  # fmt: skip
    except requests.RequestException as exc:
        raise RegistrationFailed("registration_unreachable", type(exc).__name__) from exc
    body = answer.content[:MAX_DOCUMENT_BYTES]
    data = _json_object(body)
    if answer.status_code not in (200, 201):
        said = data.get("error_description") or data.get("error") if data else None
        text = said if isinstance(said, str) else body.decode("utf-8", "replace")
        raise RegistrationFailed("registration_refused",
                                 f"{answer.status_code}: {text[:PLATFORM_TEXT_LIMIT]}")  # fmt: skip
    client_id = data.get("client_id") if data else None
    if isinstance(client_id, int) and not isinstance(client_id, bool):
        client_id = str(client_id)  # some platforms answer a number
    if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > 255:
        raise RegistrationFailed("registration_answer", "client_id")
    tool = data.get(TOOL_CONFIGURATION) if data else None
    deployment = tool.get("deployment_id") if isinstance(tool, dict) else None
    if isinstance(deployment, int) and not isinstance(deployment, bool):
        deployment = str(deployment)
    if not isinstance(deployment, str) or not deployment.strip() or len(deployment) > 255:
        deployment = None  # Canvas makes deployments later; the first launch records them
    return PlatformAnswer(client_id=client_id, deployment_id=deployment)


def record_registration(
    session: Session, invite: RegistrationInvite, platform: PlatformConfiguration,
    answer: PlatformAnswer,
) -> Registration:  # fmt: skip
    registration = add_registration(
        session,
        issuer=platform.issuer,
        client_id=answer.client_id,
        auth_login_url=platform.authorization_endpoint,
        auth_token_url=platform.token_endpoint,
        key_set_url=platform.jwks_uri,
        deployment_ids=[answer.deployment_id] if answer.deployment_id else [],
        name=invite.name,
        auth_audience=platform.authorization_server,
    )
    session.execute(
        update(RegistrationInvite)
        .where(RegistrationInvite.id == invite.id)
        .values(registration_id=registration.id)
    )
    return registration


def _get_json(url: str, registration_token: str | None, timeout: float) -> dict[str, Any]:
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        answer = http_session().get(url, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise RegistrationFailed("configuration_unreachable", type(exc).__name__) from exc
    if answer.status_code != 200:
        raise RegistrationFailed("configuration_refused", str(answer.status_code))
    data = _json_object(answer.content[:MAX_DOCUMENT_BYTES])
    if data is None:
        raise RegistrationFailed("configuration_not_json")
    return data


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _absolute_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 2048:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
