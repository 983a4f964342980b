"""The LTI adapter's long-lived parts, one set per application (and so per process)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from flask import Flask
from flask import current_app

from lti_tool.config import ConfigError
from lti_tool.lti.keys import KeyCipher
from lti_tool.lti.keys import Keyring
from lti_tool.lti.keys import KeyStoreError
from lti_tool.lti.keys import check_cipher
from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.lti.records import RowCache
from lti_tool.lti.registrations import RegistrationCache
from lti_tool.lti.state_store import DatabaseNonceStore
from lti_tool.lti.state_store import NonceStore
from lti_tool.lti.state_store import RedisNonceStore
from lti_tool.lti.state_store import StateSigner

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

    from lti_tool.lti.launch_session import AcceptedLaunch

LaunchHandler = Callable[["AcceptedLaunch"], "ResponseReturnValue"]


@dataclass
class LtiRuntime:
    keyring: Keyring
    platform_keys: PlatformKeyCache
    registrations: RegistrationCache
    states: StateSigner
    nonces: NonceStore
    rows: RowCache
    handlers: dict[str, LaunchHandler] = field(default_factory=dict)


def init_app(app: Flask) -> None:
    config = app.config
    cipher = key_cipher(config)
    try:
        keys_readable = check_cipher(app.extensions["lti_tool.engine"], cipher)
    except KeyStoreError as exc:
        raise ConfigError(str(exc)) from None
    nonces: NonceStore
    if config.get("REDIS_URL"):
        import redis

        nonces = RedisNonceStore(redis.Redis.from_url(config["REDIS_URL"]))
    else:
        nonces = DatabaseNonceStore()
    app.extensions["lti_tool.lti"] = LtiRuntime(
        keyring=Keyring(
            app.extensions["lti_tool.engine"],
            cipher,
            grace=timedelta(hours=config["KEY_GRACE_HOURS"]),
            check_every=float(config["KEYS_RECHECK_SECONDS"]),
            import_from=Path(config["KEYS_DIR"]),
            bits=config["KEY_BITS"],
        ),
        platform_keys=PlatformKeyCache(
            ttl=config["PLATFORM_JWKS_TTL_SECONDS"],
            min_refetch=config["PLATFORM_JWKS_MIN_REFETCH_SECONDS"],
            timeout=config["HTTP_TIMEOUT_SECONDS"],
        ),
        registrations=RegistrationCache(config["REGISTRATION_CACHE_SECONDS"]),
        states=StateSigner(config["SECRET_KEY"]),
        nonces=nonces,
        rows=RowCache(config["ROW_CACHE_SECONDS"]),
    )
    if keys_readable and cipher is not None:
        runtime(app).keyring.bootstrap()


def key_cipher(config: Any) -> KeyCipher | None:
    setting = str(config.get("KEY_ENCRYPTION_KEY") or "")
    if not setting:
        return None
    try:
        return KeyCipher(setting)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def runtime(app: Any = None) -> LtiRuntime:
    return (app or current_app).extensions["lti_tool.lti"]  # type: ignore[no-any-return]


def register_handler(app: Flask, message_type: str, handler: LaunchHandler) -> None:
    runtime(app).handlers[message_type] = handler
