"""Operators' view: /metrics (behind its token) lists the named series; with JSON logs, the
launch's log line and its grade delivery's carry the same correlation id, across processes."""

from __future__ import annotations

import json
import re

import requests

from tests.integration.test_grades import deliver
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.integration.test_two_hosts import CASE_LINK
from tests.integration.test_two_hosts import Alternating
from tests.integration.test_two_hosts import play
from tests.support.hosts import free_port
from tests.support.hosts import running_host
from tests.support.live import KEY_ENCRYPTION_KEY
from tests.support.live import live_tool
from tests.support.live import wait_until

TOKEN = "metrics-token-" + "m" * 20
SERIES = (
    "lti_tool_launches_total",
    "lti_tool_launch_rejections_total",
    "lti_tool_steps_total",
    "lti_tool_outbox_depth",
    "lti_tool_outbox_oldest_age_seconds",
    "lti_tool_platform_responses_total",
    "lti_tool_token_requests_total",
)


def scrape(base_url: str, token: str | None = TOKEN) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(base_url + "/metrics", headers=headers, timeout=15)


def test_metrics_are_off_unless_a_token_is_set(tool):
    assert scrape(tool.base_url).status_code == 404


def test_metrics_list_the_named_series_and_nobody(database_url, tmp_path, keys_dir):
    with live_tool(database_url, tmp_path, keys_dir, overrides={"METRICS_TOKEN": TOKEN}) as tool:
        assert scrape(tool.base_url, None).status_code == 401
        assert scrape(tool.base_url, "wrong-" + TOKEN).status_code == 401
        Learner(tool, name="Metrics Person").play(PATHS["taken-away"])
        requests.post(tool.base_url + "/lti/launch", data={"id_token": "x"}, timeout=15)
        while deliver(tool):
            pass
        body = scrape(tool.base_url).text

    for name in SERIES:
        assert re.search(rf"^{name}(\{{[^}}]*\}})? ", body, re.M), name
    assert re.search(r'^lti_tool_launches_total\{message_type="LtiResourceLinkRequest",'
                     r'outcome="accepted"\} [1-9]', body, re.M)  # fmt: skip
    assert re.search(r'^lti_tool_launch_rejections_total\{reason="malformed",where="launch"\} '
                     r"[1-9]", body, re.M)  # fmt: skip
    assert re.search(r'^lti_tool_platform_responses_total\{kind="score",status="200"\} [1-9]',
                     body, re.M)  # fmt: skip
    assert re.search(r'^lti_tool_outbox_depth\{status="delivered"\} [1-9]', body, re.M)
    assert "Metrics Person" not in body and "sandbox" not in body


def _json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_a_launch_and_its_grade_delivery_log_the_same_correlation_id(database_url, tmp_path):
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    (tmp_path / "metrics").mkdir()
    shared = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "observability-secret-" + "x" * 32,
        "LTI_TOOL_KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
        "LTI_TOOL_BASE_URL": public,
        "LTI_TOOL_LOG_FORMAT": "json",
        "LTI_TOOL_METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    empty = tmp_path / "platform-keys"
    empty.mkdir()
    overrides = {"SANDBOX_TOOL_BASE_URL": public, "SANDBOX_LINKS": [CASE_LINK]}
    with (
        live_tool(database_url, tmp_path / "platform", empty, overrides=overrides) as platform,
        running_host("h", tmp_path / "h", port, shared) as host,
    ):
        for number in range(2):  # two launches, most likely on both gunicorn workers
            play(Alternating([host.url], public), platform.sandbox_url, f"Learner {number}")

        def delivered() -> list[dict]:
            return [r for r in _json_lines(host.logged())
                    if re.match(r"score delivery \d+: delivered", r["message"])]  # fmt: skip

        wait_until(lambda: len(delivered()) >= 2, timeout=60, what="the grades")
        metrics = scrape(host.url).text
        records = _json_lines(host.logged())

    launches = [r for r in records if r["message"] == "launch accepted: LtiResourceLinkRequest"]
    assert len(launches) == 2
    ids = {r["correlation_id"] for r in launches}
    assert len(ids) == 2 and "-" not in ids
    for record in records:
        if re.match(r"score delivery \d+: delivered", record["message"]):
            assert record["correlation_id"] in ids
    assert {r["correlation_id"] for r in delivered()} == ids
    assert all({"time", "level", "logger"} <= set(r) for r in records)
    # both workers' counts, whichever answered the scrape
    assert re.search(r'^lti_tool_launches_total\{message_type="LtiResourceLinkRequest",'
                     r'outcome="accepted"\} 2\.0', metrics, re.M), metrics  # fmt: skip
