"""Logs, metrics (and traces) for operators: a correlation id that follows a launch, opt-in
JSON logs, and a Prometheus endpoint. Nothing here names a person."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lti_tool.observability import correlation
    from lti_tool.observability import logs
    from lti_tool.observability import metrics

    logs.init_app(app)
    correlation.init_app(app)
    metrics.init_app(app)
