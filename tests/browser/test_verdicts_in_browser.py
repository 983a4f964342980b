"""Feedback states each choice's verdict in words with an icon, in all six languages, green only
for the best option; axe-core finds nothing serious on the feedback pages."""

from __future__ import annotations

from functools import cache

import pytest
from babel.messages.pofile import read_po

from lti_tool.paths import TRANSLATIONS_DIR
from tests.browser.test_learner_in_browser import launch
from tests.browser.test_learner_in_browser import tool_frame
from tests.browser.test_learner_in_browser import wait_page
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser

WORDS = {
    "best": "Best option",
    "acceptable": "Acceptable, not the best",
    "not-recommended": "Not recommended",
    "harmful": "Harmful",
}
# a path through feature-tour that meets every verdict: (choice, its verdict, check axe here)
PATH = [
    ("private-exam", "best", True),
    ("simple-english", "not-recommended", True),
    ("review-chart", "acceptable", True),
    ("back-to-patient", "best", False),
    ("ask-if-trafficked", "not-recommended", False),
    ("call-police", "harmful", True),
]


@cache
def word(lang: str, verdict: str) -> str:
    if lang == "en":
        return WORDS[verdict]
    with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    message = catalog.get(WORDS[verdict])
    assert message is not None and message.string and not message.fuzzy
    return str(message.string)


@pytest.mark.parametrize("lang", ["en", "el", "it", "de", "nl", "fr"])
def test_feedback_states_the_verdict_in_words_with_an_icon(page, tool, lang):
    frame = launch(page, tool, name=f"Vera {lang}", lang=lang)
    frame.locator("form[action$='/play/start'] button").first.click()
    problems = {}
    for choice, verdict, check in PATH:
        wait_page(frame, "scene")
        frame.locator(f"button[value={choice}]").click()
        wait_page(frame, "feedback")

        shown = frame.locator(".verdict")
        assert shown.get_attribute("data-verdict") == verdict
        assert shown.inner_text().strip() == word(lang, verdict)
        icon = shown.locator("svg")
        assert icon.get_attribute("aria-hidden") == "true"
        notice = frame.locator(".notice").first
        green = "notice-good" in (notice.get_attribute("class") or "")
        assert green == (verdict == "best")
        if check:
            problems[choice] = accessibility_problems(tool_frame(page, tool))
        if choice != PATH[-1][0]:
            frame.locator("form[action$='/play/scene'] button").first.click()

    assert problems == {choice: [] for choice, _, check in PATH if check}
