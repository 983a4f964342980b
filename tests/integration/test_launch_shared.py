"""Several app instances share one database: a launch is consumed exactly once, wherever the
replay lands; and the tool's own keys rotate without breaking tokens already issued."""

from __future__ import annotations

import threading

import jwt
import pytest
import requests
from sqlalchemy import select

from lti_tool.lti import keys as tool_keys
from lti_tool.lti.keys import KeyCipher
from lti_tool.lti.models import ToolKey
from lti_tool.lti.runtime import runtime
from tests.support.browsing import Browser
from tests.support.live import KEY_ENCRYPTION_KEY
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


def _rotate(tool):
    with tool.session() as session:
        new, retired = tool_keys.rotate(session, KeyCipher(KEY_ENCRYPTION_KEY))
        session.commit()
    return new, retired


def test_key_rotation_keeps_the_old_key_published_during_grace(tool):
    jwks_url = tool.base_url + "/lti/jwks.json"
    old_kid = requests.get(jwks_url, timeout=10).json()["keys"][0]["kid"]
    old = runtime(tool.app).keyring.signing_key()
    token = jwt.encode({"sub": "x"}, old.private_key, algorithm="RS256", headers={"kid": old.kid})

    new, retired = _rotate(tool)

    published = requests.get(jwks_url, timeout=10).json()["keys"]
    assert [k["kid"] for k in published] == [new.kid, old_kid]
    assert [r.kid for r in retired] == [old_kid]
    key = jwt.PyJWKSet.from_dict({"keys": published})[old_kid].key
    assert jwt.decode(token, key, algorithms=["RS256"]) == {"sub": "x"}
    assert runtime(tool.app).keyring.signing_key().kid == new.kid


def test_a_rotation_on_one_host_is_seen_at_once_by_another(tool, database_url, tmp_path):
    """Two hosts, each with its own empty key folder: they publish the same keys, and the
    second signs with the key the first made a moment ago."""
    empty = tmp_path / "second-keys"
    empty.mkdir()
    with live_tool(database_url, tmp_path / "second", empty, register=False) as second:
        jwks = [requests.get(t.base_url + "/lti/jwks.json", timeout=10).json()
                for t in (tool, second)]  # fmt: skip
        assert jwks[0] == jwks[1] and len(jwks[0]["keys"]) == 1

        new, _ = _rotate(tool)

        assert runtime(second.app).keyring.signing_key().kid == new.kid
        after = requests.get(second.base_url + "/lti/jwks.json", timeout=10).json()
        assert after["keys"][0]["kid"] == new.kid
        assert after == requests.get(tool.base_url + "/lti/jwks.json", timeout=10).json()
    assert not any(empty.iterdir())


def test_retired_key_leaves_the_jwks_after_grace(database_url, tmp_path, keys_dir):
    with live_tool(database_url, tmp_path, keys_dir, overrides={"KEY_GRACE_HOURS": 0}) as tool:
        new, _ = _rotate(tool)
        published = requests.get(tool.base_url + "/lti/jwks.json", timeout=10).json()["keys"]
    assert [k["kid"] for k in published] == [new.kid]


def test_private_keys_are_stored_encrypted(tool):
    signing = runtime(tool.app).keyring.signing_key()
    with tool.session() as session:
        stored = session.scalar(select(ToolKey.private_key).where(ToolKey.kid == signing.kid))
    assert "PRIVATE KEY" not in stored
    pem = KeyCipher(KEY_ENCRYPTION_KEY).decrypt(stored)
    assert b"BEGIN PRIVATE KEY" in pem
    with pytest.raises(tool_keys.KeyStoreError, match="does not decrypt"):
        KeyCipher(KeyCipher.new_key()).decrypt(stored)
