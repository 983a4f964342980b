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
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
import urllib3
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.bounded_http import ExchangeFailed
from lti_tool.bounded_http import exchange
from lti_tool.db import utcnow
from lti_tool.lti.claims import DEEP_LINKING_REQUEST
from lti_tool.lti.claims import TOOL_SCOPES
from lti_tool.lti.models import Platform
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
MAX_ID_LENGTH = 255
MAX_URL_LENGTH = 2048
# RFC 6750's b64token: what may follow "Bearer " in a header
REGISTRATION_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]{1,4096}=*")
VISIBLE_ASCII = re.compile(r"[!-~]+")
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
    scopes: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()


UPDATE_SCOPE = "reg-update"  # Moodle's registration token for "Update existing tool"


def asks_for_update(registration_token: str | None) -> bool:
    """Whether the platform's registration token says it updates a tool it has installed.
    Moodle's token is a JWT it signs, with ``scope`` ``reg`` (new) or ``reg-update``; this is
    read without checking the signature, as a hint only: what decides is the client id the
    platform's registration endpoint answers (``record_registration``)."""
    if not registration_token or registration_token.count(".") != 2:
        return False
    try:
        claims = jwt.decode(registration_token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return False
    return isinstance(claims, dict) and claims.get("scope") == UPDATE_SCOPE


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(session: Session, name: str, lifetime: timedelta) -> str:
    """A new one-time registration link's token (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    session.add(RegistrationInvite(token_hash=_hash(token), name=clean_name(name),
                                   expires_at=utcnow() + lifetime))  # fmt: skip
    session.flush()
    return token


def clean_name(name: str) -> str:
    """A name as typed by an administrator, without control characters, in its column."""
    return "".join(c for c in name if c.isprintable()).strip()[:MAX_ID_LENGTH]


def valid_registration_token(token: str) -> bool:
    return bool(REGISTRATION_TOKEN.fullmatch(token))


def usable_invite(session: Session, token: str) -> RegistrationInvite | None:
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    invite = session.scalar(
        select(RegistrationInvite).where(RegistrationInvite.token_hash == _hash(token))
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= utcnow():
        return None
    return invite


def open_invites(session: Session) -> list[RegistrationInvite]:
    """Links that can still be used (or are being used this moment), newest first."""
    return list(session.scalars(
        select(RegistrationInvite)
        .where(RegistrationInvite.registration_id.is_(None),
               RegistrationInvite.expires_at > utcnow())
        .order_by(RegistrationInvite.id.desc())
    ))  # fmt: skip


def withdraw_invite(session: Session, invite_id: int) -> bool:
    """Make a link that has registered nothing unusable, even while a registration with it is
    under way (that one, if it fails, does not give the link back). It stays, expired, on
    record."""
    withdrawn = session.execute(
        update(RegistrationInvite)
        .where(RegistrationInvite.id == invite_id, RegistrationInvite.registration_id.is_(None),
               RegistrationInvite.expires_at > utcnow())
        .values(expires_at=utcnow())
    )  # fmt: skip
    return withdrawn.rowcount == 1  # type: ignore[attr-defined,no-any-return]


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
    url: str, registration_token: str | None, timeout: float, *, allow_http: bool = False
) -> PlatformConfiguration:
    """The platform's OpenID configuration, checked: its issuer must be on the site the
    configuration was read from (the spec's rule), and every endpoint an absolute https URL
    (or http, when ``allow_http``)."""
    if not _absolute_url(url, allow_http):
        raise RegistrationFailed("configuration_url")
    status, body = _exchange("GET", url, registration_token, timeout,
                             unreachable="configuration_unreachable",
                             unreadable="configuration_not_json")  # fmt: skip
    if status != 200:
        raise RegistrationFailed("configuration_refused", str(status))
    data = _json_object(body)
    if data is None:
        raise RegistrationFailed("configuration_not_json")
    issuer = data.get("issuer")
    if not _absolute_url(issuer, allow_http):
        raise RegistrationFailed("configuration_incomplete", "issuer")
    endpoints = {}
    for name in REQUIRED_ENDPOINTS:
        if not _absolute_url(data.get(name), allow_http):
            raise RegistrationFailed("configuration_incomplete", name)
        endpoints[name] = data[name]
    if not _within(url, issuer):
        raise RegistrationFailed("issuer_mismatch")
    server = data.get("authorization_server")
    scopes = data.get("scopes_supported")
    platform = data.get(PLATFORM_CONFIGURATION)
    family = platform.get("product_family_code") if isinstance(platform, dict) else None
    return PlatformConfiguration(
        issuer=issuer,  # exactly as the platform's id_tokens will carry it
        authorization_server=server if _printable(server, MAX_URL_LENGTH) else None,
        scopes_supported=tuple(s for s in scopes if isinstance(s, str))
        if isinstance(scopes, list)
        else (),
        product_family_code=family if _printable(family, MAX_ID_LENGTH) else "",
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
    status, body = _exchange("POST", platform.registration_endpoint, registration_token, timeout,
                             json_body=configuration, unreachable="registration_unreachable",
                             unreadable="registration_answer")  # fmt: skip
    data = _json_object(body)
    if status not in (200, 201):
        said = data.get("error_description") or data.get("error") if data else None
        text = said if isinstance(said, str) else body.decode("utf-8", "replace")
        text = "".join(c if c.isprintable() else "?" for c in text[:PLATFORM_TEXT_LIMIT])
        raise RegistrationFailed("registration_refused", f"{status}: {text}")
    client_id = _identifier(data.get("client_id") if data else None)
    if client_id is None:
        raise RegistrationFailed("registration_answer", "client_id")
    tool = data.get(TOOL_CONFIGURATION) if data else None
    # Canvas makes deployments later; the first launch records them
    deployment = _identifier(tool.get("deployment_id") if isinstance(tool, dict) else None)
    scope = data.get("scope") if data else None
    claims = tool.get("claims") if isinstance(tool, dict) else None
    return PlatformAnswer(
        client_id=client_id,
        deployment_id=deployment,
        scopes=_words(scope.split() if isinstance(scope, str) else []),
        claims=_words(claims if isinstance(claims, list) else []),
    )


def _words(values: list[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values[:50] if _printable(v, MAX_URL_LENGTH)))


def record_registration(
    session: Session, invite: RegistrationInvite, platform: PlatformConfiguration,
    answer: PlatformAnswer, *, update_asked: bool = False,
) -> tuple[Registration, bool]:  # fmt: skip
    """Record what the platform registered; True when it updated a registration the tool has.

    A client id the tool already has from this issuer is the platform updating the tool it
    installed (Moodle's *Update existing tool*): its addresses, name, scopes, claims and
    deployments are updated. Only the issuer's own site can answer so (its configuration must
    lie under the issuer). A platform that says it updates (``update_asked``) a client id the
    tool does not have from this issuer is refused, and so is an update that would move the
    platform's login, token or key set address to another site."""
    existing = session.scalar(
        select(Registration)
        .join(Registration.platform)
        .where(Platform.issuer == platform.issuer, Registration.client_id == answer.client_id)
    )
    if existing is None and update_asked:
        raise RegistrationFailed("unknown_update")
    if existing is not None and any(
        _origin(new) != _origin(old)
        for new, old in ((platform.authorization_endpoint, existing.auth_login_url),
                         (platform.token_endpoint, existing.auth_token_url),
                         (platform.jwks_uri, existing.key_set_url))
    ):  # fmt: skip
        # defence in depth: an update never moves where the tool fetches keys and tokens
        raise RegistrationFailed("update_moves")
    registration = add_registration(
        session,
        issuer=platform.issuer,
        client_id=answer.client_id,
        auth_login_url=platform.authorization_endpoint,
        auth_token_url=platform.token_endpoint,
        key_set_url=platform.jwks_uri,
        deployment_ids=[answer.deployment_id] if answer.deployment_id else [],
        name=invite.name,  # the registration's own name; a known platform keeps its name
        auth_audience=platform.authorization_server,
        deployment_policy=existing.deployment_policy if existing is not None else None,
    )
    registration.scopes = list(answer.scopes)
    registration.claims = list(answer.claims)
    session.execute(
        update(RegistrationInvite)
        .where(RegistrationInvite.id == invite.id)
        .values(registration_id=registration.id)
    )
    return registration, existing is not None


def _exchange(
    method: str, url: str, registration_token: str | None, timeout: float, *,
    unreachable: str, unreadable: str, json_body: dict[str, Any] | None = None,
) -> tuple[int, bytes]:  # fmt: skip
    """One request to the platform, over within the timeout whatever the platform does."""
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    body = None
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    try:
        answer = exchange(method, url, headers=headers, body=body, seconds=timeout,
                          limit=MAX_DOCUMENT_BYTES)  # fmt: skip
    except ExchangeFailed as failure:
        code = unreadable if failure.reason == "too_large" else unreachable
        raise RegistrationFailed(code, "" if code == unreadable else failure.detail) from failure
    return answer.status, answer.body


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _absolute_url(value: object, allow_http: bool = False) -> bool:
    """An absolute http(s) URL that every parser reads the same way: visible ASCII only, no
    user name or backslash (``http://a\\@b/`` is host ``b`` to one parser, ``a`` to another)."""
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        return False
    if not VISIBLE_ASCII.fullmatch(value) or "\\" in value:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
        fetched = urllib3.util.parse_url(value)
    except ValueError:  # urllib3's LocationParseError is one
        return False
    if parts.username is not None or "@" in parts.netloc or not parts.hostname:
        return False
    if (fetched.host or "").strip("[]").lower() != parts.hostname:
        return False
    return parts.scheme == "https" or (allow_http and parts.scheme == "http")


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _within(url: str, issuer: str) -> bool:
    """Whether ``url`` lies under ``issuer``: the same origin and, when the issuer has a path
    (Moodle in a folder: ``https://lms.example.org/moodle``), below it."""
    if _origin(url) != _origin(issuer):
        return False
    base = urlsplit(issuer).path.rstrip("/")
    return not base or urlsplit(url).path.startswith(base + "/")


def _printable(value: object, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit and value.isprintable()


def _identifier(value: object) -> str | None:
    """A client or deployment id as the platform gave it (some give numbers), if storable."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not _printable(value, MAX_ID_LENGTH) or not str(value).strip():
        return None
    return str(value)
