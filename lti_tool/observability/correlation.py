"""The correlation id: one per request, and the launch's own from the launch on. It travels in
the launch token (so every page of that launch logs it), is stored on the outbox row, and the
grade worker logs it while it calls the platform."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask

_current: ContextVar[str | None] = ContextVar("lti_tool_correlation_id", default=None)
LENGTH = 16  # hex characters


def new_id() -> str:
    return secrets.token_hex(LENGTH // 2)


def current() -> str | None:
    return _current.get()


def set_current(value: str | None) -> None:
    _current.set(value if value and _valid(value) else None)


def _valid(value: str) -> bool:
    return len(value) == LENGTH and all(c in "0123456789abcdef" for c in value)


@contextmanager
def bound(value: str | None) -> Iterator[None]:
    token = _current.set(value if value and _valid(value) else None)
    try:
        yield
    finally:
        _current.reset(token)


class CorrelationFilter(logging.Filter):
    """Adds ``correlation_id`` to every record (``-`` outside a request or a delivery)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _current.get() or "-"
        return True


def init_app(app: Flask) -> None:
    @app.before_request
    def _new_request_id() -> None:
        _current.set(new_id())
