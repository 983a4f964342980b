"""Launch throughput: full LTI launches (sandbox → /lti/login → sandbox auth → /lti/launch) by
1, 8 and 32 concurrent "browsers" against the tool under gunicorn (2 sync workers), beside a
bare Flask app under the same gunicorn settings.

    .venv/bin/python bench/launch.py [--database URL|sqlite] [--duration 10] [--concurrency 1,8,32]

The sandbox platform runs in its own process, so the tool's CPU (gunicorn master and workers,
from /proc) is measured alone. "CPU per launch" counts both of the tool's requests of a launch.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bare_baseline
from bench.common import print_rows
from bench.common import run_load
from bench.common import workdir
from bench.environment import environment

NAMES = [f"Learner {i:03d}" for i in range(200)]
STEPS = ("sandbox launch", "tool login", "sandbox auth", "tool launch")


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

    steps: dict[str, list[float]] = {name: [] for name in STEPS}
    rows = []
    step_rows = []
    with workdir() as tmp, environment(tmp, args.database, args.workers) as env:

        def launch(http: requests.Session) -> None:
            started = time.perf_counter()
            marks = []

            def hook(response: requests.Response, *_: object, **__: object) -> None:
                marks.append(time.perf_counter())

            http.hooks["response"] = [hook]
            env.launch(http, random.choice(NAMES))
            previous = started
            for name, mark in zip(STEPS, marks, strict=False):
                steps[name].append(mark - previous)
                previous = mark

        for level in levels:
            for values in steps.values():
                values.clear()
            rows.append(("tool", run_load(launch, level, args.duration, env.tool_pid)))
            step_rows.append((level, {k: sorted(v) for k, v in steps.items()}))
    rows += [("bare", result) for result in bare_baseline(levels, args.duration, args.workers)]

    kind = "PostgreSQL" if args.database.startswith("postgresql") else "SQLite"
    print_rows(f"Launch benchmark: gunicorn {args.workers} sync workers, {kind}, "
               f"{args.duration:.0f} s per level", rows, unit="launch")  # fmt: skip
    print("\nlatency of each step of a launch (p50 / p99 ms; sandbox steps are the platform's)")
    for level, by_step in step_rows:
        parts = [f"{name} {v[len(v) // 2] * 1000:.1f} / {v[int(len(v) * 0.99)] * 1000:.1f}"
                 for name, v in by_step.items() if v]  # fmt: skip
        print(f"  concurrency {level}: " + ", ".join(parts))
    bare_cpu = {r.concurrency: r.cpu_per_op_ms for n, r in rows if n == "bare"}
    for name, result in rows:
        if name == "tool":
            ratio = result.cpu_per_op_ms / bare_cpu[result.concurrency]
            print(f"concurrency {result.concurrency}: tool CPU per full launch = "
                  f"{ratio:.1f}x the bare app's CPU per request")  # fmt: skip


if __name__ == "__main__":
    main()
