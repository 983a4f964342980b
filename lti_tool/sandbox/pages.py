"""The sandbox's pages: pick a person and launch the tool in an iframe, the OIDC auth endpoint,
and the gradebook."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import replace
from typing import Any

import jwt
from flask import Response
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select

from lti_tool.public_urls import with_query
from lti_tool.sandbox import CONTEXT_ID
from lti_tool.sandbox import CONTEXT_TITLE
from lti_tool.sandbox import bp
from lti_tool.sandbox import state
from lti_tool.sandbox.clients import ToolClient
from lti_tool.sandbox.clients import current_client
from lti_tool.sandbox.clients import save_client
from lti_tool.sandbox.profiles import PROFILES
from lti_tool.sandbox.profiles import Profile
from lti_tool.sandbox.profiles import choose_profile
from lti_tool.sandbox.profiles import current_profile
from lti_tool.sandbox.profiles import custom_parameters
from lti_tool.sandbox.profiles import launch_deployment
from lti_tool.sandbox.profiles import launch_locale
from lti_tool.sandbox.profiles import storage_target
from lti_tool.sandbox.signing import sign
from lti_tool.sandbox.store import SbLaunchRequest
from lti_tool.sandbox.store import SbLineItem
from lti_tool.sandbox.store import SbResourceLink
from lti_tool.sandbox.store import SbScore
from lti_tool.sandbox.store import SbUser
from lti_tool.sandbox.store import get_setting
from lti_tool.sandbox.store import log_event

LANGUAGES = {
    "en": "English",
    "el": "Ελληνικά",
    "it": "Italiano",
    "de": "Deutsch",
    "nl": "Nederlands",
    "nl-BE": "Nederlands (België)",
    "fr": "Français",
    "fr-BE": "Français (Belgique)",
    "pt-BR": "Português (Brasil)",  # a language the tool does not have (nor Moodle's pack)
}
MESSAGES = {
    "resource": "LtiResourceLinkRequest",
    "deep_linking": "LtiDeepLinkingRequest",
    "review": "LtiSubmissionReviewRequest",
}
ROLES = {
    "learner": "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
    "instructor": "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
}
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def issuer() -> str:
    return str(current_app.config.get("SANDBOX_ISSUER") or request.host_url + "sandbox").rstrip("/")


def lineitems_url() -> str:
    # Moodle's service URLs carry a query string; so do ours, to keep tools honest.
    return f"{issuer()}/api/contexts/{CONTEXT_ID}/lineitems?type_id=1"


def lineitem_url(lineitem_id: int) -> str:
    return f"{issuer()}/api/contexts/{CONTEXT_ID}/lineitems/{lineitem_id}?type_id=1"


def user_sub(name: str, role: str) -> str:
    return "sb-" + hashlib.sha256(f"{role}:{name}".encode()).hexdigest()[:16]


@bp.get("/")
def index() -> str:
    with state().sessions() as session:
        links = list(session.scalars(select(SbResourceLink).order_by(SbResourceLink.id)))
        learners = list(session.scalars(
            select(SbUser).where(SbUser.role == "learner").order_by(SbUser.name)))  # fmt: skip
        client = current_client(session)
        profile = current_profile(session)
    return render_template("sandbox/index.html", page="sandbox", links=links, learners=learners,
                           languages=LANGUAGES, client=client, profile=profile,
                           profiles=PROFILES.values())  # fmt: skip


@bp.post("/profile")
def set_profile() -> Response:
    """Choose how the sandbox behaves: as itself, as Moodle or as Canvas."""
    name = request.form.get("profile", "")
    if name not in PROFILES:
        abort(400)
    with state().sessions() as session:
        choose_profile(session, name)
        if request.form.get("activate"):
            client = current_client(session)
            if client.dynamic:
                save_client(session, replace(client, pending=False))
        session.commit()
    return redirect(url_for("sandbox.index"), code=303)


@bp.post("/launch")
def launch() -> str | tuple[str, int]:
    form = request.form
    name = (form.get("name") or "").strip()[:100] or "Alex Learner"
    role = form.get("role", "learner")
    lang = form.get("lang", "en")
    message = form.get("message", "resource")
    if role not in ROLES or lang not in LANGUAGES or message not in MESSAGES:
        abort(400)
    with state().sessions() as session:
        sub = user_sub(name, role)
        user = session.scalar(select(SbUser).where(SbUser.sub == sub))
        if user is None:
            email = name.lower().replace(" ", ".") + "@sandbox.example"
            user = SbUser(sub=sub, name=name, email=email, role=role)
            session.add(user)
            session.flush()
        link = None
        if message in ("resource", "review"):
            link = session.scalar(
                select(SbResourceLink).where(SbResourceLink.rl_id == form.get("link", ""))
            )
            if link is None:
                abort(400)
        profile = current_profile(session)
        client = current_client(session)
        if client.pending:  # as Moodle: a pending tool is not offered to courses
            return render_template("sandbox/pending.html", page="sandbox-pending"), 409
        options = {
            "privacy": form.get("privacy") or profile.default_privacy,
            "storage": form.get("storage", "cookie"),
            "accept_multiple": form.get("accept_multiple", "true") != "false",
        }
        if message == "review":
            reviewed = session.scalar(select(SbUser).where(SbUser.sub == form.get("for_user", "")))
            if reviewed is None:
                abort(400)
            options["for_user"] = reviewed.sub
        hint = secrets.token_urlsafe(16)
        session.add(
            SbLaunchRequest(
                hint=hint,
                user_id=user.id,
                resource_link_id=link.id if link else None,
                message_type=MESSAGES[message],
                locale=launch_locale(profile, lang),
                options=options,
            )
        )
        session.commit()
    params = {
        "iss": issuer(),
        "login_hint": sub,
        "target_link_uri": client.launch_url,
        "client_id": client.client_id,
        "lti_deployment_id": launch_deployment(profile, client.deployment_id, CONTEXT_ID),
        "lti_message_hint": hint,
    }
    target = storage_target(profile, form.get("storage") == "platform")
    if target:
        params["lti_storage_target"] = target
    return render_template(
        "sandbox/launch.html",
        page="sandbox-launch",
        login_url=with_query(client.login_url, params),
        tool_origin=client.origin,
        new_window=form.get("window") == "new",
    )


def _claims(launch: SbLaunchRequest, user: SbUser, nonce: str, client: ToolClient,
            profile: Profile) -> dict[str, Any]:  # fmt: skip
    now = int(time.time())
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    claims: dict[str, Any] = {
        "iss": issuer(),
        "aud": client.client_id,
        "azp": client.client_id,
        "sub": user.sub,
        "iat": now,
        "exp": now + profile.token_seconds,
        "nonce": nonce,
        lti + "version": "1.3.0",
        lti + "message_type": launch.message_type,
        lti + "deployment_id": launch_deployment(profile, client.deployment_id, CONTEXT_ID),
        lti + "target_link_uri": client.launch_url,
        lti + "roles": [ROLES[user.role]],
        lti + "context": {
            "id": CONTEXT_ID,
            "label": "AMELIE",
            "title": CONTEXT_TITLE,
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        lti + "launch_presentation": {
            "document_target": "iframe",
            "locale": launch.locale,
            "return_url": issuer() + "/",
        },
        lti + "tool_platform": {
            "guid": "amelie-sandbox",
            "name": "AMELIE sandbox platform",
            "product_family_code": profile.product_family_code,
        },
    }
    if client.grants(NRPS_SCOPE):
        claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"] = {
            "context_memberships_url": f"{issuer()}/api/contexts/{CONTEXT_ID}/memberships",
            "service_versions": ["2.0"],
        }
    if user.test_user:
        claims[lti + "roles"].append("http://purl.imsglobal.org/vocab/lti/system/person#TestUser")
    privacy = launch.options.get("privacy", "full")
    if privacy in ("full", "names"):
        given, _, family = user.name.partition(" ")
        claims.update(name=user.name, given_name=given, family_name=family or given)
    if privacy in ("full", "email"):
        claims["email"] = user.email
    ags_scopes = [scope for scope in AGS_SCOPES if client.grants(scope)]
    if ags_scopes:
        claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
            "scope": ags_scopes, "lineitems": lineitems_url()}  # fmt: skip
    if launch.message_type == "LtiDeepLinkingRequest":
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
            "deep_link_return_url": issuer() + "/deep_link_return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": bool(launch.options.get("accept_multiple", True)),
            "auto_create": False,
            "data": "sandbox-dl-" + launch.hint,
        }
    if launch.message_type == "LtiSubmissionReviewRequest":
        claims[lti + "for_user"] = {"user_id": launch.options["for_user"]}
    return claims


@bp.route("/auth", methods=["GET", "POST"])
def auth() -> Response:
    params = request.values
    redirect_uri = params.get("redirect_uri", "")
    with state().sessions() as session:
        client = current_client(session)
        if (
            params.get("response_type") != "id_token"
            or "openid" not in params.get("scope", "").split()
            or params.get("client_id") != client.client_id
            or not client.accepts_redirect(redirect_uri)
            or not params.get("state")
            or not params.get("nonce")
        ):
            return Response("invalid_request", status=400, mimetype="text/plain")
        launch = session.scalar(
            select(SbLaunchRequest).where(SbLaunchRequest.hint == params.get("lti_message_hint"))
        )
        if launch is None or launch.used:
            # like Moodle: one launch per login
            return Response("invalid_request", status=400, mimetype="text/plain")
        user = session.get(SbUser, launch.user_id)
        if user is None or user.sub != params.get("login_hint"):
            return Response("invalid_request", status=400, mimetype="text/plain")
        launch.used = True
        profile = current_profile(session)
        claims = _claims(launch, user, params["nonce"], client, profile)
        if launch.resource_link_id is not None:
            link = session.get(SbResourceLink, launch.resource_link_id)
            assert link is not None
            claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = {
                "id": link.rl_id,
                "title": link.title,
            }
            if link.custom:  # resent on every launch, as Moodle and Canvas do
                claims["https://purl.imsglobal.org/spec/lti/claim/custom"] = custom_parameters(
                    profile, link.custom
                )
            ags = claims.get("https://purl.imsglobal.org/spec/lti-ags/claim/endpoint")
            if link.lineitem_id and ags is not None:
                ags["lineitem"] = lineitem_url(link.lineitem_id)
        overrides = get_setting(session, "claim_overrides") or {}
        claims.update(overrides)
        id_token = sign(session, claims)
        target = storage_target(profile, launch.options.get("storage") == "platform")
        session.commit()
    fields = {"id_token": id_token, "state": params["state"]}
    if target:
        fields["lti_storage_target"] = target
    body = render_template(
        "sandbox/form_post.html", page="sandbox-form-post", action=redirect_uri, fields=fields
    )
    return Response(body, mimetype="text/html")


@bp.get("/gradebook")
def gradebook() -> str:
    with state().sessions() as session:
        items = list(session.scalars(select(SbLineItem).order_by(SbLineItem.id)))
        users = {u.sub: u for u in session.scalars(select(SbUser))}
        latest: dict[tuple[int, str], SbScore] = {}
        for score in session.scalars(select(SbScore).order_by(SbScore.id)):
            latest[(score.lineitem_id, score.user_sub)] = score
    labels = {item.id: item.label for item in items}
    rows = [
        {
            "item": labels.get(item_id, "?"),
            "user": users[sub].name if sub in users else sub,
            "score": score,
        }
        for (item_id, sub), score in latest.items()
    ]
    return render_template("sandbox/gradebook.html", page="sandbox-gradebook", rows=rows)


@bp.post("/deep_link_return")
def deep_link_return() -> Response:
    """Receive a Deep Linking response: verify it against the tool's published keys and add an
    activity (with its own gradebook column when the item carries a line item) per item."""
    token = request.form.get("JWT", "")
    with state().sessions() as session:
        client = current_client(session)
        profile = current_profile(session)
    try:
        header = jwt.get_unverified_header(token)
        key = state().tool_keys.key(client.jwks_url, header.get("kid", ""))
        claims = jwt.decode(token, key, algorithms=["RS256"], audience=issuer(),
                            options={"require": ["iss", "aud", "iat", "exp", "nonce"]})  # fmt: skip
    except (jwt.InvalidTokenError, KeyError, OSError, ValueError) as exc:
        return Response(f"invalid deep linking response: {exc}", status=400, mimetype="text/plain")
    dl = "https://purl.imsglobal.org/spec/lti-dl/claim/"
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    if (
        claims.get("iss") != client.client_id
        or claims.get(lti + "message_type") != "LtiDeepLinkingResponse"
        or claims.get(lti + "version") != "1.3.0"
        or claims.get(lti + "deployment_id")
        not in (client.deployment_id, launch_deployment(profile, client.deployment_id, CONTEXT_ID))
        or not str(claims.get(dl + "data", "")).startswith("sandbox-dl-")
    ):
        return Response("deep linking response with wrong claims", status=400,
                        mimetype="text/plain")  # fmt: skip
    items = claims.get(dl + "content_items") or []
    created = []
    with state().sessions() as session:
        for item in items:
            if item.get("type") != "ltiResourceLink":
                continue
            rl_id = "dl-" + secrets.token_hex(6)
            lineitem_id = None
            if isinstance(item.get("lineItem"), dict):
                line = SbLineItem(
                    label=str(item["lineItem"].get("label") or item.get("title") or "Activity"),
                    score_maximum=float(item["lineItem"].get("scoreMaximum", 100)),
                    resource_link_id=rl_id,
                    resource_id=item["lineItem"].get("resourceId"),
                    tag=item["lineItem"].get("tag"),
                )
                session.add(line)
                session.flush()
                lineitem_id = line.id
            session.add(SbResourceLink(rl_id=rl_id, title=str(item.get("title") or "Activity"),
                                       custom=dict(item.get("custom") or {}),
                                       lineitem_id=lineitem_id))  # fmt: skip
            created.append({"id": rl_id, "title": item.get("title"), "item": item})
        log_event(session, "deep_link", {"data": claims.get(dl + "data"), "items": items,
                                          "created": [c["id"] for c in created]})  # fmt: skip
        session.commit()
    body = render_template("sandbox/deep_link_done.html", page="sandbox-deep-link-done",
                           created=created)  # fmt: skip
    return Response(body, mimetype="text/html")
