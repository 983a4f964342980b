"""``/admin``: sign in, then see registrations and deployments, keys, and grade deliveries
(with the platform's own error text and a way to send refused grades again)."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lti_tool.admin import auth
from lti_tool.admin import bp
from lti_tool.db import get_session
from lti_tool.db import utcnow
from lti_tool.forms import posted_int
from lti_tool.grading import outbox
from lti_tool.grading import worker as grade_worker
from lti_tool.lti import keys as tool_keys
from lti_tool.lti.dynamic_registration import create_invite
from lti_tool.lti.dynamic_registration import open_invites
from lti_tool.lti.dynamic_registration import withdraw_invite
from lti_tool.lti.registrations import list_registrations
from lti_tool.public_urls import public_url
from lti_tool.public_urls import tool_urls

log = logging.getLogger("lti_tool.admin")
INVITE_LIFETIME = timedelta(hours=72)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = None
    status = 200
    if request.method == "POST":
        auth.check_csrf()
        username = request.form.get("username", "")[:100]
        key = (username, request.remote_addr or "")
        if auth.brake().blocked(key):
            error, status = _("Too many failed attempts. Please wait 15 minutes."), 429
            log.warning("admin sign-in refused status=429 (too many failures)")
        else:
            user = auth.authenticate(get_session(), username, request.form.get("password", ""))
            if user is None:
                auth.brake().failed(key)
                error, status = _("The username or the password is wrong."), 401
                log.info("admin sign-in refused status=401")
            else:
                auth.brake().clear(key)
                session.clear()
                session["admin_id"] = user.id
                session.permanent = True
                return redirect(url_for("admin.overview"))
    return render_template("admin/login.html", page="admin-login", error=error,
                           csrf=auth.csrf_token()), status  # fmt: skip


@bp.post("/logout")
@auth.admin_required
def logout() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("admin.login"))


@bp.get("/")
@auth.admin_required
def overview() -> ResponseReturnValue:
    return _overview(resent=request.args.get("resent", type=int),
                     withdrawn=request.args.get("withdrawn", type=int),
                     learner_deleted=request.args.get("deleted", type=int))  # fmt: skip


@bp.post("/invite")
@auth.admin_required
def invite() -> ResponseReturnValue:
    """A one-time Dynamic Registration link, shown once on the page that answers this POST
    (never in a URL, so never in a history or a log)."""
    db = get_session()
    name = request.form.get("name", "").strip()[:255]
    token = create_invite(db, name, INVITE_LIFETIME)
    db.commit()
    log.info("admin made a registration link")
    return _overview(new_link=public_url("lti.registration_page", token=token))


@bp.post("/withdraw-invite")
@auth.admin_required
def withdraw() -> ResponseReturnValue:
    db = get_session()
    invite_id = posted_int(request.form.get("invite", ""))
    withdrawn = invite_id is not None and withdraw_invite(db, invite_id)
    db.commit()
    if withdrawn:
        log.info("admin withdrew registration link #%s", invite_id)
    return redirect(url_for("admin.overview", withdrawn=int(withdrawn)) + "#invite")


def _overview(**extra: object) -> str:
    db = get_session()
    grace = timedelta(hours=current_app.config["KEY_GRACE_HOURS"])
    now = utcnow()
    grades = outbox.status(db)
    return render_template(
        "admin/overview.html",
        page="admin",
        registrations=list_registrations(db),
        default_policy=current_app.config["DEPLOYMENT_POLICY"],
        keys=[(k, k.is_published(now, grace)) for k in reversed(tool_keys.list_keys(db))],
        grades=grades,
        oldest_age=grades.oldest_pending_age(now),
        failures=outbox.failures(db),
        urls=tool_urls(),
        canvas_url=public_url("canvas_config.canvas_json"),
        invite_hours=int(INVITE_LIFETIME.total_seconds() // 3600),
        invites=open_invites(db),
        csrf=auth.csrf_token(),
        **extra,
    )


@bp.post("/resend")
@auth.admin_required
def resend() -> ResponseReturnValue:
    db = get_session()
    if request.form.get("all"):
        ids = [f.id for f in outbox.failures(db, limit=10_000)]
    else:
        ids = [n for n in map(posted_int, request.form.getlist("delivery")) if n is not None]
    count = outbox.resend(db, ids, utcnow())
    db.commit()
    grade_worker.wake(current_app)
    return redirect(url_for("admin.overview", resent=count))
