"""A learner in each of the six languages plays a case to its debrief in Chromium: every page is
in that language, with no English text of the catalogs left on it."""

from __future__ import annotations

import re
from functools import cache

import pytest
from babel.messages.pofile import read_po

from lti_tool.paths import TRANSLATIONS_DIR
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser
CASE = "primary-front-desk"
LINK = "demo-primary-front-desk"


@cache
def english_fragments(lang: str) -> list[str]:
    """Pieces of every English source text (split at placeholders and Markdown), long enough
    not to match by chance inside a translation. A piece the translator kept in the same
    message (an organisation's published name, such as "Meld Misdaad Anoniem") is not a leftover.
    """
    fragments = set()
    for domain in ("messages", "cases"):
        with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            kept = " ".join(" ".join((string or "").split()) for string in strings)
            for text in ids:
                for part in re.split(r"%\(\w+\)[sd]|[*_`\[\]()\n]|\s-\s", text):
                    part = " ".join(part.split())
                    if len(part) >= 14 and " " in part and part not in kept:
                        fragments.add(part)
    return sorted(fragments)


def english_left(text: str, lang: str) -> list[str]:
    visible = " ".join(text.split())
    return [fragment for fragment in english_fragments(lang) if fragment in visible]


@pytest.fixture
def library_tool(database_url, tmp_path, keys_dir):
    from tests.support.live import live_tool

    with live_tool(database_url, tmp_path, keys_dir, overrides={
        "SANDBOX_LINKS": [{"id": LINK, "title": "Front desk", "case_id": CASE}]
    }) as tool:  # fmt: skip
        yield tool


def frame_text(page) -> str:
    """The frame's text without the titles of cited works, which keep their published language."""
    frame = page.query_selector("#tool-frame").content_frame()
    text = " ".join(frame.inner_text("body").split())
    for title in frame.eval_on_selector_all("cite", "titles => titles.map(t => t.textContent)"):
        text = text.replace(" ".join(title.split()), "")
    return text


@pytest.mark.parametrize("lang", ["en", "el", "it", "de", "nl", "fr"])
def test_a_case_played_to_its_debrief_in_each_language(page, library_tool, lang):
    tool = library_tool
    page.goto(tool.sandbox_url + "/sandbox/")
    page.fill("#name", "Polyglot Learner")
    page.select_option("#lang", lang)
    page.select_option("select[name=link]", LINK)
    page.click("button[type=submit]")
    frame = page.frame_locator("#tool-frame")
    frame.locator("body[data-page=case-start]").wait_for()
    leftovers: dict[str, list[str]] = {}

    def check(name: str) -> None:
        assert frame.locator("html").get_attribute("lang") == lang
        if lang != "en":
            found = english_left(frame_text(page), lang)
            if found:
                leftovers[name] = found[:5]

    check("case-start")
    frame.locator("form[action$='/play/start'] button").click()
    for _ in range(12):
        frame.locator("body[data-page=scene], body[data-page=debrief]").wait_for()
        if frame.locator("body[data-page=debrief]").count():
            break
        check("scene")
        frame.locator("ul.choices button").first.click()
        frame.locator("body[data-page=feedback]").wait_for()
        check("feedback")
        frame.locator(
            "form[action$='/play/scene'] button, form[action$='/play/debrief'] button"
        ).first.click()
    frame.locator("body[data-page=debrief]").wait_for()
    # every section of the debrief open, so that its whole text is checked (and by axe-core)
    sections = frame.locator("details.debrief-section > summary")
    for index in range(sections.count()):
        sections.nth(index).click()
    assert frame.locator("details.debrief-section:not([open])").count() == 0
    check("debrief")

    assert leftovers == {}
    assert accessibility_problems(page.query_selector("#tool-frame").content_frame()) == []
