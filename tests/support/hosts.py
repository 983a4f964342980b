"""Tool hosts as a deployment runs them: gunicorn processes and `lti-tool grades work`
processes, each with its own empty instance and key folders, sharing only the database, Redis
and the environment (the secrets every host is given)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import requests

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Host:
    name: str
    url: str  # where this host listens
    env: dict[str, str]
    log: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def lti_tool(self, *args: str) -> str:
        result = subprocess.run([str(BIN / "lti-tool"), *args], env=self.env, cwd=self.env["HOME"],
                                capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def logged(self) -> str:
        return "".join(p.read_text() for p in self.log.parent.glob(f"{self.name}-*.log"))


def host_env(workdir: Path, shared: dict[str, str]) -> dict[str, str]:
    """A host's environment: its own empty folders, and nothing else of its own."""
    for folder in ("instance", "keys", "home"):
        (workdir / folder).mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LTI_TOOL_")}
    env.pop("REDIS_URL", None)
    return {
        **env,
        "HOME": str(workdir / "home"),
        "LTI_TOOL_INSTANCE_PATH": str(workdir / "instance"),
        "LTI_TOOL_KEYS_DIR": str(workdir / "keys"),
        **shared,
    }


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the host exited while starting"
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


@contextmanager
def running_host(name: str, workdir: Path, port: int, shared: dict[str, str],
                 workers: int = 2) -> Iterator[Host]:  # fmt: skip
    """One host: gunicorn with ``workers`` processes and one grade worker process."""
    env = host_env(workdir, shared)
    log = workdir / f"{name}-gunicorn.log"
    host = Host(name, f"http://127.0.0.1:{port}", env, log)
    with ExitStack() as stack:
        web_log = stack.enter_context(log.open("wb"))
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--chdir", str(ROOT), "--log-level", "info", "wsgi:app"],
            env=env, stdout=web_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        host.processes.append(web)
        stack.callback(_stop, web)
        _wait_for(host.url + "/health", web)
        grades_log = stack.enter_context((workdir / f"{name}-grades.log").open("wb"))
        grades = subprocess.Popen(
            [str(BIN / "lti-tool"), "grades", "work", "--poll", "0.2"],
            env=env, cwd=env["HOME"], stdout=grades_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        host.processes.append(grades)
        stack.callback(_stop, grades)
        yield host


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
