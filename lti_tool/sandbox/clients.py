"""The one tool client the sandbox platform knows: the built-in ``amelie-sandbox`` client (the
demo registers it with the tool by hand) until a tool registers itself dynamically, and then the
client that registration made. Launches, the auth endpoint, the token endpoint and the Deep
Linking return all read it from here."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from flask import current_app
from flask import request
from sqlalchemy.orm import Session

from lti_tool.public_urls import origin
from lti_tool.sandbox import CLIENT_ID
from lti_tool.sandbox import DEPLOYMENT_ID
from lti_tool.sandbox.store import get_setting
from lti_tool.sandbox.store import set_setting

SETTING = "tool_client"
SCOPE_RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"


@dataclass(frozen=True, slots=True)
class ToolClient:
    client_id: str
    deployment_id: str
    login_url: str
    launch_url: str
    jwks_url: str
    redirect_uris: tuple[str, ...] = ()  # empty: the launch URL only
    scopes: frozenset[str] | None = None  # None: every service scope the sandbox offers
    dynamic: bool = False
    pending: bool = False  # registered, waiting for an administrator to activate it (Moodle)
    withheld: frozenset[str] = frozenset()  # scopes the platform does not grant at all

    def accepts_redirect(self, uri: str) -> bool:
        return uri in (self.redirect_uris or (self.launch_url,))

    def grants(self, scope: str) -> bool:
        return scope not in self.withheld and (self.scopes is None or scope in self.scopes)

    @property
    def origin(self) -> str:
        return origin(self.launch_url)


def tool_base() -> str:
    return str(current_app.config.get("SANDBOX_TOOL_BASE_URL") or request.host_url).rstrip("/")


def built_in_client() -> ToolClient:
    base = tool_base()
    return ToolClient(client_id=CLIENT_ID, deployment_id=DEPLOYMENT_ID,
                      login_url=base + "/lti/login", launch_url=base + "/lti/launch",
                      jwks_url=base + "/lti/jwks.json")  # fmt: skip


def withheld_scopes(session: Session) -> frozenset[str]:
    """Scopes the platform's settings withhold from every tool (``result_service`` off)."""
    return (
        frozenset()
        if get_setting(session, "result_service", True)
        else frozenset({SCOPE_RESULT_READ})
    )


def current_client(session: Session) -> ToolClient:
    data: dict[str, Any] | None = get_setting(session, SETTING)
    if not data:
        return replace(built_in_client(), withheld=withheld_scopes(session))
    scopes = data.get("scopes")
    return ToolClient(client_id=data["client_id"], deployment_id=data["deployment_id"],
                      login_url=data["login_url"], launch_url=data["launch_url"],
                      jwks_url=data["jwks_url"], redirect_uris=tuple(data["redirect_uris"]),
                      scopes=None if scopes is None else frozenset(scopes),
                      dynamic=True, pending=bool(data.get("pending")),
                      withheld=withheld_scopes(session))  # fmt: skip


def save_client(session: Session, client: ToolClient) -> None:
    set_setting(session, SETTING, {
        "client_id": client.client_id,
        "deployment_id": client.deployment_id,
        "login_url": client.login_url,
        "launch_url": client.launch_url,
        "jwks_url": client.jwks_url,
        "redirect_uris": list(client.redirect_uris or (client.launch_url,)),
        "scopes": None if client.scopes is None else sorted(client.scopes),
        "pending": client.pending,
    })  # fmt: skip
