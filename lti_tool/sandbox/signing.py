"""The sandbox platform's RSA key (kept in its own database) and its view of the tool's keys
(fetched over HTTP from the tool's JWKS, as a real LMS does)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session

from lti_tool.sandbox.store import get_setting
from lti_tool.sandbox.store import set_setting

_lock = threading.Lock()
_loaded: dict[str, rsa.RSAPrivateKey] = {}


def _b64(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    jwk = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    digest = hashlib.sha256(json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode())
    kid = "sandbox-" + base64.urlsafe_b64encode(digest.digest()[:12]).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def _private(pem: str) -> rsa.RSAPrivateKey:
    with _lock:
        key = _loaded.get(pem)
        if key is None:
            loaded = serialization.load_pem_private_key(pem.encode(), password=None)
            assert isinstance(loaded, rsa.RSAPrivateKey)
            key = _loaded[pem] = loaded
    return key


def _new_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def ensure_key(session: Session) -> None:
    if get_setting(session, "keys") is None:
        set_setting(session, "keys", [_new_pem()])


def rotate_key(session: Session) -> str:
    """A new signing key; the previous one stays in the JWKS."""
    keys = get_setting(session, "keys") or []
    keys = [_new_pem(), *keys[:1]]
    set_setting(session, "keys", keys)
    return _jwk(_private(keys[0]).public_key())["kid"]


def signing_key(session: Session) -> tuple[str, rsa.RSAPrivateKey]:
    pem = (get_setting(session, "keys") or [])[0]
    key = _private(pem)
    return _jwk(key.public_key())["kid"], key


def jwks(session: Session) -> dict[str, list[dict[str, str]]]:
    return {
        "keys": [_jwk(_private(pem).public_key()) for pem in get_setting(session, "keys") or []]
    }


def sign(session: Session, claims: dict[str, Any], headers: dict[str, str] | None = None) -> str:
    kid, key = signing_key(session)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, **(headers or {})})


class ToolKeys:
    """The tool's public keys, fetched from its JWKS URL; refetched on an unknown kid."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def key(self, jwks_url: str, kid: str) -> Any:
        cached = self._cache.get(jwks_url)
        if cached and kid in cached[1] and time.monotonic() - cached[0] < 300:
            return cached[1][kid]
        response = requests.get(
            jwks_url, timeout=10, headers={"User-Agent": "AMELIE-sandbox-platform"}
        )
        response.raise_for_status()
        keys = {k.key_id: k.key for k in jwt.PyJWKSet.from_dict(response.json()).keys}
        self._cache[jwks_url] = (time.monotonic(), keys)
        if kid not in keys:
            raise KeyError(kid)
        return keys[kid]
