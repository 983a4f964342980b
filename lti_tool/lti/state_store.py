"""Logins in flight, without a write at login: the OIDC ``state`` is signed by the tool.

At login the tool makes a nonce and a browser-binding secret, and sends the platform a ``state``
that carries (signed with ``SECRET_KEY``): the nonce, the registration, a hash of the binding
secret and an expiry. The secret itself goes only to the browser (state cookie, or LTI platform
storage). At launch the tool checks the signature, the expiry, that the browser shows the secret,
and that the id_token's nonce is the state's; then it **consumes the nonce atomically**: one
``INSERT … ON CONFLICT DO NOTHING`` into ``used_nonce`` (or ``SET NX`` in Redis when
``REDIS_URL`` is set), in the launch's own transaction. A replay — in any process, on any host —
finds the nonce taken. Logins cost no database round trip (see docs/decisions.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from enum import Enum
from typing import Any
from typing import Protocol

from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from lti_tool.lti.models import UsedNonce


@dataclass(frozen=True, slots=True)
class NewLogin:
    state: str
    nonce: str
    binding: str  # given to the browser only (cookie or platform storage)
    key: str  # names the cookie / platform-storage entry


@dataclass(frozen=True, slots=True)
class PendingLogin:
    nonce: str
    registration_id: int
    binding_hash: str
    expires_at: float
    key: str


class ConsumeResult(Enum):
    OK = "ok"
    USED = "used"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def binding_hash(binding: str) -> str:
    return _b64(hashlib.sha256(binding.encode()).digest()[:18])


class StateSigner:
    """Makes and reads the signed ``state`` values (HMAC-SHA256 with a key derived from
    ``SECRET_KEY``, so it differs from the launch tokens' key)."""

    MAX_LENGTH = 512

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"lti-tool oidc state\0" + secret.encode()).digest()

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def new_login(self, registration_id: int, ttl: int) -> NewLogin:
        nonce = secrets.token_urlsafe(24)
        binding = secrets.token_urlsafe(24)
        key = secrets.token_urlsafe(12)
        payload = _b64(
            json.dumps(
                [nonce, registration_id, binding_hash(binding), int(time.time()) + ttl, key],
                separators=(",", ":"),
            ).encode()
        )
        return NewLogin(
            state=f"{payload}.{self._mac(payload)}", nonce=nonce, binding=binding, key=key
        )

    def read(self, state: str) -> PendingLogin | None:
        """The login a state describes, or None when it is not one of ours (or was altered)."""
        if (
            not state
            or len(state) > self.MAX_LENGTH
            or not state.isascii()
            or state.count(".") != 1
        ):
            return None
        payload, mac = state.split(".")
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            nonce, registration_id, digest, expires_at, key = json.loads(_unb64(payload))
        except (ValueError, TypeError):
            return None
        return PendingLogin(nonce, registration_id, digest, expires_at, key)


def binding_matches(pending: PendingLogin, binding: str | None) -> bool:
    return bool(binding) and hmac.compare_digest(pending.binding_hash, binding_hash(binding or ""))


class NonceStore(Protocol):
    def consume(
        self, session: Session, nonce: str, expires_at: datetime, now: datetime
    ) -> ConsumeResult: ...

    def release(self, nonce: str) -> None:
        """Undo a consumption whose launch was then rejected (the database store's rollback
        does that already)."""


def _consume_statement(dialect: str, table: Table) -> Any:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return (
        module.insert(table)
        .values(nonce=bindparam("nonce"), expires_at=bindparam("expires_at"))
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(table.c.nonce)
    )


class DatabaseNonceStore:
    # one in this many launches also deletes long-expired nonces
    PRUNE_EVERY = 64
    _TABLE: Table = UsedNonce.__table__  # type: ignore[assignment]

    def __init__(self) -> None:
        self._statements: dict[str, Any] = {}

    def consume(
        self, session: Session, nonce: str, expires_at: datetime, now: datetime
    ) -> ConsumeResult:
        connection = session.connection()
        dialect = connection.dialect.name
        if dialect not in self._statements:
            self._statements[dialect] = _consume_statement(dialect, self._TABLE)
        inserted = connection.execute(
            self._statements[dialect], {"nonce": nonce, "expires_at": expires_at}
        ).first()
        if inserted is None:
            return ConsumeResult.USED
        if secrets.randbelow(self.PRUNE_EVERY) == 0:
            connection.execute(
                delete(self._TABLE).where(self._TABLE.c.expires_at < now - timedelta(hours=1))
            )
        return ConsumeResult.OK

    def release(self, nonce: str) -> None:
        pass  # the launch's transaction is rolled back


class RedisNonceStore:
    PREFIX = "lti_tool:used-nonce:"

    def __init__(self, client: Any) -> None:
        self._redis = client

    def consume(
        self, session: Session, nonce: str, expires_at: datetime, now: datetime
    ) -> ConsumeResult:
        ttl = max(int((expires_at - now).total_seconds()) + 3600, 1)
        first = self._redis.set(self.PREFIX + nonce, "1", nx=True, ex=ttl)
        return ConsumeResult.OK if first else ConsumeResult.USED

    def release(self, nonce: str) -> None:
        self._redis.delete(self.PREFIX + nonce)
