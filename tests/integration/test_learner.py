"""A learner plays the sample case over real HTTP: every ending, resuming, double submits,
stale and forged forms, attempt policies, and the debrief."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import select
from sqlalchemy import update

from lti_tool.grading.models import ScoreDelivery
from lti_tool.learner.models import Attempt
from lti_tool.lti.models import ResourceLink
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse

PATHS = {
    "referral-made": ["private-exam", "phone-interpreter", "universal-education",
                      "refer-with-consent", "warm-handover"],
    "door-left-open": ["private-exam", "phone-interpreter", "review-chart", "back-to-patient",
                       "ask-about-clinics", "respect-and-offer", "ask-about-safety",
                       "objective-notes"],
    "taken-away": ["confront-companion"],
    "treated-only": ["continue-with-companion", "companion-interprets", "treat-only"],
    "trust-lost": ["private-exam", "simple-english", "ask-if-trafficked", "call-police"],
}  # fmt: skip


class Learner:
    """A person playing through the tool's pages, clicking buttons as a browser would."""

    def __init__(self, tool, name: str = "Alex Learner", **launch: str) -> None:
        self.browser = Browser(tool)
        self.tool = tool
        self.name = name
        self.page = self.browser.launch(name=name, **launch)
        assert self.page.status_code == 200, self.page.text

    def relaunch(self) -> requests.Response:
        self.page = self.browser.launch(name=self.name)
        return self.page

    def click(self, action: str, **extra: str) -> requests.Response:
        self.page = self.browser.submit(self.page, action, **extra)
        return self.page

    def choose(self, choice_id: str) -> requests.Response:
        self.page = self.browser.submit(self.page, "/play/choose", button=("choice", choice_id))
        return self.page

    def play(self, choices: list[str]) -> requests.Response:
        self.click("/play/start")
        for choice in choices:
            assert page_of(self.page) == "scene", self.page.text
            self.choose(choice)
            assert page_of(self.page) == "feedback", self.page.text
            if any(f.action.endswith("/play/debrief") for f in parse(self.page.text).forms):
                return self.click("/play/debrief")
            self.click("/play/scene")
        return self.page

    def play_on(self, choices: list[str]) -> requests.Response:
        """Choose ``choices`` from the scene shown now, to the debrief."""
        for choice in choices:
            self.choose(choice)
            if any(f.action.endswith("/play/debrief") for f in parse(self.page.text).forms):
                return self.click("/play/debrief")
            self.click("/play/scene")
        return self.page

    @property
    def buttons(self) -> list[str]:
        return [value for form in parse(self.page.text).forms for _, value in form.buttons]


def attempts(tool) -> list[Attempt]:
    with tool.session() as session:
        return list(session.scalars(select(Attempt).order_by(Attempt.id)))


def set_policy(tool, **settings) -> None:
    with tool.session() as session:
        session.execute(update(ResourceLink).values(settings=settings))
        session.commit()


@pytest.mark.parametrize("ending", list(PATHS))
def test_each_ending_is_reached_and_debriefed(tool, ending):
    learner = Learner(tool)
    assert page_of(learner.page) == "case-start"
    assert "Content note" in learner.page.text

    debrief = learner.play(PATHS[ending])

    assert page_of(debrief) == "debrief"
    (attempt,) = attempts(tool)
    assert attempt.status == "completed"
    assert attempt.state["node"] == ending
    assert attempt.step == len(PATHS[ending])
    assert len(attempt.step_times) == attempt.step
    if ending == "referral-made":
        assert attempt.score == pytest.approx(1.0)
        assert "This was the best option here." in debrief.text
    if ending in ("taken-away", "treated-only", "trust-lost"):
        assert attempt.critical
        assert attempt.score <= 0.5
        assert "could have put the patient in danger" in debrief.text
        # the cap is named only when it lowered the score
        capped = "your overall score is capped" in debrief.text
        assert capped == (attempt.score == pytest.approx(0.5)), attempt.score


def test_debrief_shows_scores_path_indicators_referrals_and_sources(tool):
    learner = Learner(tool)
    learner.play(PATHS["door-left-open"])
    page = learner.page.text

    assert "The best option here:" in page  # door-left-open is not the best path
    assert "You noticed" in page
    assert "You missed" in page
    assert "iom.int" in page  # the case's sources
    assert "Choose a country" in page  # an English launch names no country
    italy = learner.click("/play/debrief", country="it")
    assert "800 290 290" in italy.text
    assert "Checked against a stored copy of the source on" in italy.text
    greece = learner.click("/play/debrief", country="gr")
    assert "197" in greece.text


def test_the_launch_language_suggests_the_country_of_the_contacts(tool):
    learner = Learner(tool, lang="it")
    learner.play(PATHS["taken-away"])
    assert "800 290 290" in learner.page.text


def test_resume_after_closing_the_page(tool):
    learner = Learner(tool)
    learner.click("/play/start")
    learner.choose("private-exam")
    learner.click("/play/scene")
    learner.choose("phone-interpreter")

    again = Learner(tool)  # the same person launches again tomorrow (new browser session)
    assert "Continue where you left off" in again.page.text
    assert "You continue at decision 3 of up to 8." in again.page.text
    scene = again.click("/play/scene")

    assert page_of(scene) == "scene"
    assert "Decision 3 of up to 8" in scene.text
    assert len(attempts(tool)) == 1


def test_the_case_start_says_decisions_are_final_and_how_many(tool):
    learner = Learner(tool)
    assert "Each decision is final" in learner.page.text
    assert "Up to 8 decisions" in learner.page.text  # the longest path, not the node count
    scene = learner.click("/play/start")
    assert "Decision 1 of up to 8" in scene.text
    assert '<progress max="8" value="0"' in scene.text
    # on a shorter path the bound follows the path: the referral path has five decisions
    learner.choose("private-exam")
    learner.click("/play/scene")
    learner.choose("phone-interpreter")
    learner.click("/play/scene")
    learner.choose("universal-education")
    scene = learner.click("/play/scene")
    assert "Decision 4 of up to" in scene.text
    paused = learner.click("/play/pause")
    assert page_of(paused) == "paused"
    assert "You will continue at decision 4 of up to" in paused.text


def test_the_cap_is_named_only_when_it_lowered_the_score(tool):
    capped = Learner(tool, name="Cap Ped").play(
        ["private-exam", "phone-interpreter", "universal-education", "call-police"]
    )
    assert "your overall score is capped at 50%" in capped.text
    low = Learner(tool, name="Low Score").play(PATHS["taken-away"])
    assert ">0%<" in low.text
    assert "capped" not in low.text
    assert "could have put the patient in danger" in low.text


def shown_again(learner, page, **fields):
    """What Back or Reload shows for ``page`` (what /lti/reshow posts from the history)."""
    (form,) = [f for f in parse(page.text).forms if f.action.endswith("/play/again")]
    data = {**form.fields, **fields}
    return learner.browser.http.post(learner.tool.base_url + form.action, data=data, timeout=15)


def test_a_page_shown_again_is_the_attempt_as_it_is_now(tool):
    learner = Learner(tool)
    first_scene = learner.click("/play/start")
    again = shown_again(learner, first_scene)  # Reload: nothing changed, the same scene
    assert page_of(again) == "scene"
    assert "cannot be changed" not in again.text

    feedback = learner.choose("private-exam")
    assert page_of(shown_again(learner, feedback)) == "feedback"
    back = shown_again(learner, first_scene)  # Back to the first scene: the choice is made
    assert page_of(back) == "scene"
    assert "A decision cannot be changed once it is made." in back.text
    assert "Decision 2 of up to 8" in back.text
    (attempt,) = attempts(tool)
    assert attempt.step == 1  # showing a page again never records anything

    learner.click("/play/scene")
    paused = learner.click("/play/pause")
    assert page_of(shown_again(learner, paused)) == "paused"
    learner.click("/play/scene")
    debrief = learner.play_on(PATHS["referral-made"][1:])
    assert page_of(shown_again(learner, debrief)) == "debrief"
    back = shown_again(learner, first_scene)
    assert page_of(back) == "debrief"
    assert "A decision cannot be changed once it is made." in back.text


def test_a_page_shown_again_needs_its_own_attempt(tool):
    owner = Learner(tool, name="Owner One")
    scene = owner.click("/play/start")
    other = Learner(tool, name="Other Two")
    (form,) = [f for f in parse(scene.text).forms if f.action.endswith("/play/again")]
    mine = next(f for f in parse(other.page.text).forms if f.action.endswith("/play/case"))
    data = {**form.fields, "lt": mine.fields["lt"]}
    refused = other.browser.http.post(tool.base_url + form.action, data=data, timeout=15)
    assert refused.status_code == 403


def test_the_reshow_address_holds_nothing(tool):
    page = requests.get(tool.base_url + "/lti/reshow", timeout=15)
    assert page.status_code == 200
    assert page_of(page) == "reshow"
    assert "open the activity again from your course" in page.text
    assert 'name="lt"' not in page.text


def test_double_submit_records_the_choice_once(tool):
    learner = Learner(tool)
    scene = learner.click("/play/start")
    form = next(f for f in parse(scene.text).forms if f.action.endswith("/play/choose"))
    data = {**form.fields, "choice": "private-exam"}
    url = requests.compat.urljoin(scene.url, form.action)

    first = learner.browser.http.post(url, data=data)
    second = learner.browser.http.post(url, data=data)

    assert page_of(first) == "feedback"
    assert page_of(second) == "scene"
    assert "already recorded" in second.text
    (attempt,) = attempts(tool)
    assert attempt.step == 1


def test_back_button_choice_does_not_skip_a_node(tool):
    learner = Learner(tool)
    first_scene = learner.click("/play/start")
    learner.choose("private-exam")
    learner.click("/play/scene")

    # the browser's back button shows the first scene; the learner clicks another choice there
    stale = learner.browser.submit(
        first_scene, "/play/choose", button=("choice", "confront-companion")
    )

    assert page_of(stale) == "scene"
    assert "already recorded" in stale.text
    (attempt,) = attempts(tool)
    assert attempt.step == 1
    assert attempt.state["node"] == "language"


def test_forged_choice_is_refused_and_changes_nothing(tool):
    learner = Learner(tool)
    learner.click("/play/start")
    before = attempts(tool)[0].state

    forged = learner.choose("give-me-full-marks")

    assert forged.status_code == 400
    assert page_of(forged) == "scene"
    assert attempts(tool)[0].state == before


def test_choice_hidden_by_its_condition_is_refused(tool):
    learner = Learner(tool)
    learner.click("/play/start")
    learner.choose("private-exam")  # now seen alone: the companion can no longer interpret
    scene = learner.click("/play/scene")
    assert "companion-interprets" not in scene.text

    refused = learner.choose("companion-interprets")

    assert refused.status_code == 400
    assert attempts(tool)[0].step == 1


def test_another_learners_attempt_is_forbidden(tool):
    owner = Learner(tool, name="Owner One")
    owner.click("/play/start")
    owner_attempt = attempts(tool)[0].id
    intruder = Learner(tool, name="Someone Else")
    intruder.click("/play/start")

    response = intruder.click("/play/scene", attempt=str(owner_attempt))

    assert response.status_code == 403


def test_attempt_limit_is_enforced(tool):
    learner = Learner(tool)  # the launch creates the activity; its instructor then sets it up
    set_policy(tool, attempts_allowed=1)
    learner.play(PATHS["taken-away"])
    assert "Start again" not in learner.page.text

    overview = learner.relaunch()
    assert "You have used all the attempts allowed" in overview.text
    # a hand-made request cannot start a second attempt either
    forced = learner.browser.http.post(
        overview.url.replace("/lti/launch", "/play/start"),
        data={"lt": parse(overview.text).forms[0].fields["lt"]},
    )
    assert forced.status_code == 409
    assert len(attempts(tool)) == 1


def test_unlimited_attempts_start_again(tool):
    learner = Learner(tool)
    learner.play(PATHS["taken-away"])
    learner.click("/play/start")
    learner.choose("private-exam")

    assert [a.number for a in attempts(tool)] == [1, 2]
    assert [a.status for a in attempts(tool)] == ["completed", "in_progress"]


def test_feedback_only_at_the_end(tool):
    learner = Learner(tool)
    set_policy(tool, feedback="end")
    learner.click("/play/start")

    after = learner.choose("private-exam")

    assert page_of(after) == "scene"
    assert "Decision 2" in after.text


def test_language_switch_keeps_the_learner_where_they_are(tool):
    learner = Learner(tool)
    learner.click("/play/start")
    learner.choose("private-exam")
    scene = learner.click("/play/scene")
    assert "Decision 2" in scene.text

    switched = learner.click("/play/scene", lang="de")

    assert parse(switched.text).html_lang == "de"
    assert page_of(switched) == "scene"
    assert attempts(tool)[0].step == 1
    # the next page keeps the chosen language
    pause = learner.click("/play/pause")
    assert parse(pause.text).html_lang == "de"


def test_pages_need_the_launch_token(tool):
    learner = Learner(tool)
    learner.click("/play/start")
    url = learner.page.url.replace("/play/start", "/play/scene")

    no_token = requests.post(url, data={"attempt": "1"}, timeout=10)
    forged_token = requests.post(url, data={"attempt": "1", "lt": "x" * 80}, timeout=10)
    get = requests.get(url, timeout=10)

    assert no_token.status_code == 401
    assert forged_token.status_code == 401
    assert get.status_code == 405
    assert page_of(no_token) == "error"


def token_of(response: requests.Response) -> str:
    return next(dict(f.fields)["lt"] for f in parse(response.text).forms if "lt" in dict(f.fields))


def aged(token: str, tool, seconds: int) -> str:
    """The same launch token, as if it had been issued ``seconds`` ago."""
    import time

    from itsdangerous import TimestampSigner
    from itsdangerous import URLSafeTimedSerializer

    class EarlierSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    secret = tool.app.config["SECRET_KEY"]
    data = URLSafeTimedSerializer(secret, salt="launch-v2").loads(token)
    return URLSafeTimedSerializer(secret, salt="launch-v2", signer=EarlierSigner).dumps(data)


def test_a_fresh_launch_token_is_carried_on_and_an_older_one_renewed(tool):
    learner = Learner(tool)
    learner.click("/play/start")
    scene_url = learner.page.url.replace("/play/start", "/play/scene")
    attempt = str(attempts(tool)[0].id)

    def scene_with(token: str) -> requests.Response:
        return learner.browser.http.post(scene_url, data={"lt": token, "attempt": attempt},
                                         timeout=10)  # fmt: skip

    recent = aged(token_of(learner.page), tool, seconds=30)
    carried = scene_with(recent)
    assert page_of(carried) == "scene"
    assert token_of(carried) == recent  # issued half a minute ago: no new signature needed

    older = aged(recent, tool, seconds=120)
    renewed = scene_with(older)
    assert page_of(renewed) == "scene"
    assert token_of(renewed) != older  # issued anew: the expiry slides on

    learner.page = renewed
    switched = learner.click("/play/scene", lang="fr")
    assert token_of(switched) != token_of(renewed)  # a new language is a new token


HOSTILE = (
    "<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)> "
    "**strong** [source](https://www.iom.int/)"
)


def test_case_text_is_rendered_as_safe_markdown(tool):
    from lti_tool.i18n import case_text
    from lti_tool.library import library

    with tool.app.test_request_context():
        case = library().case("feature-tour")
        block = str(case_text.markdown(case, "nowhere/text", HOSTILE))
        line = str(case_text.inline(case, "nowhere/text", HOSTILE))

    for html_out in (block, line):
        assert "<script" not in html_out and "<img" not in html_out  # shown as text only
        assert "&lt;script&gt;" in html_out
        assert 'href="javascript' not in html_out
        assert "<strong>strong</strong>" in html_out
        assert '<a href="https://www.iom.int/" rel="noopener noreferrer">source</a>' in html_out


def test_a_request_holds_one_pooled_connection_at_a_time(tool):
    """Taking a second connection while holding one can exhaust the pool when many requests
    do it at once (each holding one, all waiting for another): a first attempt (begun with its
    "Started" score) and a graded ending (the attempt with its score) release the page's
    connection before they open a transaction."""
    import threading
    from collections import Counter

    from sqlalchemy import event

    engine = tool.app.extensions["lti_tool.engine"]
    held: Counter[int] = Counter()
    most = [0]

    def checkout(*_: object) -> None:
        held[threading.get_ident()] += 1
        most[0] = max(most[0], held[threading.get_ident()])

    def checkin(*_: object) -> None:
        held[threading.get_ident()] -= 1

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        learner = Learner(tool, name="One Connection")
        learner.play(PATHS["referral-made"])
        learner.click("/play/start")
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)

    assert page_of(learner.page) == "scene"
    with tool.session() as session:
        kinds = list(session.scalars(select(ScoreDelivery.kind).order_by(ScoreDelivery.id)))
    assert kinds == ["started", "completed"]  # both transactions ran
    assert most[0] == 1


def test_many_clicks_on_begin_at_once_begin_one_attempt(tool):
    """Eight tabs (or an impatient finger) posting "Begin" together: one attempt, one
    "Started" score, and every click answered with that attempt's first scene."""
    from concurrent.futures import ThreadPoolExecutor

    learner = Learner(tool, name="Eight Tabs")
    form = next(f for f in parse(learner.page.text).forms if f.action.endswith("/play/start"))
    url = requests.compat.urljoin(learner.page.url, form.action)
    fields = dict(form.fields)
    barrier = threading.Barrier(8)

    def click(_: int) -> requests.Response:
        barrier.wait(timeout=10)
        return requests.post(url, data=fields, timeout=30)

    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(click, range(8)))

    assert [page.status_code for page in pages] == [200] * 8
    assert {page_of(page) for page in pages} == {"scene"}
    assert len(attempts(tool)) == 1
    with tool.session() as session:
        assert list(session.scalars(select(ScoreDelivery.kind))) == ["started"]


def test_two_requests_recording_the_same_step_at_once_record_it_once(tool):
    """The race a double click can win: both requests loaded the attempt before either wrote."""
    from lti_tool.db import utcnow
    from lti_tool.learner import attempts as attempt_store
    from lti_tool.learner.attempts import Outcome
    from lti_tool.library import library

    learner = Learner(tool)
    learner.click("/play/start")
    (row,) = attempts(tool)
    with tool.app.app_context(), tool.session() as session:
        db = session.connection()
        loaded = attempt_store.load(db, row.id)
        case = library().case(loaded.case_id)
        plans = [attempt_store.plan_choice(case, loaded, 0, "private-exam", utcnow())
                 for _ in range(2)]  # fmt: skip
        first, second = (attempt_store.record(db, case, loaded, plan) for plan in plans)
        session.commit()

    assert first.outcome is Outcome.RECORDED
    assert second.outcome is Outcome.STALE
    (after,) = attempts(tool)
    assert after.step == 1
    assert len(after.step_times) == 1


def test_an_attempt_whose_case_changed_under_it_is_closed_and_a_new_one_offered(tool):
    learner = Learner(tool)
    set_policy(tool, attempts_allowed=1)
    learner.click("/play/start")
    learner.choose("private-exam")
    with tool.session() as session:  # the case was edited: this step no longer exists
        attempt = session.scalars(select(Attempt)).one()
        attempt.state = {**attempt.state, "path": [["arrival", "a-choice-that-was-removed"]]}
        session.commit()

    again = Learner(tool)
    resumed = again.click("/play/scene")

    assert page_of(resumed) == "case-start"
    assert "This case was updated since you began it" in resumed.text
    assert "Begin the case" in resumed.text  # the closed attempt does not use up the one allowed
    begun = again.click("/play/start")
    assert page_of(begun) == "scene"
    assert [a.status for a in attempts(tool)] == ["closed", "in_progress"]
    assert [a.number for a in attempts(tool)] == [1, 2]


@pytest.mark.parametrize("attempt_id", ["1" + "0" * 29, "²", "-1", "0", " 1"])
def test_an_attempt_id_that_is_no_number_of_ours_is_refused(tool, attempt_id):
    learner = Learner(tool)
    learner.click("/play/start")

    response = learner.click("/play/scene", attempt=attempt_id)

    assert response.status_code == 400
    assert page_of(response) == "error"


def test_feedback_kept_for_the_end_cannot_be_asked_for_early(tool):
    learner = Learner(tool)
    set_policy(tool, feedback="end")
    scene = learner.click("/play/start")
    learner.choose("private-exam")
    form = next(f for f in parse(learner.page.text).forms if f.action.endswith("/play/choose"))

    asked = learner.browser.http.post(
        requests.compat.urljoin(scene.url, "/play/feedback"),
        data={"lt": form.fields["lt"], "attempt": form.fields["attempt"]},
    )

    assert page_of(asked) == "scene"
