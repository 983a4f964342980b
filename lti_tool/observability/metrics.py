"""Prometheus metrics at ``/metrics`` (``prometheus_client``), off unless
``LTI_TOOL_METRICS_TOKEN`` is set; a scraper sends it as a bearer token.

Under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder for each start (and use
``lti_tool.observability.gunicorn_hooks``): each worker then writes its counts there and any
worker answers for all. Labels carry outcomes, reasons, status codes and kinds, never a
person, an issuer or an id. The outbox's depth and oldest age are read from the database at
each scrape, so they are the same whichever host answers.
"""

from __future__ import annotations

import hmac
import os
import time
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import request

from lti_tool.config import ConfigError

bp = Blueprint("metrics", __name__)

try:  # the observability extra
    import prometheus_client
    from prometheus_client import CollectorRegistry
    from prometheus_client import Counter
    from prometheus_client.core import GaugeMetricFamily
except ImportError:  # pragma: no cover - without the extra, metrics stay off
    prometheus_client = None  # type: ignore[assignment]


class _Noop:
    def labels(self, *args: Any, **kwargs: Any) -> _Noop:
        return self

    def inc(self, amount: float = 1) -> None:
        pass


def _counter(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Any:
    if prometheus_client is None:
        return _Noop()
    return Counter(name, documentation, labels)


LAUNCHES = _counter("lti_tool_launches", "LTI launches by outcome", ("outcome", "message_type"))
REJECTIONS = _counter("lti_tool_launch_rejections", "Rejected logins and launches by reason",
                      ("where", "reason"))  # fmt: skip
STEPS = _counter("lti_tool_steps", "Choices learners made in a case")
PLATFORM_RESPONSES = _counter("lti_tool_platform_responses",
                              "Answers of platforms to the tool's calls, by kind and status",
                              ("kind", "status"))  # fmt: skip
TOKEN_REQUESTS = _counter("lti_tool_token_requests", "Access token requests to platforms",
                          ("outcome",))  # fmt: skip

MESSAGE_TYPES = {"LtiResourceLinkRequest", "LtiDeepLinkingRequest",
                 "LtiSubmissionReviewRequest", "LtiDataPrivacyLaunchRequest"}  # fmt: skip


def launch_accepted(message_type: str) -> None:
    LAUNCHES.labels("accepted", message_type if message_type in MESSAGE_TYPES else "other").inc()


def launch_rejected(where: str, reason: str) -> None:
    if where == "launch":
        LAUNCHES.labels("rejected", "-").inc()
    REJECTIONS.labels(where, reason[:32]).inc()


def platform_response(response: Any, *args: Any, **kwargs: Any) -> None:
    """A ``requests`` response hook on the tool's outgoing session."""
    body = response.request.body or b""
    if isinstance(body, str):
        body = body.encode()
    content_type = response.request.headers.get("Content-Type", "")
    if b"grant_type=client_credentials" in body:
        kind = "token"
        TOKEN_REQUESTS.labels("ok" if response.status_code == 200 else "refused").inc()
    elif "score+json" in content_type:
        kind = "score"
    elif "lineitem" in content_type:
        kind = "lineitem"
    else:
        kind = "other"
    PLATFORM_RESPONSES.labels(kind, str(response.status_code)).inc()


class _Outbox:
    """The grade outbox as the database has it, read at scrape time."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def collect(self) -> Any:
        from lti_tool.db import new_session
        from lti_tool.db import utcnow
        from lti_tool.grading import outbox

        with new_session(self._app) as session:
            status = outbox.status(session)
        depth = GaugeMetricFamily("lti_tool_outbox_depth", "Grade deliveries by status",
                                  labels=["status"])  # fmt: skip
        for name, count in sorted(status.counts.items()):
            depth.add_metric([name], count)
        yield depth
        yield GaugeMetricFamily(
            "lti_tool_outbox_oldest_age_seconds",
            "Age of the oldest grade still waiting to be delivered (0 when none)",
            value=status.oldest_pending_age(utcnow()) or 0.0,
        )


def _registry(app: Flask) -> Any:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (LAUNCHES, REJECTIONS, STEPS, PLATFORM_RESPONSES, TOKEN_REQUESTS):
            registry.register(collector)
    registry.register(_Outbox(app))
    return registry


@bp.get("/metrics")
def metrics() -> Response:
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        abort(404)
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        response = Response("unauthorised\n", 401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    started = time.perf_counter()
    body = prometheus_client.generate_latest(_registry(current_app))
    response = Response(body, mimetype=prometheus_client.CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Server-Timing"] = f"scrape;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def init_app(app: Flask) -> None:
    token = app.config.get("METRICS_TOKEN") or ""
    if token and prometheus_client is None:
        raise ConfigError("LTI_TOOL_METRICS_TOKEN needs the observability extra: "
                          "pip install 'lti-tool[observability]'")  # fmt: skip
    if token and len(str(token)) < 16:
        raise ConfigError("LTI_TOOL_METRICS_TOKEN must be at least 16 characters long")
    app.register_blueprint(bp)

    @app.after_request
    def _count_steps(response: Response) -> Response:
        if request.endpoint == "learner.choose" and response.status_code == 200:
            STEPS.inc()
        return response
