"""Several app instances share one database: a launch is consumed exactly once, wherever the
replay lands; and the tool's own keys rotate without breaking tokens already issued."""

from __future__ import annotations

import threading

import jwt
import requests

from lti_tool.lti import keys as tool_keys
from lti_tool.lti.runtime import runtime
from tests.support.browsing import Browser
from tests.support.live import live_tool


def _captured_launch(tool):
    browser = Browser(tool)
    form = browser.open_launch()
    cookie = {c.name: c.value for c in browser.http.cookies if c.name.startswith("lti_state_")}
    return browser, form, cookie


def test_replay_to_a_second_instance_is_rejected(tool, database_url, tmp_path, keys_dir):
    browser, form, cookie = _captured_launch(tool)
    assert browser.http.post(form.action, data=form.fields).status_code == 200

    with live_tool(database_url, tmp_path / "second", keys_dir, register=False) as second:
        replay = requests.post(
            second.base_url + "/lti/launch", data=form.fields, cookies=cookie, timeout=10
        )

    assert replay.status_code == 400
    assert "already been used" in replay.text


def test_simultaneous_posts_to_two_instances_succeed_once(tool, database_url, tmp_path, keys_dir):
    _, form, cookie = _captured_launch(tool)
    with live_tool(database_url, tmp_path / "second", keys_dir, register=False) as second:
        barrier = threading.Barrier(2)
        results: list[int] = []

        def post(base: str) -> None:
            barrier.wait()
            response = requests.post(
                base + "/lti/launch", data=form.fields, cookies=cookie, timeout=30
            )
            results.append(response.status_code)

        threads = [
            threading.Thread(target=post, args=(url,)) for url in (tool.base_url, second.base_url)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(results) == [200, 400]


def test_key_rotation_keeps_the_old_key_published_during_grace(tool, keys_dir):
    jwks_url = tool.base_url + "/lti/jwks.json"
    old_kid = requests.get(jwks_url, timeout=10).json()["keys"][0]["kid"]
    with tool.app.app_context():
        old = runtime().keyring.signing_key()
    token = jwt.encode({"sub": "x"}, old.private_key, algorithm="RS256", headers={"kid": old.kid})

    new, retired = tool_keys.rotate(keys_dir)

    published = requests.get(jwks_url, timeout=10).json()["keys"]
    assert [k["kid"] for k in published] == [new.kid, old_kid]
    assert [r.kid for r in retired] == [old_kid]
    key = jwt.PyJWKSet.from_dict({"keys": published})[old_kid].key
    assert jwt.decode(token, key, algorithms=["RS256"]) == {"sub": "x"}
    with tool.app.app_context():
        assert runtime().keyring.signing_key().kid == new.kid


def test_retired_key_leaves_the_jwks_after_grace(database_url, tmp_path, keys_dir):
    with live_tool(database_url, tmp_path, keys_dir, overrides={"KEY_GRACE_HOURS": 0}) as tool:
        new, _ = tool_keys.rotate(keys_dir)
        published = requests.get(tool.base_url + "/lti/jwks.json", timeout=10).json()["keys"]
    assert [k["kid"] for k in published] == [new.kid]


def test_key_files_are_private(keys_dir):
    info = tool_keys.generate_key(keys_dir)
    assert (keys_dir / f"{info.kid}.pem").stat().st_mode & 0o777 == 0o600
