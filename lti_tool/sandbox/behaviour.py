"""How the sandbox platform's AGS answers: named switches that make it behave like Moodle or
Canvas (documented in the package docstring), and two holds that let a test stop a call at a
chosen moment. Every switch is a plain sandbox setting (``/sandbox/control`` sets it); its
default is the sandbox's behaviour before the switch existed."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from flask import current_app
from sqlalchemy.orm import Session

from lti_tool.sandbox.store import get_setting
from lti_tool.sandbox.store import log_event
from lti_tool.sandbox.store import set_setting

SWITCHES: dict[str, Any] = {
    # "moodle": 409 unless newer in whole seconds; "canvas": 400 when older; "none": take
    # anything, duplicates too. None: as platform_style says (moodle by default).
    "timestamp_rule": None,
    "students_only": True,  # scores for non-students refused (Moodle 400, Canvas 422)
    "throttle_after": None,  # after this many AGS calls, throttle the next throttle_for ones
    "throttle_for": 1,
    "result_service": True,  # the Result service, and the result.readonly scope granted
    "hold_scores": False,  # keep a stored score's answer until the test releases it
    "hold_tokens": False,  # keep the token endpoint's answer until the test releases it
}
HOLD_LIMIT = 300.0  # seconds: a hold ends by itself after this, released or not


def switch(session: Session, name: str) -> Any:
    value = get_setting(session, name, SWITCHES[name])
    if name == "timestamp_rule" and value is None:
        return get_setting(session, "platform_style", "moodle")
    return value


class _Runtime:
    """In-process state of this sandbox: the release of holds."""

    def __init__(self) -> None:
        self.release = threading.Event()


def _runtime() -> _Runtime:
    return current_app.extensions["lti_tool.sandbox.runtime"]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    app.extensions["lti_tool.sandbox.runtime"] = _Runtime()


def release_holds() -> None:
    _runtime().release.set()


def rearm_holds() -> None:
    _runtime().release.clear()


def hold(session: Session, name: str, event: str) -> None:
    """When switch ``name`` is on: note ``event`` (committed, so a test sees it), then wait
    until the test releases the hold (or HOLD_LIMIT passes). The caller holds no transaction."""
    if not switch(session, name):
        return
    log_event(session, event, {})
    session.commit()
    _runtime().release.wait(HOLD_LIMIT)


def throttled(session: Session) -> bool:
    """Whether this AGS call is throttled, as Canvas does (the caller answers 403 with
    ``X-Rate-Limit-Remaining``). Counts the call."""
    calls = int(get_setting(session, "ags_calls", 0)) + 1
    set_setting(session, "ags_calls", calls)
    after = switch(session, "throttle_after")
    return after is not None and after < calls <= after + int(switch(session, "throttle_for"))
