"""What every instructor page shares: rendering with the case-text helpers (framed by the LMS),
and the activity of the current launch."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import g
from flask import render_template
from flask_babel import gettext as _

from lti_tool import labels
from lti_tool.db import get_session
from lti_tool.errors import error_page
from lti_tool.i18n import case_text
from lti_tool.lti.launch_session import current_launch
from lti_tool.lti.models import ResourceLink

HELPERS = {
    "md": case_text.markdown,
    "tx": case_text.text,
    "il": case_text.inline,
    "MODULES": labels.MODULES,
    "SETTINGS": labels.SETTINGS,
}


def render(template: str, page: str, status: int = 200, **context: Any) -> Response:
    g.csp_frame_ok = True
    body = render_template(template, page=page, **HELPERS, **context)
    return Response(body, status=status, mimetype="text/html")


def current_link() -> ResourceLink | Response:
    """The launch's activity, or the error page that says why there is none."""
    link_id = current_launch().resource_link_id
    if link_id is None:
        return error_page(400, _("This launch has no activity"),
                          _("Open the activity from your course page."))  # fmt: skip
    link = get_session().get(ResourceLink, link_id)
    return link if link is not None else error_page(404)
