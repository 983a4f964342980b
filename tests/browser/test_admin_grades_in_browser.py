"""The administration page's grade section in a real Chromium: a waiting grade and a refused
one with their likely causes, the Result-service line, checked with axe-core; "send all waiting
grades now" works by keyboard."""

from __future__ import annotations

import pytest

from lti_tool.admin.auth import create_user
from tests.integration.test_grades import control
from tests.integration.test_grades import deliver
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser


def test_waiting_and_refused_grades_are_explained_and_accessible(page, tool):
    with tool.session() as session:
        create_user(session, "root", "correct horse battery")
        session.commit()
    control(tool, score_faults={"status": 400, "count": 1})
    Learner(tool, name="Refused Here").play(PATHS["taken-away"])
    deliver(tool)
    control(tool, score_faults={"status": 503, "count": 1, "retry_after": 3600})
    Learner(tool, name="Waiting Here").play(PATHS["taken-away"])
    deliver(tool)

    page.goto(tool.base_url + "/admin/login")
    page.fill("#username", "root")
    page.fill("#password", "correct horse battery")
    page.keyboard.press("Enter")
    page.locator("body[data-page=admin]").wait_for()
    assert page.get_by_text("Grades waiting for their next try").is_visible()
    assert page.get_by_text("The platform refused the grade; see what it said.").is_visible()
    assert page.get_by_text("granted: a grade whose delivery was interrupted").is_visible()
    assert accessibility_problems(page) == []

    page.get_by_role("button", name="Send all waiting grades now").focus()
    page.keyboard.press("Enter")
    page.get_by_role("status").get_by_text("1 grade is sent again now.").wait_for()
    assert accessibility_problems(page) == []
