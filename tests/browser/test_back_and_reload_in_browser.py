"""Back and Reload in Chromium, inside the sandbox's iframe, on every kind of learner page and on
the instructor's pages: never the browser's "Confirm form resubmission" page, and after Back
the attempt as it is now, with a notice that a decision cannot be changed. Also: the frame is
sized by lti.frameResize to the page, and "Begin the case" is in view on a phone."""

from __future__ import annotations

import pytest

from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser

BEST_PATH = PATHS["referral-made"]
NOTICE = "A decision cannot be changed once it is made."
RESUBMISSION = ("requires data that you entered", "ERR_CACHE_MISS", "Confirm Form Resubmission")


LAUNCHING = ":not([data-page^=sandbox]):not([data-page^=storage]):not([data-page=reshow])"


def open_tool(page, tool, role="learner", message="resource", name="Nikos Nurse"):
    page.goto(tool.sandbox_url + "/sandbox/")
    page.fill("#name", name)
    page.check(f"input[name=role][value={role}]")
    page.check(f"input[name=message][value={message}]")
    page.select_option("select[name=link]", "link-feature-tour")
    page.click("button[type=submit]")
    frame = page.frame_locator("#tool-frame")
    frame.locator(f"body[data-page]{LAUNCHING}").wait_for()  # past the login's own pages
    return frame


def frame_of(page):
    return page.query_selector("#tool-frame").content_frame()


def shown(page, expected: str) -> None:
    """Wait for the frame's next page (not the one marked before the navigation) and check it
    is ``expected``, not the browser's resubmission (or any error) page, and that its address
    holds nothing (the page replaced it with /lti/reshow)."""
    frame = page.frame_locator("#tool-frame")
    frame.locator(
        "body[data-page]:not([data-before]):not([data-page=reshow]), #main-frame-error"
    ).first.wait_for(state="attached")
    handle = frame_of(page)
    handle.wait_for_load_state()
    text = handle.evaluate("document.body.innerText")
    assert not any(sign in text for sign in RESUBMISSION), text[:300]
    assert handle.evaluate("document.body.dataset.page") == expected, text[:300]
    assert handle.url.endswith("/lti/reshow"), handle.url


def mark(page) -> None:
    frame_of(page).evaluate("document.body.dataset.before = '1'")


def reload(page, expected: str) -> None:
    """The browser's "Reload frame": reload the tool's frame, as it is in the history."""
    length = page.evaluate("history.length")
    mark(page)
    frame_of(page).evaluate("location.reload()")
    shown(page, expected)
    assert page.evaluate("history.length") == length  # showing it again added no entry


def back(page, expected: str) -> None:
    """The browser's Back button (the joint history of the page and its frames)."""
    length = page.evaluate("history.length")
    mark(page)
    page.evaluate("history.back()")
    shown(page, expected)
    assert page.evaluate("history.length") == length


def click(page, label: str, expected: str) -> None:
    """Press the button named ``label`` (or with the value ``label`` when it is an option)."""
    mark(page)
    frame = page.frame_locator("#tool-frame")
    option = frame.locator(f"button[value='{label}']")
    if option.count():
        option.click()
    else:
        frame.get_by_role("button", name=label, exact=True).first.click()
    shown(page, expected)


def text_of(page, selector: str = "main") -> str:
    return page.frame_locator("#tool-frame").locator(selector).first.inner_text()


def test_back_and_reload_on_every_learner_page(page, tool):
    open_tool(page, tool)
    shown(page, "case-start")
    reload(page, "case-start")

    click(page, "Begin the case", "scene")
    reload(page, "scene")
    assert "Decision 1 of up to 8" in text_of(page, ".progress")
    assert NOTICE not in text_of(page)
    back(page, "case-start")  # the launch's own page, as it is now: the attempt is under way
    assert "You continue at decision 1 of up to 8." in text_of(page)
    click(page, "Continue where you left off", "scene")

    click(page, BEST_PATH[0], "feedback")
    reload(page, "feedback")
    back(page, "scene")  # the scene of a decision already made: where the attempt is now
    assert NOTICE in text_of(page, ".notice")
    assert "Decision 2 of up to 8" in text_of(page, ".progress")

    click(page, "Pause and continue later", "paused")
    reload(page, "paused")
    assert "You will continue at decision 2 of up to 8." in text_of(page)
    back(page, "scene")
    click(page, BEST_PATH[1], "feedback")
    for choice in BEST_PATH[2:]:
        click(page, "Continue", "scene")
        click(page, choice, "feedback")
    click(page, "See your debrief", "debrief")
    reload(page, "debrief")
    back(page, "feedback")  # the feedback on the last decision, which is still so
    mark(page)
    page.evaluate("history.forward()")
    shown(page, "debrief")


def test_the_address_and_the_history_hold_no_launch_token(page, tool):
    open_tool(page, tool)
    shown(page, "case-start")
    click(page, "Begin the case", "scene")
    handle = frame_of(page)
    assert handle.url.endswith("/lti/reshow")
    kept = handle.evaluate("history.state.reshow")
    assert kept["action"].endswith("/play/again")
    assert set(kept["fields"]) == {"lt", "attempt", "view", "step"}


def test_back_and_reload_on_the_instructor_pages(page, tool):
    Learner(tool, name="Dana Done").play(PATHS["door-left-open"])
    open_tool(page, tool, role="instructor", name="Dr Browser")
    shown(page, "dashboard")
    reload(page, "dashboard")

    click(page, "Path Dana Done", "learner-path")
    reload(page, "learner-path")
    back(page, "dashboard")

    click(page, "Preview the case", "preview")
    click(page, BEST_PATH[0], "preview")
    reload(page, "preview")
    back(page, "preview")

    click(page, "Back", "dashboard")
    frame = page.frame_locator("#tool-frame")
    frame.locator("input[name=attempts_allowed]").fill("3")
    click(page, "Save the settings", "dashboard")
    assert "Settings saved." in text_of(page, ".notice")
    reload(page, "dashboard")  # shows the dashboard; it does not save again
    assert "Settings saved." not in text_of(page)

    # Dana has played the case: "Choose another case" asks first
    click(page, "Choose another case", "confirm-case-change")
    reload(page, "confirm-case-change")
    click(page, "Choose another case anyway", "picker")
    reload(page, "picker")  # the picker again, not the confirmation
    back(page, "confirm-case-change")
    back(page, "dashboard")


def test_the_frame_is_sized_to_the_page(page, tool):
    frame = open_tool(page, tool)
    shown(page, "case-start")

    def fitted() -> int:
        """The height the tool last asked for, once the frame has it: the page's height."""
        page.wait_for_function(
            """() => {
                const frame = document.querySelector('#tool-frame');
                const inner = frame.contentDocument.documentElement;
                return frame.getAttribute('data-resized-to') ===
                       String(Math.ceil(inner.getBoundingClientRect().height)) &&
                       frame.clientHeight === Number(frame.getAttribute('data-resized-to'));
            }"""
        )
        handle = frame_of(page)
        # the frame shows the whole page: nothing scrolls inside it
        assert handle.evaluate("document.documentElement.scrollHeight") <= handle.evaluate(
            "document.documentElement.clientHeight"
        )
        return int(page.eval_on_selector("#tool-frame", "f => f.getAttribute('data-resized-to')"))

    start = fitted()
    frame.locator(".language-menu summary").click()  # the menu opens: the page grows
    opened = fitted()
    assert opened > start
    frame.locator(".language-menu summary").click()
    assert fitted() == start
    page.set_viewport_size({"width": 390, "height": 844})
    assert fitted() > start  # narrower, so taller
    click(page, "Begin the case", "scene")
    fitted()


@pytest.mark.parametrize(("lang", "link"), [("en", "link-feature-tour"), ("el", "link-feature-tour"),
                                            ("de", "link-feature-tour"), ("en", "link-long-note"),
                                            ("de", "link-long-note")])  # fmt: skip
def test_begin_the_case_is_in_view_on_a_phone(chromium, tool, lang, link):
    context = chromium.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(tool.sandbox_url + "/sandbox/")
        page.select_option("#lang", lang)
        page.select_option("select[name=link]", link)
        page.click("button[type=submit]")
        frame = page.frame_locator("#tool-frame")
        frame.locator("body[data-page=case-start]").wait_for()
        begin = frame.locator(".start-actions button")
        box = begin.bounding_box()  # in the page's own coordinates
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
        assert page.evaluate("window.scrollY") == 0
        # the header is one short line: the language menu is closed
        header = frame.locator(".site-header").bounding_box()
        assert header is not None and header["height"] < 70, header
        frame.locator(".language-menu summary").click()
        frame.locator("#lang-select").wait_for()
        assert accessibility_problems(frame_of(page)) == []
    finally:
        context.close()


def test_back_past_a_launch_through_platform_storage(page, cross_site_tool):
    """Canvas's way (no cookie in the frame, the state binding in LTI Platform Storage): the
    launch page posts the launch again once the platform answers, so it has a history entry of
    its own. Back to it says to open the activity again, never "Confirm form resubmission"."""
    page.goto(cross_site_tool.sandbox_url + "/sandbox/")
    page.click("summary")
    page.select_option("#storage", "platform")
    page.select_option("select[name=link]", "link-feature-tour")
    page.click("button[type=submit]")
    # past the page that reads the platform's storage and posts the launch again
    page.frame_locator("#tool-frame").locator(f"body[data-page]{LAUNCHING}").wait_for()
    shown(page, "case-start")
    click(page, "Begin the case", "scene")
    back(page, "case-start")
    mark(page)
    page.evaluate("history.back()")
    frame = page.frame_locator("#tool-frame")
    frame.locator("body[data-page]:not([data-before]), #main-frame-error").first.wait_for(
        state="attached"
    )
    handle = frame_of(page)
    text = handle.evaluate("document.body.innerText")
    assert not any(sign in text for sign in RESUBMISSION), text[:300]
    if handle.evaluate("document.body.dataset.page") == "reshow":  # the launch's own entry
        assert "open the activity again from your course" in text
    else:  # or the launch had replaced it: Back left the tool for the course page
        assert handle.evaluate("document.body.dataset.page").startswith("sandbox")
