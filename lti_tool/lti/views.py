"""``/lti/login``, ``/lti/launch`` and ``/lti/jwks.json``."""

from __future__ import annotations

import hmac
import logging
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Response
from flask import current_app
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l

from lti_tool.db import get_session
from lti_tool.db import utcnow
from lti_tool.errors import error_page
from lti_tool.errors import new_reference
from lti_tool.i18n.locale import launch_locale
from lti_tool.i18n.locale import supported_locale
from lti_tool.lti import bp
from lti_tool.lti import own_storage
from lti_tool.lti import records
from lti_tool.lti.claims import LAUNCH_PRESENTATION
from lti_tool.lti.launch_session import AcceptedLaunch
from lti_tool.lti.launch_session import LaunchRef
from lti_tool.lti.launch_session import set_page_launch
from lti_tool.lti.runtime import runtime
from lti_tool.lti.state_store import ConsumeResult
from lti_tool.lti.state_store import binding_matches
from lti_tool.lti.tool_conf import DbToolConf
from lti_tool.lti.validation import FormRequest
from lti_tool.lti.validation import LaunchRejected
from lti_tool.lti.validation import ToolMessageLaunch
from lti_tool.observability import correlation
from lti_tool.observability import metrics
from lti_tool.public_urls import base_url
from lti_tool.public_urls import origin
from lti_tool.public_urls import public_url
from lti_tool.public_urls import with_query

log = logging.getLogger("lti_tool.launch")

STATE_COOKIE = "lti_state_"
MAX_PARAM_LENGTH = 4096

REJECTIONS = {
    "malformed": (
        _l("The launch could not be read"),
        _l(
            "The platform sent a launch the tool could not read. Open the activity again from your course; if it keeps happening, tell your LMS administrator."
        ),
    ),
    "state": (
        _l("This launch could not be matched to your browser"),
        _l(
            "This happens when the browser blocks cookies inside the course page, or when a launch page was reloaded. Open the activity again from your course; if it keeps happening, open it in a new window or tab."
        ),
    ),
    "replay": (
        _l("This launch has already been used"),
        _l(
            "Each launch works once, so that nobody can reuse it. Open the activity again from your course."
        ),
    ),
    "expired": (
        _l("This launch has expired"),
        _l(
            "The launch took too long to arrive, or the clocks of the platform and the tool disagree. Open the activity again from your course."
        ),
    ),
    "signature": (
        _l("The launch could not be verified"),
        _l(
            "Its signature does not match the platform's published keys. Your LMS administrator should check the public keyset URL in the tool registration."
        ),
    ),
    "audience": (
        _l("The launch was meant for another tool"),
        _l("Your LMS administrator should check the client ID in the tool registration."),
    ),
    "registration": (
        _l("This platform is not registered with the tool"),
        _l(
            "Your LMS administrator needs to register this platform (issuer and client ID) with the tool before it can be used."
        ),
    ),
    "deployment": (
        _l("This deployment of the tool is not registered"),
        _l("Your LMS administrator needs to add this deployment ID to the tool registration."),
    ),
    "claims": (
        _l("The launch is missing required information"),
        _l(
            "The platform did not send everything an LTI 1.3 launch needs. Your LMS administrator can find the reason in the tool's log under the reference below."
        ),
    ),
    "unsupported": (
        _l("This kind of launch is not supported"),
        _l("The tool supports resource links, deep linking and submission review."),
    ),
    "target": (
        _l("The launch points to another site"),
        _l(
            "The target link of this launch is not on this tool. Your LMS administrator should check the tool URL in the registration."
        ),
    ),
}


def _reject(exc: LaunchRejected, where: str, iss: str | None = None) -> Response:
    get_session().rollback()
    reference = new_reference()
    metrics.launch_rejected(where, exc.code)
    log.warning(
        "%s rejected ref=%s code=%s status=%s reason=%s iss=%s",
        where,
        reference,
        exc.code,
        exc.status,
        exc.detail,
        ascii((iss or "-")[:200]),
    )
    title, message = REJECTIONS.get(exc.code, REJECTIONS["malformed"])
    return error_page(exc.status, str(title), str(message), reference=reference)


def _param(name: str) -> str:
    value = request.values.get(name, "")
    if len(value) > MAX_PARAM_LENGTH:
        raise LaunchRejected("malformed", f"parameter {name} too long")
    return value


def _state_cookie_attributes() -> dict[str, Any]:
    # Inside the LMS iframe over HTTPS the cookie is cross-site: SameSite=None, Secure and
    # Partitioned (CHIPS). Deleting it needs the same attributes, or the browser keeps it.
    secure = request.is_secure
    return {"path": "/lti/", "httponly": True, "secure": secure,
            "samesite": "None" if secure else "Lax", "partitioned": secure}  # fmt: skip


def _set_state_cookie(response: Response, key: str, binding: str) -> None:
    response.set_cookie(
        STATE_COOKIE + key,
        binding,
        max_age=current_app.config["STATE_TTL_SECONDS"],
        **_state_cookie_attributes(),
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    iss = request.values.get("iss")
    try:
        iss = _param("iss")
        login_hint = _param("login_hint")
        target_link_uri = _param("target_link_uri")
        storage_target = _param("lti_storage_target")
        message_hint = _param("lti_message_hint")
        client_id = _param("client_id")
        if not iss or not login_hint:
            raise LaunchRejected("malformed", "login without iss or login_hint")
        if target_link_uri and origin(target_link_uri) != origin(base_url()):
            raise LaunchRejected("target", "target_link_uri is not on this tool")
        registration = runtime().registrations.registration(get_session(), iss, client_id or None)
        if registration is None:
            raise LaunchRejected("registration", "login for an unknown issuer/client_id")
        pending = runtime().states.new_login(
            registration.id, current_app.config["STATE_TTL_SECONDS"]
        )
    except LaunchRejected as exc:
        return _reject(exc, "login", iss)
    auth_params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": registration.client_id,
        "redirect_uri": public_url("lti.launch"),
        "state": pending.state,
        "nonce": pending.nonce,
        "login_hint": login_hint,
    }
    if message_hint:
        auth_params["lti_message_hint"] = message_hint
    if storage_target:
        auth_params["lti_storage_target"] = storage_target
    auth_url = with_query(registration.auth_login_url, auth_params)
    if storage_target:
        response = Response(
            render_template(
                "lti/storage_login.html",
                page="storage-login",
                target=storage_target,
                platform_origin=origin(registration.auth_login_url),
                key=STATE_COOKIE + pending.key,
                value=pending.binding,
                next_url=auth_url,
            )
        )
    elif own_storage.cookies_known_to_work():
        response = redirect(auth_url, code=302)
    else:  # keep the binding in the tool's own storage too (see own_storage)
        response = own_storage.login_page(STATE_COOKIE + pending.key, pending.binding, auth_url)
    _set_state_cookie(response, pending.key, pending.binding)
    return response


def _same_origin_post() -> bool:
    sent_origin = request.headers.get("Origin")
    if sent_origin:
        return sent_origin == origin(request.host_url)
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


@bp.post("/launch")
def launch() -> Response:
    form = {key: request.form.get(key, "") for key in request.form}
    iss = None
    validator: ToolMessageLaunch | None = None
    consumed: str | None = None
    try:
        config = current_app.config
        rt = runtime()
        session = get_session()
        validator = ToolMessageLaunch(
            FormRequest(form, request.is_secure),
            DbToolConf(session, rt.registrations, rt.keyring),
            rt.platform_keys,
            leeway=config["JWT_LEEWAY_SECONDS"],
            default_policy=config["DEPLOYMENT_POLICY"],
        )
        validated = validator.validate_launch()
        iss = validated.registration.issuer
        pending = rt.states.read(form.get("state", ""))
        if pending is None:
            raise LaunchRejected("state", "missing, altered or foreign state")
        now = utcnow()
        if pending.expires_at < now.timestamp():
            raise LaunchRejected("expired", "the login expired before the launch")
        if pending.registration_id != validated.registration.id:
            raise LaunchRejected("state", "the login was for another registration")
        sent_nonce = validated.body.get("nonce")
        if not isinstance(sent_nonce, str) or not hmac.compare_digest(
            pending.nonce.encode(), sent_nonce.encode()
        ):
            raise LaunchRejected("state", "the nonce belongs to another login")
        # Consume first, in this transaction: a replay is reported as one, and any later
        # rejection rolls the consumption back (Redis: releases it).
        expires_at = datetime.fromtimestamp(
            pending.expires_at + config["JWT_LEEWAY_SECONDS"], tz=UTC
        )
        if rt.nonces.consume(session, pending.nonce, expires_at, now) is ConsumeResult.USED:
            raise LaunchRejected("replay", "nonce already used")
        consumed = pending.nonce
        binding = _browser_binding(pending.key, form)
        if binding is None:
            rt.nonces.release(consumed)
            return _storage_check_page(form, validated.registration.auth_login_url, pending.key)
        if not binding_matches(pending, binding):
            raise LaunchRejected("state", "the browser did not prove it started this login")
        ctx = validated.context
        remember: list[tuple[object, object, object]] = []
        recorded = records.record_launch(
            session, rt.rows, validated.registration, validated.deployment, ctx, now, remember
        )
        launch_ref = LaunchRef(
            registration_id=validated.registration.id,
            deployment_pk=recorded.deployment_pk,
            learner_id=recorded.learner_id,
            course_id=recorded.course_id,
            resource_link_id=recorded.resource_link_id,
            message_type=ctx.message_type,
            is_staff=ctx.staff,
            is_test_user=ctx.test_user,
            locale=launch_locale(
                ctx.locale or validated.registration.platform_default_locale,
                recorded.learner_locale,
                validated.registration.platform_default_country,
            ),
            # the launch's correlation id rides in its token to every later page
            message_data={**records.message_data(ctx), "cid": correlation.current()},
        )
        # The launch is accepted: commit it before the wing renders its page (a page may call
        # the platform's services, and no transaction stays open across an HTTP call).
        session.commit()
        for key, values, result in remember:
            rt.rows.put(key, values, result)
        token = set_page_launch(launch_ref, None)
        metrics.launch_accepted(ctx.message_type)
        log.info("launch accepted: %s", ctx.message_type)
        accepted = AcceptedLaunch(launch_ref, ctx, validated.registration, token)
        handler = rt.handlers.get(ctx.message_type, _landing_page)
        response = current_app.make_response(handler(accepted))
    except LaunchRejected as exc:
        if consumed is not None:
            runtime().nonces.release(consumed)
        g.locale = _claimed_locale(validator)
        claimed_iss = validator.unverified_body().get("iss") if validator else None
        return _reject(
            exc, "launch", iss or (claimed_iss if isinstance(claimed_iss, str) else None)
        )
    response.delete_cookie(STATE_COOKIE + pending.key, **_state_cookie_attributes())
    if request.cookies.get(STATE_COOKIE + pending.key):
        own_storage.remember_cookies_work(response, _state_cookie_attributes())
    return response


def _browser_binding(key: str, form: dict[str, str]) -> str | None:
    """The state's secret as this browser holds it: from the state cookie, or (when cookies do
    not reach us in the LMS iframe) from LTI platform storage or the tool's own storage, posted
    back by our own page. None means: ask that storage first."""
    cookie = request.cookies.get(STATE_COOKIE + key)
    if cookie:
        return cookie
    stored = form.get("lti_storage_binding")
    if stored is None:
        return None
    if not _same_origin_post():
        raise LaunchRejected("state", "platform storage answer not posted by the tool's page")
    return stored


def _claimed_locale(validator: ToolMessageLaunch | None) -> str | None:
    """The language the (maybe unverified) token asks for, to explain a rejection in it."""
    body = validator.unverified_body() if validator is not None else {}
    presentation = body.get(LAUNCH_PRESENTATION)
    claimed = presentation.get("locale") if isinstance(presentation, dict) else None
    return supported_locale(
        claimed if isinstance(claimed, str) else None, current_app.config["LANGUAGES"]
    )


def _storage_check_page(form: dict[str, str], auth_login_url: str, key: str) -> Response:
    """No cookie came back: ask the platform's storage, then post the launch again."""
    get_session().rollback()
    return Response(
        render_template(
            "lti/storage_launch.html",
            page="storage-launch",
            fields={k: form[k] for k in ("id_token", "state", "lti_storage_target") if k in form},
            target=form.get("lti_storage_target") or own_storage.OWN_STORAGE,
            platform_origin=origin(auth_login_url),
            key=STATE_COOKIE + key,
        )
    )


def _landing_page(accepted: AcceptedLaunch) -> str:
    ctx = accepted.context
    return render_template(
        "lti/launched.html",
        page="launch",
        staff=ctx.staff,
        course_title=ctx.context_title,
        resource_title=ctx.resource_link_title,
    )


@bp.get("/reshow")
def reshow() -> Response:
    """Where Back and Reload lead on the tool's pages (``static/page.js``): an address that
    holds nothing, whose script posts the form its history entry kept (``static/reshow.js``)."""
    body = render_template("lti/reshow.html", page="reshow")
    return Response(body, mimetype="text/html")


@bp.get("/jwks.json")
def jwks() -> Response:
    response = jsonify(runtime().keyring.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
