"""Opt-in structured logs: ``LTI_TOOL_LOG_FORMAT=json`` writes one JSON object per line
(python-json-logger) with time, level, logger, message and the correlation id."""

from __future__ import annotations

import logging

from flask import Flask

from lti_tool.config import ConfigError
from lti_tool.observability.correlation import CorrelationFilter

FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s"


def json_formatter() -> logging.Formatter:
    try:
        from pythonjsonlogger.json import JsonFormatter
    except ImportError as exc:
        raise ConfigError(
            "LTI_TOOL_LOG_FORMAT=json needs the observability extra: "
            "pip install 'lti-tool[observability]'"
        ) from exc
    return JsonFormatter(FIELDS, rename_fields={"asctime": "time", "levelname": "level",
                                                "name": "logger"})  # fmt: skip


def init_app(app: Flask) -> None:
    log_format = str(app.config.get("LOG_FORMAT") or "text").lower()
    if log_format not in ("text", "json"):
        raise ConfigError("LTI_TOOL_LOG_FORMAT must be 'text' or 'json'")
    root = logging.getLogger()
    formatter = json_formatter() if log_format == "json" else None
    for handler in root.handlers:
        if not any(isinstance(f, CorrelationFilter) for f in handler.filters):
            handler.addFilter(CorrelationFilter())
        if formatter is not None:
            handler.setFormatter(formatter)
