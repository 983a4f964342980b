"""``/lti/register/<token>``: LTI Dynamic Registration, opened by the platform in its
registration dialog (see ``dynamic_registration``). GET shows what will be registered; POST
registers."""

from __future__ import annotations

import logging

from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from lti_tool.db import get_session
from lti_tool.errors import error_page
from lti_tool.lti import bp
from lti_tool.lti.dynamic_registration import PlatformAnswer
from lti_tool.lti.dynamic_registration import PlatformConfiguration
from lti_tool.lti.dynamic_registration import RegistrationFailed
from lti_tool.lti.dynamic_registration import asks_for_update
from lti_tool.lti.dynamic_registration import claim_invite
from lti_tool.lti.dynamic_registration import read_platform_configuration
from lti_tool.lti.dynamic_registration import record_registration
from lti_tool.lti.dynamic_registration import register_with_platform
from lti_tool.lti.dynamic_registration import release_invite
from lti_tool.lti.dynamic_registration import tool_configuration
from lti_tool.lti.dynamic_registration import usable_invite
from lti_tool.lti.dynamic_registration import valid_registration_token
from lti_tool.lti.models import RegistrationInvite
from lti_tool.public_urls import tool_urls

log = logging.getLogger(__name__)
MAX_FIELD_LENGTH = 4096


@bp.get("/register/<token>")
def registration_page(token: str) -> Response | str:
    if usable_invite(get_session(), token) is None:
        return _invite_unusable()
    config_url, registration_token = _parameters(request.args)
    if not config_url:
        return _not_from_a_platform()
    if registration_token is not None and not valid_registration_token(registration_token):
        return _failed(RegistrationFailed("registration_token"))
    try:
        platform = read_platform_configuration(config_url, registration_token, _timeout(),
                                               allow_http=_allow_http())  # fmt: skip
    except RegistrationFailed as failure:
        return _failed(failure)
    return render_template("lti/register.html", page="register", platform=platform,
                           config_url=config_url, registration_token=registration_token or "",
                           update=asks_for_update(registration_token))  # fmt: skip


@bp.post("/register/<token>")
def register(token: str) -> Response | str:
    config_url, registration_token = _parameters(request.form)
    if not config_url:
        return _not_from_a_platform()
    if registration_token is not None and not valid_registration_token(registration_token):
        return _failed(RegistrationFailed("registration_token"))
    session = get_session()
    invite = claim_invite(session, token)
    if invite is None:
        return _invite_unusable()
    invite_id, recorded, updated = invite.id, False, False
    try:
        platform = read_platform_configuration(config_url, registration_token, _timeout(),
                                               allow_http=_allow_http())  # fmt: skip
        configuration = tool_configuration(platform, tool_urls(),
                                           share_names=request.form.get("share_names") == "yes")  # fmt: skip
        answer = register_with_platform(platform, registration_token, configuration, _timeout())
        updated = _record(session, invite, platform, answer,
                          update_asked=asks_for_update(registration_token))  # fmt: skip
        recorded = True
    except RegistrationFailed as failure:
        return _failed(failure)
    except SQLAlchemyError:
        log.exception("dynamic registration: the platform registered the tool, but the "
                      "registration could not be recorded")  # fmt: skip
        return error_page(500, _("The registration could not be saved"), _(
            "The platform has registered the tool, but the tool could not record it. Remove the "
            "tool on the platform's side and use the link again, or register it by hand."))  # fmt: skip
    finally:
        if not recorded:
            _give_back(session, invite_id)
    log.info("dynamic registration: %s %s (client id %s)", "updated" if updated else "registered",
             ascii(platform.issuer[:200]), ascii(answer.client_id[:100]))  # fmt: skip
    return render_template("lti/registered.html", page="registered", platform=platform,
                           answer=answer, updated=updated)  # fmt: skip


def _give_back(session: Session, invite_id: int) -> None:
    """The link can be used again (unless withdrawn meanwhile); if the database cannot say so,
    the page already chosen is still the answer."""
    try:
        release_invite(session, invite_id)
    except SQLAlchemyError:
        log.exception("dynamic registration: the link could not be given back")


def _record(session: Session, invite: RegistrationInvite, platform: PlatformConfiguration,
            answer: PlatformAnswer, *, update_asked: bool) -> bool:  # fmt: skip
    """Record it, once more if another registration created the same new platform meanwhile
    (two Canvas accounts share one issuer). True when it updated a registration."""
    for last_try in (False, True):
        try:
            _, updated = record_registration(session, invite, platform, answer,
                                             update_asked=update_asked)  # fmt: skip
            session.commit()
            return updated
        except IntegrityError:
            session.rollback()
            if last_try:
                raise
    return False  # not reached: the last try returns or raises


def _parameters(values: MultiDict[str, str]) -> tuple[str, str | None]:
    config_url = values.get("openid_configuration", "")[:MAX_FIELD_LENGTH]
    registration_token = values.get("registration_token", "")[:MAX_FIELD_LENGTH]
    return config_url.strip(), registration_token.strip() or None


def _timeout() -> float:
    return float(current_app.config["HTTP_TIMEOUT_SECONDS"])


def _allow_http() -> bool:
    """Plain http only in the demo, the tests, or where an administrator allows it
    (``LTI_TOOL_REGISTRATION_ALLOW_HTTP``, for an intranet LMS without TLS): elsewhere the
    registration token and the platform's key set address must not travel in the clear."""
    config = current_app.config
    return bool(config["DEMO"] or current_app.testing or config["REGISTRATION_ALLOW_HTTP"])


def _invite_unusable() -> Response:
    return error_page(404, _("This registration link cannot be used"), _(
        "It may have been used already, or it has expired. Ask the tool's administrator for a "
        "new one."))  # fmt: skip


def _not_from_a_platform() -> Response:
    return error_page(400, _("Open this link from your platform"), _(
        "Enter it as the tool's registration URL on your platform: in Moodle, Manage tools › "
        "Tool URL › Add LTI Advantage; in Canvas, Developer Keys › LTI Registration."))  # fmt: skip


def _failed(failure: RegistrationFailed) -> Response:
    log.info("dynamic registration refused: %s", failure.code)
    messages = {
        "configuration_url": (400, _("The platform's configuration address is not an https web address.")),
        "registration_token": (400, _("The platform's registration token is not valid.")),
        "update_moves": (409, _("The platform's update would move its sign-in, token or key set address to another site. Ask the tool's administrator to update the registration by hand.")),
        "unknown_update": (409, _("The platform asked to update a registration the tool does not have. Register the tool as a new tool on the platform, or ask the tool's administrator to add this registration by hand.")),
        "configuration_unreachable": (502, _("The platform's configuration could not be reached.")),
        "configuration_refused": (502, _("The platform refused to give its configuration.")),
        "configuration_not_json": (502, _("The platform's configuration could not be read.")),
        "configuration_incomplete": (502, _("The platform's configuration lacks an address the tool needs.")),
        "issuer_mismatch": (502, _("The platform's configuration names a platform on another site.")),
        "registration_unreachable": (502, _("The platform's registration service could not be reached.")),
        "registration_refused": (502, _("The platform refused the registration.")),
        "registration_answer": (502, _("The platform's answer did not include a client ID.")),
    }  # fmt: skip
    status, message = messages.get(failure.code, (502, _("The registration failed.")))
    return error_page(status, _("The tool could not be registered"), message,
                      hint=_hint(failure))  # fmt: skip


def _hint(failure: RegistrationFailed) -> str | None:
    if failure.code == "configuration_incomplete":
        return _("Missing or not a web address: %(field)s", field=failure.detail)
    if failure.code == "configuration_refused":
        return _("The platform answered with HTTP status %(status)s.", status=failure.detail)
    if failure.code == "registration_refused":
        return _("The platform said: %(text)s", text=failure.detail)
    return None
