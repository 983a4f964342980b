"""Who may frame the tool: by default the registered platforms' origins (read from the database,
kept per process, dropped when a registration changes), 'none' for admin pages; an explicit
LTI_TOOL_FRAME_ANCESTORS wins; HSTS only behind TLS."""

from __future__ import annotations

import re

import requests

from lti_tool.lti.registrations import add_registration
from lti_tool.lti.registrations import remove_registration
from tests.support.live import live_tool


def ancestors(base_url: str, path: str = "/lti/jwks.json", **headers: str) -> list[str]:
    policy = requests.get(base_url + path, headers=headers, timeout=15).headers[
        "Content-Security-Policy"
    ]
    return re.search(r"frame-ancestors ([^;]*)", policy).group(1).split()


def _register(tool, issuer: str, login: str) -> None:
    with tool.session() as session:
        add_registration(session, issuer=issuer, client_id="c1", auth_login_url=login,
                         auth_token_url=issuer + "/token", key_set_url=issuer + "/jwks",
                         deployment_ids=["1"])  # fmt: skip
        session.commit()


def test_the_registered_platforms_may_frame_the_tool_and_nobody_else(cross_site_tool):
    tool = cross_site_tool
    assert tool.sandbox_url.startswith("http://localhost:")
    assert ancestors(tool.base_url) == ["'self'", tool.sandbox_url]
    assert ancestors(tool.base_url, "/admin/login") == ["'none'"]


def test_a_new_registration_is_allowed_at_once_in_this_process(database_url, tmp_path, keys_dir):
    overrides = {"REGISTRATION_CACHE_SECONDS": 3600}
    with live_tool(database_url, tmp_path, keys_dir, overrides=overrides) as tool:
        before = ancestors(tool.base_url)
        assert "https://moodle.example.edu" not in before
        _register(tool, "https://moodle.example.edu", "https://moodle.example.edu/mod/lti/auth.php")
        _register(tool, "https://canvas.instructure.com",
                  "https://sso.canvaslms.com/api/lti/authorize_redirect")  # fmt: skip
        after = ancestors(tool.base_url)
        assert {"https://moodle.example.edu", "https://canvas.instructure.com",
                "https://*.instructure.com", "https://sso.canvaslms.com"} <= set(after)  # fmt: skip
        assert "*" not in after
        with tool.session() as session:
            assert remove_registration(session, "https://moodle.example.edu", "c1")
            session.commit()
        assert "https://moodle.example.edu" not in ancestors(tool.base_url)


def test_an_explicit_setting_wins_and_hsts_only_behind_tls(database_url, tmp_path, keys_dir):
    overrides = {"FRAME_ANCESTORS": "https://lms.example.org", "BEHIND_PROXY": True}
    with live_tool(database_url, tmp_path, keys_dir, overrides=overrides) as tool:
        assert ancestors(tool.base_url) == ["https://lms.example.org"]
        plain = requests.get(tool.base_url + "/lti/jwks.json", timeout=15)
        assert "Strict-Transport-Security" not in plain.headers
        tls = requests.get(tool.base_url + "/lti/jwks.json", timeout=15,
                           headers={"X-Forwarded-Proto": "https"})  # fmt: skip
        assert tls.headers["Strict-Transport-Security"].startswith("max-age=")


def test_only_web_origins_become_sources():
    from lti_tool.frame_ancestors import origin

    assert origin("https://Moodle.Example.edu:443/x") == "https://moodle.example.edu"
    assert origin("http://localhost:8080/a") == "http://localhost:8080"
    for bad in ("javascript:alert(1)", "https://a;script-src *", "https://a b", "", "https://[::1"):
        assert origin(bad) is None
