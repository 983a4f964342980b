"""Launch throughput: full LTI launches (sandbox → /lti/login → sandbox auth → /lti/launch) by
1, 8 and 32 concurrent "browsers" against the tool under gunicorn (2 sync workers), beside a
bare Flask app under the same gunicorn settings.

    .venv/bin/python bench/launch.py [--database URL] [--duration 10] [--concurrency 1,8,32]

The sandbox platform runs in its own process, so the tool's CPU (gunicorn master and workers,
from /proc) is measured alone. "CPU per launch" counts both of the tool's requests of a launch.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BIN
from bench.common import free_port
from bench.common import gunicorn
from bench.common import run_load
from bench.common import wait_for
from bench.common import workdir

IFRAME = re.compile(r'id="tool-frame"[^>]*src="([^"]+)"')
FIELD = re.compile(r'name="([^"]+)" value="([^"]*)"')
NAMES = [f"Learner {i:03d}" for i in range(200)]


def prepare_database(url: str) -> None:
    if url.startswith("postgresql"):
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/lti_bench"
    )
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]

    with workdir() as tmp:
        database = (
            args.database if args.database != "sqlite" else f"sqlite:///{tmp / 'tool.sqlite3'}"
        )
        prepare_database(database)
        sandbox_database = f"sqlite:///{tmp / 'sandbox.sqlite3'}"
        if database.startswith("postgresql"):
            sandbox_database = database + "_sandbox"
            prepare_database(sandbox_database)
        tool_port, sandbox_port, bare_port = free_port(), free_port(), free_port()
        tool_url = f"http://127.0.0.1:{tool_port}"
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        env = {
            "DATABASE_URL": database,
            "LTI_TOOL_INSTANCE_PATH": str(tmp / "instance"),
            "LTI_TOOL_KEYS_DIR": str(tmp / "keys"),
            "LTI_TOOL_BASE_URL": tool_url,
            "SECRET_KEY": "bench-secret-" + "x" * 40,
            "LTI_TOOL_LOG_LEVEL": "WARNING",
        }
        lti_tool = str(BIN / "lti-tool")
        subprocess.run(
            [lti_tool, "db", "upgrade"], env={**env, **_path()}, check=True, capture_output=True
        )
        subprocess.run(
            [
                lti_tool,
                "platform",
                "add",
                "--issuer",
                f"{sandbox_url}/sandbox",
                "--client-id",
                "amelie-sandbox",
                "--auth-login-url",
                f"{sandbox_url}/sandbox/auth",
                "--auth-token-url",
                f"{sandbox_url}/sandbox/token",
                "--key-set-url",
                f"{sandbox_url}/sandbox/jwks.json",
                "--deployment-id",
                "sandbox-deployment-1",
            ],
            env={**env, **_path()},
            check=True,
            capture_output=True,
        )
        sandbox_env = {
            **_path(),
            "LTI_TOOL_INSTANCE_PATH": str(tmp / "sandbox-instance"),
            "LTI_TOOL_KEYS_DIR": str(tmp / "sandbox-keys"),
            "DATABASE_URL": f"sqlite:///{tmp / 'sandbox-side-tool.sqlite3'}",
            "LTI_TOOL_DEMO": "true",
            "LTI_TOOL_SANDBOX_DATABASE_URL": sandbox_database,
            "LTI_TOOL_SANDBOX_ISSUER": f"{sandbox_url}/sandbox",
            "LTI_TOOL_SANDBOX_TOOL_BASE_URL": tool_url,
            "LTI_TOOL_SANDBOX_LINKS": '[{"id": "bench-link", "title": "Bench", "case_id": "ed-partner-who-answers"}]',
            "LTI_TOOL_LOG_LEVEL": "WARNING",
        }
        sandbox = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                "1",
                "-k",
                "gthread",
                "--threads",
                "16",
                "-b",
                f"127.0.0.1:{sandbox_port}",
                "--log-level",
                "warning",
                "bench.apps:tool_app()",
            ],
            env={**sandbox_env},
            cwd=str(Path(__file__).resolve().parent.parent),
        )
        try:
            wait_for(sandbox_url + "/sandbox/")

            steps: dict[str, list[float]] = {
                "sandbox launch": [],
                "tool login": [],
                "sandbox auth": [],
                "tool launch": [],
            }

            def timed(name: str, started: float) -> float:
                now = time.perf_counter()
                steps[name].append(now - started)
                return now

            def launch(http: requests.Session) -> None:
                t = time.perf_counter()
                page = http.post(
                    sandbox_url + "/sandbox/launch",
                    timeout=30,
                    data={
                        "name": random.choice(NAMES),
                        "role": "learner",
                        "lang": "en",
                        "message": "resource",
                        "link": "bench-link",
                    },
                )
                t = timed("sandbox launch", t)
                login_url = html.unescape(IFRAME.search(page.text).group(1))
                login = http.get(login_url, allow_redirects=False, timeout=30)
                t = timed("tool login", t)
                if login.status_code != 302:
                    raise RuntimeError(f"login {login.status_code}")
                auth = http.get(login.headers["Location"], timeout=30)
                t = timed("sandbox auth", t)
                fields = dict(FIELD.findall(auth.text))
                launched = http.post(tool_url + "/lti/launch", data=fields, timeout=30)
                timed("tool launch", t)
                if launched.status_code != 200:
                    raise RuntimeError(f"launch {launched.status_code}")

            def bare(http: requests.Session) -> None:
                response = http.get(f"http://127.0.0.1:{bare_port}/", timeout=30)
                if response.status_code != 200:
                    raise RuntimeError("bare")

            rows = []
            step_rows: list[tuple[int, dict[str, list[float]]]] = []
            with gunicorn(
                "bench.apps:tool_app()", tool_port, {**env, **_path()}, workers=args.workers
            ) as tool_server:
                for level in levels:
                    for values in steps.values():
                        values.clear()
                    rows.append(("tool", run_load(launch, level, args.duration, tool_server.pid)))
                    step_rows.append((level, {k: sorted(v) for k, v in steps.items()}))
            with gunicorn(
                "bench.apps:bare_app()", bare_port, _path(), workers=args.workers
            ) as bare_server:
                for level in levels:
                    rows.append(("bare", run_load(bare, level, args.duration, bare_server.pid)))
        finally:
            sandbox.terminate()
            sandbox.wait(timeout=15)

    print(
        f"\nLaunch benchmark: gunicorn {args.workers} sync workers, database "
        f"{'SQLite' if database.startswith('sqlite') else 'PostgreSQL'}, {args.duration:.0f} s per level"
    )
    print(
        f"{'server':<6} {'conc':>4} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'CPU/op ms':>10}"
    )
    for name, result in rows:
        print(
            f"{name:<6} {result.concurrency:>4} {result.rate:>8.1f} {result.percentile(50):>8.1f} "
            f"{result.percentile(99):>8.1f} {result.errors:>6} {result.cpu_per_op_ms:>10.3f}"
        )
    print("\nlatency of each step of a launch (p50 / p99 ms; sandbox steps are the platform's)")
    for level, by_step in step_rows:
        parts = [
            f"{name} {v[len(v) // 2] * 1000:.1f} / {v[int(len(v) * 0.99)] * 1000:.1f}"
            for name, v in by_step.items()
            if v
        ]
        print(f"  concurrency {level}: " + ", ".join(parts))
    bare_cpu = {r.concurrency: r.cpu_per_op_ms for n, r in rows if n == "bare"}
    for name, result in rows:
        if name == "tool":
            ratio = result.cpu_per_op_ms / bare_cpu[result.concurrency]
            print(
                f"concurrency {result.concurrency}: tool CPU per full launch = "
                f"{ratio:.1f}x the bare app's CPU per request"
            )


def _path() -> dict[str, str]:
    import os

    return {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")}


if __name__ == "__main__":
    main()
