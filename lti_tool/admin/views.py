"""``/admin``: sign in, then see registrations and deployments, keys, and grade deliveries
(with the platform's own error text and a way to send refused grades again)."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from lti_tool.admin import auth
from lti_tool.admin import bp
from lti_tool.db import get_session
from lti_tool.db import utcnow
from lti_tool.errors import error_page
from lti_tool.forms import posted_int
from lti_tool.grading import outbox
from lti_tool.grading import worker as grade_worker
from lti_tool.grading.grants import result_service_by_registration
from lti_tool.grading.reasons import describe
from lti_tool.lti import keys as tool_keys
from lti_tool.lti.dynamic_registration import create_invite
from lti_tool.lti.dynamic_registration import open_invites
from lti_tool.lti.dynamic_registration import withdraw_invite
from lti_tool.lti.models import Platform
from lti_tool.lti.registrations import list_registrations
from lti_tool.public_urls import public_url
from lti_tool.public_urls import tool_urls
from lti_tool.simulation.country import known
from lti_tool.throttle import sign_in_throttle

log = logging.getLogger("lti_tool.admin")
INVITE_LIFETIME = timedelta(hours=72)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return _login_page()
    auth.check_csrf()
    username = request.form.get("username", "")[:100]
    address = request.remote_addr or ""
    device = auth.known_device(username)
    throttle = sign_in_throttle()
    # a browser that signed in as this user before has its own count: others' failures
    # (from the same address, or against the same account) never lock it out
    counted = [("device", device)] if device else [("address", address), ("account", username)]
    refused = [v for v in (throttle.test(name, key) for name, key in counted) if not v.allowed]
    if refused:
        log.warning("admin sign-in refused status=429 (too many failures)")
        wait = max(v.retry_after for v in refused)
        minutes = -(-wait // 60)
        message = ngettext("Too many failed attempts. Please wait %(num)s minute and try again.",
                           "Too many failed attempts. Please wait %(num)s minutes and try again.",
                           minutes)  # fmt: skip
        response = _login_page(message, 429)
        response.headers["Retry-After"] = str(wait)
        return response
    db = get_session()
    user = auth.authenticate(db, username, request.form.get("password", ""))
    db.rollback()  # nothing to write; and the counters below write in their own transaction
    if user is None:
        for name, key in counted:
            throttle.hit(name, key)
        log.info("admin sign-in refused status=401")
        return _login_page(_("The username or the password is wrong."), 401)
    if device:
        throttle.clear("device", device)
    auth.start_session(user)
    response = redirect(url_for("admin.overview"))
    auth.remember_device(response, username, device)
    return response


def _login_page(error: str | None = None, status: int = 200) -> Response:
    body = render_template("admin/login.html", page="admin-login", error=error,
                           csrf=auth.csrf_token())  # fmt: skip
    return Response(body, status=status, mimetype="text/html")


@bp.post("/logout")
@auth.admin_required
def logout() -> ResponseReturnValue:
    db = get_session()
    auth.end_sessions(db, session["admin_id"])
    db.commit()
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
    """The overview page; ``extra`` says what the page answers (a notice's subject); a notice
    shows only for what was done, never for a value left out."""
    notices: dict[str, object] = {"resent": None, "withdrawn": None, "learner_deleted": None,
                                  "new_link": None, "learner_missing": False,
                                  "learner_unconfirmed": False}  # fmt: skip
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
        waiting=outbox.waiting(db),
        describe=describe,
        result_service=result_service_by_registration(db),
        urls=tool_urls(),
        canvas_url=public_url("canvas_config.canvas_json"),
        invite_hours=int(INVITE_LIFETIME.total_seconds() // 3600),
        invites=open_invites(db),
        csrf=auth.csrf_token(),
        **(notices | extra),
    )


@bp.post("/platform-country")
@auth.admin_required
def platform_country() -> ResponseReturnValue:
    db = get_session()
    platform_id = posted_int(request.form.get("platform", ""))
    country = request.form.get("country", "")
    platform = db.get(Platform, platform_id) if platform_id is not None else None
    if platform is None or known(country) != country:
        return error_page(400, _("That country or platform is not known."))
    platform.default_country = country or None
    db.commit()
    log.info("admin set the default country of platform #%s", platform.id)
    return redirect(url_for("admin.overview") + "#registrations")


@bp.post("/resend")
@auth.admin_required
def resend() -> ResponseReturnValue:
    db = get_session()
    if request.form.get("all"):
        ids = [f.id for f in outbox.failures(db, limit=10_000)]
    elif request.form.get("all_waiting"):
        ids = [w.id for w in outbox.waiting(db, limit=10_000)]
    else:
        ids = [n for n in map(posted_int, request.form.getlist("delivery")) if n is not None]
    count = outbox.resend(db, ids, utcnow())
    db.commit()
    grade_worker.wake(current_app)
    return redirect(url_for("admin.overview", resent=count))
