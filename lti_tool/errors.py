"""Error pages: translated, with the right status, and a reference id that matches the log line.

Logs name the reason and the reference, never a token, a name or an e-mail address.
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask
from flask import Response
from flask import g
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

log = logging.getLogger("lti_tool.errors")

GENERIC = {
    400: (
        _l("The request was not understood"),
        _l("Something in the request was missing or malformed. Go back and try again."),
    ),
    401: (
        _l("Your session has ended"),
        _l(
            "For your safety, sessions end after a while. Open the activity again from your course."
        ),
    ),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (
        _l("Page not found"),
        _l("This page does not exist. Open the activity again from your course."),
    ),
    405: (
        _l("Not allowed"),
        _l("This page cannot be used this way. Open the activity again from your course."),
    ),
    409: (
        _l("Already done"),
        _l("This was already done. Open the activity again from your course."),
    ),
    413: (_l("The request is too large"), _l("The request was larger than the tool accepts.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "The tool could not complete your request. Please try again; if it keeps happening, tell your course administrator and quote the reference below."
        ),
    ),
}


SECRET_PATH_PREFIXES = ("/lti/register/", "/verify/")


def new_reference() -> str:
    return secrets.token_hex(4).upper()


def error_page(
    status: int,
    title: str | None = None,
    message: str | None = None,
    *,
    reference: str | None = None,
    hint: str | None = None,
) -> Response:
    """The error page; without a ``reference`` it makes one and logs the refusal (status,
    method and path only: never what was posted)."""
    if reference is None:
        reference = new_reference()
        log.info("http %s ref=%s %s %s", status, reference, request.method, _logged_path())
    default_title, default_message = GENERIC.get(status, GENERIC[400])
    # shown inside the LMS iframe too (an expired link, a page that no longer exists), but an
    # administration page is never framed
    g.csp_frame_ok = request.blueprint != "admin" and not request.path.startswith("/admin/")
    body = render_template(
        "errors/error.html",
        page="error",
        status=status,
        title=title or str(default_title),
        message=message or str(default_message),
        reference=reference,
        hint=hint,
    )
    return Response(body, status=status, mimetype="text/html")


def _logged_path() -> str:
    """The route's pattern where it has variables (``/lti/register/<token>``: a registration
    link is a secret), otherwise the path; a path under a secret prefix never, matched or not."""
    for prefix in SECRET_PATH_PREFIXES:
        if request.path.lower().startswith(prefix):
            return ascii(prefix + "…")
    rule = request.url_rule
    where = rule.rule if rule is not None and rule.arguments else request.path
    return ascii(where[:200])


def _http_error(exc: HTTPException) -> Response:
    return error_page(exc.code or 500)


def _unexpected(exc: Exception) -> Response:
    reference = new_reference()
    log.exception("unexpected error ref=%s %s %s", reference, request.method, _logged_path())
    return error_page(500, reference=reference)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
