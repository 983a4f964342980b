"""The sandbox platform's side of LTI Dynamic Registration, over real HTTP: these tests play the
tool (with ``requests``), as Moodle's or Canvas's registration would meet it."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import jwt
import pytest
import requests
from sqlalchemy import select
from sqlalchemy import update

from lti_tool.lti.registrations import add_registration
from lti_tool.lti.runtime import runtime
from lti_tool.sandbox import CLIENT_ID
from lti_tool.sandbox import DEPLOYMENT_ID
from lti_tool.sandbox.registration import token_key
from lti_tool.sandbox.store import SbLaunchRequest
from lti_tool.sandbox.store import SbRegistrationToken
from lti_tool.sandbox.store import events
from lti_tool.sandbox.store import get_setting
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse

TIMEOUT = 15
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCORE = AGS + "score"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def start(tool, url: str | None = None) -> tuple[str, str]:
    """Enter the tool's registration URL on the sandbox's page; answer the configuration URL
    and the registration token the sandbox gives the tool (read from the frame's address)."""
    url = url or tool.base_url + "/lti/register/invite-1?lang=en"
    page = requests.post(tool.sandbox_url + "/sandbox/register-tool", data={"url": url},
                         timeout=TIMEOUT)  # fmt: skip
    assert page.status_code == 200, page.text
    assert page_of(page) == "sandbox-register"
    query = parse_qs(urlsplit(parse(page.text).iframes[0]).query)
    return query["openid_configuration"][0], query["registration_token"][0]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def metadata(tool, **changes: Any) -> dict[str, Any]:
    """What the tool sends (spec §3.3)."""
    base = tool.base_url
    data = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base + "/lti/login",
        "redirect_uris": [base + "/lti/launch"],
        "client_name": "AMELIE case simulations",
        "jwks_uri": base + "/lti/jwks.json",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": f"{AGS}lineitem {SCORE} https://example.org/not-offered openid",
        TOOL_CONFIGURATION: {
            "domain": urlsplit(base).netloc,
            "target_link_uri": base + "/lti/launch",
            "claims": ["iss", "sub", "locale"],
            "messages": [
                {"type": "LtiDeepLinkingRequest", "target_link_uri": base + "/lti/launch"}
            ],
        },
    }
    return {**data, **changes}


def register(tool, token: str, data: Any = None) -> requests.Response:
    configuration = requests.get(tool.issuer + "/.well-known/openid-configuration",
                                 headers=bearer(token), timeout=TIMEOUT).json()  # fmt: skip
    return requests.post(configuration["registration_endpoint"],
                         json=metadata(tool) if data is None else data,
                         headers=bearer(token), timeout=TIMEOUT)  # fmt: skip


def register_again(tool, token: str) -> requests.Response:
    """POST the metadata again, straight to the registration endpoint."""
    return requests.post(tool.issuer + "/register", json=metadata(tool), headers=bearer(token),
                         timeout=TIMEOUT)  # fmt: skip


def stored_client(tool) -> Any:
    with tool.sandbox_session() as session:
        return get_setting(session, "tool_client")


def test_register_tool_page_asks_for_the_url_and_frames_it_with_configuration_and_token(tool):
    form = requests.get(tool.sandbox_url + "/sandbox/register-tool", timeout=TIMEOUT)
    assert page_of(form) == "sandbox-register-tool"
    assert '<label for="url">' in form.text
    assert 'id="url" name="url"' in form.text
    index = requests.get(tool.sandbox_url + "/sandbox/", timeout=TIMEOUT).text
    assert 'href="/sandbox/register-tool"' in index

    page = requests.post(tool.sandbox_url + "/sandbox/register-tool",
                         data={"url": tool.base_url + "/lti/register/abc?lang=de"},
                         timeout=TIMEOUT)  # fmt: skip

    assert page.status_code == 200
    src = parse(page.text).iframes[0]
    parts = urlsplit(src)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == tool.base_url + "/lti/register/abc"
    assert query["lang"] == ["de"]  # the tool's own query is kept
    assert query["openid_configuration"] == [tool.issuer + "/.well-known/openid-configuration"]
    assert len(query["registration_token"][0]) >= 40
    assert f'href="{src.replace("&", "&amp;")}" target="_blank"' in page.text
    assert 'title="' in page.text.split("<iframe", 1)[1].split(">", 1)[0]
    assert 'role="status"' in page.text
    assert "sandbox-registration.js" in page.text


@pytest.mark.parametrize("url", ["", "not a url", "ftp://tool.example/register", "/lti/register"])
def test_register_tool_page_refuses_what_is_not_a_web_address(tool, url):
    page = requests.post(tool.sandbox_url + "/sandbox/register-tool", data={"url": url},
                         timeout=TIMEOUT)  # fmt: skip

    assert page.status_code == 400
    assert page_of(page) == "sandbox-register-tool"
    assert 'role="alert"' in page.text
    assert 'aria-invalid="true"' in page.text
    with tool.sandbox_session() as session:
        assert session.scalars(select(SbRegistrationToken)).all() == []


def test_configuration_needs_a_valid_registration_token(tool):
    config_url, token = start(tool)
    assert config_url.startswith(tool.issuer + "/")

    for headers in ({}, bearer("not-a-token"), {"Authorization": token}):
        refused = requests.get(config_url, headers=headers, timeout=TIMEOUT)
        assert refused.status_code == 401
        assert refused.json() == {"error": "invalid_token"}

    answer = requests.get(config_url, headers=bearer(token), timeout=TIMEOUT)

    assert answer.status_code == 200
    config = answer.json()
    assert config["issuer"] == tool.issuer
    assert config["authorization_endpoint"] == tool.issuer + "/auth"
    assert config["token_endpoint"] == tool.issuer + "/token"
    assert config["jwks_uri"] == tool.issuer + "/jwks.json"
    assert config["registration_endpoint"] == tool.issuer + "/register"
    assert set(config["scopes_supported"]) == {
        AGS + "lineitem", AGS + "lineitem.readonly", AGS + "result.readonly", SCORE, NRPS, "openid",
    }  # fmt: skip
    assert config["response_types_supported"] == ["id_token"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert config["token_endpoint_auth_signing_alg_values_supported"] == ["RS256"]
    assert config["subject_types_supported"] == ["public"]
    assert "email" in config["claims_supported"]
    assert config[PLATFORM_CONFIGURATION] == {
        "product_family_code": "amelie-sandbox",
        "version": "1.0",
        "messages_supported": [{"type": "LtiResourceLinkRequest"},
                               {"type": "LtiDeepLinkingRequest"}],
    }  # fmt: skip


def test_an_expired_registration_token_is_refused(tool):
    config_url, token = start(tool)
    with tool.sandbox_session() as session:
        session.execute(update(SbRegistrationToken).values(expires_at=time.time() - 1))
        session.commit()

    assert requests.get(config_url, headers=bearer(token), timeout=TIMEOUT).status_code == 401
    assert register_again(tool, token).status_code == 401
    assert stored_client(tool) is None


def test_registration_answers_client_and_deployment_and_the_token_serves_once(tool):
    _, token = start(tool)
    sent = metadata(tool)

    answer = register(tool, token, sent)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["client_id"].startswith("sandbox-dr-")
    deployment_id = body[TOOL_CONFIGURATION]["deployment_id"]
    assert deployment_id.startswith("sandbox-dr-deployment-")
    assert body["scope"] == f"{AGS}lineitem {SCORE}"  # offered ones only, without openid
    assert body["initiate_login_uri"] == sent["initiate_login_uri"]
    assert body["redirect_uris"] == sent["redirect_uris"]
    assert body[TOOL_CONFIGURATION]["messages"] == sent[TOOL_CONFIGURATION]["messages"]
    assert stored_client(tool)["client_id"] == body["client_id"]
    registrations = requests.get(tool.sandbox_url + "/sandbox/control", timeout=TIMEOUT).json()[
        "registrations"]  # fmt: skip
    assert [(r["client_id"], r["scope"]) for r in registrations] == [
        (body["client_id"], body["scope"])
    ]

    again = register_again(tool, token)

    assert again.status_code == 401
    assert again.json()["error"] == "invalid_token"
    assert stored_client(tool)["client_id"] == body["client_id"]


def test_registration_needs_the_token_and_a_json_body(tool):
    _, token = start(tool)
    endpoint = tool.issuer + "/register"

    assert requests.post(endpoint, json=metadata(tool), timeout=TIMEOUT).status_code == 401
    assert requests.post(endpoint, json=metadata(tool), headers=bearer("guess"),
                         timeout=TIMEOUT).status_code == 401  # fmt: skip
    as_form = requests.post(endpoint, data={"application_type": "web"}, headers=bearer(token),
                            timeout=TIMEOUT)  # fmt: skip
    assert as_form.status_code == 400
    not_an_object = requests.post(endpoint, json=["web"], headers=bearer(token), timeout=TIMEOUT)
    assert not_an_object.status_code == 400
    assert stored_client(tool) is None
    assert register(tool, token).status_code == 200  # the token was not used up


def _tool_configuration(**fields: Any) -> dict[str, Any]:
    base = {"domain": "tool.example", "target_link_uri": "https://tool.example/launch",
            "messages": []}  # fmt: skip
    return {TOOL_CONFIGURATION: {k: v for k, v in (base | fields).items() if v is not None}}


BAD_METADATA = {
    "application type": {"application_type": "native"},
    "no id_token": {"response_types": ["code"]},
    "no client_credentials": {"grant_types": ["implicit"]},
    "relative login": {"initiate_login_uri": "/lti/login"},
    "jwks not http": {"jwks_uri": "ftp://tool.example/jwks"},
    "no redirect": {"redirect_uris": []},
    "redirect not absolute": {"redirect_uris": ["lti/launch"]},
    "auth method": {"token_endpoint_auth_method": "client_secret_basic"},
    "no tool configuration": {TOOL_CONFIGURATION: None},
    "no domain": _tool_configuration(domain=None),
    "bad target": _tool_configuration(target_link_uri="launch"),
    "messages not a list": _tool_configuration(messages={"type": "LtiDeepLinkingRequest"}),
    "message without type": _tool_configuration(messages=[{"label": "Add a case"}]),
}


@pytest.mark.parametrize("changes", BAD_METADATA.values(), ids=BAD_METADATA.keys())
def test_bad_metadata_is_refused_and_nothing_is_stored(tool, changes):
    _, token = start(tool)
    data = {k: v for k, v in metadata(tool, **changes).items() if v is not None}

    answer = register(tool, token, data)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client_metadata"
    assert answer.json()["error_description"]
    assert stored_client(tool) is None
    with tool.sandbox_session() as session:
        assert events(session, "registration") == []
        assert session.get(SbRegistrationToken, token_key(token)).used is False


def _login_url(tool, **choices: str) -> dict[str, str]:
    page = requests.post(tool.sandbox_url + "/sandbox/launch", timeout=TIMEOUT,
                         data={"name": "Ria Registered", "role": "learner", "lang": "en",
                               "message": "resource", "link": "link-feature-tour",
                               **choices})  # fmt: skip
    page.raise_for_status()
    login = urlsplit(parse(page.text).iframes[0])
    return {k: v[0] for k, v in parse_qs(login.query).items()} | {
        "_url": f"{login.scheme}://{login.netloc}{login.path}"
    }


def _auth(tool, login: dict[str, str], client_id: str) -> requests.Response:
    """The tool's authentication request for the launch ``login`` started."""
    return requests.get(tool.issuer + "/auth", timeout=TIMEOUT, params={
        "response_type": "id_token", "scope": "openid", "response_mode": "form_post",
        "prompt": "none", "client_id": client_id, "redirect_uri": login["target_link_uri"],
        "login_hint": login["login_hint"], "lti_message_hint": login["lti_message_hint"],
        "state": uuid.uuid4().hex, "nonce": uuid.uuid4().hex})  # fmt: skip


def test_after_registration_launches_use_the_new_client(tool):
    _, token = start(tool)
    body = register(tool, token).json()
    client_id = body["client_id"]
    deployment_id = body[TOOL_CONFIGURATION]["deployment_id"]

    login = _login_url(tool)

    assert login["_url"] == tool.base_url + "/lti/login"
    assert login["client_id"] == client_id
    assert login["lti_deployment_id"] == deployment_id
    assert login["iss"] == tool.issuer
    assert _auth(tool, login, CLIENT_ID).status_code == 400  # the old client is gone

    answer = _auth(tool, _login_url(tool), client_id)

    assert answer.status_code == 200, answer.text
    form = parse(answer.text).forms[0]
    assert form.action == tool.base_url + "/lti/launch"
    claims = jwt.decode(form.fields["id_token"], options={"verify_signature": False})
    assert claims["aud"] == client_id
    assert claims[LTI + "deployment_id"] == deployment_id
    assert claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["scope"] == [
        AGS + "lineitem", SCORE]  # fmt: skip
    assert "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice" not in claims
    with tool.sandbox_session() as session:
        assert len(session.scalars(select(SbLaunchRequest)).all()) == 2


def test_before_any_registration_the_built_in_client_launches(tool):
    login = _login_url(tool)

    assert login["client_id"] == CLIENT_ID
    assert login["lti_deployment_id"] == DEPLOYMENT_ID
    assert _auth(tool, login, CLIENT_ID).status_code == 200


def _assertion(tool, client_id: str) -> str:
    """A client assertion signed with the tool's key, as the tool's service calls make one."""
    key = runtime(tool.app).keyring.signing_key()
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": tool.issuer + "/token", "iat": now,
              "exp": now + 60, "jti": uuid.uuid4().hex}  # fmt: skip
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def _token(tool, client_id: str, scope: str) -> requests.Response:
    return requests.post(tool.issuer + "/token", timeout=TIMEOUT, data={
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": _assertion(tool, client_id), "scope": scope})  # fmt: skip


def test_token_endpoint_serves_the_registered_client_its_granted_scopes(tool):
    assert _token(tool, CLIENT_ID, SCORE).status_code == 200
    _, token = start(tool)
    client_id = register(tool, token).json()["client_id"]

    granted = _token(tool, client_id, SCORE)

    assert granted.status_code == 200, granted.text
    assert granted.json()["scope"] == SCORE
    assert _token(tool, client_id, NRPS).status_code == 400  # not asked for at registration
    assert _token(tool, CLIENT_ID, SCORE).status_code == 401


def test_the_tool_launches_through_the_registered_client(tool):
    """With the new client registered on the tool's side too, a learner's launch goes through."""
    _, token = start(tool)
    body = register(tool, token).json()
    with tool.session() as session:
        add_registration(session, issuer=tool.issuer, client_id=body["client_id"],
                         auth_login_url=tool.issuer + "/auth",
                         auth_token_url=tool.issuer + "/token",
                         key_set_url=tool.issuer + "/jwks.json",
                         deployment_ids=[body[TOOL_CONFIGURATION]["deployment_id"]],
                         name="Sandbox, registered dynamically")  # fmt: skip
        session.commit()

    response = Browser(tool).launch(name="Dana Dynamic")

    assert response.status_code == 200, response.text
    assert page_of(response) == "case-start"
