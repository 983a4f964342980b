"""Choice submissions: 50 concurrent learners each playing a case, one POST per decision
(feedback shown at the end, so every request records a choice and renders the next scene),
against the tool under gunicorn (2 sync workers), beside the bare Flask app and the "floor" app
(one SELECT and one conditional UPDATE of a row per request, nothing else; ``bench/apps.py``).

    .venv/bin/python bench/steps.py [--database URL|sqlite] [--duration 10] [--learners 50]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import threading
from pathlib import Path

import requests
from sqlalchemy import create_engine
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bare_baseline
from bench.common import floor_baseline
from bench.common import print_rows
from bench.common import run_load
from bench.common import workdir
from bench.environment import environment

FORM = re.compile(r'<form method="post" action="(/play/choose)">(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CHOICE = re.compile(r'<button type="submit" name="choice" value="([^"]+)">')
START = re.compile(
    r'<form method="post" action="/play/start">\s*<input type="hidden" name="lt" value="([^"]+)"'
)


class Player:
    """One learner's position in the case: the fields of the form on their screen."""

    def __init__(self, env, name: str) -> None:  # type: ignore[no-untyped-def]
        self.env = env
        self.http = requests.Session()
        page = env.launch(self.http, name)
        self.page = self.http.post(env.tool_url + "/play/start", timeout=30,
                                   data={"lt": START.search(page.text).group(1)})  # fmt: skip

    def step(self) -> None:
        match = FORM.search(self.page.text)
        if match is None:  # the debrief: begin again
            token = START.search(self.page.text)
            if token is None:
                raise RuntimeError("neither a scene nor a debrief")
            self.page = self.http.post(self.env.tool_url + "/play/start",
                                       data={"lt": token.group(1)}, timeout=30)  # fmt: skip
            return
        fields = dict(HIDDEN.findall(match.group(2)))
        fields["choice"] = random.choice(CHOICE.findall(match.group(2)))
        self.page = self.http.post(self.env.tool_url + "/play/choose", data=fields, timeout=30)
        if self.page.status_code != 200:
            raise RuntimeError(f"choose answered {self.page.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/lti_bench"
    )
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    rows = []
    with workdir() as tmp, environment(tmp, args.database, args.workers) as env:
        first = Player(env, "Learner 000")
        engine = create_engine(env.tool_env["DATABASE_URL"])
        with engine.begin() as connection:
            connection.execute(text("UPDATE resource_link SET settings = :s"),
                               {"s": '{"feedback": "end"}'})  # fmt: skip
        engine.dispose()
        players = [first] + [Player(env, f"Learner {n:03d}") for n in range(1, args.learners)]
        pool = iter(players)
        lock = threading.Lock()
        local = threading.local()

        def step(_http: requests.Session) -> None:
            if not hasattr(local, "player"):
                with lock:
                    local.player = next(pool)
            local.player.step()

        rows.append(("tool", run_load(step, args.learners, args.duration, env.tool_pid)))
        floor = floor_baseline([args.learners], args.duration, args.workers, env.database)
    rows += [("floor", r) for r in floor]
    rows += [("bare", r) for r in bare_baseline([args.learners], args.duration, args.workers)]
    kind = "PostgreSQL" if args.database.startswith("postgresql") else "SQLite"
    print_rows(f"Choice submissions: {args.learners} learners, gunicorn {args.workers} sync "
               f"workers, {kind}, {args.duration:.0f} s", rows, unit="step")  # fmt: skip
    tool, floor_row, bare = (row[1].cpu_per_op_ms for row in rows)
    print(f"tool CPU per choice submission = {tool / bare:.1f}x the bare app's CPU per request")
    print(f"floor (one SELECT and one conditional UPDATE, nothing else) = {floor_row / bare:.1f}x")


if __name__ == "__main__":
    main()
