"""The LTI entry points are throttled per address: a translated 429 with Retry-After after the
configured limit, counted in Redis across hosts when ``REDIS_URL`` is set."""

from __future__ import annotations

import pytest
import redis
import requests

from tests.support.browsing import parse
from tests.support.live import live_tool

REDIS_URL = "redis://127.0.0.1:6379/4"


def _logins(tool, count: int, language: str = "en", issuer: str = "") -> list[requests.Response]:
    params = {"iss": issuer or tool.issuer, "login_hint": "x", "client_id": "amelie-sandbox"}
    return [requests.get(tool.base_url + "/lti/login", params=params, allow_redirects=False,
                         headers={"Accept-Language": language}, timeout=10)
            for _ in range(count)]  # fmt: skip


def _went_on(answer: requests.Response) -> bool:
    """The login went on to the platform: a redirect, or (for a browser the tool does not know
    yet) the page that keeps the state in the tool's own storage first."""
    return answer.status_code == 302 or (
        answer.status_code == 200 and parse(answer.text).data_page == "storage-login"
    )


def test_logins_beyond_the_limit_get_a_translated_429_with_retry_after(
    database_url, tmp_path, keys_dir
):
    overrides = {"THROTTLE_LTI_PER_ADDRESS": "20 per minute"}
    with live_tool(database_url, tmp_path, keys_dir, overrides=overrides) as tool:
        answers = _logins(tool, 25, "de")
    assert all(_went_on(a) for a in answers[:20])
    refused = answers[20:]
    assert {a.status_code for a in refused} == {429}
    assert all(1 <= int(a.headers["Retry-After"]) <= 60 for a in refused)
    assert parse(refused[0].text).data_page == "error"
    assert "Zu viele Anfragen" in refused[0].text


def test_an_empty_limit_turns_throttling_off(database_url, tmp_path, keys_dir):
    with live_tool(database_url, tmp_path, keys_dir,
                   overrides={"THROTTLE_LTI_PER_ADDRESS": ""}) as tool:  # fmt: skip
        assert all(_went_on(a) for a in _logins(tool, 40))


def test_a_limit_that_cannot_be_read_stops_the_tool_from_starting(database_url, tmp_path):
    from lti_tool.app import create_app
    from lti_tool.config import ConfigError

    with pytest.raises(ConfigError, match="THROTTLE_LTI_PER_ADDRESS"):
        create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path),
                    "SECRET_KEY": "s" * 40, "THROTTLE_LTI_PER_ADDRESS": "lots"})  # fmt: skip


def test_with_redis_two_hosts_share_one_count(database_url, tmp_path, keys_dir):
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    overrides = {"REDIS_URL": REDIS_URL, "THROTTLE_LTI_PER_ADDRESS": "10 per minute"}
    try:
        with (
            live_tool(database_url, tmp_path / "a", keys_dir, overrides=overrides) as one,
            live_tool(
                database_url, tmp_path / "b", keys_dir, overrides=overrides, register=False
            ) as two,  # fmt: skip
        ):
            first = _logins(one, 6)
            second = _logins(two, 6, issuer=one.issuer)
            stored = b" ".join(client.keys("*"))
    finally:
        client.flushdb()
        client.close()
    assert all(_went_on(a) for a in first)
    assert [_went_on(a) for a in second] == [True] * 4 + [False] * 2
    assert {a.status_code for a in second[4:]} == {429}
    assert stored and b"127.0.0.1" not in stored  # counted by a digest, not by the address
