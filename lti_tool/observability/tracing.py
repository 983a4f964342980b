"""Optional OpenTelemetry tracing (the ``tracing`` extra): Flask requests, SQLAlchemy queries
and the platform calls made with requests, one trace per request, carrying the correlation id.

``LTI_TOOL_TRACING=otlp`` exports over OTLP/HTTP to the collector the standard
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) names;
``console`` writes the spans to standard output (for a first look). The span processor runs a
background thread, which a fork does not copy: it is created with the app, and gunicorn
(``gunicorn.conf.py``, ``preload_app = False``) creates the app in each worker after the fork;
``lti-tool grades work`` creates its own. Spans hold routes, statements without
their parameters and platform addresses: no name, no token (the launch token is posted, never in
an address).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from flask import Flask
from flask import Response

from lti_tool.config import ConfigError
from lti_tool.observability import correlation

EXPORTERS = ("otlp", "console")
_lock = threading.Lock()
_started_in: int | None = None  # the process whose provider exports


def init_app(app: Flask) -> None:
    """After db.init_app: the app's engine is instrumented."""
    kind = str(app.config.get("TRACING") or "")
    if not kind:
        return
    if kind not in EXPORTERS:
        raise ConfigError(f"LTI_TOOL_TRACING must be empty or one of: {', '.join(EXPORTERS)}")
    try:
        from opentelemetry.instrumentation.flask import FlaskInstrumentor
        from opentelemetry.instrumentation.requests import RequestsInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    except ImportError as exc:
        raise ConfigError(
            "LTI_TOOL_TRACING needs the tracing extra: pip install 'lti-tool[tracing]'"
        ) from exc
    _start(kind)
    # its package declares SQLAlchemy < 2.1; its cursor events are the same in 2.1 (tested)
    SQLAlchemyInstrumentor().instrument(engine=app.extensions["lti_tool.engine"],
                                        skip_dep_check=True)  # fmt: skip
    RequestsInstrumentor().instrument()
    FlaskInstrumentor().instrument_app(app, excluded_urls="health,metrics")

    @app.after_request
    def _correlate(response: Response) -> Response:
        from opentelemetry import trace

        cid = correlation.current()
        if cid:
            trace.get_current_span().set_attribute("lti_tool.correlation_id", cid)
        return response


def _start(kind: str) -> None:
    """The tracer provider of this process, made once (an app is made per process)."""
    global _started_in
    with _lock:
        if _started_in == os.getpid():
            return
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        resource = Resource.create(
            {"service.name": os.environ.get("OTEL_SERVICE_NAME", "lti-tool")}
        )
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(_exporter(kind)))
        trace.set_tracer_provider(provider)
        _started_in = os.getpid()


def _exporter(kind: str) -> Any:
    if kind == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()
