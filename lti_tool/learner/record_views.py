"""The record of completion of a completed attempt: a PDF the learner keeps for a professional
portfolio, asked for from the debrief (a POST with the launch token, like every learner page)
and checked by anyone the learner shows it to at ``/verify/<code>``."""

from __future__ import annotations

from flask import Response
from flask_babel import gettext as _

from lti_tool.db import get_connection
from lti_tool.db import release_connection
from lti_tool.db import utcnow
from lti_tool.errors import error_page
from lti_tool.learner import bp
from lti_tool.learner.attempts import AttemptRow
from lti_tool.learner.views import _own_attempt
from lti_tool.lti.launch_session import launch_required
from lti_tool.public_urls import public_url
from lti_tool.records import issue as records
from lti_tool.records.codes import new_code
from lti_tool.records.document import record_pdf
from lti_tool.records.facts import RecordFacts
from lti_tool.records.facts import Skill
from lti_tool.records.facts import described
from lti_tool.records.facts import seconds_spent
from lti_tool.simulation import Case


@bp.post("/record")
@launch_required
def record() -> Response:
    found = _own_attempt()
    if isinstance(found, Response):
        return found
    case, attempt = found
    if not attempt.completed or attempt.score is None or attempt.completed_at is None:
        return error_page(409, _("There is no record of completion yet"),
                          _("A record of completion is made for a completed attempt. "
                            "Finish the case, then download it from your debrief."))  # fmt: skip
    facts = _facts(case, attempt)
    release_connection()  # not held while the PDF is made
    code, now = new_code(), utcnow()
    body = record_pdf(described(facts), code, public_url("verify.record", code=code), now)
    records.issue(get_connection(), code, attempt.id, facts, now)
    response = Response(body, mimetype="application/pdf")
    name = f"record-of-completion-{case.id}-{attempt.completed_at:%Y-%m-%d}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # the learner's own document: never kept by a shared cache, nor by the browser's
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _facts(case: Case, attempt: AttemptRow) -> RecordFacts:
    assert attempt.score is not None
    assert attempt.completed_at is not None
    context = records.context_of(get_connection(), attempt.learner_id, attempt.resource_link_id)
    scores = attempt.scores or {}
    return RecordFacts(
        case_id=case.id,
        case_title=case.title,
        course=context.course,
        activity=context.activity,
        learner=context.learner,
        completed_at=attempt.completed_at,
        seconds=seconds_spent(attempt.step_times, attempt.started_at, attempt.completed_at),
        score=attempt.score,
        skills=tuple(
            Skill(dimension, label, float(scores[dimension]))
            for dimension, label in case.dimensions.items()
            if dimension in scores
        ),
        modules=case.modules,
    )
