"""Options shuffled per attempt over real HTTP: each learner has an order of their own, kept
across reloads, pause and resume, and shown to the instructor as the learner saw it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import requests
from sqlalchemy import update

from lti_tool.learner.models import Attempt
from lti_tool.simulation import Case
from lti_tool.simulation import load_case
from lti_tool.simulation.shuffle import shown_order
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.integration.test_learner import attempts
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse

FEATURE_TOUR = Path(__file__).resolve().parents[1] / "data" / "cases" / "feature-tour.yaml"
# two seeds whose orders differ at the first decisions (checked below, not assumed)
SEED_A, SEED_B = "seed-a", "seed-b"


@cache
def tour() -> Case:
    return load_case(FEATURE_TOUR)


def order(seed: str, node_id: str, hidden: tuple[str, ...] = ()) -> list[str]:
    """The ids of ``node_id``'s options as an attempt with ``seed`` shows them, without the
    ``hidden`` ones (whose condition is false)."""
    shown = shown_order(tour().nodes[node_id].choices, seed, node_id)
    return [choice.id for choice in shown if choice.id not in hidden]


def buttons(page: requests.Response) -> list[str]:
    """The choices of a scene page, top to bottom."""
    form = next(f for f in parse(page.text).forms if f.action.endswith("/play/choose"))
    return [value for name, value in form.buttons if name == "choice"]


def set_seed(tool, attempt_id: int, seed: str) -> None:
    with tool.session() as session:
        session.execute(update(Attempt).where(Attempt.id == attempt_id).values(shuffle_seed=seed))
        session.commit()


def test_each_attempt_gets_its_own_seed_and_its_scene_shows_that_order(tool):
    ana, ben = Learner(tool, name="Ana Shuffle"), Learner(tool, name="Ben Shuffle")
    first_ana, first_ben = ana.click("/play/start"), ben.click("/play/start")

    seeds = [attempt.shuffle_seed for attempt in attempts(tool)]
    assert all(seeds) and seeds[0] != seeds[1]
    assert buttons(first_ana) == order(seeds[0], "triage")
    assert buttons(first_ben) == order(seeds[1], "triage")


def test_two_learners_see_different_orders_each_stable_across_reload_pause_and_resume(tool):
    assert order(SEED_A, "triage") != order(SEED_B, "triage")
    assert order(SEED_A, "language") != order(SEED_B, "language")
    ana, ben = Learner(tool, name="Ana Order"), Learner(tool, name="Ben Order")
    ana.click("/play/start")
    ben.click("/play/start")
    ana_attempt, ben_attempt = (attempt.id for attempt in attempts(tool))
    set_seed(tool, ana_attempt, SEED_A)
    set_seed(tool, ben_attempt, SEED_B)

    # a reload shows the stored order, and again the same
    for learner, seed in ((ana, SEED_A), (ben, SEED_B)):
        assert buttons(learner.click("/play/scene")) == order(seed, "triage")
        assert buttons(learner.click("/play/scene")) == order(seed, "triage")

    # the next decision, after a pause and "continue now" (seen alone, so the companion is
    # not offered as interpreter)
    ana.choose("private-exam")
    language = order(SEED_A, "language", hidden=("companion-interprets",))
    assert buttons(ana.click("/play/scene")) == language
    paused = ana.click("/play/pause")
    assert page_of(paused) == "paused"
    assert buttons(ana.click("/play/scene")) == language

    # leaving and launching again the next day, in a new browser session
    again = Learner(tool, name="Ana Order")
    assert "Continue where you left off" in again.page.text
    assert buttons(again.click("/play/scene")) == language


def test_conditional_options_keep_their_condition_in_the_shuffled_order(tool):
    learner = Learner(tool, name="Cleo Conditions")
    learner.click("/play/start")
    (attempt,) = attempts(tool)
    set_seed(tool, attempt.id, SEED_B)
    learner.click("/play/scene")
    learner.choose("continue-with-companion")  # not seen alone: universal education is hidden
    learner.click("/play/scene")
    learner.choose("phone-interpreter")
    history = buttons(learner.click("/play/scene"))
    assert history == order(SEED_B, "history", hidden=("universal-education", "ask-about-clinics"))


def test_the_instructor_sees_the_order_the_learner_saw(tool):
    learner = Learner(tool, name="Dana Seen")
    learner.click("/play/start")
    (attempt,) = attempts(tool)
    set_seed(tool, attempt.id, SEED_A)
    learner.click("/play/scene")
    for choice in PATHS["referral-made"]:
        learner.choose(choice)
        if page_of(learner.page) == "feedback" and "/play/scene" in learner.page.text:
            learner.click("/play/scene")
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Order", role="instructor")
    form = next(f for f in parse(dashboard.text).forms if f.action.endswith("/teach/learner"))
    url = requests.compat.urljoin(dashboard.url, form.action)
    page = teacher.http.post(url, data=form.fields, timeout=15).text

    shown = [re.findall(r'data-choice="([a-z0-9-]+)"', block)
             for block in re.findall(r'<details class="shown-options">(.*?)</details>', page,
                                     re.DOTALL)]  # fmt: skip
    assert shown[0] == order(SEED_A, "triage")
    assert shown[1] == order(SEED_A, "language", hidden=("companion-interprets",))
    # without a look at the chart first, asking about the clinics is not offered
    assert shown[2] == order(SEED_A, "history", hidden=("ask-about-clinics",))


def test_the_preview_shuffles_and_keeps_its_order_while_playing(tool):
    browser = Browser(tool)
    picker = browser.launch(name="Dr Shuffle", role="instructor", message="deep_linking")
    form = next(f for f in parse(picker.text).forms if f.action.endswith("/teach/preview"))
    url = requests.compat.urljoin(picker.url, form.action)
    data = {**form.fields, "case": "feature-tour"}
    orders = set()
    for _ in range(8):  # eight previews: six orders of three options, all alike is 1 in 6**7
        first = browser.http.post(url, data=data, timeout=15)
        assert page_of(first) == "preview"
        preview_form = next(f for f in parse(first.text).forms
                            if f.action.endswith("/teach/preview"))  # fmt: skip
        orders.add(tuple(v for n, v in preview_form.buttons if n == "choice"))
    assert len(orders) > 1
    assert all(sorted(o) == sorted(order(SEED_A, "triage")) for o in orders)
