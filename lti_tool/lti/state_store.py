"""Logins in flight: state, nonce and the browser-binding secret, shared by every process.

The database is the default store: the launch consumes its row with one conditional UPDATE in
the same transaction that records the launch, so a replayed id_token fails in any worker and a
rejected launch leaves nothing behind. With ``REDIS_URL`` set, Redis holds them instead and
``GETDEL`` makes the consumption atomic.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from enum import Enum
from typing import Any
from typing import Protocol

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.lti.models import OidcState


@dataclass(frozen=True, slots=True)
class NewLogin:
    state: str
    nonce: str
    binding: str  # given to the browser only (cookie or platform storage)


@dataclass(frozen=True, slots=True)
class PendingLogin:
    nonce: str
    registration_id: int
    binding_hash: str
    used: bool = False


class ConsumeResult(Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    MISMATCH = "mismatch"


def binding_hash(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()


def new_login() -> NewLogin:
    return NewLogin(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        binding=secrets.token_urlsafe(24),
    )


class StateStore(Protocol):
    def save(
        self, session: Session, login: NewLogin, registration_id: int, now: datetime, ttl: int
    ) -> None: ...

    def peek(self, session: Session, state: str, now: datetime) -> PendingLogin | None: ...

    def consume(
        self, session: Session, state: str, nonce: str, registration_id: int, now: datetime
    ) -> ConsumeResult: ...


def binding_matches(pending: PendingLogin, binding: str | None) -> bool:
    return bool(binding) and hmac.compare_digest(pending.binding_hash, binding_hash(binding or ""))


class DatabaseStateStore:
    # one in this many logins also deletes long-expired rows
    PRUNE_EVERY = 64

    def save(
        self, session: Session, login: NewLogin, registration_id: int, now: datetime, ttl: int
    ) -> None:
        session.add(
            OidcState(
                state=login.state,
                nonce=login.nonce,
                binding_hash=binding_hash(login.binding),
                registration_id=registration_id,
                expires_at=now + timedelta(seconds=ttl),
            )
        )
        if secrets.randbelow(self.PRUNE_EVERY) == 0:
            session.execute(
                delete(OidcState).where(OidcState.expires_at < now - timedelta(hours=1))
            )

    def peek(self, session: Session, state: str, now: datetime) -> PendingLogin | None:
        row = session.execute(
            select(
                OidcState.nonce,
                OidcState.registration_id,
                OidcState.binding_hash,
                OidcState.used_at,
            ).where(OidcState.state == state)
        ).first()
        if row is None:
            return None
        return PendingLogin(
            nonce=row.nonce,
            registration_id=row.registration_id,
            binding_hash=row.binding_hash,
            used=row.used_at is not None,
        )

    def consume(
        self, session: Session, state: str, nonce: str, registration_id: int, now: datetime
    ) -> ConsumeResult:
        result = session.execute(
            update(OidcState)
            .where(
                OidcState.state == state,
                OidcState.used_at.is_(None),
                OidcState.expires_at > now,
                OidcState.registration_id == registration_id,
                OidcState.nonce == nonce,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return ConsumeResult.OK
        row = session.execute(
            select(OidcState.used_at, OidcState.expires_at).where(OidcState.state == state)
        ).first()
        if row is None:
            return ConsumeResult.UNKNOWN
        if row.used_at is not None:
            return ConsumeResult.USED
        if row.expires_at <= now:
            return ConsumeResult.EXPIRED
        return ConsumeResult.MISMATCH


class RedisStateStore:
    PREFIX = "lti_tool:state:"
    USED_PREFIX = "lti_tool:used-state:"

    def __init__(self, client: Any) -> None:
        self._redis = client

    def save(
        self, session: Session, login: NewLogin, registration_id: int, now: datetime, ttl: int
    ) -> None:
        value = json.dumps(
            {"n": login.nonce, "r": registration_id, "b": binding_hash(login.binding)}
        )
        self._redis.set(self.PREFIX + login.state, value, ex=max(ttl, 1))

    def peek(self, session: Session, state: str, now: datetime) -> PendingLogin | None:
        raw = self._redis.get(self.PREFIX + state)
        if raw is None and self._redis.exists(self.USED_PREFIX + state):
            return PendingLogin(nonce="", registration_id=0, binding_hash="", used=True)
        return self._decode(raw)

    @staticmethod
    def _decode(raw: bytes | str | None) -> PendingLogin | None:
        if raw is None:
            return None
        data = json.loads(raw)
        return PendingLogin(nonce=data["n"], registration_id=data["r"], binding_hash=data["b"])

    def consume(
        self, session: Session, state: str, nonce: str, registration_id: int, now: datetime
    ) -> ConsumeResult:
        pending = self._decode(self._redis.getdel(self.PREFIX + state))
        if pending is None:
            return (
                ConsumeResult.USED
                if self._redis.exists(self.USED_PREFIX + state)
                else (ConsumeResult.UNKNOWN)
            )
        # a tombstone, so that a replay is reported as one (kept as long as a token may live)
        self._redis.set(self.USED_PREFIX + state, "1", ex=3600)
        if pending.registration_id != registration_id or not hmac.compare_digest(
            pending.nonce, nonce
        ):
            return ConsumeResult.MISMATCH
        return ConsumeResult.OK
