"""`lti-tool grades work` processes: killed mid-way they lose nothing; two at once deliver every
score exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import insert
from sqlalchemy import select

from lti_tool.db import utcnow
from lti_tool.grading.models import ScoreDelivery
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.models import ResourceLink
from tests.integration.test_learner import Learner
from tests.support.live import KEY_ENCRYPTION_KEY
from tests.support.live import wait_until

LTI_TOOL = str(Path(sys.executable).with_name("lti-tool"))


def worker(tool, tmp_path: Path, keys_dir: Path, *args: str, lease: int = 120
           ) -> subprocess.Popen[str]:  # fmt: skip
    env = {
        **os.environ,
        "DATABASE_URL": tool.app.config["DATABASE_URL"],
        "LTI_TOOL_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "LTI_TOOL_KEYS_DIR": str(keys_dir),
        "LTI_TOOL_KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
        "LTI_TOOL_GRADE_LEASE_SECONDS": str(lease),
        "LTI_TOOL_CASE_PATHS": ":".join(tool.app.config["CASE_PATHS"]),
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [LTI_TOOL, "grades", "work", "--poll", "0.2", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def events(tool, kind: str) -> list[dict]:
    return requests.get(tool.sandbox_url + "/sandbox/control", timeout=10).json()[kind]


def statuses(tool) -> list[str]:
    with tool.session() as session:
        return list(session.scalars(select(ScoreDelivery.status).order_by(ScoreDelivery.id)))


def test_killing_the_worker_loses_no_score(tool, tmp_path, keys_dir):
    for index in range(6):
        Learner(tool, name=f"Killed {index}").play(["confront-companion"])
    requests.post(tool.sandbox_url + "/sandbox/control", timeout=10,
                  json={"score_faults": {"status": 503, "count": 100_000}})  # fmt: skip

    # a short lease, so that the second worker takes over what the killed one held
    first = worker(tool, tmp_path, keys_dir, lease=1)
    wait_until(lambda: len(events(tool, "score_faults")) >= 6, what="the worker to try")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert set(statuses(tool)) <= {"pending", "sending", "superseded"}

    requests.post(tool.sandbox_url + "/sandbox/control", timeout=10,
                  json={"score_faults": {"status": 503, "count": 0}})  # fmt: skip
    from sqlalchemy import update

    with tool.session() as session:  # skip the backoff the failures earned
        session.execute(update(ScoreDelivery).values(next_try_at=utcnow()))
        session.commit()
    second = worker(tool, tmp_path, keys_dir, "--until-empty", lease=1)
    assert second.wait(timeout=60) == 0, second.stdout.read()

    assert [s for s in statuses(tool) if s != "superseded"] == ["delivered"] * 6
    users = [e["user"] for e in events(tool, "scores")]
    assert len(users) == len(set(users)) == 6


def test_two_workers_deliver_a_thousand_scores_exactly_once(tool, tmp_path, keys_dir):
    Learner(tool, name="Seed")  # creates the activity, the course and the registration rows
    count = 1000
    subs = [f"bulk-{n:04d}" for n in range(count)]
    requests.post(tool.sandbox_url + "/sandbox/control", timeout=30,
                  json={"roster": [{"sub": s, "name": s} for s in subs]})  # fmt: skip
    now = utcnow()
    with tool.session() as session:
        link = session.scalars(select(ResourceLink)).one()
        platform_id = session.scalar(select(LearnerAccount.platform_id))
        session.execute(insert(LearnerAccount), [
            {"platform_id": platform_id, "sub": s, "created_at": now} for s in subs
        ])  # fmt: skip
        learners = dict(session.execute(select(LearnerAccount.sub, LearnerAccount.id)).all())
        stamp = now - timedelta(minutes=1)
        session.execute(insert(ScoreDelivery), [
            {"registration_id": link.registration_id, "resource_link_id": link.id,
             "learner_id": learners[s], "attempt_id": None, "kind": "completed",
             "payload": {"userId": s, "scoreGiven": 50.0, "scoreMaximum": 100.0,
                         "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                         "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")},
             "timestamp": stamp, "status": "pending", "tries": 0, "next_try_at": now,
             "created_at": now}
            for s in subs
        ])  # fmt: skip
        session.commit()

    workers = [worker(tool, tmp_path, keys_dir, "--until-empty") for _ in range(2)]
    for process in workers:
        assert process.wait(timeout=300) == 0, process.stdout.read()

    received = [e["user"] for e in events(tool, "scores")]
    assert len(received) == count
    assert set(received) == set(subs)
    assert statuses(tool) == ["delivered"] * count
    assert len(events(tool, "tokens")) <= 2  # one per process at most, never per score
