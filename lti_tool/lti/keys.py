"""The tool's own RSA keys, kept in the database so that every host signs and publishes alike.

Each private key is stored encrypted with Fernet (``cryptography``) under the key given in
``LTI_TOOL_KEY_ENCRYPTION_KEY`` (several comma-separated keys while changing it: the first
encrypts, any decrypts). The public JWK is stored in clear, so the JWKS needs no decryption.

The current signing key is the newest key not retired; the JWKS lists it and every key retired
less than the grace period ago, so tokens signed just before a rotation still verify.

A process keeps its key objects (loading a PEM costs ~30 ms: cryptography re-validates RSA
keys) but reads the small list of keys from the database whenever it signs or publishes (or
every ``KEYS_RECHECK_SECONDS``), so a rotation made on another host is seen at once.
Keys found in the old ``keys/`` folder are imported once (idempotently: the kid is the key's
own thumbprint).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import g
from flask import has_request_context
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lti_tool.db import autocommit_connection
from lti_tool.db import get_connection
from lti_tool.lti import key_files
from lti_tool.lti.key_files import KeyInfo
from lti_tool.lti.key_files import KeyStoreError
from lti_tool.lti.key_files import public_jwk
from lti_tool.lti.models import ToolKey

__all__ = ["KeyCipher", "KeyInfo", "KeyStoreError", "Keyring", "LoadedKey", "public_jwk"]

log = logging.getLogger(__name__)

ENCRYPTION_SETTING = "LTI_TOOL_KEY_ENCRYPTION_KEY"
MISSING_KEY = (
    f"the tool's signing keys are kept encrypted in the database: set {ENCRYPTION_SETTING} "
    "(make one with `lti-tool keys new-encryption-key`, and give every host the same)"
)
WRONG_KEY = (
    f"{ENCRYPTION_SETTING} does not decrypt the signing keys in the database: set it to the "
    "key they were encrypted with (while changing it, give the new key first and the old one "
    "after a comma, then run `lti-tool keys reencrypt`)"
)
_ADVISORY_LOCK = 0x6C74_6B65  # "ltke": one key change at a time on PostgreSQL


class KeyCipher:
    """Encrypts private keys for the database; ``setting`` is one Fernet key or several,
    comma-separated (the first encrypts, any decrypts)."""

    def __init__(self, setting: str) -> None:
        keys = [part.strip() for part in setting.split(",") if part.strip()]
        if not keys:
            raise ValueError(f"{ENCRYPTION_SETTING} is empty")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as exc:
            raise ValueError(
                f"{ENCRYPTION_SETTING} must be Fernet keys (32 bytes, url-safe base64), "
                "comma-separated; make one with `lti-tool keys new-encryption-key`"
            ) from exc

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, data: bytes) -> str:
        return self._fernet.encrypt(data).decode("ascii")

    def decrypt(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except InvalidToken as exc:
            raise KeyStoreError(WRONG_KEY) from exc

    def reencrypt(self, token: str) -> str:
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise KeyStoreError(WRONG_KEY) from exc


def _required(cipher: KeyCipher | None) -> KeyCipher:
    if cipher is None:
        raise KeyStoreError(MISSING_KEY)
    return cipher


# -- changes (one transaction each, through the caller's session) ----------------------------


def _lock(session: Session) -> None:
    """Serialise key changes: PostgreSQL by an advisory lock held to the end of the
    transaction; SQLite's sessions begin IMMEDIATE (one writer) already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})


def _info(row: ToolKey) -> KeyInfo:
    return KeyInfo(kid=row.kid, created_at=row.created_at, retired_at=row.retired_at)


def list_keys(session: Session) -> list[KeyInfo]:
    """All keys, oldest first."""
    rows = session.scalars(select(ToolKey).order_by(ToolKey.created_at, ToolKey.kid))
    return [_info(row) for row in rows]


def _add(session: Session, cipher: KeyCipher, private_key: rsa.RSAPrivateKey,
         created_at: datetime, retired_at: datetime | None = None) -> KeyInfo:  # fmt: skip
    jwk = public_jwk(private_key.public_key())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    row = ToolKey(kid=jwk["kid"], public_jwk=jwk, private_key=cipher.encrypt(pem),
                  created_at=created_at, retired_at=retired_at)  # fmt: skip
    session.add(row)
    session.flush()
    return _info(row)


def _new_private(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ensure_key(session: Session, cipher: KeyCipher | None, bits: int = 2048) -> KeyInfo:
    """The current key, created when none exists (one only, whatever runs at the same time)."""
    _lock(session)
    current = [k for k in list_keys(session) if k.retired_at is None]
    if current:
        return current[-1]
    return _add(session, _required(cipher), _new_private(bits), datetime.now(UTC))


def rotate(session: Session, cipher: KeyCipher | None,
           bits: int = 2048) -> tuple[KeyInfo, list[KeyInfo]]:  # fmt: skip
    """A new current key; the previous ones are retired (still published during grace)."""
    cipher = _required(cipher)
    private_key = _new_private(bits)
    _lock(session)
    now = datetime.now(UTC)
    retired = []
    for row in session.scalars(select(ToolKey).where(ToolKey.retired_at.is_(None))):
        row.retired_at = now
        retired.append(_info(row))
    new = _add(session, cipher, private_key, now)
    return new, retired


def import_directory(session: Session, cipher: KeyCipher | None,
                     directory: Path) -> list[KeyInfo]:  # fmt: skip
    """Copy the keys of an old ``keys/`` folder into the database, each once."""
    if not directory.is_dir() or not any(directory.glob("*.json")):
        return []
    found = key_files.list_keys(directory)
    _lock(session)
    known = set(session.scalars(select(ToolKey.kid)))
    has_current = session.scalar(select(ToolKey.kid).where(ToolKey.retired_at.is_(None)).limit(1))
    now = datetime.now(UTC)
    imported = []
    for info in found:
        if info.kid in known:
            continue
        private_key = _load_pem(key_files.read_private_pem(directory, info.kid), info.kid)
        # the database's current key wins over a folder found later: that one comes in retired
        retired_at = info.retired_at or (now if has_current else None)
        imported.append(_add(session, _required(cipher), private_key, info.created_at, retired_at))
    return imported


def reencrypt(session: Session, cipher: KeyCipher | None) -> int:
    """Encrypt every private key under the first encryption key (after changing it)."""
    cipher = _required(cipher)
    _lock(session)
    rows = list(session.scalars(select(ToolKey)))
    for row in rows:
        row.private_key = cipher.reencrypt(row.private_key)
    return len(rows)


def check_cipher(engine: Engine, cipher: KeyCipher | None) -> bool:
    """Refuse to start when keys are stored and the encryption key is missing or wrong.
    False when the keys cannot be read yet (not migrated, or the database does not answer):
    they are checked at the first use instead."""
    try:
        with autocommit_connection(engine) as connection:
            if not inspect(connection).has_table(ToolKey.__tablename__):
                return False  # not migrated yet (`lti-tool db upgrade` comes next)
            stored = connection.scalar(
                select(ToolKey.private_key).order_by(ToolKey.created_at.desc()).limit(1)
            )
    except OperationalError as exc:
        log.warning("signing keys not checked at start: database unavailable (%s)",
                    type(exc).__name__)  # fmt: skip
        return False
    if stored is not None:
        _required(cipher).decrypt(stored)
    return True


def _load_pem(pem: bytes, kid: str) -> rsa.RSAPrivateKey:
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise KeyStoreError(f"key {kid} is not an RSA private key")
    if public_jwk(private_key.public_key())["kid"] != kid:
        raise KeyStoreError(f"key {kid} does not match its kid")
    return private_key


# -- one process's view ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadedKey:
    info: KeyInfo
    private_key: rsa.RSAPrivateKey
    jwk: dict[str, str]

    @property
    def kid(self) -> str:
        return self.info.kid


_SIGNATURE = text("SELECT kid, retired_at FROM tool_key ORDER BY kid")
_LIST = select(ToolKey.kid, ToolKey.created_at, ToolKey.retired_at, ToolKey.public_jwk).order_by(
    ToolKey.created_at, ToolKey.kid
)


@dataclass(frozen=True, slots=True)
class _Listed:
    info: KeyInfo
    jwk: dict[str, str]


class Keyring:
    """The keys as this process sees them: the list read from the database at each use (or
    every ``check_every`` seconds), private keys decrypted and loaded once per process.

    The first use imports the keys of ``import_from`` (an old ``keys/`` folder) and creates a
    key when the database has no current one."""

    def __init__(self, engine: Engine, cipher: KeyCipher | None, grace: timedelta, *,
                 check_every: float = 0.0, import_from: Path | None = None,
                 bits: int = 2048) -> None:  # fmt: skip
        self._engine = engine
        self._cipher = cipher
        self._grace = grace
        self._check_every = check_every
        self._import_from = import_from
        self._bits = bits
        self._lock = threading.Lock()
        self._listed: list[_Listed] = []
        self._loaded: dict[str, rsa.RSAPrivateKey] = {}
        self._checked_at: float | None = None
        self._signature: tuple[Any, ...] | None = None
        self._bootstrapped = False

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """Inside a request, the request's own connection (its session's, when that has a
        transaction open): a request holds one pooled connection at a time."""
        if has_request_context():
            session = g.get("db_session")
            if session is not None and session.in_transaction():
                yield session.connection()
            else:
                yield get_connection()
            return
        with autocommit_connection(self._engine) as connection:
            yield connection

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self._engine) as session, session.begin():
            yield session

    def bootstrap(self) -> None:
        """Import an old key folder and make sure a key is current. Done at start (and else at
        the first use), before any caller holds a transaction this one would wait for."""
        with self._lock:
            if not self._bootstrapped:
                self._bootstrap()

    def _bootstrap(self) -> None:
        with self._session() as session:
            if self._import_from is not None:
                for info in import_directory(session, self._cipher, self._import_from):
                    log.info("imported signing key %s from %s", info.kid, self._import_from)
            ensure_key(session, self._cipher, self._bits)
        self._bootstrapped = True

    def _read(self, connection: Connection) -> list[_Listed]:
        rows = connection.execute(_LIST)
        return [_Listed(KeyInfo(kid, created, retired), jwk) for kid, created, retired, jwk in rows]

    def _refresh(self) -> list[_Listed]:
        now = time.monotonic()
        if self._checked_at is not None and now - self._checked_at < self._check_every:
            return self._listed
        if not self._bootstrapped:
            self.bootstrap()
        with self._reading() as connection:
            # the kids and retirement times, raw: one small read; the rest only on a change
            signature = tuple(connection.execute(_SIGNATURE).all())
            if signature != self._signature:
                self._listed, self._signature = self._read(connection), signature
        self._checked_at = now
        return self._listed

    def signing_key(self) -> LoadedKey:
        listed = self._refresh()
        current = [k for k in listed if k.info.retired_at is None]
        if not current:
            raise KeyStoreError("no current signing key; run `lti-tool keys generate`")
        key = current[-1]
        private_key = self._loaded.get(key.info.kid)
        if private_key is None:
            with self._lock:
                private_key = self._loaded.get(key.info.kid) or self._load(key.info.kid)
                self._loaded[key.info.kid] = private_key
        return LoadedKey(key.info, private_key, key.jwk)

    def _load(self, kid: str) -> rsa.RSAPrivateKey:
        with self._reading() as connection:
            stored = connection.scalar(select(ToolKey.private_key).where(ToolKey.kid == kid))
        if stored is None:
            raise KeyStoreError(f"key {kid} left the database")
        return _load_pem(_required(self._cipher).decrypt(stored), kid)

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        listed = self._refresh()
        now = datetime.now(UTC)
        return {"keys": [k.jwk for k in reversed(listed) if k.info.is_published(now, self._grace)]}
