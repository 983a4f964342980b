"""OpenTelemetry (the tracing extra): under gunicorn, each worker exports the spans of Flask
requests, their SQL and the platform calls, with the launch's correlation id and no secret."""

from __future__ import annotations

import json
import re

import pytest

from lti_tool.app import create_app
from lti_tool.config import ConfigError
from tests.integration.test_two_hosts import CASE_LINK
from tests.integration.test_two_hosts import Alternating
from tests.integration.test_two_hosts import play
from tests.support.hosts import free_port
from tests.support.hosts import running_host
from tests.support.live import KEY_ENCRYPTION_KEY
from tests.support.live import live_tool


def _spans(log: str) -> list[dict]:
    """The ConsoleSpanExporter's output: one JSON object per span, over several lines."""
    spans, depth, start = [], 0, None
    for index, char in enumerate(log):
        if char == "{":
            depth, start = depth + 1, index if depth == 0 else start
        elif char == "}" and depth:
            depth -= 1
            if depth == 0 and start is not None:
                try:
                    found = json.loads(log[start : index + 1])
                except json.JSONDecodeError:
                    continue
                if isinstance(found, dict) and "context" in found and "kind" in found:
                    spans.append(found)
    return spans


def test_a_launch_is_traced_through_flask_sqlalchemy_and_requests(database_url, tmp_path):
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    shared = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "tracing-secret-" + "x" * 32,
        "LTI_TOOL_KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
        "LTI_TOOL_BASE_URL": public,
        "LTI_TOOL_TRACING": "console",
        "OTEL_SERVICE_NAME": "amelie-test",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    empty = tmp_path / "platform-keys"
    empty.mkdir()
    overrides = {"SANDBOX_TOOL_BASE_URL": public, "SANDBOX_LINKS": [CASE_LINK]}
    with live_tool(database_url, tmp_path / "platform", empty, overrides=overrides) as platform:
        with running_host("h", tmp_path / "h", port, shared, workers=1) as host:
            play(Alternating([host.url], public), platform.sandbox_url, "Traced Learner")
        log = host.logged()  # the worker flushed its spans when it stopped

    spans = _spans(log)
    assert spans, log[-2000:]
    assert {s["resource"]["attributes"].get("service.name") for s in spans} == {"amelie-test"}
    launch = [s for s in spans if s["kind"] == "SpanKind.SERVER"
              and s["attributes"].get("http.route") == "/lti/launch"]  # fmt: skip
    assert launch, sorted({s["name"] for s in spans})
    assert re.fullmatch(r"[0-9a-f-]{8,64}", launch[0]["attributes"]["lti_tool.correlation_id"])
    trace_id = launch[0]["context"]["trace_id"]
    in_launch = [s for s in spans if s["context"]["trace_id"] == trace_id]
    assert any("db.system" in s["attributes"] or "db.system.name" in s["attributes"]
               for s in in_launch)  # fmt: skip
    assert any(s["kind"] == "SpanKind.CLIENT" and s["name"].startswith("GET") for s in in_launch)
    for span in spans:  # no token, no name: statements carry no parameters
        text = json.dumps(span["attributes"])
        assert "Traced Learner" not in text
        assert "id_token" not in text and "eyJ" not in text


def test_tracing_asks_for_a_known_exporter(tmp_path):
    with pytest.raises(ConfigError, match="LTI_TOOL_TRACING"):
        create_app({"TESTING": True, "TRACING": "zipkin", "INSTANCE_PATH": str(tmp_path),
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})  # fmt: skip
