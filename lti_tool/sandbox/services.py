"""The sandbox's LTI Advantage services: JWKS, OAuth2 token, AGS, NRPS, and a control endpoint
for tests (faults, token lifetime, Moodle- or Canvas-style answers and the AGS switches of
``behaviour.py``, holds, key rotation, roster)."""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime
from typing import Any

import jwt
from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import request
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.sandbox import CONTEXT_ID
from lti_tool.sandbox import bp
from lti_tool.sandbox import state
from lti_tool.sandbox.behaviour import SWITCHES
from lti_tool.sandbox.behaviour import hold
from lti_tool.sandbox.behaviour import rearm_holds
from lti_tool.sandbox.behaviour import release_holds
from lti_tool.sandbox.behaviour import switch
from lti_tool.sandbox.behaviour import throttled
from lti_tool.sandbox.clients import current_client
from lti_tool.sandbox.pages import AGS_SCOPES
from lti_tool.sandbox.pages import NRPS_SCOPE
from lti_tool.sandbox.pages import issuer
from lti_tool.sandbox.pages import lineitem_url
from lti_tool.sandbox.profiles import PROFILES
from lti_tool.sandbox.profiles import choose_profile
from lti_tool.sandbox.signing import jwks as platform_jwks
from lti_tool.sandbox.signing import rotate_key
from lti_tool.sandbox.store import SandboxBase
from lti_tool.sandbox.store import SbLineItem
from lti_tool.sandbox.store import SbResourceLink
from lti_tool.sandbox.store import SbScore
from lti_tool.sandbox.store import SbToken
from lti_tool.sandbox.store import SbUser
from lti_tool.sandbox.store import events
from lti_tool.sandbox.store import get_setting
from lti_tool.sandbox.store import log_event
from lti_tool.sandbox.store import now
from lti_tool.sandbox.store import set_setting

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = NRPS_SCOPE
GRANTABLE = frozenset({*AGS_SCOPES, SCOPE_NRPS})


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@bp.get("/jwks.json")
def jwks() -> Response:
    with state().sessions() as session:
        log_event(session, "jwks", {"user_agent": request.headers.get("User-Agent", "")})
        session.commit()
        return jsonify(platform_jwks(session))


@bp.post("/token")
def token() -> Response:
    form = request.form
    if (
        form.get("grant_type") != "client_credentials"
        or form.get("client_assertion_type")
        != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ):
        return _error(400, "unsupported_grant_type")
    assertion = form.get("client_assertion", "")
    with state().sessions() as session:
        client = current_client(session)
    try:
        header = jwt.get_unverified_header(assertion)
        if header.get("alg") != "RS256":
            return _error(400, "invalid_client")
        key = state().tool_keys.key(client.jwks_url, header.get("kid", ""))
        claims = jwt.decode(
            assertion,
            key,
            algorithms=["RS256"],
            audience=issuer() + "/token",
            options={"require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
        )
    except (jwt.InvalidTokenError, KeyError, OSError, ValueError):
        return _error(401, "invalid_client")
    if claims["iss"] != client.client_id or claims["sub"] != client.client_id:
        return _error(401, "invalid_client")
    requested = set(form.get("scope", "").split())
    if not requested or not requested <= GRANTABLE or not all(map(client.grants, requested)):
        return _error(400, "invalid_scope")
    with state().sessions() as session:
        hold(session, "hold_tokens", "token_held")  # a slow platform, for the tests
        ttl = int(get_setting(session, "token_ttl", 3600))
        value = secrets.token_urlsafe(32)
        session.add(
            SbToken(token=value, scopes=" ".join(sorted(requested)), expires_at=time.time() + ttl)
        )
        log_event(session, "token", {"scopes": sorted(requested)})
        session.commit()
    return jsonify(
        {
            "access_token": value,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(sorted(requested)),
        }
    )


def _authorise(session: Session, *scopes: str) -> Response | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return _error(401, "missing bearer token")
    if not request.headers.get("User-Agent"):
        return _error(403, "a User-Agent header is required")
    row = session.get(SbToken, header[7:])
    if row is None or row.expires_at < time.time():
        return _error(401, "invalid or expired token")
    if not set(row.scopes.split()) & set(scopes):
        return _error(403, "token lacks the scope")
    if SCOPE_NRPS not in scopes and throttled(
        session
    ):  # Canvas's answer to a tool that calls too often
        session.commit()
        return _error(403, "403 Forbidden (Rate Limit Exceeded)",
                      {"X-Rate-Limit-Remaining": "0.0"})  # fmt: skip
    return None


def _lineitem_json(item: SbLineItem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": lineitem_url(item.id),
        "label": item.label,
        "scoreMaximum": item.score_maximum,
    }
    if item.resource_link_id:
        data["resourceLinkId"] = item.resource_link_id
    if item.resource_id:
        data["resourceId"] = item.resource_id
    if item.tag:
        data["tag"] = item.tag
    return data


def _check_context(context_id: str) -> None:
    if context_id != CONTEXT_ID or request.args.get("type_id") != "1":
        abort(404)


@bp.route("/api/contexts/<context_id>/lineitems", methods=["GET", "POST"])
def lineitems(context_id: str) -> Response:
    _check_context(context_id)
    with state().sessions() as session:
        denied = _authorise(
            session, SCOPE_LINEITEM, *(() if request.method == "POST" else (SCOPE_LINEITEM_READ,))
        )
        if denied:
            return denied
        if request.method == "GET":
            query = select(SbLineItem).order_by(SbLineItem.id)
            for arg, column in (
                ("resource_link_id", SbLineItem.resource_link_id),
                ("resource_id", SbLineItem.resource_id),
                ("tag", SbLineItem.tag),
            ):
                if request.args.get(arg):
                    query = query.where(column == request.args[arg])
            items = [_lineitem_json(item) for item in session.scalars(query)]
            return Response(json.dumps(items), mimetype=LINEITEMS_TYPE)
        data = request.get_json(force=True, silent=True) or {}
        if not data.get("label") or not isinstance(data.get("scoreMaximum"), int | float):
            return _error(400, "label and scoreMaximum are required")
        item = SbLineItem(
            label=str(data["label"])[:255],
            score_maximum=float(data["scoreMaximum"]),
            resource_link_id=data.get("resourceLinkId"),
            resource_id=data.get("resourceId"),
            tag=data.get("tag"),
        )
        session.add(item)
        session.flush()
        log_event(session, "lineitem", _lineitem_json(item))
        session.commit()
        response = Response(json.dumps(_lineitem_json(item)), mimetype=LINEITEM_TYPE)
        response.status_code = 201
        return response


@bp.route("/api/contexts/<context_id>/lineitems/<int:item_id>", methods=["GET", "PUT"])
def lineitem(context_id: str, item_id: int) -> Response:
    _check_context(context_id)
    with state().sessions() as session:
        denied = _authorise(session, SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
        if denied:
            return denied
        item = session.get(SbLineItem, item_id)
        if item is None:
            return _error(404, "no such line item")
        if request.method == "PUT":
            data = request.get_json(force=True, silent=True) or {}
            if "label" in data:
                item.label = str(data["label"])[:255]
            if isinstance(data.get("scoreMaximum"), int | float):
                item.score_maximum = float(data["scoreMaximum"])
            session.commit()
        return Response(json.dumps(_lineitem_json(item)), mimetype=LINEITEM_TYPE)


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@bp.post("/api/contexts/<context_id>/lineitems/<int:item_id>/scores")
def scores(context_id: str, item_id: int) -> Response:
    _check_context(context_id)
    if request.mimetype != SCORE_TYPE:
        return _error(415, f"Content-Type must be {SCORE_TYPE}")
    with state().sessions() as session:
        denied = _authorise(session, SCOPE_SCORE)
        if denied:
            return denied
        fault = _take_fault(session)
        if fault is not None:
            return fault
        style = get_setting(session, "platform_style", "moodle")
        rule = switch(session, "timestamp_rule")
        item = session.get(SbLineItem, item_id)
        if item is None:
            return _error(404, "no such line item")
        data = request.get_json(force=True, silent=True)
        if not isinstance(data, dict):
            return _error(400, "body is not JSON")
        sub = data.get("userId")
        stamp = _timestamp(data.get("timestamp"))
        if not isinstance(sub, str) or stamp is None:
            return _error(400, "userId and timestamp are required")
        if data.get("scoreGiven") is not None and data.get("scoreMaximum") is None:
            return _error(422 if style == "canvas" else 400, "scoreMaximum is required")
        user = session.scalar(select(SbUser).where(SbUser.sub == sub))
        if user is None or (user.role != "learner" and switch(session, "students_only")):
            if style == "canvas":
                return _error(422, "User not found in course or is not a student")
            return _error(400, "Incorrect score received")
        last = session.scalar(
            select(SbScore)
            .where(SbScore.lineitem_id == item_id, SbScore.user_sub == sub)
            .order_by(SbScore.timestamp_epoch.desc())
            .limit(1)
        )
        if last is not None:
            if rule == "canvas" and stamp < last.timestamp_epoch:
                return _error(400, "score timestamp is older than the last one")
            if rule == "moodle" and int(stamp) <= int(last.timestamp_epoch):
                return _error(409, "timestamp not newer than the last score")
        graded = data.get("gradingProgress") == "FullyGraded"
        session.add(
            SbScore(
                lineitem_id=item_id,
                user_sub=sub,
                score_given=float(data["scoreGiven"])
                if graded and data.get("scoreGiven") is not None
                else None,
                score_maximum=float(data["scoreMaximum"])
                if data.get("scoreMaximum") is not None
                else None,
                activity_progress=str(data.get("activityProgress", ""))[:32],
                grading_progress=str(data.get("gradingProgress", ""))[:32],
                timestamp=data["timestamp"],
                timestamp_epoch=stamp,
                comment=data.get("comment"),
                raw=data,
                received_at=now(),
            )
        )
        log_event(session, "score", {"lineitem": item_id, "user": sub, "timestamp": stamp})
        session.commit()
        hold(session, "hold_scores", "score_held")  # stored; the answer waits for the test
    return jsonify({"resultUrl": lineitem_url(item_id).replace("?", f"/results/{sub}?")})


def _take_fault(session: Session) -> Response | None:
    fault = get_setting(session, "score_faults")
    if not fault or fault.get("count", 0) <= 0:
        return None
    fault["count"] -= 1
    set_setting(session, "score_faults", fault)
    log_event(session, "score_fault", {"status": fault["status"]})
    session.commit()
    headers = {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") else None
    return _error(int(fault["status"]), "simulated platform failure", headers)


@bp.get("/api/contexts/<context_id>/memberships")
def memberships(context_id: str) -> Response:
    if context_id != CONTEXT_ID:
        abort(404)
    with state().sessions() as session:
        denied = _authorise(session, SCOPE_NRPS)
        if denied:
            return denied
        page_size = int(get_setting(session, "nrps_page_size", 25))
        typographic = bool(get_setting(session, "typographic_quotes", False))
        members = [
            {
                "user_id": user.sub,
                "name": user.name,
                "status": "Active",
                "roles": [
                    "http://purl.imsglobal.org/vocab/lis/v2/membership#"
                    + ("Learner" if user.role == "learner" else "Instructor")
                ],
            }
            for user in session.scalars(select(SbUser).order_by(SbUser.id))
        ]
        log_event(session, "nrps", {"page": request.args.get("page", "1")})
        session.commit()
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    chunk = members[(page - 1) * page_size : page * page_size]
    body = {
        "id": request.url,
        "context": {"id": CONTEXT_ID, "label": "AMELIE", "title": "AMELIE"},
        "members": chunk,
    }
    response = Response(json.dumps(body), mimetype=MEMBERSHIPS_TYPE)
    if page * page_size < len(members):
        next_url = f"{issuer()}/api/contexts/{CONTEXT_ID}/memberships?page={page + 1}"
        rel = "rel=\u201cnext\u201d" if typographic else 'rel="next"'
        # sent as UTF-8 bytes, as a PHP platform does; HTTP clients read them as Latin-1
        response.headers["Link"] = f"<{next_url}>; {rel}".encode().decode("latin-1")
    return response


@bp.route("/control", methods=["GET", "POST"])
def control() -> Response:
    """Test harness: shape the platform's behaviour. Off unless LTI_TOOL_SANDBOX_CONTROL is set."""
    if not current_app.config.get("SANDBOX_CONTROL"):
        abort(404)
    with state().sessions() as session:
        if request.method == "POST":
            data = request.get_json(force=True, silent=True) or {}
            _apply_control(session, data)
            session.commit()
        return jsonify(
            {
                "scores": events(session, "score"),
                "tokens": events(session, "token"),
                "score_faults": events(session, "score_fault"),
                "lineitems": events(session, "lineitem"),
                "nrps": events(session, "nrps"),
                "deep_links": events(session, "deep_link"),
                "jwks": events(session, "jwks"),
                "registrations": events(session, "registration"),
                "held": events(session, "score_held") + events(session, "token_held"),
                "results": events(session, "result"),
            }
        )


def _apply_control(session: Session, data: dict[str, Any]) -> None:
    if data.get("reset"):
        for table in reversed(SandboxBase.metadata.sorted_tables):
            if table.name not in ("sb_setting", "sb_resource_link", "sb_lineitem"):
                session.execute(delete(table))
    for key in (
        "score_faults",
        "token_ttl",
        "platform_style",
        "nrps_page_size",
        "typographic_quotes",
        "claim_overrides",
        *SWITCHES,
    ):
        if key in data:
            set_setting(session, key, data[key])
    if data.get("profile") in PROFILES:  # also sets the grade services' switches it implies
        choose_profile(session, data["profile"])
    if data.get("hold_scores") or data.get("hold_tokens"):
        rearm_holds()
    if data.get("release"):
        release_holds()
    if data.get("delete_lineitems"):
        session.execute(update(SbResourceLink).values(lineitem_id=None))
        session.execute(delete(SbScore))
        session.execute(delete(SbLineItem))
    if data.get("expire_tokens"):
        session.execute(update(SbToken).values(expires_at=0.0))
    if data.get("rotate_key"):
        rotate_key(session)
    for member in data.get("roster", []):
        if not session.scalar(select(SbUser).where(SbUser.sub == member["sub"])):
            session.add(
                SbUser(
                    sub=member["sub"],
                    name=member["name"],
                    email=None,
                    role=member.get("role", "learner"),
                    test_user=bool(member.get("test_user")),
                )
            )
