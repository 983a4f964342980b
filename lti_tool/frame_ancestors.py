"""Which sites may frame the tool's LTI pages when ``LTI_TOOL_FRAME_ANCESTORS`` is not set: the
origins of the registered platforms (issuer and authorisation endpoint), read from the database
and kept for ``REGISTRATION_CACHE_SECONDS`` per process (dropped when a session of this process
commits a change to a registration or platform; other hosts see it within that time).

Canvas Cloud (issuer ``https://canvas.instructure.com``) frames tools from each institution's
own ``*.instructure.com`` site, which no registration names: that wildcard is added for it. A
Canvas on its own domain needs ``LTI_TOOL_FRAME_ANCESTORS``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lti_tool.db import autocommit_connection
from lti_tool.lti.models import Platform
from lti_tool.lti.models import Registration

log = logging.getLogger(__name__)

CANVAS_CLOUD = {
    "canvas.instructure.com": "https://*.instructure.com",
    "canvas.beta.instructure.com": "https://*.beta.instructure.com",
    "canvas.test.instructure.com": "https://*.test.instructure.com",
}
_QUERY = select(Platform.issuer, Registration.auth_login_url).join(
    Registration, Registration.platform_id == Platform.id
)


_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")


def origin(url: str) -> str | None:
    """The URL's origin as a CSP source, or None (nothing that could break out of the
    header: a host of letters, digits, dots and hyphens only)."""
    try:
        parts = urlsplit(url)
        port_number = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not _HOST.fullmatch(host):
        return None
    default = {"https": 443, "http": 80}[parts.scheme]
    port = f":{port_number}" if port_number and port_number != default else ""
    return f"{parts.scheme}://{host}{port}"


def sources(urls: list[str]) -> str:
    found: list[str] = ["'self'"]
    for url in urls:
        for candidate in (origin(url), CANVAS_CLOUD.get(urlsplit(url).hostname or "")):
            if candidate and candidate not in found:
                found.append(candidate)
    return " ".join(found)


class FrameAncestors:
    def __init__(self, app: Flask, ttl: float) -> None:
        self._app = app
        self._ttl = ttl
        self._lock = threading.Lock()
        self._value: str | None = None
        self._read_at = 0.0

    def invalidate(self) -> None:
        self._value = None

    def value(self) -> str:
        now = time.monotonic()
        cached = self._value
        if cached is not None and now - self._read_at < self._ttl:
            return cached
        with self._lock:
            try:
                with autocommit_connection(self._app.extensions["lti_tool.engine"]) as c:
                    urls = [u for row in c.execute(_QUERY) for u in row if u]
            except SQLAlchemyError as exc:
                log.warning("frame-ancestors from the registrations unavailable (%s)",
                            type(exc).__name__)  # fmt: skip
                return cached or "'self'"
            self._value, self._read_at = sources(sorted(set(urls))), now
            return self._value


_instances: weakref.WeakSet[FrameAncestors] = weakref.WeakSet()


@event.listens_for(Session, "after_flush")
def _note_registration_change(session: Session, context: Any) -> None:
    changed = (*session.new, *session.deleted, *session.dirty)
    if any(isinstance(o, Registration | Platform) for o in changed):
        session.info["lti_tool.frame_ancestors_changed"] = True


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    if session.info.pop("lti_tool.frame_ancestors_changed", False):
        for instance in list(_instances):
            instance.invalidate()


def init_app(app: Flask) -> None:
    instance = FrameAncestors(app, float(app.config["REGISTRATION_CACHE_SECONDS"]))
    app.extensions["lti_tool.frame_ancestors"] = instance
    _instances.add(instance)
