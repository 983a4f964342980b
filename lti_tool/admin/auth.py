"""Administrator sign-in: hashed passwords, a session cookie, CSRF tokens, and a brake on
password guessing."""

from __future__ import annotations

import functools
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask import abort
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from lti_tool.admin.models import AdminUser

F = TypeVar("F", bound=Callable[..., Any])
MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 12
# a hash to compare against when the user does not exist, so timing does not tell
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class Brake:
    """Per-process count of failed sign-ins by username and address."""

    def __init__(self) -> None:
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, key: tuple[str, str]) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._failures.get(key, []) if now - t < LOCKOUT_SECONDS]
            if recent:
                self._failures[key] = recent
            else:  # forget names and addresses with no recent failure: memory stays bounded
                self._failures.pop(key, None)
            return len(recent) >= MAX_FAILURES

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.setdefault(key, []).append(time.monotonic())

    def clear(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)


def brake() -> Brake:
    """The app's brake (one per app, so that each instance counts its own failures)."""
    from flask import current_app

    return current_app.extensions.setdefault("lti_tool.login_brake", Brake())  # type: ignore[no-any-return]


def create_user(db: Session, username: str, password: str) -> AdminUser:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user = db.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None:
        user = AdminUser(username=username, password_hash="")
        db.add(user)
    user.password_hash = generate_password_hash(password)
    db.flush()
    return user


def authenticate(db: Session, username: str, password: str) -> AdminUser | None:
    if "\x00" in username:  # no stored name has one, and PostgreSQL refuses it in a query
        check_password_hash(_DUMMY_HASH, password)
        return None
    user = db.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    sent = request.form.get("csrf", "")
    if not sent or not hmac.compare_digest(sent, str(session.get("csrf", ""))):
        abort(400)


def admin_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not session.get("admin_id"):
            return redirect(url_for("admin.login"))
        if request.method == "POST":
            check_csrf()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
