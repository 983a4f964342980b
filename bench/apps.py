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


FLOOR_ROWS = 16  # a row per learner, as the tool's attempts are
FLOOR_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_floor (id int PRIMARY KEY, step int NOT NULL, state text)",
    "DELETE FROM bench_floor",
)


def floor_app() -> Flask:
    """The least any recorded step can do: read one row and conditionally update it in
    PostgreSQL through SQLAlchemy Core (no transaction block: two autocommitted statements),
    then answer a small page. Run beside the bare app, it shows how much of the budget the
    database round trips alone take on this machine. Its table is made before the workers
    start (``FLOOR_TABLE``)."""
    import os
    import random

    from sqlalchemy import create_engine
    from sqlalchemy import text

    engine = create_engine(os.environ["BENCH_FLOOR_DATABASE_URL"], pool_size=5,
                           isolation_level="AUTOCOMMIT")  # fmt: skip
    read = text("SELECT id, step, state FROM bench_floor WHERE id = :id")
    write = text(
        "UPDATE bench_floor SET step = :next, state = :state WHERE id = :id AND step = :step"
    )
    app = Flask("floor")

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.post("/")
    def post() -> str:
        key = random.randint(1, FLOOR_ROWS)
        with engine.connect() as connection:
            row = connection.execute(read, {"id": key}).one()
            connection.execute(write, {"id": key, "step": row.step, "next": row.step + 1,
                                       "state": '{"path": []}'})  # fmt: skip
        return "<!doctype html><html lang=en><title>ok</title><p>Hello</p></html>"

    return app
