"""`lti-tool grades work` processes: killed mid-way they lose nothing and send nothing twice
(the platform's result is read before a score of unknown outcome is sent again); a crashed
worker's claims are taken over within seconds; two at once deliver every score exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
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
_SPAWNED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test():
    """A worker left running by a failed test would claim the next test's rows."""
    yield
    while _SPAWNED:
        process = _SPAWNED.pop()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def worker(tool, tmp_path: Path, keys_dir: Path, *args: str, lease: int | None = None,
           patient: bool = False) -> subprocess.Popen[str]:  # fmt: skip
    """A real `lti-tool grades work` process (the default lease unless ``lease`` is given;
    ``patient``: it waits for a held answer as long as the test needs, not 10 s)."""
    env = {
        **os.environ,
        "DATABASE_URL": tool.app.config["DATABASE_URL"],
        "LTI_TOOL_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "LTI_TOOL_KEYS_DIR": str(keys_dir),
        "LTI_TOOL_KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
        "LTI_TOOL_CASE_PATHS": ":".join(tool.app.config["CASE_PATHS"]),
    }
    if lease is not None:
        env["LTI_TOOL_GRADE_LEASE_SECONDS"] = str(lease)
    if patient:
        env["LTI_TOOL_HTTP_TIMEOUT_SECONDS"] = "300"
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [LTI_TOOL, "grades", "work", "--poll", "0.2", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    _SPAWNED.append(process)
    return process


def events(tool, kind: str) -> list[dict]:
    return requests.get(tool.sandbox_url + "/sandbox/control", timeout=10).json()[kind]


def control(tool, **settings) -> None:
    requests.post(tool.sandbox_url + "/sandbox/control", json=settings, timeout=10)


def rows(tool) -> list[ScoreDelivery]:
    with tool.session() as session:
        return list(session.scalars(select(ScoreDelivery).order_by(ScoreDelivery.id)))


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def started(process: subprocess.Popen[str]) -> subprocess.Popen[str]:
    """Wait for the worker's first words: it is running and polling."""
    for _ in range(50):
        line = process.stdout.readline()
        assert line, "the worker ended before it started"
        if "grade worker" in line and "started" in line:
            return process
    raise AssertionError("the worker did not say it started")


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    return output


def _killed_after_the_platform_took_the_score(tool, tmp_path, keys_dir) -> str:
    """A worker sends a completed score; the platform stores it and, before the worker hears
    the 2xx, the worker is killed (SIGKILL). Another worker then finishes the job. Returns
    the second worker's output."""
    control(tool, timestamp_rule="none", hold_scores=True)  # a platform that takes duplicates
    Learner(tool, name="Exactly Once").play(["confront-companion"])
    first = worker(tool, tmp_path, keys_dir, patient=True)
    wait_until(lambda: events(tool, "held"), timeout=120, what="the platform to store the score")
    assert len(events(tool, "scores")) == 1
    second = started(worker(tool, tmp_path, keys_dir))  # idle: the claim is still renewed
    kill(first)  # between the platform's commit and its answer: the worker never records it
    assert [r.status for r in rows(tool)] == ["superseded", "sending"]
    control(tool, hold_scores=False, release=True)

    wait_until(lambda: rows(tool)[-1].status == "delivered", timeout=30,
               what="the other worker to take the lapsed claim over")  # fmt: skip
    return stop(second)


def test_a_worker_killed_after_the_platform_took_the_score_sends_no_duplicate(
    tool, tmp_path, keys_dir
):
    output = _killed_after_the_platform_took_the_score(tool, tmp_path, keys_dir)

    assert len(events(tool, "scores")) == 1  # exactly one score on the platform
    assert len(events(tool, "results")) == 1  # read once, before deciding not to send again
    last = rows(tool)[-1]
    assert (last.reason, last.outcome_unknown, last.claimed_by) == ("reconciled", False, None)
    assert "taken over from worker" in output
    assert "already has this score" in output


def test_without_the_result_service_a_lapsed_claim_is_sent_again(tool, tmp_path, keys_dir):
    """Where the platform grants no result.readonly, delivery keeps its old behaviour: the
    score is sent again (a platform with Moodle's timestamp rule answers 409; this one takes
    the duplicate). The administration page says so."""
    control(tool, result_service=False)
    output = _killed_after_the_platform_took_the_score(tool, tmp_path, keys_dir)

    assert len(events(tool, "scores")) == 2
    assert events(tool, "results") == []
    assert "no result service granted" in output


def test_a_crashed_workers_claims_are_taken_over_within_seconds(tool, tmp_path, keys_dir):
    """The first worker claims three scores and stalls at the platform's token endpoint; it
    is killed. The claims lapse with its heart-beat (the default lease, seconds), not after
    two minutes, and the next worker delivers each score once."""
    for index in range(3):
        Learner(tool, name=f"Stalled {index}").play(["confront-companion"])
    control(tool, hold_tokens=True)
    first = worker(tool, tmp_path, keys_dir, patient=True)
    wait_until(lambda: events(tool, "held"), timeout=120, what="the worker to ask for a token")
    assert [r.status for r in rows(tool)].count("sending") == 3
    second = started(worker(tool, tmp_path, keys_dir))  # polling, finding nothing to claim
    kill(first)
    control(tool, hold_tokens=False, release=True)

    # the default lease is 10 s: well within 30 s (the old lease was 120 s)
    wait_until(lambda: [r.status for r in rows(tool)].count("delivered") == 3, timeout=30,
               what="the lapsed claims to be taken over")  # fmt: skip
    stop(second)
    users = [e["user"] for e in events(tool, "scores")]
    assert len(users) == len(set(users)) == 3


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
