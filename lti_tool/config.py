"""Settings: defaults, then the instance file, then the environment, then explicit overrides.

Every setting is documented in the README's configuration table. Unprefixed names
(``DATABASE_URL``, ``SECRET_KEY``, ``REDIS_URL``) follow common deployment practice;
everything else uses the ``LTI_TOOL_`` prefix (``LTI_TOOL_KEYS_DIR`` → ``KEYS_DIR``).
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

LANGUAGES = ("en", "el", "it", "de", "nl", "fr")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message lists every problem."""


class Defaults:
    DEMO = False
    BASE_URL = ""
    BEHIND_PROXY = False
    KEYS_DIR = "keys"  # an old install's key folder, imported into the database once
    KEY_ENCRYPTION_KEY = ""  # Fernet key(s) for the private keys in the database
    KEYS_RECHECK_SECONDS = 0.0  # how stale a host's list of keys may be (0: read at each use)
    KEY_BITS = 2048
    KEY_GRACE_HOURS = 72
    JWT_LEEWAY_SECONDS = 30
    STATE_TTL_SECONDS = 600
    LAUNCH_TOKEN_TTL_SECONDS = 4 * 3600
    PLATFORM_JWKS_TTL_SECONDS = 3600
    PLATFORM_JWKS_MIN_REFETCH_SECONDS = 10
    REGISTRATION_CACHE_SECONDS = 10
    ROW_CACHE_SECONDS = 60
    DEPLOYMENT_POLICY = "accept"
    HTTP_TIMEOUT_SECONDS = 10.0
    REGISTRATION_ALLOW_HTTP = False  # Dynamic Registration with a platform on plain http
    MAX_CONTENT_LENGTH = 256 * 1024
    MAX_FORM_MEMORY_SIZE = 256 * 1024
    DEFAULT_LOCALE = "en"
    LANGUAGES = LANGUAGES
    DEFAULT_COUNTRY = ""
    CASE_PATHS: tuple[str, ...] = ()
    SANDBOX_TOOL_BASE_URL = ""
    SANDBOX_ISSUER = ""
    SANDBOX_DATABASE_URL = ""
    GRADE_WORKER_THREAD = None  # None: on in demo mode, off otherwise
    GRADE_THREADS = 4
    GRADE_LEASE_SECONDS = 10  # a claim lapses this long after its worker's last heart-beat
    GRADE_BACKOFF_CAP_SECONDS = 300  # the longest wait between two tries of a score
    GRADE_PROBE_SECONDS = 30  # how often a platform that is being waited for is asked again
    LOG_LEVEL = "INFO"
    RETENTION_MONTHS = 24  # `lti-tool data purge`: attempts untouched this long, then learners
    DELIVERED_RETENTION_DAYS = 30  # `lti-tool data purge`: finished grade deliveries
    LOG_FORMAT = "text"  # or "json": one JSON object per line, with the correlation id
    METRICS_TOKEN = ""  # /metrics answers only a bearer of this token (off when empty)
    TRACING = ""  # "otlp" or "console": OpenTelemetry traces (the tracing extra); off when empty
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE: bool | None = None  # None: Secure when BASE_URL is https
    # Rate limits in the ``limits`` notation ("10 per 15 minutes", several joined by ";").
    # Sign-in counts failed attempts; the LTI entry points count every request, per address.
    THROTTLE_SIGN_IN_PER_ADDRESS = "10 per 15 minutes"
    THROTTLE_SIGN_IN_PER_ACCOUNT = "5 per minute;20 per hour"  # from browsers it never knew
    THROTTLE_SIGN_IN_PER_DEVICE = "10 per 15 minutes"  # from a browser that signed in before
    THROTTLE_LTI_PER_ADDRESS = "300 per minute"  # a class behind one NAT launches at once
    THROTTLE_REGISTER_PER_ADDRESS = "30 per minute"
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # administrators sign in again after a working day


_UNPREFIXED = ("DATABASE_URL", "SECRET_KEY", "REDIS_URL")


def load(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for name in _UNPREFIXED:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env("LTI_TOOL")
    if overrides:
        app.config.update(overrides)
    _derive(app)


def _derive(app: Flask) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'lti_tool.sqlite3'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    if not app.config.get("KEY_ENCRYPTION_KEY") and app.config["DEMO"]:
        # the demo only: production gives every host the same key in the environment
        app.config["KEY_ENCRYPTION_KEY"] = _instance_secret(
            instance / "key_encryption_key", _fernet_key
        )
    keys_dir = Path(app.config["KEYS_DIR"])
    app.config["KEYS_DIR"] = str(keys_dir if keys_dir.is_absolute() else Path.cwd() / keys_dir)
    if isinstance(app.config["CASE_PATHS"], str):
        app.config["CASE_PATHS"] = tuple(p for p in app.config["CASE_PATHS"].split(os.pathsep) if p)
    app.config["BASE_URL"] = str(app.config.get("BASE_URL") or "").rstrip("/")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    if app.config["GRADE_WORKER_THREAD"] is None:
        app.config["GRADE_WORKER_THREAD"] = bool(app.config["DEMO"])
    if not app.config.get("SANDBOX_DATABASE_URL"):
        app.config["SANDBOX_DATABASE_URL"] = f"sqlite:///{instance / 'sandbox.sqlite3'}"


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def _token() -> str:
    return secrets.token_urlsafe(48)


def _instance_secret(path: Path, make: Callable[[], str] = _token) -> str:
    """Generate the secret once and keep it in the instance folder, readable by the owner only.

    Processes that start together (gunicorn's workers, two grade workers) must agree on it: the
    secret is written whole to a file of this process's own, then linked into place, which
    fails for all but the first; the others read the first one's, which is already complete."""
    found = _read_secret(path)
    if found is not None:
        return found
    value = make()
    own = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    _write_private(own, value)
    try:
        os.link(own, path)
    except FileExistsError:  # another process won the race, with a whole secret
        return path.read_text().strip()
    except OSError:  # a filesystem without hard links: create it in place instead
        return _create_in_place(path, value)
    finally:
        own.unlink()
    return value


def _write_private(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())


def _create_in_place(path: Path, value: str) -> str:
    try:
        _write_private(path, value)
        return value
    except FileExistsError:
        return _read_secret(path) or ""


def _read_secret(path: Path, wait_seconds: float = 5.0) -> str | None:
    """The secret kept at `path`, or None when there is none yet. Where hard links are refused,
    a process starting at the same moment may have created the file and not yet written it: an
    empty file is read again until it is filled, for up to `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            found = path.read_text().strip()
        except FileNotFoundError:
            return None
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def validate(app: Flask) -> None:
    config = app.config
    problems = []
    if len(str(config.get("SECRET_KEY", ""))) < 32:
        problems.append("SECRET_KEY must be at least 32 characters long")
    if config["DEPLOYMENT_POLICY"] not in ("accept", "reject"):
        problems.append("LTI_TOOL_DEPLOYMENT_POLICY must be 'accept' or 'reject'")
    if config["DEFAULT_LOCALE"] not in config["LANGUAGES"]:
        problems.append("LTI_TOOL_DEFAULT_LOCALE must be one of " + ", ".join(config["LANGUAGES"]))
    if config["KEY_BITS"] < 2048:
        problems.append("LTI_TOOL_KEY_BITS must be at least 2048")
    if config["BASE_URL"] and not config["BASE_URL"].startswith(("https://", "http://")):
        problems.append("LTI_TOOL_BASE_URL must be an absolute http(s) URL")
    for name in (
        "JWT_LEEWAY_SECONDS",
        "STATE_TTL_SECONDS",
        "LAUNCH_TOKEN_TTL_SECONDS",
        "PLATFORM_JWKS_TTL_SECONDS",
    ):
        if not isinstance(config[name], int) or config[name] < 0:
            problems.append(f"LTI_TOOL_{name} must be a non-negative integer")
    for name in [n for n in config if n.startswith("THROTTLE_")]:
        if not _valid_limits(config[name]):
            problems.append(f"LTI_TOOL_{name} must be rate limits such as '10 per 15 minutes'")
    if problems:
        raise ConfigError("; ".join(problems))


def _valid_limits(spec: object) -> bool:
    """Empty (no limit), or limits in the ``limits`` notation, joined by ';'."""
    from limits import parse_many

    if spec == "":
        return True
    try:
        return isinstance(spec, str) and bool(parse_many(spec))
    except ValueError:
        return False
