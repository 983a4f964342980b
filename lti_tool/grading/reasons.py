"""The likely cause of a delivery's last answer, in words for administrators and instructors
(the platform's own words are shown beside it: Moodle often says nothing, ``[]``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lti_tool.grading.ags import Reason

_WORDS = {
    Reason.THROTTLED: _l(
        "The platform asked the tool to slow down (throttling); the grade is sent again later."
    ),
    Reason.UNAVAILABLE: _l(
        "The platform could not be reached or had a temporary error; the grade is sent again later."
    ),
    Reason.NO_ANSWER: _l(
        "The platform did not answer in time; the tool checks what it received "
        "before sending again."
    ),
    Reason.NOT_GRADABLE_ROLE: _l(
        "The platform grades students only: this user is not a "
        "student in the course (for example a teacher or an "
        "administrator trying the case)."
    ),
    Reason.NOT_ENROLLED: _l("The user is probably no longer enrolled in the course."),
    Reason.LINEITEM_GONE: _l(
        "The activity or its grade column was probably deleted on the platform."
    ),
    Reason.TIMESTAMP: _l("The platform already holds a grade at least as recent as this one."),
    Reason.ATTEMPTS_EXHAUSTED: _l("The platform allows no more submissions for this assignment."),
    Reason.ACCESS_REFUSED: _l(
        "The platform refused the tool's access: check the registration "
        "(client ID, keys) and the services granted to the tool."
    ),
    Reason.SCOPE_MISSING: _l(
        "The platform did not grant the tool the grade services for this activity."
    ),
    Reason.NO_REGISTRATION: _l("The platform's registration was removed from the tool."),
    Reason.NO_LINEITEM: _l(
        "The activity has no grade column, and the platform does not let the tool create one."
    ),
    Reason.INTERNAL: _l("An error in the tool; it is logged and the grade is sent again later."),
    Reason.REFUSED: _l("The platform refused the grade; see what it said."),
}


def describe(reason: str | None) -> str | None:
    words = _WORDS.get(reason or "")
    return str(words) if words is not None else None
