"""The signed, short-lived launch token that the tool's pages carry in their forms.

After a launch the tool never depends on a cookie: each page embeds a token naming the launch
(and the language chosen for this session), and each form posts it back. The token is signed
with ``SECRET_KEY``, expires after ``LAUNCH_TOKEN_TTL_SECONDS``, and is re-issued on every page,
so the expiry slides while the learner works. It never appears in a URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

FIELD = "lt"


class LaunchTokenInvalid(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True, slots=True)
class LaunchToken:
    launch_id: int
    locale: str | None


def _serializer() -> URLSafeTimedSerializer:
    serializer = current_app.extensions.get("lti_tool.launch_tokens")
    if serializer is None:
        serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="launch-v1")
        current_app.extensions["lti_tool.launch_tokens"] = serializer
    return serializer


def issue(launch_id: int, locale: str | None) -> str:
    return _serializer().dumps([launch_id, locale])


def verify(raw: str | None) -> LaunchToken:
    if not raw or len(raw) > 512:
        raise LaunchTokenInvalid(expired=False)
    try:
        data = _serializer().loads(raw, max_age=current_app.config["LAUNCH_TOKEN_TTL_SECONDS"])
    except SignatureExpired as exc:
        raise LaunchTokenInvalid(expired=True) from exc
    except BadSignature as exc:
        raise LaunchTokenInvalid(expired=False) from exc
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not isinstance(data[0], int)
        or not (data[1] is None or isinstance(data[1], str))
    ):
        raise LaunchTokenInvalid(expired=False)
    return LaunchToken(launch_id=data[0], locale=data[1])
