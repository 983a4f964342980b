"""In Chromium, with axe-core: the page a Data Privacy Launch opens, and the admin page's form
for one learner's data."""

from __future__ import annotations

import html

import pytest

from lti_tool.admin.auth import create_user
from tests.support.browsing import LTI
from tests.support.browsing import REMOVE
from tests.support.browsing import HostilePlatform
from tests.support.chromium import accessibility_problems

pytestmark = pytest.mark.browser


def test_the_privacy_page_and_the_learner_data_form_are_accessible(page, tool):
    platform = HostilePlatform(tool)
    state, nonce = platform.login()
    token = platform.sign(platform.claims(nonce, **{
        LTI + "message_type": "LtiDataPrivacyLaunchRequest",
        LTI + "resource_link": REMOVE, LTI + "context": REMOVE,
        LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"],
    }))  # fmt: skip
    page.context.add_cookies(
        [{"name": c.name, "value": c.value, "url": tool.base_url} for c in platform.http.cookies]
    )  # the browser that started the login
    page.goto(tool.base_url + "/lti/jwks.json")  # the tool's origin, for the form below
    page.set_content(
        f'<form method="post" action="{tool.base_url}/lti/launch">'
        f'<input name="id_token" value="{html.escape(token)}">'
        f'<input name="state" value="{html.escape(state)}"><button>go</button></form>'
    )
    page.click("button")
    page.wait_for_selector("body[data-page=privacy]")
    assert page.locator("h1").inner_text() == "What this tool keeps about learners"
    assert accessibility_problems(page) == []

    with tool.session() as session:
        create_user(session, "root", "correct horse battery")
        session.commit()
    page.goto(tool.base_url + "/admin/login")
    page.fill("#username", "root")
    page.fill("#password", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#learner-sub")
    assert accessibility_problems(page) == []
    page.fill("#learner-sub", "nobody")
    page.get_by_role("button", name="Delete").click()
    page.wait_for_selector("text=No learner of that platform has this user ID.")
    assert accessibility_problems(page) == []
