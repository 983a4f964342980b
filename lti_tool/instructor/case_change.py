"""Changing an activity's case once learners have played it: the dashboard's "Choose another
case" first shows how many learners and attempts there are, and that their attempts stay on the
case they were played on (a page rendered by the server; no JavaScript confirm dialog). Only
after "Choose another case anyway" does the picker open, and only a picker opened so may set
another case (``confirmed`` travels in its form)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.learner.models import Attempt

CONFIRMED = "confirmed"  # the form field that says the instructor saw the confirmation


@dataclass(frozen=True, slots=True)
class Played:
    learners: int
    attempts: int


def played(session: Session, link_id: int) -> Played:
    """The learners and attempts at this activity (previews and test users not counted)."""
    learners, attempts = session.execute(
        select(func.count(func.distinct(Attempt.learner_id)), func.count(Attempt.id))
        .where(Attempt.resource_link_id == link_id, Attempt.preview.is_(False),
               Attempt.test_user.is_(False))
    ).one()  # fmt: skip
    return Played(int(learners), int(attempts))


def needs_confirmation(session: Session, link_id: int, current_case: str | None,
                       chosen_case: str | None, confirmed: bool) -> Played | None:  # fmt: skip
    """What to confirm before ``chosen_case`` (None: not chosen yet) replaces the activity's
    case, or None when nothing needs confirming."""
    if confirmed or current_case is None or chosen_case == current_case:
        return None
    found = played(session, link_id)
    return found if found.attempts else None
