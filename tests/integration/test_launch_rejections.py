"""Every launch the tool must refuse answers 4xx with a translated page and writes nothing;
every valid launch real platforms send succeeds."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from lti_tool.lti.models import Course
from lti_tool.lti.models import Deployment
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.models import ResourceLink
from lti_tool.lti.registrations import add_registration
from lti_tool.sandbox.signing import signing_key
from tests.support.browsing import LTI
from tests.support.browsing import REMOVE
from tests.support.browsing import Browser
from tests.support.browsing import HostilePlatform
from tests.support.browsing import parse
from tests.support.browsing import without_binding

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict, claims: dict, signature: bytes = b"") -> str:
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{_b64(signature)}"


def _assert_rejected(tool, response: requests.Response, before: dict, status: int = 400) -> None:
    assert response.status_code == status, response.text[:500]
    page = parse(response.text)
    assert page.data_page == "error"
    assert "Reference:" in response.text
    assert tool.row_counts() == before


def _mutations(platform: HostilePlatform, nonce: str) -> dict:
    """name -> (token, expected status)"""
    claims = platform.claims(nonce)
    now = int(time.time())
    with platform.tool.sandbox_session() as session:
        kid, sandbox_key = signing_key(session)
    public_pem = sandbox_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
    hs_signing_input = _unsigned(hs_header, claims).rsplit(".", 1)[0].encode()
    hs256 = (
        hs_signing_input.decode()
        + "."
        + _b64(hmac.new(public_pem, hs_signing_input, hashlib.sha256).digest())
    )
    sign = platform.sign
    return {
        "bad signature": (sign(claims, key=OTHER_KEY, headers={"kid": kid}), 400),
        "no kid": (sign(claims, key=OTHER_KEY, headers={}), 400),
        "unknown kid": (sign(claims, key=OTHER_KEY, headers={"kid": "nobody-knows-me"}), 400),
        "alg none": (_unsigned({"alg": "none", "kid": kid}, claims), 400),
        "HS256 with the public key": (hs256, 400),
        "expired": (sign(platform.claims(nonce, iat=now - 3600, exp=now - 600)), 400),
        "iat in the future": (sign(platform.claims(nonce, iat=now + 3600, exp=now + 3700)), 400),
        "no exp": (sign(platform.claims(nonce, exp=REMOVE)), 400),
        "wrong iss": (sign(platform.claims(nonce, iss="https://evil.example")), 400),
        "wrong aud": (sign(platform.claims(nonce, aud="someone-else")), 400),
        "aud list without azp": (sign(platform.claims(nonce, aud=[platform.client_id, "x"])), 400),
        "wrong azp": (
            sign(platform.claims(nonce, aud=[platform.client_id, "x"], azp="x")),
            400,
        ),
        "azp with another aud": (sign(platform.claims(nonce, azp="someone-else")), 400),
        "wrong version": (sign(platform.claims(nonce, **{LTI + "version": "1.1"})), 400),
        "no version": (sign(platform.claims(nonce, **{LTI + "version": REMOVE})), 400),
        "no message_type": (sign(platform.claims(nonce, **{LTI + "message_type": REMOVE})), 400),
        "unknown message_type": (
            sign(platform.claims(nonce, **{LTI + "message_type": "LtiStartProctoring"})),
            400,
        ),
        "no roles": (sign(platform.claims(nonce, **{LTI + "roles": REMOVE})), 400),
        "roles not a list": (sign(platform.claims(nonce, **{LTI + "roles": 5})), 400),
        "no deployment_id": (sign(platform.claims(nonce, **{LTI + "deployment_id": REMOVE})), 400),
        "no resource_link": (sign(platform.claims(nonce, **{LTI + "resource_link": REMOVE})), 400),
        "resource_link without id": (
            sign(platform.claims(nonce, **{LTI + "resource_link": {"title": "x"}})),
            400,
        ),
        "resource_link not an object": (
            sign(platform.claims(nonce, **{LTI + "resource_link": "rl-1"})),
            400,
        ),
        "no sub": (sign(platform.claims(nonce, sub=REMOVE)), 400),
        "sub too long": (sign(platform.claims(nonce, sub="x" * 300)), 400),
        "nonce of another login": (sign(platform.claims("not-the-nonce")), 400),
        "no nonce": (sign(platform.claims(nonce, nonce=REMOVE)), 400),
        "nonce not a string": (sign(platform.claims(nonce, nonce=5)), 400),
        "nonce not ASCII": (sign(platform.claims(nonce, nonce="nonce-é")), 400),
        "malformed: two parts": ("abc.def", 400),
        "malformed: not base64": ("%%%.%%%.%%%", 400),
        "malformed: body not an object": (_unsigned({"alg": "RS256", "kid": kid}, [1, 2]), 400),
        "malformed: nested 20000 deep": (_nested({"alg": "RS256", "kid": kid}, 20_000), 400),
        "unsigned: NUL in iss": (
            _unsigned({"alg": "RS256", "kid": kid}, {**claims, "iss": "https://x\x00y"}),
            400,
        ),
        "unsigned: NUL in aud": (
            _unsigned({"alg": "RS256", "kid": kid}, {**claims, "aud": "amelie\x00"}),
            400,
        ),
        "NUL in name": (sign(platform.claims(nonce, name="Ann\x00Smith")), 400),
        "unpaired surrogate in name": (sign(platform.claims(nonce, name="Ann\ud800")), 400),
        "NUL in context id": (
            sign(platform.claims(nonce, **{LTI + "context": {"id": "c\x00", "title": "C"}})),
            400,
        ),
        "NUL in deployment_id": (
            sign(platform.claims(nonce, **{LTI + "deployment_id": "dep\x00loyment"})),
            400,
        ),
        "NUL in a custom parameter's name": (
            sign(platform.claims(nonce, **{LTI + "custom": {"case\x00id": "x"}})),
            400,
        ),
        "resource_link null": (sign(platform.claims(nonce, **{LTI + "resource_link": None})), 400),
        "context null, resource_link null": (
            sign(platform.claims(nonce, **{LTI + "context": None, LTI + "resource_link": None})),
            400,
        ),
    }


def _nested(header: dict, depth: int) -> str:
    head = _b64(json.dumps(header).encode())
    body = _b64(("[" * depth + "]" * depth).encode())
    return f"{head}.{body}."


CASES = [
    "bad signature",
    "no kid",
    "unknown kid",
    "alg none",
    "HS256 with the public key",
    "expired",
    "iat in the future",
    "no exp",
    "wrong iss",
    "wrong aud",
    "aud list without azp",
    "wrong azp",
    "azp with another aud",
    "wrong version",
    "no version",
    "no message_type",
    "unknown message_type",
    "no roles",
    "roles not a list",
    "no deployment_id",
    "no resource_link",
    "resource_link without id",
    "resource_link not an object",
    "no sub",
    "sub too long",
    "nonce of another login",
    "no nonce",
    "nonce not a string",
    "nonce not ASCII",
    "malformed: two parts",
    "malformed: not base64",
    "malformed: body not an object",
    "malformed: nested 20000 deep",
    "unsigned: NUL in iss",
    "unsigned: NUL in aud",
    "NUL in name",
    "unpaired surrogate in name",
    "NUL in context id",
    "NUL in deployment_id",
    "NUL in a custom parameter's name",
    "resource_link null",
    "context null, resource_link null",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_launch_is_rejected_and_writes_nothing(tool, case):
    platform = HostilePlatform(tool)
    state, nonce = platform.login()
    token, status = _mutations(platform, nonce)[case]
    before = tool.row_counts()

    response = platform.post(token, state)

    _assert_rejected(tool, response, before, status)


def test_missing_state_is_rejected(tool):
    platform = HostilePlatform(tool)
    _state, nonce = platform.login()
    before = tool.row_counts()
    response = platform.post(platform.sign(platform.claims(nonce)), "")
    _assert_rejected(tool, response, before)


def test_state_never_issued_is_rejected(tool):
    platform = HostilePlatform(tool)
    _, nonce = platform.login()
    before = tool.row_counts()
    response = platform.post(platform.sign(platform.claims(nonce)), "made-up-state")
    _assert_rejected(tool, response, before)


def test_state_without_its_cookie_is_rejected(tool):
    """Login CSRF: a launch started in another browser cannot be finished in this one."""
    platform = HostilePlatform(tool)
    state, nonce = platform.login()
    token = platform.sign(platform.claims(nonce))
    before = tool.row_counts()
    victim = requests.Session()
    response = victim.post(tool.base_url + "/lti/launch", data={"id_token": token, "state": state})
    _assert_rejected(tool, without_binding(tool, victim, response), before)


def test_a_rejected_launch_does_not_burn_the_nonce(tool):
    browser = Browser(tool)
    form = browser.open_launch()
    before = tool.row_counts()

    intruder = requests.Session()
    _assert_rejected(tool, without_binding(tool, intruder, intruder.post(
        form.action, data=form.fields, timeout=10)), before)  # fmt: skip
    assert browser.http.post(form.action, data=form.fields).status_code == 200


def test_unknown_deployment_is_rejected_under_reject_policy(tool):
    with tool.session() as session:
        add_registration(
            session,
            issuer=tool.issuer,
            client_id="amelie-sandbox",
            auth_login_url=tool.issuer + "/auth",
            auth_token_url=tool.issuer + "/token",
            key_set_url=tool.issuer + "/jwks.json",
            deployment_ids=[],
            deployment_policy="reject",
        )
        session.commit()
    platform = HostilePlatform(tool)
    state, nonce = platform.login()
    token = platform.sign(platform.claims(nonce, **{LTI + "deployment_id": "course-install-7"}))
    before = tool.row_counts()
    _assert_rejected(tool, platform.post(token, state), before, 403)


def test_unknown_deployment_is_recorded_under_accept_policy(tool):
    response = HostilePlatform(tool).launch(**{LTI + "deployment_id": "course-install-7"})
    assert response.status_code == 200, response.text
    with tool.session() as session:
        deployment = session.scalar(
            select(Deployment).where(Deployment.deployment_id == "course-install-7")
        )
        assert deployment is not None
        assert deployment.origin == "auto"


def test_oversized_body_is_rejected(tool):
    platform = HostilePlatform(tool)
    state, _ = platform.login()
    before = tool.row_counts()
    response = platform.post("x" * (300 * 1024), state)
    _assert_rejected(tool, response, before, 413)


def test_login_for_unknown_platform_is_rejected(tool):
    before = tool.row_counts()
    response = requests.get(
        tool.base_url + "/lti/login",
        params={"iss": "https://unknown.example", "login_hint": "x", "client_id": "c"},
        timeout=10,
    )
    _assert_rejected(tool, response, before)


@pytest.mark.parametrize(
    "target", ["https://evil.example/steal", "http://[::1", "http://127.0.0.1:99999/", "tool"]
)
def test_login_with_foreign_or_malformed_target_link_is_rejected(tool, target):
    before = tool.row_counts()
    response = requests.get(
        tool.base_url + "/lti/login",
        params={
            "iss": tool.issuer,
            "login_hint": "x",
            "client_id": "amelie-sandbox",
            "target_link_uri": target,
        },
        timeout=10,
    )
    _assert_rejected(tool, response, before)


@pytest.mark.parametrize("state", ["état.mac", "payload.mäc", "x" * 20 + "." + "é" * 43])
def test_state_with_non_ascii_characters_is_rejected(tool, state):
    platform = HostilePlatform(tool)
    _, nonce = platform.login()
    before = tool.row_counts()
    response = platform.post(platform.sign(platform.claims(nonce)), state)
    _assert_rejected(tool, response, before)


def test_rejection_page_is_in_the_language_the_launch_asked_for(tool):
    platform = HostilePlatform(tool)
    state, nonce = platform.login()
    token = platform.sign(
        platform.claims(
            nonce, exp=int(time.time()) - 600, **{LTI + "launch_presentation": {"locale": "de-DE"}}
        )
    )
    response = platform.post(token, state)
    assert response.status_code == 400
    assert parse(response.text).html_lang == "de"


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        (
            "several roles",
            {
                LTI + "roles": [
                    "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
                    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
                    "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor",
                ]
            },
        ),
        ("short role name", {LTI + "roles": ["Instructor"]}),
        ("unknown role", {LTI + "roles": ["http://example.com/roles#Astronaut"]}),
        ("no roles", {LTI + "roles": []}),
        ("no names or email", {}),
        ("email only", {"email": "someone@example.org"}),
        ("names only", {"name": "Ana Test", "given_name": "Ana", "family_name": "Test"}),
        ("no context", {LTI + "context": REMOVE}),
        ("clock skew: iat slightly ahead", {"iat": int(time.time()) + 5}),
        ("aud list with azp", {"aud": ["amelie-sandbox", "other"], "azp": "amelie-sandbox"}),
        ("locale in Moodle form", {LTI + "launch_presentation": {"locale": "de_du"}}),
        ("AGS scope not a list", {AGS: {"scope": 5, "lineitems": "https://lms.example/li"}}),
        ("AGS scope a string", {AGS: {"scope": AGS_SCORE, "lineitems": "https://lms.example/li"}}),
        (
            "custom settings that are not numbers",
            {
                LTI + "custom": {
                    "score_maximum": "nan",
                    "attempts_allowed": "²",
                    "grade_from": "inf",
                }
            },
        ),
    ],
)
def test_valid_launch_variants_succeed(tool, name, overrides):
    response = HostilePlatform(tool).launch(**overrides)
    assert response.status_code == 200, response.text[:500]
    # launched: a learner learns the activity has no case yet, staff are offered the picker
    assert parse(response.text).data_page in ("no-case", "picker")


def test_two_platforms_with_the_same_sub_and_course_stay_apart(tool):
    with tool.session() as session:
        add_registration(
            session,
            issuer="https://second-lms.example",
            client_id="amelie-sandbox",
            auth_login_url=tool.issuer + "/auth",
            auth_token_url=tool.issuer + "/token",
            key_set_url=tool.issuer + "/jwks.json",
            deployment_ids=["sandbox-deployment-1"],
        )
        session.commit()
    first = HostilePlatform(tool).launch(sub="same-sub")
    second = HostilePlatform(tool, issuer="https://second-lms.example").launch(sub="same-sub")

    assert first.status_code == second.status_code == 200
    with tool.session() as session:
        learners = session.scalars(select(LearnerAccount)).all()
        courses = session.scalars(select(Course)).all()
        assert len(learners) == 2
        assert {lr.sub for lr in learners} == {"same-sub"}
        assert len(courses) == 2
        assert {c.context_id for c in courses} == {"course-1"}
        assert len({lr.platform_id for lr in learners}) == 2


def test_platform_keys_are_cached_and_refetched_on_an_unknown_kid(tool):
    platform = HostilePlatform(tool)
    assert platform.launch(sub="a").status_code == 200
    assert platform.launch(sub="b").status_code == 200
    fetches = requests.get(tool.sandbox_url + "/sandbox/control", timeout=10).json()["jwks"]
    assert len(fetches) == 1
    assert fetches[0]["user_agent"].startswith("AMELIE-lti-tool/")

    requests.post(tool.sandbox_url + "/sandbox/control", json={"rotate_key": True}, timeout=10)
    assert platform.launch(sub="c").status_code == 200

    fetches = requests.get(tool.sandbox_url + "/sandbox/control", timeout=10).json()["jwks"]
    assert len(fetches) == 2


def test_a_launch_with_many_long_custom_parameters_keeps_a_usable_launch_token(tool):
    custom = {f"param_{n}": secrets.token_urlsafe(750) for n in range(20)}  # incompressible
    staff = {LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]}
    response = HostilePlatform(tool).launch(**{LTI + "custom": custom}, **staff)
    assert response.status_code == 200, response.text[:500]
    token = re.search(r'name="lt" value="([^"]+)"', response.text).group(1)

    next_page = requests.post(tool.base_url + "/play/case", data={"lt": token}, timeout=10)

    assert next_page.status_code == 200, next_page.text[:500]


def test_custom_settings_that_are_not_finite_numbers_are_not_stored(tool):
    HostilePlatform(tool).launch(**{LTI + "custom": {"score_maximum": "nan", "feedback": "end"}})
    with tool.session() as session:
        link = session.scalars(select(ResourceLink)).one()
    assert link.settings == {"feedback": "end"}


def test_a_forged_line_in_a_parameter_cannot_forge_a_log_line(tool, caplog):
    forged = "https://x\n2026-01-01 WARNING lti_tool.launch login accepted"
    with caplog.at_level("INFO"):
        requests.get(tool.base_url + "/lti/login", timeout=10,
                     params={"iss": forged, "login_hint": "x"})  # fmt: skip
        requests.get(tool.base_url + "/lti/nothing%0Aforged", timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("lti_tool")]
    assert any("rejected" in line for line in lines)
    assert all("\n" not in line for line in lines), lines


@pytest.mark.parametrize(
    "params",
    [
        {"iss": "https://x\x00y", "login_hint": "x", "client_id": "amelie-sandbox"},
        {"iss": "ISSUER", "login_hint": "x", "client_id": "amelie\x00sandbox"},
        {"iss": "ISSUER", "login_hint": "x\x00", "client_id": "amelie-sandbox"},
        {"iss": "ISSUER", "login_hint": "x", "lti_message_hint": "m" * 5000},
        {"iss": "ISSUER", "login_hint": "x", "lti_storage_target": "s" * 5000},
        {"iss": "ISSUER", "login_hint": "x", "client_id": "c" * 5000},
    ],
    ids=[
        "NUL in iss",
        "NUL in client_id",
        "NUL in login_hint",
        "long message hint",
        "long storage target",
        "long client_id",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_hostile_login_parameters_are_refused_and_write_nothing(tool, params, method):
    sent = {k: (tool.issuer if v == "ISSUER" else v) for k, v in params.items()}
    before = tool.row_counts()
    if method == "GET":
        response = requests.get(tool.base_url + "/lti/login", params=sent, timeout=10)
    else:
        response = requests.post(tool.base_url + "/lti/login", data=sent, timeout=10)
    _assert_rejected(tool, response, before)
