"""The platforms' public keys, fetched from their JWKS URLs and kept for a while.

A key set is cached per URL for ``PLATFORM_JWKS_TTL_SECONDS``. An unknown ``kid`` triggers one
refetch (the platform may have rotated its key), at most once per
``PLATFORM_JWKS_MIN_REFETCH_SECONDS`` per URL so that tokens with random kids cannot make us
hammer the platform. Key objects are built once, so verifying a signature costs ~0.2 ms.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import jwt
import requests
import urllib3

from lti_tool.http import http_session

MAX_JWKS_BYTES = 512 * 1024


class PlatformKeyError(Exception):
    """The key set could not be fetched or holds no usable key for this token."""


@dataclass
class _Entry:
    fetched_at: float
    keys: dict[str, Any] = field(default_factory=dict)


class PlatformKeyCache:
    def __init__(self, ttl: float, min_refetch: float, timeout: float) -> None:
        self._ttl = ttl
        self._min_refetch = min_refetch
        self._timeout = timeout
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def key_for(self, url: str, kid: str) -> Any:
        now = time.monotonic()
        entry = self._entries.get(url)
        if entry is None or now - entry.fetched_at > self._ttl:
            entry = self._fetch(url)
        if kid in entry.keys:
            return entry.keys[kid]
        if time.monotonic() - entry.fetched_at >= self._min_refetch:
            entry = self._fetch(url)
            if kid in entry.keys:
                return entry.keys[kid]
        raise PlatformKeyError("unknown kid")

    def _fetch(self, url: str) -> _Entry:
        try:
            response = http_session().get(url, timeout=self._timeout, stream=True)
            body = response.raw.read(MAX_JWKS_BYTES + 1, decode_content=True)
            response.close()
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            # urllib3's errors surface directly when reading the raw body (a bad gzip stream)
            raise PlatformKeyError(f"key set unreachable ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise PlatformKeyError(f"key set answered HTTP {response.status_code}")
        if len(body) > MAX_JWKS_BYTES:
            raise PlatformKeyError("key set too large")
        try:
            key_set = jwt.PyJWKSet.from_json(body.decode("utf-8"))
        except (jwt.PyJWKSetError, jwt.InvalidKeyError, UnicodeDecodeError, ValueError,
                AttributeError, TypeError) as exc:  # PyJWT expects an object; a list or a string fails so  # fmt: skip
            raise PlatformKeyError("key set is not a valid JWKS") from exc
        keys = {
            key.key_id: key.key
            for key in key_set.keys
            if key.key_id and key.key_type == "RSA" and key.public_key_use in (None, "sig")
        }
        entry = _Entry(fetched_at=time.monotonic(), keys=keys)
        with self._lock:
            self._entries[url] = entry
        return entry

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()
