"""Flask's signed cookie session (only the admin pages use it), with its signing serializer
built once per app: Flask builds one on every request, cookie or not, which cost more than
the rest of opening a session for the learner pages that never use one."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        cached = app.extensions.get("lti_tool.cookie_session")
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if cached is None or cached[0] != key:
            cached = (key, super().get_signing_serializer(app))
            app.extensions["lti_tool.cookie_session"] = cached
        return cached[1]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
