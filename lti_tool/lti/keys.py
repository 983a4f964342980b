"""The tool's own RSA keys: generation, rotation, and the JWKS the platforms read.

Layout of the keys directory: ``<kid>.pem`` (the private key, mode 0600) next to
``<kid>.json`` (``created_at``, ``retired_at``). The ``kid`` is the RFC 7638 thumbprint of the
public key, so it is stable and derived from the key itself. The current signing key is the
newest key not retired; the JWKS lists it and every key retired less than the grace period ago,
so tokens signed just before a rotation still verify at the platforms.

Loading a PEM costs ~30 ms (cryptography re-validates RSA keys); each process loads a key once
and keeps the key object.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

log = logging.getLogger(__name__)


class KeyStoreError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class KeyInfo:
    kid: str
    created_at: datetime
    retired_at: datetime | None

    def is_published(self, now: datetime, grace: timedelta) -> bool:
        return self.retired_at is None or now - self.retired_at < grace


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    jwk = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_meta(directory: Path, info: KeyInfo) -> None:
    meta = {
        "kid": info.kid,
        "created_at": info.created_at.isoformat(),
        "retired_at": info.retired_at.isoformat() if info.retired_at else None,
    }
    tmp = directory / f".{info.kid}.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(directory / f"{info.kid}.json")


def list_keys(directory: Path) -> list[KeyInfo]:
    """All keys, oldest first."""
    keys = []
    for meta_path in sorted(directory.glob("*.json")):
        try:
            meta = json.loads(meta_path.read_text())
            info = KeyInfo(
                kid=meta["kid"],
                created_at=datetime.fromisoformat(meta["created_at"]),
                retired_at=datetime.fromisoformat(meta["retired_at"])
                if meta.get("retired_at")
                else None,
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyStoreError(f"unreadable key metadata {meta_path.name}: {exc}") from exc
        if not (directory / f"{info.kid}.pem").exists():
            raise KeyStoreError(f"key {info.kid} has metadata but no {info.kid}.pem")
        keys.append(info)
    return sorted(keys, key=lambda k: (k.created_at, k.kid))


def _generate_unlocked(directory: Path, bits: int, now: datetime) -> KeyInfo:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    kid = public_jwk(private_key.public_key())["kid"]
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(directory / f"{kid}.pem", pem)
    info = KeyInfo(kid=kid, created_at=now, retired_at=None)
    _write_meta(directory, info)
    return info


def generate_key(directory: Path, bits: int = 2048) -> KeyInfo:
    """Add a new signing key; earlier keys stay current until rotated out."""
    with _locked(directory):
        return _generate_unlocked(directory, bits, datetime.now(UTC))


def ensure_key(directory: Path, bits: int = 2048) -> KeyInfo:
    """Return the current key, creating one when none exists (safe across processes)."""
    with _locked(directory):
        current = [k for k in list_keys(directory) if k.retired_at is None]
        if current:
            return current[-1]
        return _generate_unlocked(directory, bits, datetime.now(UTC))


def rotate(directory: Path, bits: int = 2048) -> tuple[KeyInfo, list[KeyInfo]]:
    """Create a new current key and retire the previous ones (still published during grace)."""
    with _locked(directory):
        now = datetime.now(UTC)
        # the new key first: a process reading the directory meanwhile always finds a current key
        new = _generate_unlocked(directory, bits, now)
        retired = []
        for info in list_keys(directory):
            if info.retired_at is None and info.kid != new.kid:
                info = KeyInfo(info.kid, info.created_at, now)
                _write_meta(directory, info)
                retired.append(info)
        return new, retired


@dataclass(frozen=True, slots=True)
class LoadedKey:
    info: KeyInfo
    private_key: rsa.RSAPrivateKey
    jwk: dict[str, str]

    @property
    def kid(self) -> str:
        return self.info.kid


class Keyring:
    """The keys of one process: loaded once, reloaded when the directory changes."""

    def __init__(self, directory: Path, grace: timedelta, check_every: float = 2.0) -> None:
        self._directory = directory
        self._grace = grace
        self._check_every = check_every
        self._lock = threading.Lock()
        self._loaded: dict[str, LoadedKey] = {}
        self._infos: list[KeyInfo] = []
        self._signature: tuple[Any, ...] | None = None
        self._checked_at = 0.0

    def _directory_signature(self) -> tuple[Any, ...]:
        entries = []
        for path in self._directory.glob("*.json"):
            stat = path.stat()
            entries.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(entries))

    def _refresh(self) -> None:
        now = time.monotonic()
        if self._signature is not None and now - self._checked_at < self._check_every:
            return
        with self._lock:
            self._checked_at = now
            signature = self._directory_signature()
            if signature == self._signature:
                return
            infos = list_keys(self._directory)
            loaded = {}
            for info in infos:
                if info.kid in self._loaded:
                    loaded[info.kid] = LoadedKey(
                        info, self._loaded[info.kid].private_key, self._loaded[info.kid].jwk
                    )
                    continue
                loaded[info.kid] = self._load(info)
            self._loaded, self._infos, self._signature = loaded, infos, signature

    def _load(self, info: KeyInfo) -> LoadedKey:
        path = self._directory / f"{info.kid}.pem"
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning("key file %s is readable by others (mode %o); use 0600", path.name, mode)
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise KeyStoreError(f"{path.name} is not an RSA private key")
        jwk = public_jwk(private_key.public_key())
        if jwk["kid"] != info.kid:
            raise KeyStoreError(f"{path.name} does not match its kid")
        return LoadedKey(info, private_key, jwk)

    def signing_key(self) -> LoadedKey:
        self._refresh()
        current = [k for k in self._infos if k.retired_at is None]
        if not current:
            raise KeyStoreError("no current signing key; run `lti-tool keys generate`")
        return self._loaded[current[-1].kid]

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        self._refresh()
        now = datetime.now(UTC)
        return {
            "keys": [
                self._loaded[info.kid].jwk
                for info in reversed(self._infos)
                if info.is_published(now, self._grace)
            ]
        }
