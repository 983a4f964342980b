"""The signed, short-lived launch token that the tool's pages carry in their forms.

After a launch the tool never depends on a cookie: each page embeds a token that describes the
launch (who, which course and activity, which role, which language, and what the message needs
later, such as the deep-linking return address), and each form posts it back. The token is
signed with ``SECRET_KEY``, expires after ``LAUNCH_TOKEN_TTL_SECONDS``, and is re-issued on
every page, so the expiry slides while the learner works. It never appears in a URL, and a page
needs no database read to know its launch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

FIELD = "lt"
MAX_LENGTH = 16 * 1024


class LaunchTokenInvalid(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True, slots=True)
class LaunchRef:
    """The launch a page belongs to."""

    registration_id: int
    deployment_pk: int
    learner_id: int
    course_id: int | None
    resource_link_id: int | None
    message_type: str
    is_staff: bool
    is_test_user: bool
    locale: str
    message_data: dict[str, Any]

    def to_list(self) -> list[Any]:
        return [
            self.registration_id,
            self.deployment_pk,
            self.learner_id,
            self.course_id,
            self.resource_link_id,
            self.message_type,
            int(self.is_staff),
            int(self.is_test_user),
            self.locale,
            self.message_data,
        ]

    @classmethod
    def from_list(cls, data: Any) -> LaunchRef:
        if not isinstance(data, list) or len(data) != 10:
            raise ValueError("not a launch")
        ints = data[:3]
        optional_ints = data[3:5]
        if not all(isinstance(v, int) for v in ints) or not all(
            v is None or isinstance(v, int) for v in optional_ints
        ):
            raise ValueError("bad ids")
        if not isinstance(data[5], str) or not isinstance(data[8], str):
            raise ValueError("bad text")
        if not isinstance(data[9], dict):
            raise ValueError("bad message data")
        return cls(
            registration_id=data[0],
            deployment_pk=data[1],
            learner_id=data[2],
            course_id=data[3],
            resource_link_id=data[4],
            message_type=data[5],
            is_staff=bool(data[6]),
            is_test_user=bool(data[7]),
            locale=data[8],
            message_data=data[9],
        )


# A page re-issues the token it was posted only when that one is older than this: the expiry
# still slides while the learner works, and most pages skip the signing.
REISSUE_AFTER_SECONDS = 60


@dataclass(frozen=True, slots=True)
class LaunchToken:
    launch: LaunchRef
    chosen_locale: str | None  # picked from the language menu during this session
    raw: str
    issued_at: datetime


def _serializer() -> URLSafeTimedSerializer:
    serializer = current_app.extensions.get("lti_tool.launch_tokens")
    if serializer is None:
        serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="launch-v2")
        current_app.extensions["lti_tool.launch_tokens"] = serializer
    return serializer


def issue(launch: LaunchRef, chosen_locale: str | None) -> str:
    return _serializer().dumps([launch.to_list(), chosen_locale])


def verify(raw: str | None) -> LaunchToken:
    if not raw or len(raw) > MAX_LENGTH:
        raise LaunchTokenInvalid(expired=False)
    try:
        data, issued_at = _serializer().loads(
            raw, max_age=current_app.config["LAUNCH_TOKEN_TTL_SECONDS"], return_timestamp=True
        )
    except SignatureExpired as exc:
        raise LaunchTokenInvalid(expired=True) from exc
    except BadSignature as exc:
        raise LaunchTokenInvalid(expired=False) from exc
    try:
        if not isinstance(data, list) or len(data) != 2:
            raise ValueError("not a token")
        launch = LaunchRef.from_list(data[0])
        if data[1] is not None and not isinstance(data[1], str):
            raise ValueError("bad locale")
    except ValueError as exc:
        raise LaunchTokenInvalid(expired=False) from exc
    return LaunchToken(launch=launch, chosen_locale=data[1], raw=raw, issued_at=issued_at)


def reusable(token: LaunchToken, chosen_locale: str | None) -> bool:
    """Whether a page may carry ``token`` on instead of a fresh one."""
    age = (datetime.now(UTC) - token.issued_at).total_seconds()
    return chosen_locale == token.chosen_locale and 0 <= age < REISSUE_AFTER_SECONDS
