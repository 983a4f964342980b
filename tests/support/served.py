"""The tool (with the sandbox platform mounted, as in the demo) served by gunicorn with the
shipped ``gunicorn.conf.py``, in processes of its own: for what one process cannot show (several
workers with their own memory, how a worker holds connections)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.support.live import KEY_ENCRYPTION_KEY

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
CASES = ROOT / "tests" / "data" / "cases"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tool_environment(
    database_url: str, workdir: Path, keys_dir: Path, public_url: str, sandbox_url: str,
    links: list[dict[str, Any]],
) -> dict[str, str]:  # fmt: skip
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "LTI_TOOL_INSTANCE_PATH": str(workdir / "instance"),
        "LTI_TOOL_KEYS_DIR": str(keys_dir),
        "LTI_TOOL_BASE_URL": public_url,
        "LTI_TOOL_DEMO": "true",
        "LTI_TOOL_SANDBOX_DATABASE_URL": f"sqlite:///{workdir / 'sandbox.sqlite3'}",
        "LTI_TOOL_SANDBOX_ISSUER": sandbox_url + "/sandbox",
        "LTI_TOOL_SANDBOX_TOOL_BASE_URL": public_url,
        "LTI_TOOL_SANDBOX_CONTROL": "true",
        "LTI_TOOL_SANDBOX_LINKS": json.dumps(links),
        "LTI_TOOL_GRADE_WORKER_THREAD": "false",
        "LTI_TOOL_CASE_PATHS": str(CASES),
        "LTI_TOOL_LOG_LEVEL": "WARNING",
        "LTI_TOOL_KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
    }


@contextmanager
def gunicorn(env: dict[str, str], port: int, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn with the project's ``gunicorn.conf.py`` (``args`` override it), until it
    answers."""
    process = subprocess.Popen(
        [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
         "--chdir", str(ROOT), *args, "bench.apps:tool_app()"],
        env=env, cwd=str(ROOT),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "gunicorn exited"
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)
