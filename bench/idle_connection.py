"""Idle connections against gunicorn: with 0, 1 and 2 connections that connect and send nothing
held open, how long do 20 other clients (each on a new connection) wait for ``GET /health``?
Run for gunicorn's default sync worker and for the shipped ``gunicorn.conf.py`` (gthread), both
with 2 workers.

    .venv/bin/python bench/idle_connection.py [--requests 20] [--give-up 5]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.served import free_port
from tests.support.served import gunicorn
from tests.support.served import tool_environment

SETUPS = {
    "sync, 2 workers": ("-w", "2", "-k", "sync", "--threads", "1"),
    "gunicorn.conf.py (gthread), 2 workers": ("-w", "2"),
}


def measure(port: int, count: int, give_up: float) -> tuple[float, float, int]:
    waits, lost = [], 0
    for _ in range(count):
        started = time.perf_counter()
        try:
            requests.get(f"http://127.0.0.1:{port}/health", timeout=give_up,
                         headers={"Connection": "close"})  # fmt: skip
            waits.append(time.perf_counter() - started)
        except requests.RequestException:
            lost += 1
    return (statistics.median(waits) if waits else float("nan"),
            max(waits) if waits else float("nan"), lost)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--give-up", type=float, default=5.0)
    args = parser.parse_args()
    from lti_tool import migrate
    from lti_tool.lti.keys import ensure_key

    print(f"{'setup':40} {'idle':>4} {'median ms':>10} {'max ms':>8} {'gave up':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        database = f"sqlite:///{work / 'tool.sqlite3'}"
        from sqlalchemy import create_engine

        engine = create_engine(database)
        migrate.upgrade(engine)
        engine.dispose()
        ensure_key(work / "keys")
        env = tool_environment(database, work, work / "keys", "http://127.0.0.1",
                               "http://127.0.0.1", links=[])  # fmt: skip
        for name, extra in SETUPS.items():
            port = free_port()
            with gunicorn(env, port, *extra):
                for idle in (0, 1, 2):
                    with ExitStack() as stack:
                        for _ in range(idle):
                            stack.enter_context(socket.create_connection(("127.0.0.1", port)))
                        median, worst, lost = measure(port, args.requests, args.give_up)
                    print(f"{name:40} {idle:>4} {median * 1000:>10.1f} {worst * 1000:>8.1f} "
                          f"{lost:>5}/{args.requests}")  # fmt: skip


if __name__ == "__main__":
    main()
