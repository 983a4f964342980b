"""Absolute URLs the tool gives to platforms: from ``LTI_TOOL_BASE_URL`` when set, otherwise from
the request (honouring X-Forwarded-* only when ``LTI_TOOL_BEHIND_PROXY`` is set); and the two
things done to other parties' URLs: their origin, and adding query parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

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
    host = parts.netloc.rpartition("@")[2].lower()  # as a browser names it: no user, lower case
    if parts.scheme not in ("http", "https") or not host:
        return ""
    return f"{parts.scheme}://{host}"


def with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` in its query string, which it may already have (Moodle's service
    URLs carry ``?type_id=N``); a parameter already there with one of these names is replaced."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*kept, *params.items()])))


def tool_urls() -> dict[str, str]:
    """What a platform administrator enters on their side."""
    return {
        "login": public_url("lti.login"),
        "launch": public_url("lti.launch"),
        "jwks": public_url("lti.jwks"),
    }
