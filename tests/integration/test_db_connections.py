"""Pooled PostgreSQL connections: one the server dropped while it sat idle is replaced before a
request uses it (checked only after idleness, not on every checkout). Run in the suite's
PostgreSQL pass (``LTI_TOOL_TEST_DATABASE_URL``), as CI does; SQLite pools need no ping."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from lti_tool.db import make_engine
from tests.conftest import POSTGRES_URL

SERVER = POSTGRES_URL  # this worker's database (tests/conftest.py)
pytestmark = pytest.mark.skipif(
    not SERVER.startswith("postgresql"), reason="needs LTI_TOOL_TEST_DATABASE_URL (PostgreSQL)"
)


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def drop_connection(pid: int) -> None:
    """What a server restart or a firewall's idle timeout does to a pooled connection."""
    admin = create_engine(SERVER)
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use():
    engine = make_engine(SERVER, ping_after_idle=0.0)
    try:
        first = backend_pid(engine)
        drop_connection(first)
        second = backend_pid(engine)  # no error: the ping found it dead and the pool reconnected
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged():
    """The counterpart: without the idle check, the dropped connection reaches the caller once,
    and the pool then starts afresh."""
    engine = make_engine(SERVER, ping_after_idle=3600.0)
    try:
        first = backend_pid(engine)
        drop_connection(first)
        with pytest.raises(OperationalError):
            backend_pid(engine)
        assert backend_pid(engine) != first
    finally:
        engine.dispose()
