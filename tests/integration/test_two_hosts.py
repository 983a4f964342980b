"""Two hosts behind one public address, sharing PostgreSQL and Redis and nothing on disk: each
runs gunicorn (two workers) and a grade worker, with its own empty instance and key folders.
A learner's login lands on one host and the launch on the other; every later step alternates;
one host rotates the signing key halfway. No request fails, and every grade arrives once."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest
import redis
import requests
from sqlalchemy import select

from lti_tool.grading.models import DELIVERED
from lti_tool.grading.models import SUPERSEDED
from lti_tool.grading.models import ScoreDelivery
from tests.conftest import POSTGRES_URL
from tests.support.browsing import Form
from tests.support.browsing import login_next
from tests.support.browsing import page_of
from tests.support.browsing import parse
from tests.support.catalogue import best_path
from tests.support.catalogue import library
from tests.support.hosts import free_port
from tests.support.hosts import running_host
from tests.support.live import KEY_ENCRYPTION_KEY
from tests.support.live import live_tool
from tests.support.live import wait_until

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not POSTGRES_URL.startswith("postgresql"), reason="needs PostgreSQL"),
]

REDIS_URL = "redis://127.0.0.1:6379/8"
CASE = "srh-says-nineteen"  # the shortest shipped case
CASE_LINK = {"id": "link-two-hosts", "title": "Two hosts", "case_id": CASE}
LEARNERS = 3
TIMEOUT = 30


class Alternating:
    """A learner's browser whose every request goes to the other host than the last one."""

    def __init__(self, hosts: list[str], public: str) -> None:
        self.hosts = hosts
        self.public = public
        self.turn = 0
        self.http = requests.Session()
        self.served_by: list[str] = []

    def _next(self, url: str) -> str:
        host = self.hosts[self.turn % len(self.hosts)]
        self.turn += 1
        self.served_by.append(host)
        parts = urlsplit(url)
        return host + parts.path + (f"?{parts.query}" if parts.query else "")

    def post_form(self, page_url: str, form: Form, extra: dict[str, str]) -> requests.Response:
        url = self._next(urljoin(page_url, form.action))
        response = self.http.post(url, data={**form.fields, **extra}, timeout=TIMEOUT)
        assert response.status_code == 200, (url, response.status_code, response.text[:500])
        return response

    def submit(self, page: requests.Response, action: str,
               button: tuple[str, str] | None = None) -> requests.Response:  # fmt: skip
        form = next(f for f in parse(page.text).forms if f.action.endswith(action))
        return self.post_form(self.public, form, dict([button]) if button else {})


def play(browser: Alternating, sandbox_url: str, name: str) -> None:
    launch = browser.http.post(sandbox_url + "/sandbox/launch", timeout=TIMEOUT, data={
        "name": name, "role": "learner", "lang": "en", "message": "resource",
        "link": CASE_LINK["id"], "privacy": "full", "storage": "cookie"})  # fmt: skip
    login_url = parse(launch.text).iframes[0]
    login = browser.http.get(browser._next(login_url), allow_redirects=False, timeout=TIMEOUT)
    auth = browser.http.get(login_next(login), allow_redirects=False, timeout=TIMEOUT)
    page = browser.post_form(browser.public, parse(auth.text).forms[0], {})
    assert page_of(page) == "case-start", page.text[:500]
    page = browser.submit(page, "/play/start")
    choices = best_path(library()[CASE])
    for number, choice in enumerate(choices, start=1):
        assert page_of(page) == "scene", page.text[:500]
        page = browser.submit(page, "/play/choose", ("choice", choice))
        assert page_of(page) == "feedback", page.text[:500]
        page = browser.submit(page, "/play/debrief" if number == len(choices) else "/play/scene")
    assert page_of(page) == "debrief"


def test_two_hosts_share_everything_but_disk(database_url, tmp_path):
    run_two_hosts(database_url, tmp_path, LEARNERS)


def run_two_hosts(database_url: str, tmp_path: Path, learners: int,
                  concurrency: int = 1) -> dict[str, float]:  # fmt: skip
    """The scenario; returns timings (seconds) for the bench."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    ports = [free_port(), free_port()]
    public = f"http://127.0.0.1:{ports[0]}"  # the address a load balancer would give
    shared = {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "two-hosts-secret-" + "x" * 32,
        "LTI_TOOL_KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
        "LTI_TOOL_BASE_URL": public,
    }
    empty_keys = tmp_path / "platform-keys"
    empty_keys.mkdir()
    # the platform: the sandbox, sending its learners to the public address
    with ExitStack() as stack:
        platform = stack.enter_context(live_tool(database_url, tmp_path / "platform", empty_keys,
            overrides={"SANDBOX_TOOL_BASE_URL": public, "SANDBOX_LINKS": [CASE_LINK]}))  # fmt: skip
        # tokens live a second: every delivery fetches one, so signs with the current key
        requests.post(platform.sandbox_url + "/sandbox/control", json={"token_ttl": 1},
                      timeout=TIMEOUT)  # fmt: skip
        hosts = [stack.enter_context(running_host(name, tmp_path / name, port, shared))
                 for name, port in zip(("a", "b"), ports, strict=True)]  # fmt: skip
        urls = [h.url for h in hosts]
        jwks = [requests.get(u + "/lti/jwks.json", timeout=TIMEOUT).json() for u in urls]
        assert jwks[0] == jwks[1] and len(jwks[0]["keys"]) == 1
        first_kid = jwks[0]["keys"][0]["kid"]

        def learner(number: int) -> None:
            # the login on one host and the launch on the other, alternately starting on each
            browser = Alternating(urls if number % 2 == 0 else urls[::-1], public)
            play(browser, platform.sandbox_url, f"Learner {number}")
            assert set(browser.served_by) == set(urls)

        started = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(learner, range(learners // 2)))
            rotated = hosts[1].lti_tool("keys", "rotate")  # halfway, on one host
            assert "new current key" in rotated
            list(pool.map(learner, range(learners // 2, learners)))
        played = time.monotonic() - started

        wait_until(lambda: _settled(platform, learners), timeout=120 + learners,
                   what="every grade to be sent")  # fmt: skip
        settled = time.monotonic() - started
        jwks = [requests.get(u + "/lti/jwks.json", timeout=TIMEOUT).json() for u in urls]
        received = Counter((s["user"], s["timestamp"]) for s in scores_of(platform))
        users = {s["user"] for s in scores_of(platform)}
        logs = {h.name: h.logged() for h in hosts}

    assert jwks[0] == jwks[1]
    assert [k["kid"] for k in jwks[0]["keys"]][1:] == [first_kid]  # new first, old in grace
    assert len(users) == learners
    assert set(received.values()) == {1}, received  # no score twice
    for name, text in logs.items():
        assert "Traceback" not in text and " ERROR " not in text, (name, text[-3000:])
    for folder in ("a/keys", "b/keys", "platform-keys"):
        assert not any((tmp_path / folder).iterdir())
    return {"played": played, "grades settled": settled}


def scores_of(platform) -> list[dict]:
    return requests.get(platform.sandbox_url + "/sandbox/control", timeout=TIMEOUT).json()["scores"]


def _settled(platform, learners: int) -> bool:
    """Each learner's final score delivered; a "started" one sent or replaced by it."""
    with platform.session() as session:
        statuses = session.scalars(select(ScoreDelivery.status)).all()
    return (statuses.count(DELIVERED) >= learners
            and set(statuses) <= {DELIVERED, SUPERSEDED})  # fmt: skip
