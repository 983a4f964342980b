"""Two tool hosts (gunicorn, 2 workers each, and a grade worker each) sharing PostgreSQL and
Redis and nothing on disk, the scenario of ``tests/integration/test_two_hosts.py`` with more
learners at once: every learner's requests alternate between the hosts, one host rotates the
signing key halfway, and every grade must arrive once.

    .venv/bin/python bench/two_hosts.py [--database URL] [--learners 20] [--concurrency 4]

Prints the wall time to play every case and to have every grade delivered; any failed
request or duplicated grade fails the run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine

from lti_tool import migrate
from tests.integration.test_two_hosts import run_two_hosts
from tests.support.live import truncate_all


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/lti_bench"
    )
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    engine = create_engine(args.database)
    migrate.upgrade(engine)
    truncate_all(engine)
    engine.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        timings = run_two_hosts(args.database, Path(tmp), args.learners, args.concurrency)
    for name, seconds in timings.items():
        print(f"{args.learners} learners, {args.concurrency} at once: {name} in {seconds:.1f} s")
    print("errors: 0; every grade delivered once")


if __name__ == "__main__":
    main()
