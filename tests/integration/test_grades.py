"""Grade passback against the sandbox platform over real HTTP: scores reach the gradebook,
survive outages, token expiry and refusals, and keep their order."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select
from sqlalchemy import update

from lti_tool.grading.models import ScoreDelivery
from lti_tool.lti.models import ResourceLink
from lti_tool.sandbox.store import SbScore
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner


def deliver(tool) -> int:
    """One pass of the tool's own delivery worker (the demo runs it in a thread)."""
    return tool.app.extensions["lti_tool.deliverer"].run_once()


def control(tool, **settings) -> dict:
    url = tool.sandbox_url + "/sandbox/control"
    if settings:
        return requests.post(url, json=settings, timeout=10).json()
    return requests.get(url, timeout=10).json()


def deliveries(tool) -> list[ScoreDelivery]:
    with tool.session() as session:
        return list(session.scalars(select(ScoreDelivery).order_by(ScoreDelivery.id)))


def gradebook_scores(tool) -> list[SbScore]:
    with tool.sandbox_session() as session:
        return list(session.scalars(select(SbScore).order_by(SbScore.id)))


def choose_to_the_end(learner: Learner, choices: list[str]) -> None:
    """Choose along a path from the attempt's first scene until the case ends."""
    for choice in choices:
        learner.choose(choice)
        if "See your debrief" in learner.page.text:
            return
        learner.click("/play/scene")


def make_due(tool) -> None:
    """Skip the backoff wait: the next pass tries the pending deliveries now."""
    from lti_tool.db import utcnow

    with tool.session() as session:
        session.execute(update(ScoreDelivery).where(ScoreDelivery.status == "pending")
                        .values(next_try_at=utcnow()))  # fmt: skip
        session.commit()


def test_started_then_completed_attempt_appears_in_the_gradebook(tool):
    learner = Learner(tool, name="Grace Graded")
    learner.click("/play/start")
    assert deliver(tool) == 1
    assert [s.activity_progress for s in gradebook_scores(tool)] == ["Started"]
    assert gradebook_scores(tool)[0].score_given is None

    choose_to_the_end(learner, PATHS["referral-made"])
    while deliver(tool):
        pass

    scores = gradebook_scores(tool)
    assert [s.activity_progress for s in scores] == ["Started", "Completed"]
    final = scores[-1]
    assert final.score_given == 100.0
    assert final.score_maximum == 100.0
    assert final.grading_progress == "FullyGraded"
    assert "attempt 1" in final.comment
    assert scores[0].timestamp_epoch < final.timestamp_epoch
    assert int(scores[0].timestamp_epoch) < int(final.timestamp_epoch)  # Moodle compares seconds
    page = requests.get(tool.sandbox_url + "/sandbox/gradebook", timeout=10).text
    assert "Grace Graded" in page
    assert "100.0 / 100" in page
    assert {d.status for d in deliveries(tool)} == {"delivered"}


def test_beginning_again_keeps_the_grade_already_given(tool):
    """A score without scoreGiven clears the learner's grade in Moodle: once a grade is
    given, beginning another attempt sends nothing until that attempt is completed."""
    learner = Learner(tool, name="Keeps Grade")
    learner.play(PATHS["referral-made"])
    while deliver(tool):
        pass
    learner.click("/play/start")
    assert 'data-page="scene"' in learner.page.text
    while deliver(tool):
        pass

    scores = gradebook_scores(tool)
    assert [s.activity_progress for s in scores] == ["Completed"]
    assert scores[-1].score_given == 100.0
    assert [(d.kind, d.status) for d in deliveries(tool)] == [
        ("started", "superseded"),
        ("completed", "delivered"),
    ]


def test_best_or_latest_attempt_decides_the_grade(tool):
    learner = Learner(tool, name="Two Attempts")
    learner.play(PATHS["referral-made"])
    learner.click("/play/start")
    for choice in PATHS["taken-away"]:
        learner.choose(choice)
    while deliver(tool):
        pass
    assert gradebook_scores(tool)[-1].score_given == 100.0  # best, by default

    with tool.session() as session:
        session.execute(update(ResourceLink).values(settings={"grade_from": "latest"}))
        session.commit()
    learner.click("/play/debrief")
    learner.click("/play/start")
    for choice in PATHS["taken-away"]:
        learner.choose(choice)
    while deliver(tool):
        pass
    assert gradebook_scores(tool)[-1].score_given == 0.0


def test_every_score_arrives_after_an_outage(tool):
    control(tool, score_faults={"status": 503, "count": 4, "retry_after": 1})
    for name in ("Ana", "Ben", "Chloe"):
        Learner(tool, name=f"{name} Outage").play(PATHS["taken-away"])

    deliver(tool)
    assert {d.status for d in deliveries(tool)} >= {"pending"}
    retrying = [d for d in deliveries(tool) if d.status == "pending"]
    assert all(d.last_status == 503 for d in retrying)
    assert all(d.next_try_at > d.created_at for d in retrying)  # backoff, Retry-After honoured
    for _ in range(10):
        make_due(tool)
        deliver(tool)

    assert len(control(tool)["score_faults"]) == 4
    assert [d.status for d in deliveries(tool)] == ["superseded", "delivered"] * 3
    completed = [s for s in gradebook_scores(tool) if s.activity_progress == "Completed"]
    assert len(completed) == 3


def test_expired_token_is_renewed(tool):
    first = Learner(tool, name="Token One")
    first.play(PATHS["taken-away"])
    while deliver(tool):
        pass
    tokens_before = len(control(tool)["tokens"])

    control(tool, expire_tokens=True)  # the platform forgets every token it gave
    Learner(tool, name="Token Two").play(PATHS["taken-away"])
    while deliver(tool):
        pass

    assert {d.status for d in deliveries(tool)} <= {"delivered", "superseded"}
    assert len(control(tool)["tokens"]) == tokens_before + 1


def test_one_token_serves_many_scores(tool):
    for index in range(5):
        Learner(tool, name=f"Learner {index}").play(PATHS["taken-away"])
    while deliver(tool):
        pass
    token_requests = control(tool)["tokens"]
    assert len(token_requests) == 1
    assert token_requests[0]["scopes"] == ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]


def test_refused_score_is_a_visible_failure_that_resend_retries(tool):
    control(tool, score_faults={"status": 400, "count": 1})
    Learner(tool, name="Refused Once").play(PATHS["taken-away"])
    while deliver(tool):
        pass
    failed = [d for d in deliveries(tool) if d.status == "failed"]
    assert len(failed) == 1
    assert failed[0].last_status == 400
    assert "simulated platform failure" in failed[0].last_error

    from lti_tool.db import utcnow
    from lti_tool.grading import outbox

    with tool.session() as session:
        assert outbox.resend(session, [failed[0].id], utcnow()) == 1
        session.commit()
    while deliver(tool):
        pass
    assert deliveries(tool)[failed[0].id - 1].status == "delivered"


def test_a_user_the_platform_will_not_grade_is_recorded_as_not_gradable(tool):
    """Canvas answers 422 for a user who is not a student there (Moodle 400 "Incorrect score
    received"): recorded as not gradable, not as a failure to retry. (Staff previews record
    nothing at all: see test_instructor.)"""
    control(tool, platform_style="canvas")
    learner = Learner(tool, name="Not Enrolled")
    with tool.sandbox_session() as session:
        from lti_tool.sandbox.store import SbUser

        session.execute(update(SbUser).where(SbUser.name == "Not Enrolled").values(role="observer"))
        session.commit()
    learner.play(PATHS["taken-away"])
    while deliver(tool):
        pass
    assert [d.status for d in deliveries(tool)] == ["superseded", "not_gradable"]
    assert all(d.last_status == 422 for d in deliveries(tool) if d.status == "not_gradable")


def _container_only(tool) -> None:
    ags = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    control(tool, claim_overrides={ags: {
        "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                  "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "lineitems": f"{tool.issuer}/api/contexts/amelie-demo-course/lineitems?type_id=1",
    }})  # fmt: skip


def test_line_item_of_the_link_is_found_when_the_launch_names_only_the_container(tool):
    _container_only(tool)
    Learner(tool, name="Container Only").play(PATHS["taken-away"])
    while deliver(tool):
        pass

    assert control(tool)["lineitems"] == []  # nothing created: the activity's item was found
    with tool.session() as session:
        link = session.scalars(select(ResourceLink)).one()
        assert link.found_lineitem_url.endswith("/lineitems/1?type_id=1")
    assert [s.activity_progress for s in gradebook_scores(tool)] == ["Completed"]


def test_line_item_is_created_when_the_container_has_none_for_the_link(tool):
    _container_only(tool)
    control(tool, delete_lineitems=True)
    Learner(tool, name="Container Only").play(PATHS["taken-away"])
    while deliver(tool):
        pass

    created = control(tool)["lineitems"]
    assert len(created) == 1
    assert created[0]["resourceLinkId"] == "link-feature-tour"
    assert created[0]["resourceId"] == "feature-tour"
    assert created[0]["scoreMaximum"] == 100.0
    assert {d.status for d in deliveries(tool)} <= {"delivered", "superseded"}
    with tool.session() as session:
        link = session.scalars(select(ResourceLink)).one()
        assert link.found_lineitem_url == created[0]["id"]


def test_a_slow_token_endpoint_holds_up_neither_learners_nor_other_callers(
    database_url, tmp_path, keys_dir
):
    """While the platform's token endpoint keeps its answer, a learner's choice (a database
    write) completes, and a second caller for the same token waits for the one request in
    flight instead of making another."""
    from tests.support.live import live_tool

    # the tool waits for the held answer as long as the test needs, not 10 s
    with live_tool(database_url, tmp_path, keys_dir,
                   overrides={"HTTP_TIMEOUT_SECONDS": 300}) as tool:  # fmt: skip
        _slow_token_endpoint(tool)


def _slow_token_endpoint(tool) -> None:
    import threading

    from lti_tool.grading.ags import SCOPE_SCORE
    from lti_tool.lti.registrations import find_registration
    from lti_tool.sandbox import CLIENT_ID
    from tests.support.browsing import page_of
    from tests.support.live import wait_until

    learner = Learner(tool, name="Not Waiting")
    learner.click("/play/start")  # queues the "started" score
    control(tool, hold_tokens=True)
    delivering = threading.Thread(target=deliver, args=(tool,))
    delivering.start()
    wait_until(lambda: control(tool)["held"], what="the worker to ask for a token")

    with tool.session() as session:
        registration = find_registration(session, tool.issuer, CLIENT_ID)
    tokens = tool.app.extensions["lti_tool.tokens"]
    second: list[str] = []
    asking = threading.Thread(target=lambda: second.append(tokens.get(registration,
                                                                      (SCOPE_SCORE,))))  # fmt: skip
    asking.start()
    learner.choose("confront-companion")
    assert page_of(learner.page) == "feedback"
    assert delivering.is_alive()  # the token request is still in flight
    assert len(control(tool)["held"]) == 1  # and it is the only one

    control(tool, hold_tokens=False, release=True)
    delivering.join(timeout=60)
    asking.join(timeout=60)
    assert len(control(tool)["tokens"]) == 1
    assert second and second[0]
    assert deliveries(tool)[0].status == "delivered"  # the "started" score it was sending


@pytest.mark.parametrize(("policy", "counted"), [("best", 2), ("latest", 3), ("first", 1)])
def test_the_gradebook_comment_names_the_attempt_whose_score_is_sent(tool, policy, counted):
    """Three attempts with three scores (trust lost, referral made, door left open): the score
    sent is the one the link's policy counts, and the comment gives that attempt's number and
    percentage."""
    learner = Learner(tool, name=f"Counted {policy}")
    with tool.session() as session:
        session.execute(update(ResourceLink).values(settings={"grade_from": policy}))
        session.commit()
    for path in ("trust-lost", "referral-made", "door-left-open"):
        learner.play(PATHS[path])
    while deliver(tool):
        pass

    with tool.session() as session:
        from lti_tool.learner.models import Attempt

        scores = dict(session.execute(select(Attempt.number, Attempt.score)).all())
    assert len(set(scores.values())) == 3  # three different scores: the policy decides
    final = gradebook_scores(tool)[-1]
    assert final.score_given == round(scores[counted] * 100, 4)
    assert final.comment.endswith(f": {round(scores[counted] * 100)}% in attempt {counted}")


def test_each_retry_is_logged_and_a_platform_that_answers_again_ends_the_wait(tool, caplog):
    """A score refused with 503 and "Retry-After: 3600" waits; the worker logs the retry with
    the platform's status and the next try's time. The next pass asks the platform's token
    endpoint (a health probe): it answers, so the waiting score is sent now, not in an hour."""
    control(tool, score_faults={"status": 503, "count": 1, "retry_after": 3600})
    Learner(tool, name="Back Soon").play(PATHS["taken-away"])
    with caplog.at_level("INFO", logger="lti_tool.grades"):
        assert deliver(tool) == 1
        waiting = deliveries(tool)[-1]
        assert (waiting.status, waiting.last_status, waiting.reason) == (
            "pending",
            503,
            "unavailable",
        )
        assert (waiting.next_try_at - waiting.created_at).total_seconds() >= 3500
        deliver(tool)
    lines = [r.getMessage() for r in caplog.records if r.name == "lti_tool.grades"]
    retry = next(line for line in lines if "next try at" in line)
    assert "try 1: the platform answered 503 (unavailable)" in retry
    assert "Back Soon" not in " ".join(lines) and "Bearer" not in " ".join(lines)
    assert any("answers again" in line for line in lines)
    assert deliveries(tool)[-1].status == "delivered"


def test_throttling_is_retried_never_refused(tool, caplog):
    """Canvas answers a tool that calls too often with 403 and X-Rate-Limit-Remaining: the
    worker backs off and tries again (one call at a time to that platform), and never marks
    the score refused."""
    from tests.support.live import wait_until

    control(tool, platform_style="canvas", throttle_after=0, throttle_for=2)
    for name in ("Ada", "Bo", "Cy"):
        Learner(tool, name=f"{name} Throttled").play(PATHS["taken-away"])
    with caplog.at_level("INFO", logger="lti_tool.grades"):
        deliver(tool)
        throttled = [d for d in deliveries(tool) if d.status == "pending"]
        assert throttled and all((d.last_status, d.reason) in ((403, "throttled"), (None, "throttled"))
                                 for d in throttled)  # fmt: skip

        def delivered() -> bool:
            make_due(tool)
            deliver(tool)
            return [d.status for d in deliveries(tool)].count("delivered") == 3

        wait_until(delivered, timeout=60, what="the throttled scores to be sent")
    assert "failed" not in {d.status for d in deliveries(tool)}
    assert len(control(tool)["scores"]) == 3
    assert any("(throttled)" in r.getMessage() for r in caplog.records)
