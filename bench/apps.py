"""WSGI apps the benchmarks serve with gunicorn: the tool, and a bare Flask baseline."""

from __future__ import annotations

from flask import Flask


def bare_app() -> Flask:
    """The baseline: a bare Flask app returning a small HTML page."""
    app = Flask("bare")

    @app.get("/")
    def index() -> str:
        return "<!doctype html><html lang=en><title>ok</title><p>Hello</p></html>"

    @app.post("/")
    def post() -> str:
        return "<!doctype html><html lang=en><title>ok</title><p>Hello</p></html>"

    return app


def tool_app() -> Flask:
    from lti_tool.app import create_app

    return create_app()
