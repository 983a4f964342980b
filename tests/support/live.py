"""A real tool and sandbox platform, served over HTTP on a free port, for tests.

The server is werkzeug's threaded server in a background thread of the test process; tests talk
to it with real HTTP (requests or a browser), never through Flask's test client.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server

from lti_tool.app import create_app
from lti_tool.db import new_session
from lti_tool.models import metadata
from lti_tool.sandbox.demo import register_sandbox

# the tests' key for the private keys in the database (every live tool of a test shares it)
KEY_ENCRYPTION_KEY = "dGVzdHMtb25seS1rZXktZW5jcnlwdGlvbi1rZXkhISE="

SANDBOX_LINKS = [
    {"id": "link-feature-tour", "title": "Feature tour", "case_id": "feature-tour"},
    {"id": "link-no-case", "title": "An activity without a case yet"},
    # the shipped case with the longest content note (the case page on a phone)
    {"id": "link-long-note", "title": "He keeps my phone", "case_id": "srh-he-keeps-my-phone"},
    {"id": "link-ed", "title": "The partner who answers", "case_id": "ed-partner-who-answers"},
]


def _placeholder(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@dataclass
class LiveTool:
    app: Flask
    server: BaseWSGIServer
    base_url: str  # the tool's address
    sandbox_url: str  # the sandbox platform's address (may be another site than the tool)

    @property
    def issuer(self) -> str:
        return self.sandbox_url + "/sandbox"

    def session(self) -> Any:
        return new_session(self.app)

    def row_counts(self) -> dict[str, int]:
        with self.session() as session:
            return {
                table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in metadata.sorted_tables
            }

    def sandbox_session(self) -> Any:
        return self.app.extensions["lti_tool.sandbox"].sessions()


def wait_until(condition: Any, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll an observable condition (another process or thread's work) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def serve(app_factory: Any, host: str = "127.0.0.1") -> tuple[BaseWSGIServer, threading.Thread]:
    server = make_server(host, 0, _placeholder, threaded=True)
    server.app = app_factory(server.server_port)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server, thread


@contextmanager
def live_tool(
    database_url: str,
    workdir: Path,
    keys_dir: Path,
    *,
    cross_site: bool = False,
    overrides: dict[str, Any] | None = None,
    register: bool = True,
) -> Iterator[LiveTool]:
    """Serve the tool with the sandbox mounted; ``cross_site`` puts the sandbox on
    ``localhost`` and the tool on ``127.0.0.1``, two different sites for the browser."""
    holder: dict[str, Any] = {}

    def factory(port: int) -> Flask:
        tool_url = f"http://127.0.0.1:{port}"
        sandbox_url = f"http://localhost:{port}" if cross_site else tool_url
        app = create_app(
            {
                "TESTING": True,
                "DEMO": True,
                "INSTANCE_PATH": str(workdir / "instance"),
                "DATABASE_URL": database_url,
                "SANDBOX_DATABASE_URL": f"sqlite:///{workdir / 'sandbox.sqlite3'}",
                "KEYS_DIR": str(keys_dir),
                "KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
                "SECRET_KEY": "test-secret-key-" + "x" * 32,
                "BASE_URL": tool_url,
                "SANDBOX_ISSUER": sandbox_url + "/sandbox",
                "SANDBOX_TOOL_BASE_URL": tool_url,
                "SANDBOX_LINKS": SANDBOX_LINKS,
                "SANDBOX_CONTROL": True,
                "REGISTRATION_CACHE_SECONDS": 0,
                "PLATFORM_JWKS_MIN_REFETCH_SECONDS": 0,
                "GRADE_WORKER_THREAD": False,
                "CASE_PATHS": (str(Path(__file__).resolve().parent.parent / "data" / "cases"),),
                **(overrides or {}),
            }
        )
        holder["tool_url"], holder["sandbox_url"] = tool_url, sandbox_url
        return app

    server, thread = serve(factory)
    app: Flask = server.app  # type: ignore[attr-defined]
    tool = LiveTool(app, server, holder["tool_url"], holder["sandbox_url"])
    if register:
        register_sandbox(app, tool.issuer)
    try:
        yield tool
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["lti_tool.engine"].dispose()


def copy_keys(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def truncate_all(engine: Any) -> None:
    with engine.begin() as connection:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
