"""The tool's configuration in Canvas's JSON format, for *Developer Keys › + LTI Key › Method:
Enter URL* (or *Paste JSON*): the same URLs ``lti-tool urls`` prints, the services' scopes and
the two deep linking placements, so a Canvas administrator types one address instead of ten
fields. Canvas documents the format in ``doc/api/lti_dev_key_config.md``."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from lti_tool.lti.claims import TOOL_SCOPES
from lti_tool.lti.tool_profile import CANVAS_DEEP_LINKING_PLACEMENTS
from lti_tool.lti.tool_profile import DESCRIPTION
from lti_tool.lti.tool_profile import TITLE
from lti_tool.public_urls import tool_urls

bp = Blueprint("canvas_config", __name__, url_prefix="/lti")
log = logging.getLogger(__name__)

PRIVACY_LEVELS = ("anonymous", "name_only", "email_only", "public")
DEFAULT_PRIVACY_LEVEL = "anonymous"


def canvas_configuration(privacy_level: str = DEFAULT_PRIVACY_LEVEL) -> dict[str, Any]:
    if privacy_level not in PRIVACY_LEVELS:
        raise ValueError(f"privacy_level must be one of {', '.join(PRIVACY_LEVELS)}")
    urls = tool_urls()
    placements = [
        {"placement": placement, "message_type": "LtiDeepLinkingRequest",
         "target_link_uri": urls["launch"], "text": TITLE}
        for placement in CANVAS_DEEP_LINKING_PLACEMENTS
    ]  # fmt: skip
    extension = {
        "platform": "canvas.instructure.com",
        "domain": urlsplit(urls["launch"]).netloc,
        "tool_id": "amelie-case-simulations",
        "privacy_level": privacy_level,
        "settings": {"text": TITLE, "placements": placements},
    }
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "oidc_initiation_url": urls["login"],
        "target_link_uri": urls["launch"],
        "public_jwk_url": urls["jwks"],
        "scopes": list(TOOL_SCOPES),
        "extensions": [extension],
        "custom_fields": {},
    }


@bp.get("/canvas.json")
def canvas_json() -> Response:
    """``?privacy_level=name_only`` (or ``email_only``, ``public``) lets the tool see names: the
    default, ``anonymous``, sends only the platform's user id."""
    privacy_level = request.args.get("privacy_level", DEFAULT_PRIVACY_LEVEL)
    if privacy_level not in PRIVACY_LEVELS:
        log.info("Canvas configuration: unknown privacy_level refused")
        response = jsonify(error=f"privacy_level must be one of {', '.join(PRIVACY_LEVELS)}")
        response.status_code = 400
        return response
    response = jsonify(canvas_configuration(privacy_level))
    # built from the request's host when LTI_TOOL_BASE_URL is unset: no shared cache may keep it
    shared = bool(current_app.config["BASE_URL"])
    response.headers["Cache-Control"] = "public, max-age=300" if shared else "private, no-store"
    return response
