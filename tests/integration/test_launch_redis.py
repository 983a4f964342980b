"""With REDIS_URL set, consumed nonces live in Redis: launches work and replays fail."""

from __future__ import annotations

import pytest
import redis
import requests
from sqlalchemy import func
from sqlalchemy import select

from lti_tool.lti.models import UsedNonce
from tests.support.browsing import Browser
from tests.support.browsing import without_binding
from tests.support.live import live_tool

REDIS_URL = "redis://127.0.0.1:6379/3"


@pytest.fixture
def redis_tool(database_url, tmp_path, keys_dir):
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("lti_tool:*"):
        client.delete(key)
    with live_tool(database_url, tmp_path, keys_dir, overrides={"REDIS_URL": REDIS_URL}) as tool:
        yield tool, client


def test_launch_and_replay_with_redis(redis_tool):
    tool, client = redis_tool
    browser = Browser(tool)
    form = browser.open_launch()
    cookie = {c.name: c.value for c in browser.http.cookies if c.name.startswith("lti_state_")}

    first = browser.http.post(form.action, data=form.fields)
    replay = browser.http.post(form.action, data=form.fields, cookies=cookie)

    assert first.status_code == 200
    assert replay.status_code == 400
    assert "already been used" in replay.text
    assert len(list(client.scan_iter("lti_tool:used-nonce:*"))) == 1
    with tool.session() as session:
        assert session.scalar(select(func.count()).select_from(UsedNonce)) == 0


def test_a_rejected_launch_does_not_burn_the_nonce_in_redis(redis_tool):
    tool, _ = redis_tool
    browser = Browser(tool)
    form = browser.open_launch()

    # someone else's browser (no state cookie) posts the same launch first
    other = requests.Session()
    intruder = without_binding(tool, other, other.post(form.action, data=form.fields, timeout=10))
    legitimate = browser.http.post(form.action, data=form.fields)

    assert intruder.status_code == 400
    assert legitimate.status_code == 200
