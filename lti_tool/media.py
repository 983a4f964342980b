"""``GET /media/<case>/<digest>/<file>``: the images and audio clips that loaded cases show.

Only a file that a loaded case declares is served, and only under the digest of the content the
checker read at start-up, so an address names one content for ever: browsers and proxies may
keep it for a year without asking again (``immutable``), and a changed file gets a new address.
Nothing is read from the address but the three names looked up; every other path is a 404. The
files are public, like the case files they belong to, and need no launch. An SVG is served
with a policy that lets it run and load nothing, should anyone open it on its own.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import send_file
from flask import url_for

from lti_tool.library import library
from lti_tool.simulation import Case
from lti_tool.simulation import Media

bp = Blueprint("media", __name__)

ONE_YEAR = 365 * 24 * 3600
CACHE_CONTROL = f"public, max-age={ONE_YEAR}, immutable"
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


@bp.app_template_global()
def media_url(case: Case, item: Media) -> str:
    """The address of ``item`` of ``case``: templates call it to show the file."""
    return url_for("media.file", case_id=case.id, digest=item.digest, name=item.file)


@bp.get("/media/<case_id>/<digest>/<name>")
def file(case_id: str, digest: str, name: str) -> Response:
    case = library().case(case_id)
    item = case.media_file(name) if case else None
    if item is None or item.digest != digest:
        abort(404)
    response = send_file(
        item.path,
        mimetype=item.content_type,
        conditional=True,  # answers If-None-Match and Range (seeking in audio)
        etag=item.digest,
        last_modified=None,
        max_age=ONE_YEAR,
    )
    response.headers["Cache-Control"] = CACHE_CONTROL
    if item.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response
