"""An administrator registers the tool with a platform in a real Chromium: makes a one-time
link on the tool's administration page, enters it on the platform (the sandbox), and confirms
in the tool's page inside the platform's frame; the platform hears that the tool is done.
Every page on the way is checked with axe-core and used by keyboard."""

from __future__ import annotations

import pytest

from lti_tool.admin.auth import create_user
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser


@pytest.fixture(params=["same-site", "cross-site"])
def unregistered_tool(request, database_url, tmp_path, keys_dir):
    """Cross-site: the platform on localhost frames the tool on 127.0.0.1, as a real LMS
    frames a tool on another site."""
    from tests.support.live import live_tool

    with live_tool(database_url, tmp_path, keys_dir, register=False,
                   cross_site=request.param == "cross-site") as tool:  # fmt: skip
        with tool.session() as session:
            create_user(session, "root", "correct horse battery")
            session.commit()
        yield tool


def test_an_administrator_registers_the_tool_with_a_link(page, unregistered_tool):
    tool = unregistered_tool
    page.goto(tool.base_url + "/admin/login")
    page.fill("#username", "root")
    page.fill("#password", "correct horse battery")
    page.keyboard.press("Enter")
    page.locator("body[data-page=admin]").wait_for()
    page.fill("#invite-name", "Sandbox")
    page.get_by_role("button", name="Make a registration link").click()
    link = page.locator("[role=status] code").inner_text()
    assert "/lti/register/" in link
    assert accessibility_problems(page) == []

    page.goto(tool.sandbox_url + "/sandbox/register-tool")
    page.get_by_label("Tool's registration URL").fill(link)
    page.keyboard.press("Enter")
    frame = page.frame_locator("#registration-frame")
    frame.locator("body[data-page=register]").wait_for()
    tool_frame = page.query_selector("#registration-frame").content_frame()
    assert accessibility_problems(tool_frame) == []

    frame.get_by_label("Ask the platform for learners' names").check()
    frame.get_by_role("button", name="Register", exact=True).focus()
    page.keyboard.press("Enter")
    frame.locator("body[data-page=registered]").wait_for()
    assert accessibility_problems(page.query_selector("#registration-frame").content_frame()) == []

    frame.get_by_role("button", name="Return to the platform").click()
    page.get_by_role("status").get_by_text("Registration finished").wait_for()
    assert page.locator("#registration-frame").is_hidden()
    assert accessibility_problems(page) == []
