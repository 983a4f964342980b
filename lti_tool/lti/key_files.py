"""The tool's keys as earlier versions kept them on disk: read once and imported into the
database (``lti_tool.lti.keys``); written only by tests that need an install of that kind.

Layout of the keys directory: ``<kid>.pem`` (the private key, mode 0600) next to
``<kid>.json`` (``created_at``, ``retired_at``). The ``kid`` is the RFC 7638 thumbprint of the
public key, so it is stable and derived from the key itself. The current signing key is the
newest key not retired; the JWKS lists it and every key retired less than the grace period ago,
so tokens signed just before a rotation still verify at the platforms.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

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


def read_private_pem(directory: Path, kid: str) -> bytes:
    path = directory / f"{kid}.pem"
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("key file %s is readable by others (mode %o); use 0600", path.name, mode)
    return path.read_bytes()
