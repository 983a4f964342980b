"""Response headers, decided per kind of page, and proxy handling.

Pages that the LMS shows in an iframe (launch, learner, instructor) may be framed by the
origins in ``LTI_TOOL_FRAME_ANCESTORS``, or by default by the registered platforms' origins
(``lti_tool.frame_ancestors``); everything else refuses framing (``'none'``). No page loads anything from
another site, so scripts, styles, images and sound (a case's media) are limited to the tool's own
origin.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from lti_tool import frame_ancestors

FRAMED_BLUEPRINTS = frozenset({"lti", "learner", "instructor"})


def init_app(app: Flask) -> None:
    if app.config["BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1
        )
    app.config.setdefault("FRAME_ANCESTORS", "")  # empty: the registered platforms
    frame_ancestors.init_app(app)
    app.before_request(_read_ancestors)
    app.after_request(_headers)


def _read_ancestors() -> None:
    """Read the framing platforms before the view takes its pooled connection: a request holds
    one connection at a time."""
    if request.blueprint in FRAMED_BLUEPRINTS or request.blueprint == "sandbox":
        g.frame_ancestors = _ancestors()


def _headers(response: Response) -> Response:
    framed = request.blueprint in FRAMED_BLUEPRINTS or g.get("csp_frame_ok", False)
    sandbox = request.blueprint == "sandbox"
    ancestors = (g.get("frame_ancestors") or _ancestors()) if framed or sandbox else "'none'"
    form_action = "*" if sandbox else " ".join(["'self'", *g.get("csp_form_action", ())])
    frame_src = "*" if sandbox else "'self'"
    response.headers.setdefault("Content-Security-Policy",
                                _policy(ancestors, form_action, frame_src))  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if not (framed or sandbox):
        response.headers["X-Frame-Options"] = "DENY"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


REGISTRATION_ENDPOINTS = frozenset({"lti.registration_page", "lti.register"})


def _ancestors() -> str:
    configured = str(current_app.config["FRAME_ANCESTORS"] or "").strip()
    if configured:
        return configured
    registered = str(current_app.extensions["lti_tool.frame_ancestors"].value())
    if request.endpoint in REGISTRATION_ENDPOINTS:
        # Dynamic Registration: the platform framing it is not registered yet; it is the one
        # whose configuration URL the page was given
        platform = frame_ancestors.origin(request.values.get("openid_configuration", ""))
        if platform and platform not in registered.split():
            return f"{registered} {platform}"
    return registered


@lru_cache(maxsize=256)
def _policy(ancestors: str, form_action: str, frame_src: str) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        f"frame-ancestors {ancestors}",
        f"form-action {form_action}",
        f"frame-src {frame_src}",
    ])  # fmt: skip
