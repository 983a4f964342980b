"""The database: declarative base, engine, the per-request session and connection.

Services take a ``Session`` (or a ``Connection``) and only add/flush; the commit happens once,
at the HTTP or CLI edge. Work that must be atomic across statements goes through the request's
session. Reads, and writes of a single statement, may go through the request's *autocommit*
connection instead (``get_connection``): each statement is its own transaction, which saves
the ``BEGIN`` and ``COMMIT`` round trips on the learner's busiest pages.
The schema comes from Alembic migrations (``lti-tool db upgrade``), never ``create_all``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import ClassVar

from flask import Flask
from flask import current_app
from flask import g
from sqlalchemy import Connection
from sqlalchemy import DateTime
from sqlalchemy import Engine
from sqlalchemy import MetaData
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import types
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

AUTOCOMMIT = "AUTOCOMMIT"
SQLITE_AUTOCOMMIT = "lti_tool_autocommit"
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


PING_AFTER_IDLE_SECONDS = 5.0


def make_engine(url: str, ping_after_idle: float = PING_AFTER_IDLE_SECONDS) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               hide_parameters=True)  # fmt: skip
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # hide_parameters: an error's log line never carries the values (names, tokens) of a query
    engine = create_engine(url, pool_size=5, max_overflow=10, hide_parameters=True)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use when it has been idle, not on every checkout.

    ``pool_pre_ping`` costs a round trip on every request; a connection in steady use is
    alive, and one the server dropped while it sat idle (restart, failover, a firewall's idle
    timeout) is the case a ping is for. A dead one is replaced before the request uses it.
    """

    def returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["lti_tool.returned_at"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        since = record.info.get("lti_tool.returned_at")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or in use moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError from exc  # the pool connects afresh and retries
            raise

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checkout)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide where transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Connection) -> None:
    # One writer at a time, decided at BEGIN: a deferred transaction that upgrades to a write
    # after another writer committed fails at once (SQLITE_BUSY_SNAPSHOT) instead of waiting.
    if connection.get_execution_options().get(SQLITE_AUTOCOMMIT):
        return  # the driver runs each statement as its own transaction
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["lti_tool.engine"] = engine
    app.extensions["lti_tool.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    app.teardown_appcontext(_close_connection)


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["lti_tool.sessionmaker"]()
    return g.db_session


def get_connection() -> Connection:
    """This request's autocommit connection: for reads and single-statement writes only.

    A request holds at most one pooled connection at a time: before it uses its session, it
    calls ``release_connection`` (or threads waiting for a second connection could take the
    whole pool between them)."""
    if "db_connection" not in g:
        engine: Engine = current_app.extensions["lti_tool.engine"]
        connection = engine.connect()
        try:
            if engine.dialect.name == "sqlite":
                # the driver already autocommits (see _sqlite_pragmas); only BEGIN IMMEDIATE
                # must stay away. An isolation level would be reset, and cost a PRAGMA, at
                # every return to the pool.
                connection = connection.execution_options(**{SQLITE_AUTOCOMMIT: True})
            else:
                connection = connection.execution_options(isolation_level=AUTOCOMMIT)
        except BaseException:
            connection.close()
            raise
        g.db_connection = connection
    return g.db_connection  # type: ignore[no-any-return]


def release_connection() -> None:
    """Give this request's autocommit connection back to the pool (it is taken again when
    needed)."""
    connection = g.pop("db_connection", None)
    if connection is not None:
        connection.close()


@contextmanager
def autocommit_connection(engine: Engine) -> Iterator[Connection]:
    """A pooled connection outside a request where each statement is its own transaction (on
    SQLite, without the BEGIN IMMEDIATE that would wait for writers)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            yield connection.execution_options(**{SQLITE_AUTOCOMMIT: True})
        else:
            yield connection.execution_options(isolation_level=AUTOCOMMIT)


def new_session(app: Flask) -> Session:
    """A session outside a request (CLI, background worker); the caller closes it."""
    return app.extensions["lti_tool.sessionmaker"]()


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def _close_connection(exc: BaseException | None) -> None:
    release_connection()
