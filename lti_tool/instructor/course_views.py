"""The instructor's pages about the course rather than one activity: the course overview, and
the confirmation asked before an activity played by learners gets another case."""

from __future__ import annotations

from flask import Response
from flask import request

from lti_tool.db import get_session
from lti_tool.instructor import bp
from lti_tool.instructor.access import staff_required
from lti_tool.instructor.case_change import CONFIRMED
from lti_tool.instructor.case_change import needs_confirmation
from lti_tool.instructor.course_overview import course_overview
from lti_tool.instructor.learner_table import TableView
from lti_tool.instructor.pages import current_link
from lti_tool.instructor.pages import render
from lti_tool.library import library
from lti_tool.lti.launch_session import current_launch
from lti_tool.lti.models import ResourceLink


@bp.post("/course")
@staff_required
def course() -> Response:
    """Every activity of the instructor's own course (``course_overview``)."""
    found = current_link()
    if isinstance(found, Response):
        return found
    return render("instructor/course.html", "course-overview",
                  overview=course_overview(get_session(), found), link=found,
                  view=TableView.from_form(request.form)[0])  # fmt: skip


def confirm_change(chosen: str | None) -> Response | None:
    """The confirmation page when the activity's case would change (to ``chosen``, or to a case
    not chosen yet) under learners' attempts; None when there is nothing to confirm."""
    launch = current_launch()
    if launch.resource_link_id is None:
        return None
    link = get_session().get(ResourceLink, launch.resource_link_id)
    if link is None:
        return None
    played = needs_confirmation(get_session(), link.id, link.case_id, chosen,
                                bool(request.form.get(CONFIRMED)))  # fmt: skip
    if played is None:
        return None
    return render("instructor/confirm_change.html", "confirm-case-change",
                  case=library().case(link.case_id), case_id=link.case_id, played=played)  # fmt: skip
