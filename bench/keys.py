"""What reading the key list from the database at each use costs: ``Keyring.signing_key()``
and ``Keyring.jwks()`` with the list read every time (the default, ``KEYS_RECHECK_SECONDS=0``)
and with it kept for a second, on SQLite and PostgreSQL.

    .venv/bin/python bench/keys.py [--database URL] [--calls 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from lti_tool import migrate
from lti_tool.db import make_engine
from lti_tool.lti.keys import KeyCipher
from lti_tool.lti.keys import Keyring


def measure(url: str, calls: int) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(engine)
    cipher = KeyCipher(KeyCipher.new_key())
    for check_every in (0.0, 1.0):
        ring = Keyring(engine, cipher, timedelta(hours=72), check_every=check_every)
        ring.signing_key()  # creates and loads the key once
        for name, call in (("signing_key", ring.signing_key), ("jwks", ring.jwks)):
            start = time.perf_counter()
            for _ in range(calls):
                call()
            per_call = (time.perf_counter() - start) / calls * 1e6
            print(f"{engine.dialect.name:10} recheck {check_every:3.1f} s  {name:12} "
                  f"{per_call:8.1f} µs per call")  # fmt: skip
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/lti_bench"
    )
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/keys.sqlite3", args.calls)
    measure(args.database, args.calls)


if __name__ == "__main__":
    main()
