"""The instructor's dashboard and course overview in Chromium, in each of the six languages:
axe-core finds nothing, no English of the catalogs is left, the option charts are images with
a name, and a column header's button sorts the table."""

from __future__ import annotations

import pytest

from tests.browser.test_back_and_reload_in_browser import reload
from tests.browser.test_languages_in_browser import english_left
from tests.integration.test_learner import Learner
from tests.support.catalogue import best_path
from tests.support.catalogue import library
from tests.support.catalogue import paths_to_endings
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser
CASE = "tele-anyone-in-room"
LINKS = [
    {"id": "demo-tele", "title": "Teleconsultation", "case_id": CASE},
    {"id": "demo-front", "title": "Front desk", "case_id": "primary-front-desk"},
]


@pytest.fixture
def course_tool(database_url, tmp_path, keys_dir):
    from tests.support.live import live_tool

    with live_tool(database_url, tmp_path, keys_dir, overrides={"SANDBOX_LINKS": LINKS}) as tool:
        case = library()[CASE]
        for name, path in (("Dana Done", best_path(case)),
                           ("Ira Early", paths_to_endings(case)["ending-no-show"])):  # fmt: skip
            learner = Learner(tool, name=name, link="demo-tele")
            learner.play(list(path))
        Learner(tool, name="Olu Open", link="demo-tele").click("/play/start")
        Learner(tool, name="Olu Open", link="demo-front")  # another activity of the course
        yield tool


def open_dashboard(page, tool, lang: str):
    page.goto(tool.sandbox_url + "/sandbox/")
    page.fill("#name", "Dr Browser")
    page.select_option("#lang", lang)
    page.check("input[name=role][value=instructor]")
    page.select_option("select[name=link]", "demo-tele")
    page.click("button[type=submit]")
    frame = page.frame_locator("#tool-frame")
    frame.locator("body[data-page=dashboard]").wait_for()
    return frame


def content(page):
    return page.query_selector("#tool-frame").content_frame()


@pytest.mark.parametrize("lang", ["en", "el", "it", "de", "nl", "fr"])
def test_dashboard_and_course_overview_are_accessible_in_each_language(page, course_tool, lang):
    frame = open_dashboard(page, course_tool, lang)
    assert accessibility_problems(content(page)) == []
    if lang != "en":
        assert english_left(content(page).inner_text("main"), lang) == []
    charts = frame.get_by_role("img")
    assert charts.count() >= 3
    for index in range(charts.count()):  # each chart has a name, and its table follows it
        assert charts.nth(index).evaluate("svg => svg.getAttribute('aria-labelledby')")
        name = charts.nth(index).evaluate(
            "svg => document.getElementById(svg.getAttribute('aria-labelledby')).textContent"
        )
        assert name.strip()
        assert charts.nth(index).locator("xpath=ancestor::section//table").count() == 1

    frame.locator("form[action$='/teach/course'] button").click()
    frame.locator("body[data-page=course-overview]").wait_for()
    assert accessibility_problems(content(page)) == []
    if lang != "en":
        assert english_left(content(page).inner_text("main"), lang) == []
    assert frame.locator("tr[data-link]").count() == 2
    assert frame.locator("tr[data-link] button").count() == 1  # this activity's dashboard

    # learners have played this activity: another case is chosen only after a confirmation
    frame.locator("tr[data-link] button").click()
    frame.locator("body[data-page=dashboard]").wait_for()
    frame.locator("form[action$='/teach/pick'] button").click()
    frame.locator("body[data-page=confirm-case-change]").wait_for()
    assert accessibility_problems(content(page)) == []
    if lang != "en":
        assert english_left(content(page).inner_text("main"), lang) == []


def test_a_column_header_sorts_the_table_and_reload_keeps_the_view(page, course_tool):
    frame = open_dashboard(page, course_tool, "en")
    learners = frame.locator("table.learners tbody th[scope=row]")
    assert learners.all_inner_texts() == ["Dana Done", "Ira Early", "Olu Open"]

    frame.locator("th", has=frame.locator("button", has_text="Best score")).locator(
        "button").click()  # fmt: skip
    frame.locator("th[aria-sort=descending]", has_text="Best score").wait_for()

    assert learners.all_inner_texts()[0] == "Dana Done"
    assert learners.all_inner_texts()[-1] == "Olu Open"  # no score: last
    frame.locator("#q").fill("ira")
    frame.locator(".table-filters button[type=submit]").first.click()
    frame.locator("text=Showing 1 of 3 learners.").wait_for()
    assert learners.all_inner_texts() == ["Ira Early"]
    assert frame.locator("th[aria-sort=descending]", has_text="Best score").count() == 1

    reload(page, "dashboard")  # Reload shows the same view: the sort and the filter kept
    assert learners.all_inner_texts() == ["Ira Early"]
    assert frame.locator("th[aria-sort=descending]", has_text="Best score").count() == 1
    frame.locator("form[action$='/teach/course'] button").click()
    frame.locator("body[data-page=course-overview]").wait_for()
    reload(page, "course-overview")
    frame.get_by_role("button", name="Back to the dashboard").click()
    frame.locator("body[data-page=dashboard]").wait_for()
    assert learners.all_inner_texts() == ["Ira Early"]  # the view came along
