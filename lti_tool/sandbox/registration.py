"""LTI Dynamic Registration 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0), the platform's
side: a page where the administrator enters the tool's registration URL, the platform's OpenID
configuration and its registration endpoint.

As on Canvas, the configuration and the endpoint answer only the registration token handed to
the tool with the URL (good for an hour and one registration). A registration replaces the
sandbox's tool client (see ``clients``), as the one course of this stand-in LMS has one tool.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

import jwt
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.public_urls import origin
from lti_tool.public_urls import with_query
from lti_tool.sandbox import bp
from lti_tool.sandbox import state
from lti_tool.sandbox.client_metadata import TOOL_CONFIGURATION
from lti_tool.sandbox.client_metadata import InvalidMetadata
from lti_tool.sandbox.client_metadata import absolute_url
from lti_tool.sandbox.client_metadata import validate
from lti_tool.sandbox.clients import ToolClient
from lti_tool.sandbox.clients import current_client
from lti_tool.sandbox.clients import save_client
from lti_tool.sandbox.clients import withheld_scopes
from lti_tool.sandbox.pages import AGS_SCOPES
from lti_tool.sandbox.pages import NRPS_SCOPE
from lti_tool.sandbox.pages import issuer
from lti_tool.sandbox.profiles import current_profile
from lti_tool.sandbox.signing import sign
from lti_tool.sandbox.store import SbRegistrationToken
from lti_tool.sandbox.store import log_event

CONFIGURATION_PATH = "/.well-known/openid-configuration"
TOKEN_LIFETIME_SECONDS = 3600
SCOPES_SUPPORTED = (*AGS_SCOPES, NRPS_SCOPE, "openid")
MAX_URL_LENGTH = 2048
MAX_TOKEN_LENGTH = 4096


def platform_configuration(product_family_code: str = "amelie-sandbox") -> dict[str, Any]:
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": base + "/auth",
        "token_endpoint": base + "/token",
        "jwks_uri": base + "/jwks.json",
        "registration_endpoint": base + "/register",
        "scopes_supported": list(SCOPES_SUPPORTED),
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email", "locale"],
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
            "product_family_code": product_family_code,
            "version": "1.0",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest"},
            ],
        },
    }


def _error(status: int, error: str, description: str | None = None) -> Response:
    body = {"error": error} | ({"error_description": description} if description else {})
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{error}"'
    return response


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _usable(session: Session, token: str) -> bool:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    row = session.get(SbRegistrationToken, token_key(token))
    return row is not None and not row.used and row.expires_at > time.time()


def _updated_client_id(token: str) -> str | None:
    """The client id a Moodle-style registration token updates (scope ``reg-update``), or
    None for a new registration. The token is one this sandbox issued (its hash is stored)."""
    if token.count(".") != 2:
        return None
    claims = jwt.decode(token, options={"verify_signature": False})
    return str(claims["sub"]) if claims.get("scope") == "reg-update" else None


@bp.get(CONFIGURATION_PATH)
def openid_configuration() -> Response:
    with state().sessions() as session:
        if not _usable(session, _bearer()):
            return _error(401, "invalid_token")
        family = current_profile(session).product_family_code
    return jsonify(platform_configuration(family))


@bp.post("/register")
def register() -> Response:
    token = _bearer()
    with state().sessions() as session:
        if not _usable(session, token):
            return _error(401, "invalid_token")
        try:
            data = request.get_json(silent=True) if request.mimetype == "application/json" else None
        except RecursionError:  # nested deeper than the JSON parser goes
            data = None
        if not isinstance(data, dict):
            return _error(400, "invalid_request", "the body must be a JSON object")
        try:
            tool = validate(data)
        except InvalidMetadata as exc:
            return _error(400, "invalid_client_metadata", str(exc))
        consumed = session.execute(
            update(SbRegistrationToken)
            .where(SbRegistrationToken.token == token_key(token), SbRegistrationToken.used.is_(False),
                   SbRegistrationToken.expires_at > time.time())
            .values(used=True)
        )  # fmt: skip
        if consumed.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return _error(401, "invalid_token")  # another registration took it meanwhile
        requested = str(data.get("scope", "")).split()
        withheld = withheld_scopes(session)
        granted = [scope for scope in dict.fromkeys(requested)
                   if scope in SCOPES_SUPPORTED and scope != "openid"
                   and scope not in withheld]  # fmt: skip
        updating = _updated_client_id(token)
        installed = current_client(session)
        if updating is not None and (not installed.dynamic or installed.client_id != updating):
            session.rollback()
            return _error(400, "invalid_request", "Unknown client")  # as Moodle says
        profile = current_profile(session)
        client = ToolClient(
            client_id=updating or "sandbox-dr-" + secrets.token_hex(6),
            deployment_id=installed.deployment_id if updating else
            "sandbox-dr-deployment-" + secrets.token_hex(4),
            login_url=data["initiate_login_uri"],
            launch_url=data["redirect_uris"][0],
            jwks_url=data["jwks_uri"],
            redirect_uris=tuple(data["redirect_uris"]),
            scopes=frozenset(granted),
            dynamic=True,
            pending=installed.pending if updating else profile.pending_after_registration,
        )  # fmt: skip
        save_client(session, client)
        log_event(session, "registration", {
            "update": updating is not None,
            "claims": (data.get(TOOL_CONFIGURATION) or {}).get("claims"),
            "client_id": client.client_id,
            "deployment_id": client.deployment_id,
            "scope": " ".join(granted),
            "client_name": data.get("client_name"),
            "initiate_login_uri": client.login_url,
            "redirect_uris": list(client.redirect_uris),
            "jwks_uri": client.jwks_url,
        })  # fmt: skip
        session.commit()
    return jsonify({
        **data,
        "client_id": client.client_id,
        "scope": " ".join(granted),
        TOOL_CONFIGURATION: {**tool, "deployment_id": client.deployment_id},
    })  # fmt: skip


def _installed(session: Session) -> ToolClient | None:
    """The tool this platform could update instead of registering a new one (Moodle)."""
    client = current_client(session)
    return client if client.dynamic and current_profile(session).update_registration else None


@bp.get("/register-tool")
def register_tool_form() -> str:
    with state().sessions() as session:
        installed = _installed(session)
    return render_template("sandbox/register_tool.html", page="sandbox-register-tool", url="",
                           error=None, installed=installed)  # fmt: skip


@bp.post("/register-tool")
def register_tool() -> tuple[str, int] | str:
    url = request.form.get("url", "").strip()[:MAX_URL_LENGTH]
    with state().sessions() as session:
        installed = _installed(session)
        if not absolute_url(url):
            error = _("Enter the tool's registration URL: a web address starting with https:// "
                      "or http://.")  # fmt: skip
            return render_template("sandbox/register_tool.html", page="sandbox-register-tool",
                                   url=url, error=error, installed=installed), 400  # fmt: skip
        now = time.time()
        if current_profile(session).update_registration:
            # Moodle's registration token: a JWT it signs, for a new client or an update
            update_it = installed is not None and request.form.get("mode") == "update"
            token = sign(session, {
                "sub": installed.client_id if update_it and installed else secrets.token_hex(8),
                "scope": "reg-update" if update_it else "reg",
                "iat": int(now), "exp": int(now + TOKEN_LIFETIME_SECONDS),
            })  # fmt: skip
        else:
            token = secrets.token_urlsafe(32)
        session.add(SbRegistrationToken(token=token_key(token), tool_url=url,
                                        expires_at=now + TOKEN_LIFETIME_SECONDS))  # fmt: skip
        session.commit()
    src = with_query(url, {"openid_configuration": issuer() + CONFIGURATION_PATH,
                           "registration_token": token})  # fmt: skip
    return render_template("sandbox/register.html", page="sandbox-register", src=src,
                           tool_origin=origin(url))  # fmt: skip
