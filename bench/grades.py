"""Grade delivery: N queued scores delivered to the sandbox platform by `lti-tool grades work`
processes; scores per second, the workers' CPU per score, and token requests per 1,000 scores.

The baseline, in the same run: a bare client (`requests`, the same number of threads, one token
reused, no database) posting the same number of scores to the same line item. It is the least
any AGS client pays for the HTTP alone, on this machine, against this platform.

    .venv/bin/python bench/grades.py [--database URL|sqlite] [--scores 2000] [--workers 1] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BIN
from bench.common import cpu_seconds
from bench.common import workdir
from bench.environment import environment


def queue(database: str, sandbox_url: str, count: int) -> None:
    """Learners in the platform's roster and one pending score each, as completions leave them."""
    subs = [f"bench-{n:05d}" for n in range(count)]
    requests.post(sandbox_url + "/sandbox/control", timeout=120,
                  json={"roster": [{"sub": s, "name": s} for s in subs]})  # fmt: skip
    engine = create_engine(database)
    now = datetime.now(UTC)
    stamp = (now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with engine.begin() as connection:
        link = connection.execute(
            text("SELECT id, registration_id, platform_id FROM resource_link")
        ).one()
        connection.execute(
            text("INSERT INTO learner_account (platform_id, sub, created_at) VALUES (:p, :s, :t)"),
            [{"p": link.platform_id, "s": s, "t": now} for s in subs],
        )
        ids = dict(connection.execute(text("SELECT sub, id FROM learner_account")).all())
        connection.execute(
            text("INSERT INTO score_delivery (registration_id, resource_link_id, learner_id, kind, "
                 "payload, timestamp, status, tries, next_try_at, created_at) VALUES "
                 "(:r, :l, :u, 'completed', :p, :ts, 'pending', 0, :now, :now)"),
            [{"r": link.registration_id, "l": link.id, "u": ids[s], "ts": now - timedelta(minutes=1),
              "now": now, "p": (f'{{"userId": "{s}", "scoreGiven": 80.0, "scoreMaximum": 100.0, '
                               '"activityProgress": "Completed", "gradingProgress": "FullyGraded", '
                               f'"timestamp": "{stamp}"}}')}
             for s in subs],
        )  # fmt: skip
    engine.dispose()


def bare_client(database: str, count: int, threads: int) -> None:
    """Post ``count`` scores with the token and line item the tool used; no queue, no database."""
    engine = create_engine(database)
    with engine.connect() as connection:
        token = connection.execute(text("SELECT token FROM access_token")).scalar_one()
        row = connection.execute(
            text("SELECT lineitem_url, found_lineitem_url FROM resource_link")
        ).one()
    engine.dispose()
    lineitem = row.lineitem_url or row.found_lineitem_url
    path, _, query = lineitem.partition("?")
    url = path + "/scores" + (f"?{query}" if query else "")
    headers = {"Authorization": f"Bearer {token}",
               "Content-Type": "application/vnd.ims.lis.v1.score+json"}  # fmt: skip
    numbers = iter(range(count))
    lock = threading.Lock()
    failures = []

    def post_all() -> None:
        http = requests.Session()
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            body = {"userId": f"bench-{number:05d}", "scoreGiven": 90.0, "scoreMaximum": 100.0,
                    "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                    "timestamp": stamp}  # fmt: skip
            answer = http.post(url, data=json.dumps(body), headers=headers, timeout=60)
            if answer.status_code >= 300:
                failures.append(answer.status_code)

    workers = [threading.Thread(target=post_all) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise SystemExit(f"bare client: {len(failures)} scores refused ({failures[0]})")


def main() -> None:
    if sys.argv[1:2] == ["--bare-client"]:
        bare_client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/lti_bench"
    )
    parser.add_argument("--scores", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with workdir() as tmp, environment(tmp, args.database) as env:
        env.launch(requests.Session(), "Seed Learner")  # creates the activity's rows
        idle = subprocess.Popen([str(BIN / "lti-tool"), "grades", "work", "--until-empty"],
                                env=env.tool_env, stdout=subprocess.DEVNULL)  # fmt: skip
        _, _, idle_usage = os.wait4(idle.pid, 0)
        startup_cpu = idle_usage.ru_utime + idle_usage.ru_stime
        queue(env.tool_env["DATABASE_URL"], env.sandbox_url, args.scores)
        tokens_before = len(
            requests.get(env.sandbox_url + "/sandbox/control", timeout=30).json()["tokens"]
        )
        sandbox_before = cpu_seconds(env.sandbox_pid)
        started = time.perf_counter()
        processes = [
            subprocess.Popen([str(BIN / "lti-tool"), "grades", "work", "--until-empty",
                              "--batch", "200", "--poll", "0.2"],
                             env={**env.tool_env, "LTI_TOOL_GRADE_THREADS": str(args.threads)},
                             stdout=subprocess.DEVNULL)
            for _ in range(args.workers)
        ]  # fmt: skip
        cpu = 0.0
        for process in processes:
            _, _, usage = os.wait4(process.pid, 0)
            cpu += usage.ru_utime + usage.ru_stime
        elapsed = time.perf_counter() - started
        sandbox_cpu = cpu_seconds(env.sandbox_pid) - sandbox_before
        events = requests.get(env.sandbox_url + "/sandbox/control", timeout=60).json()
        delivered = len(events["scores"])
        tokens = len(events["tokens"]) - tokens_before

        sandbox_before = cpu_seconds(env.sandbox_pid)
        started = time.perf_counter()
        bare = subprocess.Popen([sys.executable, __file__, "--bare-client",
                                 env.tool_env["DATABASE_URL"], str(args.scores), str(args.threads)])  # fmt: skip
        _, status, usage = os.wait4(bare.pid, 0)
        if status != 0:
            raise SystemExit("the bare client failed")
        bare_elapsed = time.perf_counter() - started
        bare_cpu = usage.ru_utime + usage.ru_stime
        bare_sandbox_cpu = cpu_seconds(env.sandbox_pid) - sandbox_before

    kind = "PostgreSQL" if args.database.startswith("postgresql") else "SQLite"
    print(f"\nGrade delivery: {args.scores} queued scores, {args.workers} worker process(es) with "
          f"{args.threads} threads, {kind}")  # fmt: skip
    print(f"delivered            {delivered}")
    print(f"wall time            {elapsed:.2f} s (including process start-up)")
    print(f"scores per second    {delivered / elapsed:.1f}")
    print(
        f"worker CPU per score {cpu / max(delivered, 1) * 1000:.3f} ms (process start-up included)"
    )
    working = cpu - startup_cpu * args.workers
    print(f"                     {working / max(delivered, 1) * 1000:.3f} ms without the start-up "
          f"({startup_cpu:.2f} s CPU per process, measured on an empty queue)")  # fmt: skip
    print(f"sandbox platform CPU {sandbox_cpu / max(delivered, 1) * 1000:.3f} ms per score "
          "(the other party, on the same two cores)")  # fmt: skip
    print(
        f"token requests       {tokens} ({tokens / max(delivered, 1) * 1000:.2f} per 1,000 scores)"
    )
    print(f"\nBaseline: a bare client posting {args.scores} scores with {args.threads} threads "
          "(one token, no database)")  # fmt: skip
    print(f"scores per second    {args.scores / bare_elapsed:.1f}")
    print(
        f"client CPU per score {bare_cpu / args.scores * 1000:.3f} ms (process start-up included)"
    )
    print(f"sandbox platform CPU {bare_sandbox_cpu / args.scores * 1000:.3f} ms per score")
    print(f"tool worker CPU per score (without start-up) = "
          f"{working / max(delivered, 1) / (bare_cpu / args.scores):.1f}x the bare client's")  # fmt: skip


if __name__ == "__main__":
    main()
