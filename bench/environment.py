"""A tool, its database and the sandbox platform for a benchmark: the tool under gunicorn, the
sandbox in its own process on its own database, the sandbox registered with the tool."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine
from sqlalchemy import text

from bench.common import BIN
from bench.common import ROOT
from bench.common import free_port
from bench.common import gunicorn
from bench.common import wait_for

IFRAME = re.compile(r'id="tool-frame"[^>]*src="([^"]+)"')
FIELD = re.compile(r'name="([^"]+)" value="([^"]*)"')
NEXT_URL = re.compile(r'id="own-storage"[^>]*data-next="([^"]*)"', re.S)
# a key for the bench run only (production sets its own; see docs/deploy.md)
BENCH_KEY_ENCRYPTION_KEY = "YmVuY2gtb25seS1rZXktZW5jcnlwdGlvbi1rZXkhISE="
LINK = {"id": "bench-link", "title": "Bench", "case_id": "ed-partner-who-answers"}


def prepare_database(url: str) -> None:
    if url.startswith("postgresql"):
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()


def base_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")}


@dataclass
class Environment:
    tool_url: str
    sandbox_url: str
    tool_env: dict[str, str]
    database: str
    tool_pid: int | None = None
    sandbox_pid: int | None = None

    def launch(self, http: requests.Session, name: str, lang: str = "en") -> requests.Response:
        """A full launch, as a browser does it; returns the tool's launch response."""
        page = http.post(self.sandbox_url + "/sandbox/launch", timeout=30, data={
            "name": name, "role": "learner", "lang": lang, "message": "resource",
            "link": LINK["id"]})  # fmt: skip
        login_url = html.unescape(IFRAME.search(page.text).group(1))
        login = http.get(login_url, allow_redirects=False, timeout=30)
        if login.status_code == 302:
            next_url = login.headers["Location"]
        elif found := NEXT_URL.search(login.text):  # the first login of a browser
            next_url = html.unescape(found.group(1))
        else:
            raise RuntimeError(f"login {login.status_code}")
        auth = http.get(next_url, timeout=30)
        fields = dict(FIELD.findall(auth.text))
        launched = http.post(self.tool_url + "/lti/launch", data=fields, timeout=30)
        if launched.status_code != 200:
            raise RuntimeError(f"launch {launched.status_code}")
        return launched


@contextmanager
def environment(tmp: Path, database: str, workers: int = 2,
                extra_env: dict[str, str] | None = None) -> Iterator[Environment]:  # fmt: skip
    database = database if database != "sqlite" else f"sqlite:///{tmp / 'tool.sqlite3'}"
    prepare_database(database)
    sandbox_database = f"sqlite:///{tmp / 'sandbox.sqlite3'}"
    if database.startswith("postgresql"):
        sandbox_database = database + "_sandbox"
        prepare_database(sandbox_database)
    tool_port, sandbox_port = free_port(), free_port()
    tool_url = f"http://127.0.0.1:{tool_port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = {
        **base_env(),
        "DATABASE_URL": database,
        "LTI_TOOL_INSTANCE_PATH": str(tmp / "instance"),
        "LTI_TOOL_KEYS_DIR": str(tmp / "keys"),
        "LTI_TOOL_KEY_ENCRYPTION_KEY": BENCH_KEY_ENCRYPTION_KEY,
        "LTI_TOOL_BASE_URL": tool_url,
        "SECRET_KEY": "bench-secret-" + "x" * 40,
        "LTI_TOOL_LOG_LEVEL": "WARNING",
        # every simulated browser comes from 127.0.0.1: the per-address limit would measure
        # itself, not the launch
        "LTI_TOOL_THROTTLE_LTI_PER_ADDRESS": "",
        **(extra_env or {}),
    }
    lti_tool = str(BIN / "lti-tool")
    subprocess.run([lti_tool, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [lti_tool, "platform", "add", "--issuer", f"{sandbox_url}/sandbox",
         "--client-id", "amelie-sandbox", "--auth-login-url", f"{sandbox_url}/sandbox/auth",
         "--auth-token-url", f"{sandbox_url}/sandbox/token",
         "--key-set-url", f"{sandbox_url}/sandbox/jwks.json",
         "--deployment-id", "sandbox-deployment-1"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    sandbox_env = {
        **base_env(),
        "LTI_TOOL_INSTANCE_PATH": str(tmp / "sandbox-instance"),
        "LTI_TOOL_KEYS_DIR": str(tmp / "sandbox-keys"),
        "DATABASE_URL": f"sqlite:///{tmp / 'sandbox-side-tool.sqlite3'}",
        "LTI_TOOL_DEMO": "true",
        "LTI_TOOL_GRADE_WORKER_THREAD": "false",
        "LTI_TOOL_SANDBOX_DATABASE_URL": sandbox_database,
        "LTI_TOOL_SANDBOX_ISSUER": f"{sandbox_url}/sandbox",
        "LTI_TOOL_SANDBOX_TOOL_BASE_URL": tool_url,
        "LTI_TOOL_SANDBOX_CONTROL": "true",
        "LTI_TOOL_SANDBOX_LINKS": json.dumps([LINK]),
        "LTI_TOOL_LOG_LEVEL": "WARNING",
    }
    sandbox = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "16",
         "-b", f"127.0.0.1:{sandbox_port}", "--log-level", "warning", "bench.apps:tool_app()"],
        env=sandbox_env, cwd=str(ROOT),
    )  # fmt: skip
    try:
        wait_for(sandbox_url + "/sandbox/")
        with gunicorn("bench.apps:tool_app()", tool_port, env, workers=workers) as tool:
            yield Environment(tool_url, sandbox_url, env, database, tool.pid, sandbox.pid)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=15)
