"""A person launches the tool from the sandbox, in an iframe, in a real Chromium."""

from __future__ import annotations

import pytest

from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser


def _launch(page, base: str, *, lang: str = "en", storage: str = "cookie", role: str = "learner"):
    page.goto(base + "/sandbox/")
    page.fill("#name", "Eleni Nurse")
    page.check(f"input[name=role][value={role}]")
    page.select_option("#lang", lang)
    if storage != "cookie":
        page.click("summary")
        page.select_option("#storage", storage)
    page.click("button[type=submit]")
    frame = page.frame_locator("#tool-frame")
    frame.locator("body[data-page]:not([data-page^=sandbox]):not([data-page^=storage])").wait_for()
    return frame


@pytest.mark.parametrize("lang", ["en", "el", "it", "de", "nl", "fr"])
def test_learner_launch_in_each_language(page, tool, lang):
    frame = _launch(page, tool.sandbox_url, lang=lang)

    assert frame.locator("body").get_attribute("data-page") == "case-start"
    assert frame.locator("html").get_attribute("lang") == lang
    tool_frame = page.query_selector("#tool-frame").content_frame()
    assert accessibility_problems(tool_frame) == []


def test_cross_site_launch_without_cookies_uses_platform_storage(page, cross_site_tool):
    """The sandbox is on localhost and the tool on 127.0.0.1: the browser does not send the
    tool's (SameSite=Lax) state cookie with the platform's cross-site POST, so the state is
    checked through LTI Platform Storage (postMessage) instead."""
    frame = _launch(page, cross_site_tool.sandbox_url, storage="platform", lang="it")

    assert frame.locator("body").get_attribute("data-page") == "case-start"
    assert frame.locator("html").get_attribute("lang") == "it"


def test_cross_site_launch_without_cookies_or_platform_storage_explains(page, cross_site_tool):
    frame = _launch(page, cross_site_tool.sandbox_url, storage="cookie")

    assert frame.locator("body").get_attribute("data-page") == "error"
    assert "could not be matched to your browser" in frame.locator("h1").inner_text()
