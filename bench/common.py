"""Shared parts of the benchmarks: starting servers, measuring their CPU, running load."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def _ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime of the process


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            pids.append(int(entry))
    return pids


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine, all cores (from /proc/stat)."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of a server: the process and its children (gunicorn master and workers)."""
    total = 0
    for member in process_tree(pid):
        with suppress(OSError):
            total += _ticks(member)
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def gunicorn(
    app: str, port: int, env: dict[str, str], workers: int = 2
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-w",
            str(workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            app,
        ],
        env={**os.environ, **env},
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)


@dataclass
class LoadResult:
    concurrency: int
    seconds: float
    count: int
    errors: int
    latencies: list[float]
    server_cpu: float
    machine_cpu: float = 0.0  # every process on every core: load generator, platform, database

    @property
    def machine_cpu_per_op_ms(self) -> float:
        return self.machine_cpu / max(self.count, 1) * 1000

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    @property
    def cpu_per_op_ms(self) -> float:
        return self.server_cpu / max(self.count, 1) * 1000


def run_load(
    operation: Callable[[requests.Session], None],
    concurrency: int,
    duration: float,
    server_pid: int,
    warmup: float = 1.0,
) -> LoadResult:
    """``concurrency`` threads repeat ``operation`` for ``duration`` seconds after a warm-up."""
    stop_at = [0.0]
    measuring = threading.Event()
    latencies: list[float] = []
    errors = [0]
    first_error: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        http = requests.Session()
        while True:
            started = time.perf_counter()
            if started >= stop_at[0]:
                return
            try:
                operation(http)
                ok = True
            except Exception as exc:
                ok = False
                if not first_error:
                    first_error.append(f"{type(exc).__name__}: {exc}"[:200])
            elapsed = time.perf_counter() - started
            if measuring.is_set() and time.perf_counter() < stop_at[0]:
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1

    stop_at[0] = time.perf_counter() + warmup + duration
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    cpu_before = cpu_seconds(server_pid)
    machine_before = machine_cpu_seconds()
    started = time.perf_counter()
    measuring.set()
    time.sleep(duration)
    elapsed = time.perf_counter() - started
    cpu_after = cpu_seconds(server_pid)
    machine_after = machine_cpu_seconds()
    for thread in threads:
        thread.join()
    if first_error:
        print(f"  first error at concurrency {concurrency}: {first_error[0]}")
    return LoadResult(concurrency, elapsed, len(latencies), errors[0], latencies,
                      cpu_after - cpu_before, machine_after - machine_before)  # fmt: skip


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="lti-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def bare_baseline(levels: list[int], duration: float, workers: int) -> list[LoadResult]:
    """The bare Flask app under the same gunicorn settings, GET and POST of a small page."""
    port = free_port()

    def bare(http: requests.Session) -> None:
        response = http.post(f"http://127.0.0.1:{port}/", data={"x": "1"}, timeout=30)
        if response.status_code != 200:
            raise RuntimeError("bare")

    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")}
    with gunicorn("bench.apps:bare_app()", port, env, workers=workers) as server:
        return [run_load(bare, level, duration, server.pid) for level in levels]


def floor_baseline(levels: list[int], duration: float, workers: int, database: str
                   ) -> list[LoadResult]:  # fmt: skip
    """The floor app (``bench.apps.floor_app``: one SELECT and one conditional UPDATE per POST)
    on the benchmark's database, under the same gunicorn settings."""
    port = free_port()

    def floor(http: requests.Session) -> None:
        response = http.post(f"http://127.0.0.1:{port}/", data={"x": "1"}, timeout=30)
        if response.status_code != 200:
            raise RuntimeError("floor")

    from sqlalchemy import create_engine
    from sqlalchemy import text

    from bench.apps import FLOOR_ROWS
    from bench.apps import FLOOR_TABLE

    engine = create_engine(database)
    with engine.begin() as connection:
        for statement in FLOOR_TABLE:
            connection.execute(text(statement))
        connection.execute(text("INSERT INTO bench_floor (id, step, state) VALUES (:id, 0, '{}')"),
                           [{"id": n} for n in range(1, FLOOR_ROWS + 1)])  # fmt: skip
    engine.dispose()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root"),
           "BENCH_FLOOR_DATABASE_URL": database}  # fmt: skip
    with gunicorn("bench.apps:floor_app()", port, env, workers=workers) as server:
        return [run_load(floor, level, duration, server.pid) for level in levels]


def print_rows(title: str, rows: list[tuple[str, LoadResult]], unit: str = "op") -> None:
    print(f"\n{title}")
    print(f"{'server':<6} {'conc':>4} {unit + 's/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
          f"{'CPU/' + unit + ' ms':>12} {'machine CPU/' + unit:>16}")  # fmt: skip
    for name, result in rows:
        print(f"{name:<6} {result.concurrency:>4} {result.rate:>9.1f} {result.percentile(50):>8.1f} "
              f"{result.percentile(99):>8.1f} {result.errors:>6} {result.cpu_per_op_ms:>12.3f} "
              f"{result.machine_cpu_per_op_ms:>16.3f}")  # fmt: skip
