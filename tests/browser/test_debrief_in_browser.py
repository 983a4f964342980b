"""The debrief in Chromium: its details in sections that open without JavaScript, "Show
contacts" coming back at the contacts, the print layout, and the record's verification pages
(axe-core clean in all six languages)."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pytest
from pypdf import PdfReader

from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser

BEST_PATH = ["private-exam", "phone-interpreter", "universal-education", "refer-with-consent",
             "warm-handover"]  # fmt: skip
SECTIONS = ["path", "indicators", "country-notes", "contacts", "sources"]
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}\b")
LANGUAGES = ["en", "el", "it", "de", "nl", "fr"]


def play_in_the_frame(page, tool, storage="cookie"):
    page.goto(tool.sandbox_url + "/sandbox/")
    page.fill("#name", "Nikos Nurse")
    page.select_option("select[name=link]", "link-feature-tour")
    if storage != "cookie":  # a tool on another site than the LMS: Canvas's way
        page.click("summary")
        page.select_option("#storage", storage)
    page.click("button[type=submit]")
    frame = page.frame_locator("#tool-frame")
    frame.locator("body[data-page=case-start]").wait_for()
    frame.locator("button", has_text="Begin the case").click()
    for choice in BEST_PATH:
        frame.locator("body[data-page=scene]").wait_for()
        frame.locator(f"button[value={choice}]").click()
        frame.locator("body[data-page=feedback]").wait_for()
        label = "See your debrief" if choice == BEST_PATH[-1] else "Continue"
        frame.locator("button", has_text=label).first.click()
    frame.locator("body[data-page=debrief]").wait_for()
    return frame


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def comes_into_view(page, locator) -> bool:
    """Whether ``locator`` is in view now or within a few seconds (a page scrolls to its
    #fragment once loaded)."""
    for _ in range(50):
        if in_view(page, locator):
            return True
        page.wait_for_timeout(100)
    return False


def test_the_debrief_opens_section_by_section_returns_to_the_contacts_and_prints_whole(page, tool):
    frame = play_in_the_frame(page, tool)
    # first what the attempt came to, then the details, closed
    assert frame.locator(".score-overall").is_visible()
    for section in SECTIONS:
        assert frame.locator(f"details#{section}").count() == 1, section
        assert frame.locator(f"details#{section}[open]").count() == 0, section
    assert not frame.locator("#path ol.path").is_visible()
    frame.locator("#path summary").click()
    assert frame.locator("#path ol.path").is_visible()
    frame.locator("#path summary").click()
    assert not frame.locator("#path ol.path").is_visible()

    with page.expect_download() as download:
        frame.locator(".record button").click()
    assert download.value.suggested_filename.startswith("record-of-completion-feature-tour-")
    assert download.value.suggested_filename.endswith(".pdf")
    assert frame.locator("body[data-page=debrief]").count() == 1  # the debrief stays

    frame.locator("#path summary").click()  # a long section open above the contacts
    show_contacts(page, frame, "it")
    assert "800 290 290" in frame.locator("#contacts").inner_text()

    page.emulate_media(media="print")
    try:
        for section in ["path", "indicators", "sources"]:  # closed on screen, open on paper
            assert frame.locator(
                f"details#{section}:not([open]) > :not(summary)"
            ).first.is_visible()
        assert frame.locator("#path ol.path").is_visible()
        assert not frame.locator(".site-header").is_visible()
        assert frame.locator("button:visible, select:visible").count() == 0
        colours = frame.locator("#path summary h2").evaluate("e => getComputedStyle(e).color")
        assert colours == "rgb(0, 0, 0)"
    finally:
        page.emulate_media(media="screen")
    assert not frame.locator("#path ol.path").is_visible()


def show_contacts(page, frame, country: str) -> None:
    """Choose the country and press "Show contacts": the learner is where they were, at the
    contacts (open, in view, its heading focused), not at the top of the page."""
    frame.locator("#contacts summary").click()
    frame.locator("#country").select_option(country)
    frame.locator("#contacts button", has_text="Show contacts").click()
    frame.locator("body[data-page=debrief] details#contacts[open] .referrals").wait_for()
    assert comes_into_view(page, frame.locator("#contacts summary"))
    assert not in_view(page, frame.locator("h1"))
    assert frame.locator("#contacts summary").evaluate("e => e === document.activeElement")


def test_show_contacts_stays_at_the_contacts_in_a_frame_on_another_site(page, cross_site_tool):
    """As in Canvas or Moodle: the tool on another site than the LMS, its frame as tall as the
    page (lti.frameResize), so the LMS page is what scrolls."""
    frame = play_in_the_frame(page, cross_site_tool, storage="platform")
    frame.locator("#path summary").click()
    show_contacts(page, frame, "gr")
    assert "1109" in frame.locator("#contacts").inner_text()
    assert page.evaluate("scrollY") > 0


def test_every_debrief_section_open_passes_axe(page, tool):
    frame = play_in_the_frame(page, tool)
    for section in SECTIONS:
        frame.locator(f"#{section} summary").click()
        assert frame.locator(f"details#{section}[open]").count() == 1

    assert accessibility_problems(page.query_selector("#tool-frame").content_frame()) == []


def debrief_by_http(tool) -> tuple[Browser, dict[str, str], str]:
    """A learner's browser (without a page engine) at the debrief: its fields and its HTML."""
    browser = Browser(tool)
    page = browser.launch(name="Plain Reader")
    page = browser.submit(page, "/play/start")
    for choice in BEST_PATH:
        page = browser.submit(page, "/play/choose", button=("choice", choice))
        forms = [f.action for f in parse(page.text).forms]
        page = browser.submit(page, "/play/debrief" if any(a.endswith("/play/debrief")
                                                            for a in forms) else "/play/scene")  # fmt: skip
    assert page_of(page) == "debrief"
    fields = next(f for f in parse(page.text).forms if f.action.endswith("/play/record")).fields
    return browser, fields, page.text


def test_the_sections_and_show_contacts_work_without_javascript(chromium, tool):
    _, fields, _ = debrief_by_http(tool)
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()

        def post_the_debrief(route):  # the address bar cannot post: the first load does
            if route.request.method == "GET":
                route.continue_(method="POST", post_data=urlencode(fields),
                                headers={**route.request.headers,
                                         "content-type": "application/x-www-form-urlencoded"})  # fmt: skip
            else:
                route.continue_()

        page.route("**/play/debrief", post_the_debrief)
        page.goto(tool.base_url + "/play/debrief")
        page.locator("body[data-page=debrief]").wait_for()
        assert not page.locator("#indicators h3").first.is_visible()
        page.locator("#indicators summary").click()
        assert page.locator("#indicators h3").first.is_visible()

        page.locator("#contacts summary").click()
        page.locator("#country").select_option("gr")
        page.locator("#contacts button", has_text="Show contacts").click()
        page.locator("details#contacts[open] .referrals").wait_for()
        assert page.url.endswith("/play/debrief#contacts")
        assert "197" in page.locator("#contacts").inner_text()
        assert comes_into_view(page, page.locator("#contacts summary"))
        assert not in_view(page, page.locator("h1"))
    finally:
        context.close()


def test_the_verification_pages_pass_axe_in_every_language(page, tool):
    browser, fields, _ = debrief_by_http(tool)
    record = browser.http.post(tool.base_url + "/play/record", data=fields, timeout=15)
    assert record.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(record.content)).pages)
    code = CODE.search(text).group(0)
    problems = {}
    for lang in LANGUAGES:
        for name, address, status in [
            ("record", f"/verify/{code}?lang={lang}", 200),
            ("lookup", f"/verify/?lang={lang}", 200),
            ("unknown", f"/verify/0000-0000-0000-0000-0000-0000?lang={lang}", 404),
        ]:
            response = page.goto(tool.base_url + address)
            assert response.status == status, (lang, name)
            assert page.locator("html").get_attribute("lang") == lang
            found = accessibility_problems(page)
            if found:
                problems[(lang, name)] = found
    assert problems == {}

    # the form on the lookup page takes a code typed from paper
    page.goto(tool.base_url + "/verify/?lang=el")
    page.fill("#code", code.lower().replace("-", " "))
    page.locator("main button[type=submit]").click()
    page.locator("body[data-page=verify]").wait_for()
    assert code in page.locator("main").inner_text()
    assert page.locator("html").get_attribute("lang") == "el"
