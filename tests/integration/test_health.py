"""``/health``: 200 while the database answers, 503 while it does not, and 200 again when it is
back, without the process being restarted."""

from __future__ import annotations

import logging

import requests

from lti_tool.app import create_app


def test_a_serving_tool_is_healthy(tool):
    answer = requests.get(tool.base_url + "/health", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert answer.headers["Cache-Control"] == "no-store"


def test_unhealthy_while_the_database_is_away_and_healthy_when_it_is_back(tmp_path, keys_dir,
                                                                          caplog):  # fmt: skip
    folder = tmp_path / "not-yet"
    url = f"sqlite:///{folder / 'tool.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "KEYS_DIR": str(keys_dir), "TESTING": True})  # fmt: skip
    client = app.test_client()

    with caplog.at_level(logging.WARNING, logger="lti_tool.health"):
        away = client.get("/health")
    assert away.status_code == 503
    assert away.get_json() == {"status": "unavailable"}
    assert "the database did not answer (OperationalError)" in caplog.text
    assert str(folder) not in away.get_data(as_text=True) and str(folder) not in caplog.text

    folder.mkdir()
    back = client.get("/health")
    assert back.status_code == 200
    assert back.get_json() == {"status": "ok"}


def test_unhealthy_when_the_database_server_does_not_answer(tmp_path, keys_dir):
    app = create_app({"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/test",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "KEYS_DIR": str(keys_dir),
                      "TESTING": True})  # fmt: skip
    assert app.test_client().get("/health").status_code == 503
