"""``lti-tool demo``: everything in one process, on SQLite, with the sandbox platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml
from flask import Flask
from werkzeug.serving import make_server

from lti_tool import migrate
from lti_tool.app import create_app
from lti_tool.db import new_session
from lti_tool.grading import worker as grade_worker
from lti_tool.lti.registrations import add_registration
from lti_tool.lti.runtime import runtime
from lti_tool.paths import CASES_DIR
from lti_tool.sandbox import CLIENT_ID
from lti_tool.sandbox import DEPLOYMENT_ID


def case_links(directory: Path = CASES_DIR) -> list[dict[str, Any]]:
    """One sandbox activity per shipped case (titles read from the case files)."""
    links = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and data.get("id") and data.get("title"):
            links.append(
                {"id": f"demo-{data['id']}", "title": str(data["title"]), "case_id": data["id"]}
            )
    return links


def register_sandbox(app: Flask, issuer: str) -> None:
    """Register the sandbox platform with the tool (idempotent)."""
    with app.app_context():
        session = new_session(app)
        try:
            add_registration(
                session,
                issuer=issuer,
                client_id=CLIENT_ID,
                auth_login_url=f"{issuer}/auth",
                auth_token_url=f"{issuer}/token",
                key_set_url=f"{issuer}/jwks.json",
                deployment_ids=[DEPLOYMENT_ID],
                name="Sandbox platform",
            )
            session.commit()
        finally:
            session.close()


def demo_app(host: str, port: int, overrides: dict[str, Any] | None = None) -> Flask:
    base = f"http://{host}:{port}"
    app = create_app(
        {
            "DEMO": True,
            "BASE_URL": base,
            "SANDBOX_ISSUER": f"{base}/sandbox",
            "SANDBOX_TOOL_BASE_URL": base,
            "SANDBOX_LINKS": case_links(),
            **(overrides or {}),
        }
    )
    migrate.upgrade(app.extensions["lti_tool.engine"])
    runtime(app).keyring.bootstrap()  # the signing key, now that its table exists
    register_sandbox(app, f"{base}/sandbox")
    grade_worker.wake(app)  # scores an earlier demo run left waiting
    return app


def run_demo(host: str, port: int) -> int:
    app = demo_app(host, port)
    server = make_server(host, port, app, threaded=True)
    click.echo("")
    click.echo("AMELIE case simulations – demo")
    click.echo(
        f"  Open http://{host}:{port}/sandbox/ to launch the tool as a learner or an instructor."
    )
    click.echo(f"  Database: {app.config['DATABASE_URL']}")
    click.echo("  Stop with Ctrl+C.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
