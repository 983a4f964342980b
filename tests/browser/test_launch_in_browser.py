"""A person launches the tool from the sandbox, in an iframe, in a real Chromium."""

from __future__ import annotations

import pytest
import requests

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


@pytest.fixture
def blocking_chromium(chromium):
    """Chromium with third-party cookies blocked (and the phase-out's storage rules)."""
    from tests.support.chromium import ARGS
    from tests.support.chromium import CHROMIUM

    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM, args=[*ARGS, "--test-third-party-cookie-phaseout"]
    )
    yield browser
    browser.close()


def _reaches_the_case(page) -> None:
    """Inside the course page, or (where the browser keeps nothing for the tool there) in the
    new window its one button opens."""
    frame = page.frame_locator("#tool-frame")
    frame.locator("body[data-page=case-start], #blocked:visible").first.wait_for()
    if frame.locator("body").get_attribute("data-page") == "case-start":
        return
    with page.expect_popup() as popup_info:
        frame.locator("#new-window").click()
    popup = popup_info.value
    popup.locator("body[data-page=case-start]").wait_for()


def test_moodle_learner_launch_with_third_party_cookies_blocked_reaches_the_case(
    blocking_chromium, cross_site_tool
):
    requests.post(cross_site_tool.sandbox_url + "/sandbox/control", json={"profile": "moodle"},
                  timeout=10).raise_for_status()  # fmt: skip
    context = blocking_chromium.new_context(locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(cross_site_tool.sandbox_url + "/sandbox/")
        page.click("summary")
        page.select_option("#storage", "platform")  # asked for; Moodle offers none
        page.click("button[type=submit]")
        _reaches_the_case(page)
    finally:
        context.close()


def test_without_cookies_or_storage_in_the_iframe_a_new_window_reaches_the_case(
    page, cross_site_tool
):
    """A browser that keeps neither cookies nor storage for the tool in the course page: the
    login stops before the platform's one-time launch is spent and offers a new window, where
    the same login runs first-party."""
    requests.post(cross_site_tool.sandbox_url + "/sandbox/control", json={"profile": "moodle"},
                  timeout=10).raise_for_status()  # fmt: skip
    # what such a browser does inside the course page: storage throws
    page.add_init_script(
        "if (window.top !== window && location.pathname.startsWith('/lti/')) {"
        " Object.defineProperty(window, 'sessionStorage', {get() {"
        " throw new DOMException('blocked', 'SecurityError'); }}); }"
    )
    page.goto(cross_site_tool.sandbox_url + "/sandbox/")
    page.click("button[type=submit]")
    frame = page.frame_locator("#tool-frame")
    frame.locator("#blocked").wait_for()
    assert frame.locator("h1:visible").inner_text().startswith("Your browser blocks")
    tool_frame = page.query_selector("#tool-frame").content_frame()
    assert accessibility_problems(tool_frame) == []
    with page.expect_popup() as popup_info:
        frame.locator("#new-window").click()
    popup = popup_info.value
    popup.locator("body[data-page=case-start]").wait_for()
