"""The secret generated into the instance folder when SECRET_KEY is unset: processes starting
together (gunicorn workers, two `lti-tool grades work`) must all end up with the same, whole one."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from lti_tool.config import _instance_secret


def _read_secret(path: str, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue
                 ) -> None:  # fmt: skip
    start.wait()
    out.put(_instance_secret(Path(path)))


def test_processes_starting_together_share_one_whole_secret(tmp_path):
    _race(tmp_path)


def test_without_hard_links_they_still_share_one_whole_secret(tmp_path, monkeypatch):
    """Some volumes (SMB, vfat) refuse hard links: the secret is then created in place."""

    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    _race(tmp_path, rounds=30)  # the old code lost about one round in eight


def _race(tmp_path: Path, rounds: int = 6) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(rounds):
        path = tmp_path / f"secret_key_{round_}"
        start, out = context.Event(), context.Queue()
        processes = [context.Process(target=_read_secret, args=(str(path), start, out))
                     for _ in range(12)]  # fmt: skip
        for process in processes:
            process.start()
        start.set()
        secrets = [out.get(timeout=30) for _ in processes]
        for process in processes:
            process.join(timeout=30)

        assert len(set(secrets)) == 1, f"round {round_}: {sorted(set(secrets))}"
        assert len(secrets[0]) >= 32
        assert path.read_text() == secrets[0]
        assert path.stat().st_mode & 0o777 == 0o600
        leftovers = [p.name for p in tmp_path.iterdir() if path.name in p.name]
        assert leftovers == [path.name]
