"""``/admin/learner/export`` and ``/admin/learner/delete``: one learner's data, found by the
platform's issuer and the learner's user id there (as ``lti-tool data export|delete``)."""

from __future__ import annotations

import json
import logging

from flask import Response
from flask import redirect
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue

from lti_tool import privacy
from lti_tool.admin import auth
from lti_tool.admin import bp
from lti_tool.db import get_session
from lti_tool.lti.models import LearnerAccount

log = logging.getLogger("lti_tool.admin")


def _find() -> LearnerAccount | None:
    issuer = request.form.get("issuer", "")[:2048]
    sub = request.form.get("sub", "").strip()[:255]
    if not issuer or not sub:
        return None
    return privacy.find_learner(get_session(), issuer, sub)


def _not_found() -> ResponseReturnValue:
    from lti_tool.admin.views import _overview

    return _overview(learner_missing=True), 404


@bp.post("/learner/export")
@auth.admin_required
def export_learner() -> ResponseReturnValue:
    learner = _find()
    if learner is None:
        return _not_found()
    exported = privacy.export_learner(get_session(), learner)
    log.info("admin exported the data of learner account #%s", learner.id)
    response = Response(json.dumps(exported, indent=2, ensure_ascii=False),
                        mimetype="application/json")  # fmt: skip
    response.headers["Content-Disposition"] = 'attachment; filename="learner-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/learner/delete")
@auth.admin_required
def delete_learner() -> ResponseReturnValue:
    learner = _find()
    if learner is None:
        return _not_found()
    if request.form.get("confirm") != "yes":
        from lti_tool.admin.views import _overview

        return _overview(learner_unconfirmed=True), 400
    db = get_session()
    learner_id = learner.id
    privacy.delete_learner(db, learner_id)
    db.commit()
    log.info("admin deleted learner account #%s", learner_id)
    return redirect(url_for("admin.overview", deleted=1) + "#learner-data")
