"""Launches over real HTTP between the sandbox platform and the tool."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.lti.models import Course
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.models import ResourceLink
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse


def test_learner_launch_records_account_course_and_link(tool):
    response = Browser(tool).launch(name="Maria Papadopoulou", lang="el")

    assert response.status_code == 200
    page = parse(response.text)
    assert page.data_page == "case-start"
    assert page.html_lang == "el"
    with tool.session() as session:
        learner = session.scalars(select(LearnerAccount)).one()
        assert learner.display_name == "Maria Papadopoulou"
        course = session.scalars(select(Course)).one()
        assert course.context_id == "amelie-demo-course"
        link = session.scalars(select(ResourceLink)).one()
        assert link.resource_link_id == "link-feature-tour"
        assert link.case_id == "feature-tour"
        assert link.lineitem_url
        assert "?type_id=1" in link.lineitem_url


def test_instructor_launch_opens_the_dashboard_and_a_learner_the_case(tool):
    teacher = Browser(tool).launch(name="Dr Instructor", role="instructor")
    learner = Browser(tool).launch(name="A Learner", role="learner")

    assert page_of(teacher) == "dashboard"
    assert page_of(learner) == "case-start"


@pytest.mark.parametrize("privacy", ["anonymous", "names", "email"])
def test_launch_without_names_or_email_works(tool, privacy):
    response = Browser(tool).launch(privacy=privacy)

    assert response.status_code == 200, response.text
    with tool.session() as session:
        learner = session.scalars(select(LearnerAccount)).one()
        assert (learner.display_name is None) == (privacy in ("anonymous", "email"))


def test_replayed_post_is_rejected_and_writes_nothing(tool):
    browser = Browser(tool)
    form = browser.open_launch()
    cookie = {c.name: c.value for c in browser.http.cookies if c.name.startswith("lti_state_")}
    assert cookie
    first = browser.http.post(form.action, data=form.fields)
    assert first.status_code == 200
    assert not any(c.name.startswith("lti_state_") for c in browser.http.cookies)
    before = tool.row_counts()

    # the same id_token and state again, with the state cookie put back as a replaying
    # attacker holding the whole request would
    replay = browser.http.post(form.action, data=form.fields, cookies=cookie)

    assert replay.status_code == 400
    assert "already been used" in replay.text
    assert tool.row_counts() == before
