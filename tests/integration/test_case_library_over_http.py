"""Every shipped case, played to every one of its endings through the real tool over HTTP, as a
learner would: launch from the sandbox platform, start, click a choice on each scene, read the
feedback, and see the debrief. One live tool per case; paths come from the engine."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from lti_tool.learner.models import Attempt
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.catalogue import CASE_IDS
from tests.support.catalogue import library
from tests.support.catalogue import paths_to_endings
from tests.support.live import live_tool


def play_over_http(browser: Browser, link: str, learner: str, choices: tuple[str, ...],
                   lang: str = "en"):  # fmt: skip
    page = browser.launch(name=learner, link=link, lang=lang)
    assert page.status_code == 200, page.text
    assert page_of(page) == "case-start", page.text
    page = browser.submit(page, "/play/start")
    for number, choice in enumerate(choices, start=1):
        assert page_of(page) == "scene", (choice, page.text)
        page = browser.submit(page, "/play/choose", button=("choice", choice))
        assert page.status_code == 200, (choice, page.text)
        assert page_of(page) == "feedback", (choice, page.text)
        page = browser.submit(page, "/play/debrief" if number == len(choices) else "/play/scene")
    return page


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_ending_of_the_case_is_played_to_its_debrief(
    case_id, database_url, tmp_path, keys_dir
):
    case = library()[case_id]
    paths = paths_to_endings(case)
    assert set(paths) == set(case.ending_node_ids)
    link = f"link-{case_id}"
    links = [{"id": link, "title": case.title, "case_id": case_id}]

    with live_tool(database_url, tmp_path, keys_dir, overrides={"SANDBOX_LINKS": links}) as tool:
        for ending, choices in sorted(paths.items()):
            learner = f"Learner {ending}"
            debrief = play_over_http(Browser(tool), link, learner, choices)

            assert debrief.status_code == 200, debrief.text
            assert page_of(debrief) == "debrief", (ending, debrief.text)
            assert case.nodes[ending].ending.title in html.unescape(debrief.text), ending

        with tool.session() as session:
            attempts = list(session.scalars(select(Attempt).order_by(Attempt.id)))
    assert sorted(a.state["node"] for a in attempts) == sorted(paths)
    assert all(a.status == "completed" for a in attempts)
    assert all(a.step == len(paths[a.state["node"]]) for a in attempts)


def test_kept_page_parts_follow_each_learners_language(database_url, tmp_path, keys_dir):
    """Scene text, choices, the ending, the score table, indicators, referral contacts and
    sources are rendered once and kept: one tool serving English and French learners the same
    path shows each of them their own language, whoever came first."""
    case_id = CASE_IDS[0]
    case = library()[case_id]
    ending, choices = sorted(paths_to_endings(case).items())[0]
    link = f"link-{case_id}"
    links = [{"id": link, "title": case.title, "case_id": case_id}]
    first_text = " ".join(case.nodes[case.start].text.split()[:6])
    english = (first_text, case.nodes[ending].ending.title)

    def scene_and_debrief(lang: str, who: str) -> tuple[str, str]:
        browser = Browser(tool)
        page = browser.submit(browser.launch(name=f"Scene {who}", link=link, lang=lang),
                              "/play/start")  # fmt: skip
        scene = html.unescape(page.text)
        debrief = html.unescape(play_over_http(browser, link, f"Debrief {who}", choices, lang).text)
        return scene, debrief

    with live_tool(database_url, tmp_path, keys_dir, overrides={"SANDBOX_LINKS": links}) as tool:
        en_scene, en_debrief = scene_and_debrief("en", "Ada")
        fr_scene, fr_debrief = scene_and_debrief("fr", "Bea")
        en_again, _ = scene_and_debrief("en", "Cleo")

    assert english[0] in en_scene and english[0] in en_again
    assert english[1] in en_debrief
    assert english[0] not in fr_scene
    assert english[1] not in fr_debrief
