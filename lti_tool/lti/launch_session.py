"""What the user wings get from the LTI adapter: the accepted launch, and later the launch that a
page's token names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

from flask import current_app
from flask import g
from flask import request
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.errors import error_page
from lti_tool.i18n.locale import supported_locale
from lti_tool.lti import tokens
from lti_tool.lti.claims import LaunchContext
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.registrations import RegistrationRecord
from lti_tool.lti.tokens import LaunchRef
from lti_tool.observability import correlation

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["AcceptedLaunch", "LaunchRef", "current_launch", "launch_required", "set_page_launch"]


@dataclass(frozen=True, slots=True)
class AcceptedLaunch:
    """Handed to the wing that handles a message type, once the launch is committed."""

    launch: LaunchRef
    context: LaunchContext
    registration: RegistrationRecord
    token: str


def set_page_launch(launch: LaunchRef, chosen_locale: str | None, posted: str | None = None
                    ) -> str:  # fmt: skip
    """Make ``launch`` the current one for this page and return the token for its forms: the
    ``posted`` one when given (still fresh), or a new one.

    ``chosen_locale`` is a language picked from the menu during this session; it wins over the
    language negotiated at launch."""
    g.launch = launch
    g.locale = chosen_locale or launch.locale
    g.launch_token = posted or tokens.issue(launch, chosen_locale)
    return str(g.launch_token)


def remember_language(session: Session, learner_id: int, locale: str) -> None:
    session.execute(
        update(LearnerAccount)
        .where(LearnerAccount.id == learner_id)
        .values(preferred_locale=locale)
    )


def current_launch() -> LaunchRef:
    return g.launch  # type: ignore[no-any-return]


def launch_required(view: F) -> F:
    """Read the launch from the posted token, or answer 401 with a way forward."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        raw = request.form.get(tokens.FIELD) if request.method == "POST" else None
        try:
            token = tokens.verify(raw)
        except tokens.LaunchTokenInvalid as exc:
            if exc.expired:
                return error_page(401)
            return error_page(
                401,
                _("This page needs the activity to be opened from your course"),
                _("Open the activity again from your course; the tool keeps your progress."),
            )
        correlation.set_current(token.launch.message_data.get("cid"))
        chosen = token.chosen_locale
        switch = supported_locale(request.form.get("lang"), current_app.config["LANGUAGES"])
        if switch:
            chosen = switch
            session = get_session()
            remember_language(session, token.launch.learner_id, switch)
            session.commit()
        g.language_switch = bool(switch)
        set_page_launch(token.launch, chosen,
                        token.raw if tokens.reusable(token, chosen) else None)  # fmt: skip
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
