"""Rate limits, counted with the ``limits`` library where every worker and host sees the same
counts: Redis when ``REDIS_URL`` is set; otherwise the database for the administrator's
sign-in (rare, and it must hold across workers) and each process's memory for the LTI entry
points (busy; a per-process count is still a brake, and costs no write per launch).

Counters are keyed by a digest of what they count (an address, a user name, a device), never by
the value itself, so neither Redis nor the database holds addresses or names.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import ClassVar

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from limits import RateLimitItem
from limits import parse_many
from limits.storage import MemoryStorage
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine
from sqlalchemy import Float
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from lti_tool.db import Base
from lti_tool.errors import error_page

EXTENSION = "lti_tool.throttle"
log = logging.getLogger("lti_tool.throttle")


class ThrottleCounter(Base):
    """A fixed-window counter of ``limits`` kept in the database (no Redis configured)."""

    __tablename__ = "throttle_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float)  # seconds since the epoch


class DatabaseStorage(Storage):
    """``limits`` storage on the tool's database: each call is one short transaction of its
    own, so a count survives the request's rollback and is seen at once by every worker."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["lti-tool-database"]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        from sqlalchemy.exc import SQLAlchemyError

        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = ThrottleCounter.__table__
        if self._engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(table).values(key=key, count=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, amount), else_=table.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with self._engine.begin() as connection:
            return int(connection.execute(statement).scalar_one())

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row is not None and row[1] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row is not None and row[1] > time.time() else time.time()

    def _row(self, key: str) -> tuple[int, float] | None:
        table = ThrottleCounter.__table__
        with self._engine.connect() as connection:
            row = connection.execute(
                select(table.c.count, table.c.expires_at).where(table.c.key == key)
            ).first()
        return (int(row[0]), float(row[1])) if row is not None else None

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._engine.begin() as connection:
            return connection.execute(delete(ThrottleCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                delete(ThrottleCounter.__table__).where(ThrottleCounter.__table__.c.key == key)
            )

    def purge_expired(self) -> int:
        with self._engine.begin() as connection:
            table = ThrottleCounter.__table__
            return connection.execute(
                delete(table).where(table.c.expires_at <= time.time())
            ).rowcount


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds, when not allowed


class Throttle:
    """Named limits over one storage. ``hit`` counts and answers; ``test`` only answers."""

    def __init__(self, storage: Storage, limits: dict[str, str]) -> None:
        self._limiter = FixedWindowRateLimiter(storage)
        self._limits: dict[str, list[RateLimitItem]] = {
            name: parse_many(spec) if spec else [] for name, spec in limits.items()
        }

    def hit(self, name: str, *identifiers: str) -> Verdict:
        keys = [_digest(i) for i in identifiers]
        allowed = True
        for item in self._limits[name]:
            allowed = self._limiter.hit(item, name, *keys) and allowed
        return Verdict(True) if allowed else self._refused(name, keys)

    def test(self, name: str, *identifiers: str) -> Verdict:
        keys = [_digest(i) for i in identifiers]
        if all(self._limiter.test(item, name, *keys) for item in self._limits[name]):
            return Verdict(True)
        return self._refused(name, keys)

    def clear(self, name: str, *identifiers: str) -> None:
        keys = [_digest(i) for i in identifiers]
        for item in self._limits[name]:
            self._limiter.clear(item, name, *keys)

    def _refused(self, name: str, keys: list[str]) -> Verdict:
        now = time.time()
        waits = [
            self._limiter.get_window_stats(item, name, *keys).reset_time - now
            for item in self._limits[name]
            if not self._limiter.test(item, name, *keys)
        ]
        return Verdict(False, max(1, math.ceil(max(waits, default=1))))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def init_app(app: Flask) -> None:
    config = app.config
    redis_url = config.get("REDIS_URL")
    shared: Storage
    local: Storage
    if redis_url:
        from limits.storage import RedisStorage

        shared = local = RedisStorage(redis_url)
    else:
        shared = DatabaseStorage(app.extensions["lti_tool.engine"])
        local = MemoryStorage()
    app.before_request(_throttle_entry_points)
    app.extensions[EXTENSION] = {
        "sign_in": Throttle(
            shared,
            {
                "address": config["THROTTLE_SIGN_IN_PER_ADDRESS"],
                "account": config["THROTTLE_SIGN_IN_PER_ACCOUNT"],
                "device": config["THROTTLE_SIGN_IN_PER_DEVICE"],
            },
        ),
        "requests": Throttle(
            local,
            {
                "login": config["THROTTLE_LTI_PER_ADDRESS"],
                "launch": config["THROTTLE_LTI_PER_ADDRESS"],
                "register": config["THROTTLE_REGISTER_PER_ADDRESS"],
                "verify": config["THROTTLE_VERIFY_PER_ADDRESS"],
            },
        ),
    }


THROTTLED_ENDPOINTS = {
    "lti.login": "login",
    "lti.launch": "launch",
    "lti.registration_page": "register",
    "lti.register": "register",
    "verify.lookup": "verify",
    "verify.record": "verify",
}


def _throttle_entry_points() -> Response | None:
    name = THROTTLED_ENDPOINTS.get(request.endpoint or "")
    if name is None:
        return None
    verdict = request_throttle().hit(name, request.remote_addr or "")
    if verdict.allowed:
        return None
    log.warning("throttled %s status=429 retry_after=%s", name, verdict.retry_after)
    response = error_page(429)
    response.headers["Retry-After"] = str(verdict.retry_after)
    return response


def sign_in_throttle() -> Throttle:
    return current_app.extensions[EXTENSION]["sign_in"]  # type: ignore[no-any-return]


def request_throttle() -> Throttle:
    return current_app.extensions[EXTENSION]["requests"]  # type: ignore[no-any-return]
