"""Seeded fuzzing over real HTTP: hostile values in every parameter of the LTI entry points, in
the claims of signed and unsigned id_tokens, and in every field of the learner's, the
instructor's and the administrator's forms. Whatever arrives, the tool answers below 500 and
logs no unexpected error. Runs on SQLite and on PostgreSQL like the rest of the suite.

``LTI_TOOL_FUZZ_SEED`` and ``LTI_TOOL_FUZZ_ROUNDS`` replay or widen a run."""

from __future__ import annotations

import base64
import json
import os
import random
import string
from collections.abc import Callable
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from lti_tool.admin.auth import create_user
from lti_tool.sandbox.signing import signing_key
from tests.support.browsing import LTI
from tests.support.browsing import Browser
from tests.support.browsing import HostilePlatform
from tests.support.browsing import parse
from tests.support.live import live_tool

SEED = int(os.environ.get("LTI_TOOL_FUZZ_SEED", "20261207"))
ROUNDS = int(os.environ.get("LTI_TOOL_FUZZ_ROUNDS", "80"))
PASSWORD = "correct horse battery"
NO_LIMITS = {name: "" for name in (
    "THROTTLE_SIGN_IN_PER_ADDRESS", "THROTTLE_SIGN_IN_PER_ACCOUNT", "THROTTLE_SIGN_IN_PER_DEVICE",
    "THROTTLE_LTI_PER_ADDRESS", "THROTTLE_REGISTER_PER_ADDRESS",
)}  # fmt: skip

SPECIAL_TEXTS = [
    "", " ", "\x00", "a\x00b", "%00", "\r\n", "\t", "\ufeff", "\u202e", "e\u0301", "ﬁ", "١٢٣",
    "１２", "²", "-1", "0", "1", "2147483648", "99999999999999999999", "1e309", "-0", "nan",
    "inf", "0x10", "1_000", "true", "null", "[]", "{}", '{"a": 1}', "<script>alert(1)</script>",
    "' OR 1=1 --", "../../etc/passwd", "https://evil.example/", "javascript:alert(1)",
    "🙂" * 50, "Ωmega", "\u0085", "\u2028",
]  # fmt: skip


def hostile_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:
        text = rng.choice(["valid", "https://platform.example", "amelie-sandbox", "42"])
        cut = rng.randrange(len(text) + 1)
        return text[:cut] + "\x00" + text[cut:]
    if kind < 0.6:
        return rng.choice(SPECIAL_TEXTS)
    if kind < 0.75:
        return rng.choice(string.ascii_letters) * rng.choice([256, 4097, 40_000])
    if kind < 0.9:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 40)))
    return "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 40)))


def hostile_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    match kind:
        case 0:
            return hostile_text(rng)
        case 1:  # JSON may carry what no HTTP form can: unpaired surrogates
            return rng.choice(["\ud800", "x\udfff", hostile_text(rng)])
        case 2:
            return rng.choice([0, -1, 1, 2**31, 2**63, 10**30, -(10**30)])
        case 3:
            return rng.choice([0.5, -1e308, 1e-320, float("1e300")])
        case 4:
            return rng.choice([True, False])
        case 5:
            return None
        case 6 | 7:
            return [hostile_json(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
        case _:
            return {hostile_text(rng)[:64]: hostile_json(rng, depth + 1)
                    for _ in range(rng.randrange(0, 4))}  # fmt: skip


def mutate_fields(rng: random.Random, fields: dict[str, str]) -> list[tuple[str, str]]:
    mutated: list[tuple[str, str]] = []
    for name, value in fields.items():
        roll = rng.random()
        if roll < 0.45:
            mutated.append((name, value))
        elif roll < 0.8:
            mutated.append((name, hostile_text(rng)))
        elif roll < 0.9:
            mutated += [(name, value), (name, hostile_text(rng))]
        # else: the field is left out
    if rng.random() < 0.2:
        mutated.append((hostile_text(rng)[:40] or "x", hostile_text(rng)))
    return mutated


class Checker:
    """Sends requests and keeps every answer of 500 or more, with what caused it."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.sent = 0

    def check(self, what: str, send: Callable[[], requests.Response]) -> requests.Response | None:
        try:
            response = send()
        except requests.RequestException as exc:  # the tool must answer, whatever was sent
            self.failures.append(f"{what}: no answer ({type(exc).__name__})")
            return None
        self.sent += 1
        if response.status_code >= 500:
            self.failures.append(f"{what}: {response.status_code}")
        return response


@pytest.fixture
def fuzz_tool(database_url, tmp_path, keys_dir):
    with live_tool(database_url, tmp_path, keys_dir, overrides=NO_LIMITS) as tool:
        yield tool


def _assert_clean(checker: Checker, caplog: pytest.LogCaptureFixture) -> None:
    unexpected = [r.getMessage() for r in caplog.records if "unexpected error" in r.getMessage()]
    assert not checker.failures, checker.failures[:20]
    assert not unexpected, unexpected[:5]
    assert checker.sent > 0


LOGIN_PARAMS = ("iss", "login_hint", "client_id", "target_link_uri", "lti_message_hint",
                "lti_storage_target", "lti_deployment_id")  # fmt: skip


def test_login_answers_every_hostile_parameter_below_500(fuzz_tool, caplog):
    rng = random.Random(SEED)
    checker = Checker()
    url = fuzz_tool.base_url + "/lti/login"
    good = {"iss": fuzz_tool.issuer, "login_hint": "x", "client_id": "amelie-sandbox",
            "target_link_uri": fuzz_tool.base_url + "/lti/launch"}  # fmt: skip
    for _ in range(ROUNDS * 2):
        params = mutate_fields(rng, {**good, **{p: "v" for p in LOGIN_PARAMS if p not in good}})
        if rng.random() < 0.5:
            checker.check("GET /lti/login", lambda p=params: requests.get(
                url, params=p, allow_redirects=False, timeout=30))  # fmt: skip
        else:
            checker.check("POST /lti/login", lambda p=params: requests.post(
                url, data=p, allow_redirects=False, timeout=30))  # fmt: skip
    _assert_clean(checker, caplog)


CLAIM_NAMES = [
    "iss", "aud", "azp", "sub", "iat", "exp", "nonce", "name", "given_name", "email",
    LTI + "version", LTI + "message_type", LTI + "deployment_id", LTI + "target_link_uri",
    LTI + "roles", LTI + "resource_link", LTI + "context", LTI + "custom",
    LTI + "launch_presentation", LTI + "tool_platform", LTI + "for_user",
    "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint",
    "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice",
    "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
]  # fmt: skip


def _mutated_claims(rng: random.Random, claims: dict[str, Any]) -> dict[str, Any]:
    mutated = dict(claims)
    for name in rng.sample(CLAIM_NAMES, rng.randrange(1, 4)):
        if rng.random() < 0.15:
            mutated.pop(name, None)
        elif isinstance(mutated.get(name), dict) and rng.random() < 0.6:
            inner = dict(mutated[name])
            for key in [*inner, "id", "title", "locale", "case_id"][: rng.randrange(1, 4)]:
                inner[key] = hostile_json(rng)
            mutated[name] = inner
        else:
            mutated[name] = hostile_json(rng)
    if rng.random() < 0.2:
        mutated[LTI + "message_type"] = rng.choice(
            ["LtiDeepLinkingRequest", "LtiSubmissionReviewRequest"]
        )
        mutated[LTI + "roles"] = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
    return mutated


def test_launch_answers_every_hostile_token_below_500(fuzz_tool, caplog):
    rng = random.Random(SEED + 1)
    checker = Checker()
    platform = HostilePlatform(fuzz_tool)
    with fuzz_tool.sandbox_session() as session:
        kid, key = signing_key(session)
    for _ in range(ROUNDS):
        state, nonce = platform.login()
        claims = _mutated_claims(rng, platform.claims(nonce))
        header = {"alg": "RS256", "typ": "JWT", "kid": kid}
        if rng.random() < 0.1:
            header[rng.choice(["alg", "kid", "typ"])] = hostile_json(rng)
        token = _signed(header, claims, key)
        if rng.random() < 0.1:
            cut = rng.randrange(1, len(token))
            token = token[:cut] + hostile_text(rng)[:20] + token[cut + 1 :]
        form = {"id_token": token, "state": state if rng.random() < 0.9 else hostile_text(rng)}
        checker.check("POST /lti/launch", lambda f=form: platform.post(f["id_token"], f["state"]))
    _assert_clean(checker, caplog)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(header: dict[str, Any], claims: dict[str, Any], key: Any) -> str:
    """RS256 by hand: PyJWT refuses to sign claims of the wrong types, a platform may not."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def _random_walk(rng: random.Random, checker: Checker, http: requests.Session,
                 start: requests.Response, rounds: int, avoid: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Post the forms of the pages reached, each time with hostile values or as they are."""
    page = start
    for _ in range(rounds):
        forms = [f for f in parse(page.text).forms
                 if f.method == "post" and not f.action.endswith(avoid)]  # fmt: skip
        if not forms:
            page = start
            continue
        form = rng.choice(forms)
        fields = dict(form.fields)
        if form.buttons:
            name, value = rng.choice(form.buttons)
            fields[name] = value
        data = mutate_fields(rng, fields) if rng.random() < 0.7 else list(fields.items())
        url = requests.compat.urljoin(page.url, form.action)
        answer = checker.check(f"POST {form.action}", lambda u=url, d=data: http.post(
            u, data=d, timeout=30))  # fmt: skip
        if answer is not None and answer.status_code == 200 and parse(answer.text).forms:
            page = answer
        elif rng.random() < 0.3:
            page = start


def test_learner_and_instructor_forms_answer_hostile_values_below_500(fuzz_tool, caplog):
    rng = random.Random(SEED + 2)
    checker = Checker()
    learner = Browser(fuzz_tool)
    _random_walk(rng, checker, learner.http, learner.launch(name="Fuzz Learner"), ROUNDS)
    teacher = Browser(fuzz_tool)
    dashboard = teacher.launch(name="Dr Fuzz", role="instructor")
    _random_walk(rng, checker, teacher.http, dashboard, ROUNDS)
    picker = Browser(fuzz_tool)
    deep = picker.launch(name="Dr Picker", role="instructor", message="deep_linking")
    _random_walk(rng, checker, picker.http, deep, ROUNDS // 2)
    _assert_clean(checker, caplog)


def test_administration_forms_answer_hostile_values_below_500(fuzz_tool, caplog):
    rng = random.Random(SEED + 3)
    checker = Checker()
    with fuzz_tool.session() as session:
        create_user(session, "root", PASSWORD)
        session.commit()
    for _ in range(ROUNDS // 4):
        http = requests.Session()
        page = http.get(fuzz_tool.base_url + "/admin/login", timeout=30)
        fields = {**parse(page.text).forms[0].fields, "username": "root", "password": PASSWORD}
        data = mutate_fields(rng, fields)
        checker.check("POST /admin/login", lambda h=http, d=data: h.post(
            fuzz_tool.base_url + "/admin/login", data=d, timeout=30))  # fmt: skip
    http = requests.Session()
    page = http.get(fuzz_tool.base_url + "/admin/login", timeout=30)
    fields = {**parse(page.text).forms[0].fields, "username": "root", "password": PASSWORD}
    overview = http.post(fuzz_tool.base_url + "/admin/login", data=fields, timeout=30)
    assert overview.status_code == 200
    _random_walk(rng, checker, http, overview, ROUNDS, avoid=("/admin/logout",))
    _assert_clean(checker, caplog)
