"""An instructor in Chromium: the case picker (Deep Linking) and the dashboard pass axe-core,
and the deep-linking response reaches the platform."""

from __future__ import annotations

import pytest
import requests

from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser


def open_as_instructor(page, tool, message="resource", link="link-feature-tour"):
    page.goto(tool.sandbox_url + "/sandbox/")
    page.fill("#name", "Dr Browser")
    page.check("input[name=role][value=instructor]")
    page.check(f"input[name=message][value={message}]")
    page.select_option("select[name=link]", link)
    page.click("button[type=submit]")
    return page.frame_locator("#tool-frame")


def frame_of(page):
    return page.query_selector("#tool-frame").content_frame()


def test_picker_is_accessible_and_adds_cases(page, tool):
    frame = open_as_instructor(page, tool, message="deep_linking")
    frame.locator("body[data-page=picker]").wait_for()
    assert accessibility_problems(frame_of(page)) == []

    frame.locator("input[type=checkbox][value=ed-partner-who-answers]").check()
    frame.locator("input[type=checkbox][value=primary-front-desk]").check()
    frame.locator("button", has_text="Add to the course").click()
    frame.locator("body[data-page=sandbox-deep-link-done]").wait_for()

    events = requests.get(tool.sandbox_url + "/sandbox/control", timeout=10).json()["deep_links"]
    assert len(events[0]["created"]) == 2


def test_preview_is_accessible(page, tool):
    frame = open_as_instructor(page, tool, message="deep_linking")
    frame.locator("body[data-page=picker]").wait_for()
    frame.locator("button", has_text="Preview").first.click()
    frame.locator("body[data-page=preview]").wait_for()
    assert accessibility_problems(frame_of(page)) == []


def test_dashboard_and_learner_path_are_accessible(page, tool):
    Learner(tool, name="Dana Done").play(PATHS["door-left-open"])
    busy = Learner(tool, name="Ira Busy")
    busy.click("/play/start")

    frame = open_as_instructor(page, tool)
    frame.locator("body[data-page=dashboard]").wait_for()
    assert accessibility_problems(frame_of(page)) == []

    frame.locator("button", has_text="Path").first.click()
    frame.locator("body[data-page=learner-path]").wait_for()
    assert accessibility_problems(frame_of(page)) == []
