"""The sandbox's AGS Result service: a learner's current result on a line item (the latest
score it took), as Moodle and Canvas serve it. Off (404, and ``result.readonly`` not granted)
when the ``result_service`` switch is off."""

from __future__ import annotations

import json

from flask import Response
from flask import request
from sqlalchemy import select

from lti_tool.sandbox import bp
from lti_tool.sandbox import state
from lti_tool.sandbox.behaviour import switch
from lti_tool.sandbox.pages import lineitem_url
from lti_tool.sandbox.services import _authorise
from lti_tool.sandbox.services import _check_context
from lti_tool.sandbox.services import _error
from lti_tool.sandbox.store import SbLineItem
from lti_tool.sandbox.store import SbScore
from lti_tool.sandbox.store import log_event

RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
SCOPE_RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"


@bp.get("/api/contexts/<context_id>/lineitems/<int:item_id>/results")
def results(context_id: str, item_id: int) -> Response:
    _check_context(context_id)
    with state().sessions() as session:
        if not switch(session, "result_service"):
            return _error(404, "no result service")
        denied = _authorise(session, SCOPE_RESULT_READ)
        if denied:
            return denied
        item = session.get(SbLineItem, item_id)
        if item is None:
            return _error(404, "no such line item")
        query = select(SbScore).where(SbScore.lineitem_id == item_id).order_by(SbScore.id)
        user_id = request.args.get("user_id")
        if user_id:
            query = query.where(SbScore.user_sub == user_id)
        latest: dict[str, SbScore] = {}
        for score in session.scalars(query):
            latest[score.user_sub] = score  # the last one taken is the result
        log_event(session, "result", {"lineitem": item_id, "user": user_id})
        session.commit()
        body = [
            {
                "id": lineitem_url(item_id).replace("?", f"/results/{sub}?"),
                "scoreOf": lineitem_url(item_id),
                "userId": sub,
                "resultScore": score.score_given,
                "resultMaximum": score.score_maximum,
                "comment": score.comment,
                "timestamp": score.timestamp,
            }
            for sub, score in latest.items()
        ]
    return Response(json.dumps(body), mimetype=RESULTS_TYPE)
