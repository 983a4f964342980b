"""Outgoing HTTP: every request names the tool and its version (Canvas rejects calls without a
User-Agent), has a timeout, and reuses connections (one session per thread)."""

from __future__ import annotations

import threading

import requests

from lti_tool import __version__
from lti_tool.observability import metrics

USER_AGENT = f"AMELIE-lti-tool/{__version__} (+https://github.com/amelie-lti/lti-tool)"

_local = threading.local()


def http_session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        session.trust_env = False
        session.hooks["response"].append(metrics.platform_response)
        _local.session = session
    return session
