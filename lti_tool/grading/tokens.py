"""OAuth2 access tokens for the platforms' services (client_credentials with a signed JWT).

A token is fetched once per registration and scope set and kept until shortly before its
``expires_in``: in each process's memory, and in the database (or Redis when ``REDIS_URL`` is
set) for every other process. Threads of a process that want the same token wait for the one
request in flight; nothing else waits for the platform (no lock, no database transaction is held
across its token endpoint's answer).
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

import jwt
import requests
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from lti_tool.db import utcnow
from lti_tool.grading.models import AccessToken
from lti_tool.http import http_session
from lti_tool.lti.keys import Keyring
from lti_tool.lti.registrations import RegistrationRecord

MARGIN = timedelta(seconds=60)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenError(Exception):
    """The platform did not give a token. ``status`` is its HTTP status, if it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def refused(self) -> bool:
        """The platform answered and said no (an unknown client, a scope it does not grant)."""
        return self.status is not None and 400 <= self.status < 500 and self.status != 429


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    expires_at: datetime


def client_assertion(keyring: Keyring, registration: RegistrationRecord) -> str:
    key = keyring.signing_key()
    now = int(time.time())
    claims = {
        "iss": registration.client_id,
        "sub": registration.client_id,
        "aud": registration.auth_audience or registration.auth_token_url,
        "iat": now - 5,
        "exp": now + 300,
        "jti": secrets.token_urlsafe(16),
    }
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def fetch_token(
    keyring: Keyring, registration: RegistrationRecord, scopes: tuple[str, ...], timeout: float
) -> Token:
    try:
        response = http_session().post(
            registration.auth_token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": client_assertion(keyring, registration),
                "scope": " ".join(scopes),
            },
            headers={"Accept": "application/json"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise TokenError(f"token endpoint unreachable ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise TokenError(f"token endpoint answered {response.status_code}", response.status_code)
    try:
        data = response.json()
        value = str(data["access_token"])
        lifetime = int(data.get("expires_in") or 3600)
        granted = data.get("scope")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TokenError("token endpoint answered something else than a token", 200) from exc
    if isinstance(granted, str) and granted.strip() and set(scopes) - set(granted.split()):
        # a token for fewer scopes than asked (RFC 6749 §5.1): it would be refused at use
        raise TokenError("the platform did not grant the scope", 400)
    # a platform may announce any lifetime: keep it between a second and a day
    return Token(value, utcnow() + timedelta(seconds=min(max(lifetime, 1), 86_400)))


def scope_key(scopes: tuple[str, ...]) -> str:
    return " ".join(sorted(set(scopes)))


class TokenCache:
    """Tokens per registration and scope set. No lock and no database transaction is held
    while the platform's token endpoint answers: callers in this process that want the same
    token wait for the one request in flight (a per-key future), every other caller and every
    database writer goes on. Processes share tokens through the database (or Redis); two
    processes that miss at the same moment may each ask once."""

    def __init__(self, sessions: sessionmaker[Session], keyring: Keyring, timeout: float,
                 redis_client: Any = None) -> None:  # fmt: skip
        self._sessions = sessions
        self._keyring = keyring
        self._timeout = timeout
        self._redis = redis_client
        self._memory: dict[tuple[int, str], Token] = {}
        self._flights: dict[tuple[int, str], Future[Token]] = {}
        self._lock = threading.Lock()  # guards the two dicts only, never held across I/O

    def get(self, registration: RegistrationRecord, scopes: tuple[str, ...]) -> str:
        key = (registration.id, scope_key(scopes))
        with self._lock:
            token = self._memory.get(key)
            if token is not None and token.expires_at - MARGIN > utcnow():
                return token.value
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = Future()
        if not leader:
            return flight.result(timeout=self._timeout * 3 + 5).value
        try:
            token = self._shared(registration, key[1], scopes)
        except BaseException as exc:
            with self._lock:
                self._flights.pop(key, None)
            flight.set_exception(exc)
            raise
        with self._lock:
            self._memory[key] = token
            self._flights.pop(key, None)
        flight.set_result(token)
        return token.value

    def invalidate(self, registration: RegistrationRecord, scopes: tuple[str, ...],
                   value: str) -> None:  # fmt: skip
        """Forget a token the platform refused (401), here and for every process."""
        key = (registration.id, scope_key(scopes))
        with self._lock:
            current = self._memory.get(key)
            if current is not None and current.value == value:
                del self._memory[key]
        if self._redis is not None:
            name = self._redis_key(key)
            if self._redis.hget(name, "token") == value.encode():
                self._redis.delete(name)
            return
        with self._sessions() as session, session.begin():
            session.execute(
                update(AccessToken)
                .where(AccessToken.registration_id == registration.id,
                       AccessToken.scopes == key[1], AccessToken.token == value)
                .values(token=None, expires_at=None)
            )  # fmt: skip

    def fetch_fresh(self, registration: RegistrationRecord, scopes: tuple[str, ...]) -> Token:
        """Ask the platform now, whatever is cached (the worker's health probe), and keep it."""
        token = fetch_token(self._keyring, registration, scopes, self._timeout)
        self._store(registration, scope_key(scopes), token)
        with self._lock:
            self._memory[(registration.id, scope_key(scopes))] = token
        return token

    def _shared(self, registration: RegistrationRecord, scopes_text: str,
                scopes: tuple[str, ...]) -> Token:  # fmt: skip
        if self._redis is not None:
            return self._from_redis(registration, scopes_text, scopes)
        with self._sessions() as session:  # a read: no write transaction, no row lock
            row = session.execute(
                select(AccessToken.token, AccessToken.expires_at)
                .where(AccessToken.registration_id == registration.id,
                       AccessToken.scopes == scopes_text)
            ).first()  # fmt: skip
        if row is not None and row.token and row.expires_at and row.expires_at - MARGIN > utcnow():
            return Token(row.token, row.expires_at)
        token = fetch_token(self._keyring, registration, scopes, self._timeout)  # no transaction
        self._store(registration, scopes_text, token)
        return token

    def _store(self, registration: RegistrationRecord, scopes_text: str, token: Token) -> None:
        if self._redis is not None:
            name = self._redis_key((registration.id, scopes_text))
            self._redis.hset(
                name, mapping={"token": token.value, "expires_at": token.expires_at.isoformat()}
            )
            self._redis.expireat(name, int(token.expires_at.timestamp()))
            return
        with self._sessions() as session, session.begin():  # a short write after the request
            dialect: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            session.execute(
                dialect.insert(AccessToken)
                .values(registration_id=registration.id, scopes=scopes_text,
                        token=token.value, expires_at=token.expires_at)
                .on_conflict_do_update(index_elements=["registration_id", "scopes"],
                                       set_={"token": token.value,
                                             "expires_at": token.expires_at})
            )  # fmt: skip

    @staticmethod
    def _redis_key(key: tuple[int, str]) -> str:
        return f"lti_tool:token:{key[0]}:{key[1]}"

    def _from_redis(self, registration: RegistrationRecord, scopes_text: str,
                    scopes: tuple[str, ...]) -> Token:  # fmt: skip
        name = self._redis_key((registration.id, scopes_text))
        # a lock of this one key in Redis (single flight across processes, with a timeout): it
        # holds up only the callers that want this very token, never the database
        lock = self._redis.lock(name + ":lock", timeout=self._timeout + 5)
        with lock:
            stored = self._redis.hgetall(name)
            if stored:
                expires_at = datetime.fromisoformat(stored[b"expires_at"].decode())
                if expires_at - MARGIN > utcnow():
                    return Token(stored[b"token"].decode(), expires_at)
            token = fetch_token(self._keyring, registration, scopes, self._timeout)
            self._store(registration, scopes_text, token)
            return token
