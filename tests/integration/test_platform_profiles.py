"""The sandbox behaving as Moodle and as Canvas (its ``moodle`` and ``canvas`` profiles), over
real HTTP: what they send at launch, the main flows (deep linking, a play to the end, the grade
in the gradebook) under each, and Moodle's registration (a pending tool, then "Update existing
tool")."""

from __future__ import annotations

import re
from html import unescape

import jwt
import pytest
import requests
from sqlalchemy import select

from lti_tool.lti.models import Deployment
from lti_tool.lti.models import LearnerAccount
from lti_tool.lti.models import Registration
from lti_tool.sandbox.clients import current_client
from tests.integration.test_dynamic_registration import confirm
from tests.integration.test_dynamic_registration import invite
from tests.integration.test_dynamic_registration import registrations
from tests.integration.test_grades import choose_to_the_end
from tests.integration.test_grades import deliver
from tests.integration.test_grades import gradebook_scores
from tests.integration.test_instructor import deep_link
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
FRAME = re.compile(r'id="registration-frame"[^>]*src="([^"]+)"')


def use(tool, profile: str) -> None:
    requests.post(tool.sandbox_url + "/sandbox/control", json={"profile": profile},
                  timeout=10).raise_for_status()  # fmt: skip


def launch_claims(tool, **choices: str) -> tuple[dict, dict[str, str]]:
    form = Browser(tool).open_launch(**choices)
    return jwt.decode(form.fields["id_token"], options={"verify_signature": False}), form.fields


def test_moodle_sends_lower_cased_custom_names_its_locale_codes_and_no_storage(tool):
    with tool.sandbox_session() as session:
        from lti_tool.sandbox.store import SbResourceLink

        link = session.scalar(select(SbResourceLink).where(SbResourceLink.rl_id ==
                                                           "link-feature-tour"))  # fmt: skip
        link.custom = {"Case_ID": "feature-tour", "Attempts_Allowed": "2"}
        session.commit()
    use(tool, "moodle")

    claims, fields = launch_claims(tool, lang="pt-BR", storage="platform")
    assert claims[LTI + "custom"] == {"case_id": "feature-tour", "attempts_allowed": "2"}
    assert claims[LTI + "launch_presentation"]["locale"] == "en"  # no pt_br language pack
    assert claims["exp"] - claims["iat"] == 60
    assert claims[LTI + "tool_platform"]["product_family_code"] == "moodle"
    assert "lti_storage_target" not in fields
    assert launch_claims(tool, lang="el")[0][LTI + "launch_presentation"]["locale"] == "el"
    # and the tool takes it: the case named in lower case, the page in English
    page = Browser(tool).launch(lang="pt-BR", storage="platform")
    assert page_of(page) == "case-start" and parse(page.text).html_lang == "en"


def test_canvas_sends_a_course_deployment_nothing_about_the_user_and_storage(tool):
    use(tool, "canvas")

    claims, fields = launch_claims(tool, privacy="")
    deployment = claims[LTI + "deployment_id"]
    assert deployment.startswith("sandbox-deployment-1:") and len(deployment) > 30
    assert not {"name", "given_name", "family_name", "email"} & set(claims)
    assert fields["lti_storage_target"] == "_parent"
    assert claims[LTI + "tool_platform"]["product_family_code"] == "canvas"
    assert claims[LTI + "launch_presentation"]["locale"] == "en"
    # the tool records the course's new deployment of its registration, from the launch
    assert page_of(Browser(tool).launch(privacy="")) != "error"
    with tool.session() as session:
        origins = dict(session.execute(select(Deployment.deployment_id, Deployment.origin)).all())
    assert origins[deployment] == "auto"


@pytest.mark.parametrize("profile", ["moodle", "canvas"])
def test_deep_link_play_to_the_end_and_the_grade_arrives(tool, profile):
    use(tool, profile)
    browser, _, answer = deep_link(tool, ["feature-tour"])
    returned = parse(answer.text).forms[0]
    done = browser.http.post(returned.action, data=returned.fields, timeout=15)
    assert done.status_code == 200
    created = requests.get(tool.sandbox_url + "/sandbox/control", timeout=10).json()
    rl_id = created["deep_links"][0]["created"][0]

    learner = Learner(tool, name="Pat Profile", link=rl_id, privacy="")
    assert page_of(learner.page) == "case-start"
    learner.click("/play/start")
    choose_to_the_end(learner, PATHS["referral-made"])
    while deliver(tool):
        pass
    final = gradebook_scores(tool)[-1]
    assert (final.activity_progress, final.score_given) == ("Completed", 100.0)
    with tool.session() as session:
        names = session.scalars(select(LearnerAccount.display_name)).all()
    # Moodle shares names by default; Canvas's default privacy is anonymous
    assert ("Pat Profile" in names) == (profile == "moodle")


def _start_registration(tool, token: str, **form: str) -> requests.Response:
    started = requests.post(tool.sandbox_url + "/sandbox/register-tool", timeout=10,
                            data={"url": f"{tool.base_url}/lti/register/{token}", **form})  # fmt: skip
    return requests.get(unescape(FRAME.search(started.text).group(1)), timeout=10)


def test_moodle_registration_is_pending_until_activated_then_updated_in_place(
    database_url, tmp_path, keys_dir
):
    from tests.support.live import live_tool

    with live_tool(database_url, tmp_path, keys_dir, register=False) as tool:
        use(tool, "moodle")
        first = invite(tool, name="Our Moodle")
        done = confirm(tool, first, _start_registration(tool, first))
        assert page_of(done) == "registered" and "The tool is registered" in done.text
        with tool.sandbox_session() as session:
            client = current_client(session)
        assert client.pending
        pending = requests.post(tool.sandbox_url + "/sandbox/launch", timeout=10,
                                data={"name": "Early Bird", "link": "link-feature-tour"})  # fmt: skip
        assert pending.status_code == 409 and "pending" in pending.text

        activated = requests.post(tool.sandbox_url + "/sandbox/profile", timeout=10,
                                  data={"profile": "moodle", "activate": "1"})  # fmt: skip
        assert activated.status_code == 200
        assert page_of(Learner(tool, name="Early Bird").page) == "case-start"

        # registering again from the same tool: Moodle offers to update the installed tool
        form = requests.get(tool.sandbox_url + "/sandbox/register-tool", timeout=10).text
        assert client.client_id in form
        second = invite(tool, name="Our Moodle, with names")
        shown = _start_registration(tool, second, mode="update")
        assert "update the tool it has installed" in unescape(shown.text)
        updated = confirm(tool, second, shown, share_names="yes")
        assert "The registration is updated" in updated.text, updated.text[:500]
        assert registrations(tool) == [(tool.issuer, client.client_id, [client.deployment_id])]
        with tool.session() as session:
            reg = session.scalar(select(Registration))
            assert reg.name == "Our Moodle, with names" and "name" in reg.claims
        with tool.sandbox_session() as session:
            after = current_client(session)
        assert (after.client_id, after.pending) == (client.client_id, False)
        assert page_of(Learner(tool, name="Second Bird").page) == "case-start"
        # the link is used up; an update of a client the sandbox does not have is refused
        assert requests.get(f"{tool.base_url}/lti/register/{second}", timeout=10,
                            params={"openid_configuration": "x"}).status_code == 404  # fmt: skip
