"""Administrator sign-in: hashed passwords, sessions that a sign-out or a new password ends,
CSRF tokens, and the browsers an administrator signed in from before ("known devices", whose
failed attempts are counted apart, so that nobody can lock the real administrator out)."""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask import Response
from flask import abort
from flask import current_app
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from lti_tool.admin.models import AdminUser
from lti_tool.db import get_session

F = TypeVar("F", bound=Callable[..., Any])
DEVICE_COOKIE = "lti_tool_admin_device"
DEVICE_DAYS = 365
MIN_PASSWORD_LENGTH = 12
# a hash to compare against when the user does not exist, so timing does not tell
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(db: Session, username: str, password: str) -> AdminUser:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user = db.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None:
        user = AdminUser(username=username, password_hash="", session_version=0)
        db.add(user)
    user.password_hash = generate_password_hash(password)
    user.session_version += 1  # a new password ends every session signed in with the old one
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
    sent = request.form.get("csrf", "").encode("utf-8", "surrogatepass")
    expected = str(session.get("csrf", "")).encode()
    if not sent or not hmac.compare_digest(sent, expected):
        abort(400)


def start_session(user: AdminUser) -> None:
    session.clear()
    session["admin_id"] = user.id
    session["admin_version"] = user.session_version
    session.permanent = True


def end_sessions(db: Session, user_id: int) -> None:
    """End every session of this administrator, in every browser."""
    user = db.get(AdminUser, user_id)
    if user is not None:
        user.session_version += 1


def signed_in_user() -> AdminUser | None:
    """The administrator of this session, if the session is still valid."""
    user_id = session.get("admin_id")
    if not isinstance(user_id, int):
        return None
    user = get_session().get(AdminUser, user_id)
    if user is None or session.get("admin_version") != user.session_version:
        return None
    return user


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="admin-device-v1")


def known_device(username: str) -> str | None:
    """The id of this browser if it signed in as ``username`` before, else None."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 512:
        return None
    try:
        data = _device_serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except (BadSignature, UnicodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("u") != username:
        return None
    device = data.get("d")
    return device if isinstance(device, str) else None


def remember_device(response: Response, username: str, device: str | None) -> None:
    value = _device_serializer().dumps({"u": username, "d": device or secrets.token_urlsafe(16)})
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, path="/admin/",
                        secure=request.is_secure, httponly=True, samesite="Strict")  # fmt: skip


def admin_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if signed_in_user() is None:
            session.pop("admin_id", None)
            return redirect(url_for("admin.login"))
        if request.method == "POST":
            check_csrf()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
