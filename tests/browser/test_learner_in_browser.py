"""A learner plays a case in Chromium, inside the sandbox's iframe: by keyboard alone, resuming
after closing the page, double-clicking a choice; axe-core checks every learner page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.learner.models import Attempt
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser

BEST_PATH = ["private-exam", "phone-interpreter", "universal-education", "refer-with-consent",
             "warm-handover"]  # fmt: skip


def launch(page, tool, name="Nikos Nurse", lang="en"):
    page.goto(tool.sandbox_url + "/sandbox/")
    page.fill("#name", name)
    page.select_option("#lang", lang)
    page.select_option("select[name=link]", "link-feature-tour")
    page.click("button[type=submit]")
    frame = page.frame_locator("#tool-frame")
    frame.locator("body[data-page=case-start]").wait_for()
    return frame


def tool_frame(page, tool):
    return page.query_selector("#tool-frame").content_frame()


def data_page(frame) -> str:
    return frame.locator("body").get_attribute("data-page")


def wait_page(frame, name: str) -> None:
    frame.locator(f"body[data-page={name}]").wait_for()


def press_tab_until(page, frame_handle, predicate_js: str, limit: int = 80) -> None:
    """Press Tab until the focused element of the tool's frame satisfies ``predicate_js``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if frame_handle.evaluate(
            f"(() => {{ const el = document.activeElement; return !!(el && ({predicate_js})); }})()"
        ):
            return
    raise AssertionError(f"keyboard focus never reached: {predicate_js}")


def test_play_to_the_debrief_by_keyboard_alone(page, tool):
    launch(page, tool)
    frame_handle = tool_frame(page, tool)

    press_tab_until(
        page, frame_handle, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Begin the case'"
    )
    page.keyboard.press("Enter")
    for choice in BEST_PATH:
        frame = page.frame_locator("#tool-frame")
        wait_page(frame, "scene")
        frame_handle = tool_frame(page, tool)
        press_tab_until(page, frame_handle, f"el.value === '{choice}'")
        page.keyboard.press("Enter")
        wait_page(frame, "feedback")
        frame_handle = tool_frame(page, tool)
        label = "See your debrief" if choice == BEST_PATH[-1] else "Continue"
        press_tab_until(
            page, frame_handle, f"el.tagName === 'BUTTON' && el.textContent.trim() === '{label}'"
        )
        page.keyboard.press("Enter")

    frame = page.frame_locator("#tool-frame")
    wait_page(frame, "debrief")
    assert "100%" in frame.locator(".score-overall").inner_text()


def test_every_learner_page_passes_axe(page, tool):
    frame = launch(page, tool)
    seen = {}
    seen["case-start"] = accessibility_problems(tool_frame(page, tool))
    frame.locator("button", has_text="Begin the case").click()
    for choice in BEST_PATH:
        wait_page(frame, "scene")
        seen.setdefault("scene", accessibility_problems(tool_frame(page, tool)))
        frame.locator(f"button[value={choice}]").click()
        wait_page(frame, "feedback")
        seen.setdefault("feedback", accessibility_problems(tool_frame(page, tool)))
        if choice == BEST_PATH[1]:
            frame.locator("button", has_text="Pause and continue later").click()
            wait_page(frame, "paused")
            seen["paused"] = accessibility_problems(tool_frame(page, tool))
            frame.locator("button", has_text="Continue now").click()
            wait_page(frame, "scene")
            continue
        if choice == BEST_PATH[-1]:
            frame.locator("button", has_text="See your debrief").click()
        else:
            frame.locator("button", has_text="Continue").first.click()
    wait_page(frame, "debrief")
    seen["debrief"] = accessibility_problems(tool_frame(page, tool))

    assert set(seen) == {"case-start", "scene", "feedback", "paused", "debrief"}
    assert seen == {name: [] for name in seen}


def test_resume_after_closing_the_page(page, tool, chromium):
    frame = launch(page, tool)
    frame.locator("button", has_text="Begin the case").click()
    wait_page(frame, "scene")
    frame.locator("button[value=private-exam]").click()
    wait_page(frame, "feedback")
    page.context.close()

    context = chromium.new_context()
    later = context.new_page()
    try:
        frame = launch(later, tool)
        frame.locator("button", has_text="Continue where you left off").click()
        wait_page(frame, "scene")
        assert "Decision 2" in frame.locator(".progress").inner_text()
    finally:
        context.close()


def test_double_clicking_a_choice_records_it_once(page, tool):
    frame = launch(page, tool)
    frame.locator("button", has_text="Begin the case").click()
    wait_page(frame, "scene")

    frame.locator("button[value=private-exam]").dblclick()
    # the page after the clicks: the feedback, or the scene again saying it was recorded
    frame.locator("body[data-page=feedback], body[data-page=scene] .notice").wait_for()

    with tool.session() as session:
        (attempt,) = session.scalars(select(Attempt))
        assert attempt.step == 1
        assert len(attempt.step_times) == 1
        assert len(attempt.state["path"]) == 1
