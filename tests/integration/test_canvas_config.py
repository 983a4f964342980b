"""``/lti/canvas.json``: what a Canvas administrator enters as the developer key's configuration
URL. Every address in it must be one the tool really answers on."""

from __future__ import annotations

import logging

import requests

from lti_tool.grading.ags import SCOPE_LINEITEM
from lti_tool.grading.ags import SCOPE_LINEITEM_READ
from lti_tool.grading.ags import SCOPE_RESULT_READ
from lti_tool.grading.ags import SCOPE_SCORE
from lti_tool.instructor.roster import SCOPE as SCOPE_MEMBERSHIP


def test_the_configuration_points_canvas_at_the_tools_own_endpoints(tool):
    answer = requests.get(tool.base_url + "/lti/canvas.json", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    config = answer.json()

    assert config["title"] and config["description"]
    assert config["oidc_initiation_url"] == tool.base_url + "/lti/login"
    assert config["target_link_uri"] == tool.base_url + "/lti/launch"
    assert config["public_jwk_url"] == tool.base_url + "/lti/jwks.json"
    published = requests.get(config["public_jwk_url"], timeout=10).json()["keys"]
    assert published and all(key["kty"] == "RSA" for key in published)
    # the services the tool calls, and no more
    assert set(config["scopes"]) == {SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_RESULT_READ,
                                     SCOPE_SCORE, SCOPE_MEMBERSHIP}  # fmt: skip

    (extension,) = config["extensions"]
    assert extension["platform"] == "canvas.instructure.com"
    assert extension["domain"] == tool.base_url.split("://", 1)[1]
    assert extension["privacy_level"] == "anonymous"
    placements = {p["placement"]: p for p in extension["settings"]["placements"]}
    assert set(placements) == {"link_selection", "assignment_selection"}
    for placement in placements.values():
        assert placement["message_type"] == "LtiDeepLinkingRequest"
        assert placement["target_link_uri"] == tool.base_url + "/lti/launch"


def test_the_administrator_may_let_the_tool_see_names(tool):
    config = requests.get(tool.base_url + "/lti/canvas.json", timeout=10,
                          params={"privacy_level": "name_only"}).json()  # fmt: skip
    assert config["extensions"][0]["privacy_level"] == "name_only"


def test_an_unknown_privacy_level_is_refused(tool, caplog):
    caplog.set_level(logging.INFO, logger="lti_tool")
    answer = requests.get(tool.base_url + "/lti/canvas.json", timeout=10,
                          params={"privacy_level": "everything<script>"})  # fmt: skip
    assert answer.status_code == 400
    assert "anonymous, name_only, email_only, public" in answer.json()["error"]
    assert "<script>" not in answer.text
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("lti_tool")]
    assert ours == ["Canvas configuration: unknown privacy_level refused"]


def test_the_configuration_follows_the_public_base_url(database_url, tmp_path, keys_dir):
    from tests.support.live import live_tool

    with live_tool(database_url, tmp_path, keys_dir,
                   overrides={"BASE_URL": "https://amelie.example.org"}) as tool:  # fmt: skip
        config = requests.get(tool.base_url + "/lti/canvas.json", timeout=10).json()
    assert config["oidc_initiation_url"] == "https://amelie.example.org/lti/login"
    assert config["extensions"][0]["domain"] == "amelie.example.org"


def test_without_a_configured_base_url_no_shared_cache_keeps_it(tmp_path, keys_dir):
    from lti_tool.app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 't.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "i"), "KEYS_DIR": str(keys_dir)})  # fmt: skip
    answer = app.test_client().get("/lti/canvas.json", base_url="https://forged.example")
    assert answer.get_json()["target_link_uri"] == "https://forged.example/lti/launch"
    assert answer.headers["Cache-Control"] == "private, no-store"
