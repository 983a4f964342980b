"""The README's first command, `lti-tool demo`, from an empty instance folder: it migrates a
fresh SQLite database, registers the sandbox platform, and its built-in grade worker sends the
score of a finished case to the sandbox gradebook."""

from __future__ import annotations

import logging

import requests

from lti_tool.sandbox.demo import demo_app
from tests.integration.test_case_library_over_http import play_over_http
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.catalogue import best_path
from tests.support.catalogue import library
from tests.support.live import LiveTool
from tests.support.live import serve
from tests.support.live import wait_until

CASE = "primary-front-desk"


def test_the_demo_starts_on_an_empty_folder_and_sends_a_finished_case_s_score(
    tmp_path, caplog, monkeypatch
):
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the demo's own default: SQLite
    caplog.set_level(logging.INFO)
    instance = tmp_path / "instance"
    server, thread = serve(lambda port: demo_app("127.0.0.1", port, {
        "INSTANCE_PATH": str(instance), "KEYS_DIR": str(tmp_path / "keys"),
        "SANDBOX_CONTROL": True}))  # fmt: skip
    app = server.app  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert app.config["DATABASE_URL"].startswith("sqlite:///")
        assert (instance / "lti_tool.sqlite3").exists()
        tool = LiveTool(app, server, base, base)

        debrief = play_over_http(Browser(tool), f"demo-{CASE}", "Demo Learner",
                                 best_path(library()[CASE]))  # fmt: skip
        assert page_of(debrief) == "debrief"

        def scores_posted() -> int:
            return len(requests.get(base + "/sandbox/control", timeout=10).json()["scores"])

        # two: "started" when the case began, "completed" with the score at its debrief
        wait_until(lambda: scores_posted() >= 2, timeout=30, what="the demo's worker to send")
        gradebook = requests.get(base + "/sandbox/gradebook", timeout=10).text
        assert "Demo Learner" in gradebook
        assert "Completed / FullyGraded" in gradebook
    finally:
        app.extensions["lti_tool.grade_worker"].stop()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["lti_tool.engine"].dispose()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
