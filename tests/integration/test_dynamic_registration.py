"""LTI Dynamic Registration, the tool's side, over real HTTP.

The platforms that misbehave here (a configuration naming another site, a refused
registration, an answer without a client id) are a small stand-in server: a remote party that
answers what each test needs. The happy path against the sandbox platform is in
``test_dynamic_registration_with_sandbox.py``."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from html import unescape
from typing import Any

import jwt
import pytest
import requests
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from lti_tool.http import USER_AGENT
from lti_tool.lti.claims import TOOL_SCOPES
from lti_tool.lti.dynamic_registration import TOOL_CONFIGURATION
from lti_tool.lti.dynamic_registration import create_invite
from lti_tool.lti.models import Platform
from lti_tool.lti.models import Registration
from lti_tool.lti.models import RegistrationInvite
from tests.support.live import live_tool

FORM_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass
class FakePlatform:
    """Answers the configuration and registration requests as each test sets them up, and
    keeps what the tool sent."""

    url: str = ""
    configuration: dict[str, Any] = field(default_factory=dict)
    configuration_status: int = 200
    configuration_body: bytes | None = None
    registration_status: int = 200
    registration_answer: Any = None
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def standard(self, **changes: Any) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": self.url + "/auth",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "registration_endpoint": self.url + "/register",
            "scopes_supported": ["openid", *TOOL_SCOPES],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle"
            },
            **changes,
        }

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.received.append((request.path, dict(request.headers), request.get_data()))
        if request.path.endswith("/.well-known/openid-configuration"):
            body = self.configuration_body or json.dumps(self.configuration).encode()
            response = Response(body, self.configuration_status, mimetype="application/json")
        elif request.path == "/register":
            answer = self.registration_answer
            if answer is None:
                sent = json.loads(request.get_data())
                answer = {**sent, "client_id": "dr-client-7",
                          TOOL_CONFIGURATION: {**sent[TOOL_CONFIGURATION],
                                               "deployment_id": "7"}}  # fmt: skip
            body = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            response = Response(body, self.registration_status, mimetype="application/json")
        else:
            response = Response("not found", 404)
        return response(environ, start_response)


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    fake.configuration = fake.standard()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def plain_tool(database_url, tmp_path, keys_dir):
    with live_tool(database_url, tmp_path, keys_dir, register=False) as tool:
        yield tool


def invite(tool: Any, name: str = "", hours: float = 1) -> str:
    with tool.session() as session:
        token = create_invite(session, name, timedelta(hours=hours))
        session.commit()
    return token


def open_link(tool: Any, token: str, platform: FakePlatform,
              registration_token: str | None = "reg-token-1",  # noqa: S107
              ) -> requests.Response:  # fmt: skip
    params = {"openid_configuration": platform.url + "/.well-known/openid-configuration"}
    if registration_token:
        params["registration_token"] = registration_token
    return requests.get(f"{tool.base_url}/lti/register/{token}", params=params, timeout=10)


def confirm(tool: Any, token: str, page: requests.Response, **extra: str) -> requests.Response:
    fields = {name: unescape(value) for name, value in FORM_FIELD.findall(page.text)}
    return requests.post(f"{tool.base_url}/lti/register/{token}", data={**fields, **extra},
                         timeout=10)  # fmt: skip


def registrations(tool: Any) -> list[tuple[str, str, list[str]]]:
    with tool.session() as session:
        return [
            (reg.platform.issuer, reg.client_id, [d.deployment_id for d in reg.deployments])
            for reg in session.scalars(select(Registration))
        ]


def test_a_platform_registers_the_tool_in_two_steps(plain_tool, platform, caplog):
    caplog.set_level(logging.INFO, logger="lti_tool")
    token = invite(plain_tool, name="Our Moodle")

    page = open_link(plain_tool, token, platform)
    assert page.status_code == 200
    assert 'data-page="register"' in page.text
    assert platform.url in page.text
    assert registrations(plain_tool) == []  # showing the page registers nothing

    done = confirm(plain_tool, token, page)
    assert done.status_code == 200, done.text
    assert 'data-page="registered"' in done.text and "dr-client-7" in done.text
    assert registrations(plain_tool) == [(platform.url, "dr-client-7", ["7"])]
    with plain_tool.session() as session:
        assert session.scalar(select(Platform.name)) == "Our Moodle"
        reg = session.scalar(select(Registration))
        assert (reg.auth_login_url, reg.auth_token_url, reg.key_set_url) == (
            platform.url + "/auth",
            platform.url + "/token",
            platform.url + "/jwks",
        )

    # what the tool sent the platform (spec §3.3), with the registration token as bearer
    config_request, registration_request = [r for r in platform.received if r[0] != "/"][-2:]
    assert config_request[1]["Authorization"] == "Bearer reg-token-1"
    path, headers, body = registration_request
    assert path == "/register" and headers["Authorization"] == "Bearer reg-token-1"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == USER_AGENT
    sent = json.loads(body)
    assert sent["initiate_login_uri"] == plain_tool.base_url + "/lti/login"
    assert sent["redirect_uris"] == [plain_tool.base_url + "/lti/launch"]
    assert sent["jwks_uri"] == plain_tool.base_url + "/lti/jwks.json"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(sent["grant_types"]) == {"implicit", "client_credentials"}
    assert set(sent["scope"].split()) == set(TOOL_SCOPES)
    tool_config = sent[TOOL_CONFIGURATION]
    assert tool_config["messages"][0]["type"] == "LtiDeepLinkingRequest"
    assert "name" not in tool_config["claims"]  # names only when the administrator asks
    assert "placements" not in tool_config["messages"][0]  # Canvas's placements, not Moodle's

    # the link was for one registration; the secrets never reach the log
    assert open_link(plain_tool, token, platform).status_code == 404
    ours = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("lti_tool"))
    assert "dynamic registration: registered" in ours
    assert token not in ours and "reg-token-1" not in ours


def test_names_scopes_and_canvas_placements_follow_the_administrator_and_the_platform(
    plain_tool, platform
):
    platform.configuration = platform.standard(
        scopes_supported=[TOOL_SCOPES[2]],
        **{"https://purl.imsglobal.org/spec/lti-platform-configuration":
           {"product_family_code": "canvas"}},
    )  # fmt: skip
    platform.registration_answer = {"client_id": 10000000000042}  # Canvas: no deployment yet
    token = invite(plain_tool)
    done = confirm(plain_tool, token, open_link(plain_tool, token, platform), share_names="yes")
    assert done.status_code == 200
    sent = json.loads(platform.received[-1][2])
    assert sent["scope"] == TOOL_SCOPES[2]  # only what the platform offers
    assert {"name", "given_name", "family_name"} <= set(sent[TOOL_CONFIGURATION]["claims"])
    assert sent[TOOL_CONFIGURATION]["messages"][0]["placements"] == [
        "link_selection", "assignment_selection"]  # fmt: skip
    assert registrations(plain_tool) == [(platform.url, "10000000000042", [])]


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"issuer": "https://elsewhere.example.org"}, 502, "names a platform on another site"),
    ({"jwks_uri": "ftp://x/jwks"}, 502, "Missing or not a web address: jwks_uri"),
    ({"registration_endpoint": None}, 502, "Missing or not a web address: registration_endpoint"),
    ({"token_endpoint": "http://[::1"}, 502, "Missing or not a web address: token_endpoint"),
])  # fmt: skip
def test_a_configuration_the_tool_cannot_trust_is_refused(plain_tool, platform, change, status,
                                                          words):  # fmt: skip
    platform.configuration = platform.standard(**change)
    token = invite(plain_tool)
    page = open_link(plain_tool, token, platform)
    assert page.status_code == status
    assert words in unescape(page.text)
    assert 'data-page="error"' in page.text
    assert registrations(plain_tool) == []


@pytest.mark.parametrize(("body", "status", "words"), [
    (b"<html>maintenance</html>", 200, "could not be read"),
    (b"[1, 2]", 200, "could not be read"),
    (b"{}", 503, "answered with HTTP status 503"),
    (b"[" * 100000, 200, "could not be read"),
])  # fmt: skip
def test_a_configuration_that_is_not_one_is_refused(plain_tool, platform, body, status, words):
    platform.configuration_body, platform.configuration_status = body, status
    token = invite(plain_tool)
    page = open_link(plain_tool, token, platform)
    assert page.status_code == 502
    assert words in unescape(page.text)


def test_a_refused_registration_is_shown_and_the_link_can_be_used_again(plain_tool, platform):
    platform.registration_status = 400
    platform.registration_answer = {"error": "invalid_client_metadata",
                                    "error_description": "<b>redirect_uris</b> not allowed"}  # fmt: skip
    token = invite(plain_tool)
    page = open_link(plain_tool, token, platform)
    refused = confirm(plain_tool, token, page)
    assert refused.status_code == 502
    assert "The platform said: 400: &lt;b&gt;redirect_uris&lt;/b&gt; not allowed" in refused.text
    assert registrations(plain_tool) == []

    platform.registration_status, platform.registration_answer = 200, None
    assert confirm(plain_tool, token, page).status_code == 200
    assert [r[1] for r in registrations(plain_tool)] == ["dr-client-7"]


@pytest.mark.parametrize("answer", [
    {"client_id": ""}, {"client_id": ["x"]}, {"client_id": True}, {"client_id": "x" * 300},
    b"not json", [1],
])  # fmt: skip
def test_an_answer_without_a_client_id_registers_nothing(plain_tool, platform, answer):
    platform.registration_answer = answer
    token = invite(plain_tool)
    refused = confirm(plain_tool, token, open_link(plain_tool, token, platform))
    assert refused.status_code == 502
    assert "did not include a client ID" in unescape(refused.text)
    assert registrations(plain_tool) == []


def test_a_platform_that_does_not_answer_is_a_clear_error(plain_tool):
    token = invite(plain_tool)
    page = requests.get(f"{plain_tool.base_url}/lti/register/{token}", timeout=10,
                        params={"openid_configuration": "http://127.0.0.1:9/config"})  # fmt: skip
    assert page.status_code == 502
    assert "could not be reached" in page.text


@pytest.mark.parametrize("token", ["unknown", "x" * 500, "%C3%A9t%C3%A9"])
def test_an_unknown_link_is_refused(plain_tool, platform, token):
    page = requests.get(f"{plain_tool.base_url}/lti/register/{token}", timeout=10, params={
        "openid_configuration": platform.url + "/.well-known/openid-configuration"})  # fmt: skip
    assert page.status_code == 404
    assert "This registration link cannot be used" in unescape(page.text)
    assert platform.received == []  # an unknown link never makes the tool fetch anything


def test_an_expired_link_is_refused(plain_tool, platform):
    token = invite(plain_tool, hours=-1)
    assert open_link(plain_tool, token, platform).status_code == 404
    assert platform.received == []


@pytest.mark.parametrize("params", [{}, {"openid_configuration": ""},
                                    {"openid_configuration": "javascript:alert(1)"}])  # fmt: skip
def test_a_link_opened_without_a_platform_explains_itself(plain_tool, params):
    token = invite(plain_tool)
    page = requests.get(f"{plain_tool.base_url}/lti/register/{token}", params=params, timeout=10)
    assert page.status_code == 400
    assert 'data-page="error"' in page.text


def test_a_link_confirmed_twice_at_once_registers_once(plain_tool, platform):
    token = invite(plain_tool)
    page = open_link(plain_tool, token, platform)
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def confirm_at_once() -> None:
        barrier.wait()
        statuses.append(confirm(plain_tool, token, page).status_code)

    threads = [threading.Thread(target=confirm_at_once) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200] + [404] * 5
    assert sum(1 for r in platform.received if r[0] == "/register") == 1
    with plain_tool.session() as session:
        assert session.scalar(select(func.count()).select_from(RegistrationInvite)) == 1
        assert session.scalar(select(RegistrationInvite.registration_id)) is not None


@pytest.mark.parametrize("template", [
    "http://127.0.0.1:{port}\\@victim.example/.well-known/openid-configuration",
    "http://someone@127.0.0.1:{port}/.well-known/openid-configuration",
    "http://127.0.0.1:{port}/.well-known/openid-configuration\x00",
])  # fmt: skip
def test_an_address_that_parsers_read_differently_is_refused_unfetched(plain_tool, platform,
                                                                       template):  # fmt: skip
    token = invite(plain_tool)
    url = template.format(port=platform.url.rsplit(":", 1)[1])
    page = requests.get(f"{plain_tool.base_url}/lti/register/{token}", timeout=10,
                        params={"openid_configuration": url})  # fmt: skip
    assert page.status_code == 400
    assert platform.received == []


def test_outside_the_demo_the_platform_must_use_https(database_url, tmp_path, keys_dir, platform):
    from lti_tool.app import create_app

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "i"),
                      "KEYS_DIR": str(keys_dir), "SECRET_KEY": "s" * 40})  # fmt: skip
    with app.app_context():
        from lti_tool.db import new_session

        with new_session(app) as session:
            token = create_invite(session, "", timedelta(hours=1))
            session.commit()
    page = app.test_client().get(f"/lti/register/{token}", query_string={
        "openid_configuration": platform.url + "/.well-known/openid-configuration"})  # fmt: skip
    assert page.status_code == 400
    assert "not an https web address" in unescape(page.get_data(as_text=True))
    assert platform.received == []
    app.extensions["lti_tool.engine"].dispose()

    app.config["REGISTRATION_ALLOW_HTTP"] = True  # an intranet LMS without TLS
    page = app.test_client().get(f"/lti/register/{token}", query_string={
        "openid_configuration": platform.url + "/.well-known/openid-configuration"})  # fmt: skip
    assert page.status_code == 200
    app.extensions["lti_tool.engine"].dispose()


def test_the_same_client_id_from_the_same_issuer_updates_that_registration(plain_tool, platform):
    """Moodle's "Update existing tool": the platform answers with the client id it registered
    before; the tool updates that registration, says so, and the link is used up."""
    from lti_tool.lti.registrations import add_registration

    with plain_tool.session() as session:
        add_registration(session, issuer=platform.url, client_id="dr-client-7", name="Ours",
                         auth_login_url=platform.url + "/old/auth",
                         auth_token_url=platform.url + "/old/token",
                         key_set_url="https://keys.example/jwks", deployment_ids=["1"],
                         deployment_policy="reject")  # fmt: skip
        add_registration(session, issuer=platform.url, client_id="other", name="Second",
                         auth_login_url=platform.url + "/old/auth",
                         auth_token_url=platform.url + "/old/token",
                         key_set_url=platform.url + "/old/jwks", deployment_ids=[])  # fmt: skip
        session.commit()
    token = invite(plain_tool, name="Renamed")
    update_token = jwt.encode({"sub": "3", "scope": "reg-update"}, "k" * 32, algorithm="HS256")
    # an update never moves the key set to another site
    moved = confirm(plain_tool, token,
                    open_link(plain_tool, token, platform, registration_token=update_token))  # fmt: skip
    assert moved.status_code == 409 and "another site" in unescape(moved.text)
    with plain_tool.session() as session:
        reg = session.scalar(select(Registration).where(Registration.client_id == "dr-client-7"))
        assert reg.key_set_url == "https://keys.example/jwks" and reg.name == "Ours"
        reg.key_set_url = platform.url + "/old/jwks"
        session.commit()
    page = open_link(plain_tool, token, platform, registration_token=update_token)
    assert "update the tool it has installed" in unescape(page.text)
    done = confirm(plain_tool, token, page, share_names="yes")
    assert done.status_code == 200, done.text
    assert "The registration is updated" in done.text
    assert sorted(registrations(plain_tool)) == [(platform.url, "dr-client-7", ["1", "7"]),
                                                 (platform.url, "other", [])]  # fmt: skip
    with plain_tool.session() as session:
        reg = session.scalar(select(Registration).where(Registration.client_id == "dr-client-7"))
        assert reg.key_set_url == platform.url + "/jwks"
        assert reg.name == "Renamed" and reg.deployment_policy == "reject"
        assert "name" in reg.claims and set(reg.scopes) == set(TOOL_SCOPES)
        other = session.scalar(select(Registration).where(Registration.client_id == "other"))
        assert other.name == "Second"  # the platform's other registration keeps its name
        assert session.scalar(select(Platform.name)) == "Ours"
    assert open_link(plain_tool, token, platform).status_code == 404  # the link is used up


def test_an_update_of_a_registration_the_tool_does_not_have_is_refused(plain_tool, platform):
    platform.registration_answer = {"client_id": "never-seen"}
    token = invite(plain_tool)
    update_token = jwt.encode({"sub": "3", "scope": "reg-update"}, "k" * 32, algorithm="HS256")
    refused = confirm(plain_tool, token,
                      open_link(plain_tool, token, platform, registration_token=update_token))  # fmt: skip
    assert refused.status_code == 409
    assert "does not have" in unescape(refused.text)
    assert registrations(plain_tool) == []
    # a foreign client id (another issuer's) is no update of this issuer's registration either
    from lti_tool.lti.registrations import add_registration

    with plain_tool.session() as session:
        add_registration(session, issuer="https://other.example", client_id="never-seen",
                         auth_login_url="https://other.example/auth",
                         auth_token_url="https://other.example/token",
                         key_set_url="https://other.example/jwks", deployment_ids=[])  # fmt: skip
        session.commit()
    refused = confirm(plain_tool, token,
                      open_link(plain_tool, token, platform, registration_token=update_token))  # fmt: skip
    assert refused.status_code == 409
    assert registrations(plain_tool) == [("https://other.example", "never-seen", [])]


def test_values_the_database_cannot_keep_register_nothing_and_keep_the_link(plain_tool, platform):
    platform.registration_answer = {"client_id": "a\x00b"}
    token = invite(plain_tool)
    page = open_link(plain_tool, token, platform)
    assert confirm(plain_tool, token, page).status_code == 502
    assert registrations(plain_tool) == []

    platform.configuration = platform.standard(authorization_server="https://x/" + "a" * 3000)
    platform.registration_answer = {"client_id": "fine", TOOL_CONFIGURATION: {
        "deployment_id": "d" * 300}}  # fmt: skip
    assert confirm(plain_tool, token, page).status_code == 200
    assert registrations(plain_tool) == [(platform.url, "fine", [])]
    with plain_tool.session() as session:
        assert session.scalar(select(Registration.auth_audience)) is None


def test_a_registration_token_that_cannot_be_a_bearer_token_is_refused(plain_tool, platform):
    token = invite(plain_tool)
    page = open_link(plain_tool, token, platform, registration_token="ξ-token")
    assert page.status_code == 400
    good = open_link(plain_tool, token, platform)
    refused = confirm(plain_tool, token, good, registration_token="a b")
    assert refused.status_code == 400
    assert confirm(plain_tool, token, good).status_code == 200


def test_a_host_no_resolver_accepts_is_an_error_not_a_crash(plain_tool, platform):
    token = invite(plain_tool)
    for bad in ("http://a..b/config", "http://" + "a" * 70 + ".example/config"):
        page = requests.get(f"{plain_tool.base_url}/lti/register/{token}", timeout=10,
                            params={"openid_configuration": bad})  # fmt: skip
        assert page.status_code == 502
    platform.configuration = platform.standard(registration_endpoint="http://a..b/register")
    page = open_link(plain_tool, token, platform)
    assert confirm(plain_tool, token, page).status_code == 502
    platform.configuration = platform.standard()
    assert confirm(plain_tool, token, open_link(plain_tool, token, platform)).status_code == 200


def test_a_configuration_too_large_to_be_one_is_refused(plain_tool, platform):
    platform.configuration = platform.standard(padding="x" * 300_000)
    token = invite(plain_tool)
    page = open_link(plain_tool, token, platform)
    assert page.status_code == 502
    assert "could not be read" in unescape(page.text)


def test_a_link_never_reaches_the_log(plain_tool, platform, caplog):
    caplog.set_level(logging.INFO, logger="lti_tool")
    token = invite(plain_tool)
    requests.get(f"{plain_tool.base_url}/lti/register/{token}/", timeout=10)
    requests.put(f"{plain_tool.base_url}/lti/register/{token}", timeout=10)
    requests.get(f"{plain_tool.base_url}/lti/register/{token}", timeout=10)
    requests.get(f"{plain_tool.base_url}/LTI/Register/{token}", timeout=10)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("lti_tool")]
    assert len(ours) == 4
    assert not any(token in line for line in ours)


@pytest.fixture
def dripping_platform() -> Iterator[str]:
    """A platform that sends its (valid) configuration one byte at a time, 0.2 s apart: about
    8 s in all, each byte well within a per-read timeout."""
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop = threading.Event()
    config = json.dumps({
        "issuer": url, "authorization_endpoint": url + "/auth", "token_endpoint": url + "/token",
        "jwks_uri": url + "/jwks", "registration_endpoint": url + "/register"}).encode()  # fmt: skip
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
              + str(len(config)).encode() + b"\r\nX-Slow: " + b"x" * 40 + b"\r\n\r\n" + config)  # fmt: skip

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)
                for byte in answer:
                    if stop.wait(0.2):
                        return
                    try:
                        connection.sendall(bytes([byte]))
                    except OSError:  # the tool hung up
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield url
    stop.set()
    thread.join(timeout=10)
    listener.close()


def test_a_platform_that_drips_its_answer_is_cut_off_at_the_timeout(
    database_url, tmp_path, keys_dir, dripping_platform
):
    with live_tool(database_url, tmp_path, keys_dir, register=False,
                   overrides={"HTTP_TIMEOUT_SECONDS": 1}) as tool:  # fmt: skip
        token = invite(tool)
        page = requests.get(f"{tool.base_url}/lti/register/{token}", timeout=30, params={
            "openid_configuration": dripping_platform + "/config"})  # fmt: skip
    assert page.status_code == 502
    assert "could not be reached" in unescape(page.text)


def test_a_platform_in_a_folder_registers_and_its_neighbour_cannot_speak_for_it(plain_tool,
                                                                                platform):  # fmt: skip
    token = invite(plain_tool)
    platform.configuration = platform.standard(issuer=platform.url + "/moodle")
    elsewhere = requests.get(f"{plain_tool.base_url}/lti/register/{token}", timeout=10, params={
        "openid_configuration": platform.url + "/other/.well-known/openid-configuration"})  # fmt: skip
    assert elsewhere.status_code == 502
    assert "another site" in unescape(elsewhere.text)
    below = requests.get(f"{plain_tool.base_url}/lti/register/{token}", timeout=10, params={
        "openid_configuration": platform.url + "/moodle/.well-known/openid-configuration"})  # fmt: skip
    assert below.status_code == 200
    assert confirm(plain_tool, token, below).status_code == 200
    assert registrations(plain_tool) == [(platform.url + "/moodle", "dr-client-7", ["7"])]


def test_text_a_page_cannot_carry_is_replaced_in_the_platforms_refusal(plain_tool, platform):
    platform.registration_status = 400
    platform.registration_answer = {"error_description": "bad \ud800 value \x07"}
    token = invite(plain_tool)
    refused = confirm(plain_tool, token, open_link(plain_tool, token, platform))
    assert refused.status_code == 502
    assert "The platform said: 400: bad ? value ?" in unescape(refused.text)


def test_a_link_withdrawn_while_it_registers_stays_withdrawn(plain_tool):
    from lti_tool.lti.dynamic_registration import claim_invite
    from lti_tool.lti.dynamic_registration import open_invites
    from lti_tool.lti.dynamic_registration import release_invite
    from lti_tool.lti.dynamic_registration import usable_invite
    from lti_tool.lti.dynamic_registration import withdraw_invite

    token = invite(plain_tool)
    with plain_tool.session() as session:
        claimed = claim_invite(session, token)
        assert claimed is not None
        assert [i.id for i in open_invites(session)] == [claimed.id]  # listed while in use
        assert withdraw_invite(session, claimed.id)
        session.commit()
        release_invite(session, claimed.id)  # the registration under way failed
        assert usable_invite(session, token) is None
        assert open_invites(session) == []
