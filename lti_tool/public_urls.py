"""Absolute URLs the tool gives to platforms: from ``LTI_TOOL_BASE_URL`` when set, otherwise from
the request (honouring X-Forwarded-* only when ``LTI_TOOL_BEHIND_PROXY`` is set)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask import has_request_context
from flask import request
from flask import url_for


def base_url() -> str:
    configured = current_app.config["BASE_URL"]
    if configured:
        return str(configured)
    if has_request_context():
        return request.host_url.rstrip("/")
    raise RuntimeError("LTI_TOOL_BASE_URL is not set and there is no request to take it from")


def public_url(endpoint: str, **values: Any) -> str:
    return base_url() + url_for(endpoint, _external=False, **values)


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL; "" for anything else (a URL from a platform
    or a browser may be malformed, such as ``http://[::1``)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def tool_urls() -> dict[str, str]:
    """What a platform administrator enters on their side."""
    return {
        "login": public_url("lti.login"),
        "launch": public_url("lti.launch"),
        "jwks": public_url("lti.jwks"),
    }
