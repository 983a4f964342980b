"""A small but real LTI 1.3 platform, mounted at /sandbox in demo mode only.

It has its own key and JWKS, an OIDC auth endpoint that signs id_tokens, an OAuth2 token
endpoint that checks the tool's signed client assertion against the tool's published JWKS, AGS
line items and scores, NRPS memberships, a Deep Linking return endpoint, a page to launch the
tool in an iframe, a gradebook, and the platform's side of LTI Dynamic Registration (an OpenID
configuration, a registration endpoint and a page to start a registration). It talks to the
tool over HTTP only, never by calling it.

AGS behaviour switches (sandbox settings, set with ``POST /sandbox/control`` or
``store.set_setting``; defaults in ``behaviour.SWITCHES`` are the sandbox's own behaviour):

- ``timestamp_rule``: ``"moodle"`` answers 409 to a score whose timestamp is not newer than the
  last one in whole seconds; ``"canvas"`` answers 400 to an older one; ``"none"`` takes every
  score, duplicates too. Default ``None``: as ``platform_style`` (``"moodle"`` unless set).
- ``students_only`` (``True``): a score for a user who is not a learner is refused (Moodle 400
  "Incorrect score received", Canvas 422, by ``platform_style``).
- ``throttle_after`` (``None``) and ``throttle_for`` (``1``): after that many AGS calls, the next
  ``throttle_for`` ones get Canvas's throttled answer, 403 with ``X-Rate-Limit-Remaining: 0.0``.
- ``result_service`` (``True``): the AGS Result service (``GET {lineitem}/results``), and the
  ``result.readonly`` scope granted in launches, tokens and Dynamic Registration.
- ``hold_scores`` / ``hold_tokens`` (``False``, tests only): the score endpoint (after storing
  the score) or the token endpoint notes the call and keeps its answer until
  ``{"release": true}`` is posted to the control endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from lti_tool.sandbox.signing import ToolKeys
from lti_tool.sandbox.signing import ensure_key
from lti_tool.sandbox.store import SbLineItem
from lti_tool.sandbox.store import SbResourceLink
from lti_tool.sandbox.store import make_sessionmaker

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")

CLIENT_ID = "amelie-sandbox"
DEPLOYMENT_ID = "sandbox-deployment-1"
CONTEXT_ID = "amelie-demo-course"
CONTEXT_TITLE = "AMELIE – health professionals and trafficking in human beings"


@dataclass
class SandboxState:
    sessions: sessionmaker[Session]
    tool_keys: ToolKeys


def state() -> SandboxState:
    return current_app.extensions["lti_tool.sandbox"]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    sessions = make_sessionmaker(app.config["SANDBOX_DATABASE_URL"])
    with sessions() as session:
        ensure_key(session)
        seed_links(session, app.config.get("SANDBOX_LINKS") or [])
        session.commit()
    app.extensions["lti_tool.sandbox"] = SandboxState(sessions=sessions, tool_keys=ToolKeys())
    from lti_tool.sandbox import behaviour
    from lti_tool.sandbox import pages  # noqa: F401
    from lti_tool.sandbox import registration  # noqa: F401
    from lti_tool.sandbox import results  # noqa: F401
    from lti_tool.sandbox import services  # noqa: F401

    behaviour.init_app(app)
    app.register_blueprint(bp)


def seed_links(session: Session, links: list[dict[str, Any]]) -> None:
    """One resource link (with its own gradebook column) per entry, as an LMS activity has."""
    for index, link in enumerate(links, start=1):
        rl_id = link.get("id") or f"sandbox-link-{index}"
        if session.scalar(select(SbResourceLink).where(SbResourceLink.rl_id == rl_id)):
            continue
        lineitem = SbLineItem(
            label=link["title"], score_maximum=100.0, resource_link_id=rl_id, resource_id=None
        )
        session.add(lineitem)
        session.flush()
        session.add(
            SbResourceLink(
                rl_id=rl_id,
                title=link["title"],
                custom={"case_id": link["case_id"]} if link.get("case_id") else {},
                lineitem_id=lineitem.id,
            )
        )
