"""Instructors over real HTTP: Deep Linking, the dashboard with an NRPS roster, CSV export,
Submission Review, and learners kept out of every instructor page."""

from __future__ import annotations

import csv
import html
import io
import re

import jwt
import pytest
import requests
from sqlalchemy import select

from lti_tool.learner.models import Attempt
from lti_tool.lti.models import ResourceLink
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def control(tool, **settings) -> dict:
    url = tool.sandbox_url + "/sandbox/control"
    if settings:
        return requests.post(url, json=settings, timeout=10).json()
    return requests.get(url, timeout=10).json()


def form_data(response, action: str, **extra) -> tuple[str, list[tuple[str, str]]]:
    form = next(f for f in parse(response.text).forms if f.action.endswith(action))
    data = [(k, v) for k, v in form.fields.items() if k not in extra]
    for key, value in extra.items():
        values = value if isinstance(value, list) else [value]
        data += [(key, str(v)) for v in values]
    return requests.compat.urljoin(response.url, form.action), data


def deep_link(tool, cases: list[str], accept_multiple: bool = True, **settings):
    browser = Browser(tool)
    picker = browser.launch(name="Dr Picker", role="instructor", message="deep_linking",
                            accept_multiple="true" if accept_multiple else "false")  # fmt: skip
    assert page_of(picker) == "picker", picker.text[:300]
    url, data = form_data(picker, "/teach/select", case=cases, **settings)
    answer = browser.http.post(url, data=data, timeout=15)
    return browser, picker, answer


def test_pick_several_cases_returns_a_signed_deep_linking_response(tool):
    browser, picker, answer = deep_link(
        tool, ["ed-partner-who-answers", "tele-anyone-in-room"], attempts_allowed="2",
        grade_from="latest", feedback="end", score_maximum="20",
    )  # fmt: skip
    assert "only one" not in picker.text
    assert page_of(answer) == "deep-link-return"
    form = parse(answer.text).forms[0]
    assert form.action == tool.issuer + "/deep_link_return"

    keys = requests.get(tool.base_url + "/lti/jwks.json", timeout=10).json()
    header = jwt.get_unverified_header(form.fields["JWT"])
    key = jwt.PyJWKSet.from_dict(keys)[header["kid"]].key
    claims = jwt.decode(form.fields["JWT"], key, algorithms=["RS256"], audience=tool.issuer)
    assert claims["iss"] == "amelie-sandbox"
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == "sandbox-deployment-1"
    assert claims[DL + "data"].startswith("sandbox-dl-")
    assert claims["exp"] > claims["iat"]
    items = claims[DL + "content_items"]
    assert [i["custom"]["case_id"] for i in items] == ["ed-partner-who-answers",
                                                        "tele-anyone-in-room"]  # fmt: skip
    first = items[0]
    assert first["type"] == "ltiResourceLink"
    assert first["title"] == "The partner who answers"
    assert first["text"]
    assert first["url"] == tool.base_url + "/lti/launch"
    assert first["iframe"]["src"] == tool.base_url + "/lti/launch"
    assert first["lineItem"] == {"scoreMaximum": 20.0, "label": "The partner who answers",
                                 "resourceId": "ed-partner-who-answers", "tag": "amelie-case"}  # fmt: skip
    assert first["custom"]["attempts_allowed"] == "2"
    assert first["custom"]["grade_from"] == "latest"

    # the browser posts it to the platform, which verifies it against the tool's keys
    done = browser.http.post(form.action, data=form.fields, timeout=15)
    assert done.status_code == 200
    assert len(control(tool)["deep_links"][0]["created"]) == 2


def test_one_case_only_when_the_placement_accepts_one(tool):
    _, picker, refused = deep_link(tool, ["ed-partner-who-answers", "tele-anyone-in-room"],
                                   accept_multiple=False)  # fmt: skip
    assert "accepts one case at a time" in picker.text
    assert refused.status_code == 400

    _, _, accepted = deep_link(tool, ["ed-partner-who-answers"], accept_multiple=False)
    assert page_of(accepted) == "deep-link-return"


def test_the_created_activity_launches_its_case_with_its_settings(tool):
    browser, _, answer = deep_link(tool, ["srh-says-nineteen"], attempts_allowed="1")
    form = parse(answer.text).forms[0]
    browser.http.post(form.action, data=form.fields, timeout=15)
    created = control(tool)["deep_links"][0]["created"][0]

    learner = Learner(tool, name="Created Link Learner", link=created)
    assert page_of(learner.page) == "case-start"
    assert "She says she" in learner.page.text
    assert "0 of 1 used" in learner.page.text


def test_picker_filters_by_module_and_setting(tool):
    browser = Browser(tool)
    picker = browser.launch(name="Dr Filter", role="instructor", message="deep_linking")
    url, data = form_data(picker, "/teach/pick", module="covid-19", setting="teleconsultation")
    filtered = browser.http.post(url, data=data, timeout=15)

    offered = re.findall(r'type="checkbox" name="case" value="([^"]+)"', filtered.text)
    assert offered == ["tele-anyone-in-room"]


def test_picker_lists_cases_in_the_order_of_the_modules(tool):
    from lti_tool import labels

    browser = Browser(tool)
    picker = browser.launch(name="Dr Order", role="instructor", message="deep_linking")
    offered = re.findall(r'type="checkbox" name="case" value="([^"]+)"', picker.text)
    cases = tool.app.extensions["lti_tool.library"]
    order = list(labels.MODULES)
    main = [order.index(cases.case(case_id).modules[0]) for case_id in offered]
    assert main == sorted(main)
    assert len(set(main)) > 1


def test_a_filter_that_finds_no_case_says_so_and_offers_them_all(tool):
    from lti_tool import labels

    cases = tool.app.extensions["lti_tool.library"].catalogue()
    setting, module = next(
        (s, m) for s in labels.SETTINGS for m in labels.MODULES
        if not any(c.setting == s and m in c.modules for c in cases)
    )  # fmt: skip
    browser = Browser(tool)
    picker = browser.launch(name="Dr Empty", role="instructor", message="deep_linking")
    url, data = form_data(picker, "/teach/pick", module=module, setting=setting)
    empty = browser.http.post(url, data=data, timeout=15)
    assert empty.status_code == 200
    assert "The catalogue has no case in the setting" in html.unescape(empty.text)
    assert "New cases are added over time." in empty.text
    assert 'form="filters" name="clear" value="1"' in empty.text
    url, data = form_data(empty, "/teach/pick", module=module, setting=setting, clear="1")
    everything = browser.http.post(url, data=data, timeout=15)
    offered = re.findall(r'type="checkbox" name="case" value="([^"]+)"', everything.text)
    assert len(offered) == len(cases)


def test_preview_plays_without_recording(tool):
    browser = Browser(tool)
    picker = browser.launch(name="Dr Preview", role="instructor", message="deep_linking")
    url, data = form_data(picker, "/teach/preview")
    first = browser.http.post(url, data=data, timeout=15)
    assert page_of(first) == "preview"
    scene = browser.submit(first, "/teach/preview", button=("choice", _first_choice(first)))
    assert page_of(scene) == "preview"
    assert "Feedback on your choice" in scene.text
    assert control(tool)["scores"] == []
    with tool.session() as session:
        from lti_tool.learner.models import Attempt

        assert session.scalars(select(Attempt)).all() == []


def _first_choice(response) -> str:
    form = next(f for f in parse(response.text).forms if f.buttons)
    return form.buttons[0][1]


def test_first_staff_launch_without_a_case_offers_the_picker_and_stores_the_choice(tool):
    browser = Browser(tool)
    picker = browser.launch(name="Dr Manual", role="instructor", link="link-no-case")
    assert page_of(picker) == "picker"
    url, data = form_data(picker, "/teach/select", case="tele-anyone-in-room")
    dashboard = browser.http.post(url, data=data, timeout=15)

    assert page_of(dashboard) == "dashboard"
    with tool.session() as session:
        link = session.scalar(select(ResourceLink).where(
            ResourceLink.resource_link_id == "link-no-case"))  # fmt: skip
        assert link.case_id == "tele-anyone-in-room"


def _roster(tool, count: int) -> list[dict]:
    from lti_tool.sandbox.pages import user_sub

    names = [f"Roster Learner {n:02d}" for n in range(count)]
    members = [{"sub": user_sub(name, "learner"), "name": name} for name in names]
    control(tool, roster=members, nrps_page_size=25, typographic_quotes=True)
    return members


def test_dashboard_with_sixty_learners_across_roster_pages(tool):
    _roster(tool, 60)
    done = Learner(tool, name="Roster Learner 01")
    done.play(PATHS["referral-made"])
    busy = Learner(tool, name="Roster Learner 02")
    busy.click("/play/start")
    busy.choose("private-exam")
    Learner(tool, name="Roster Learner 03").play(PATHS["taken-away"])

    dashboard = Browser(tool).launch(name="Dr Dashboard", role="instructor")

    assert page_of(dashboard) == "dashboard"
    assert len(control(tool)["nrps"]) >= 3  # three pages of 25 members
    page = dashboard.text
    assert page.count('<tr data-user="') == 60
    assert "2 completed" in page
    assert "1 in progress" in page
    assert "57 not started" in page
    assert "best option" in page
    assert "Indicators most often missed" in page


def test_learner_path_and_csv_export(tool):
    Learner(tool, name="Path Person").play(PATHS["trust-lost"])
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Export", role="instructor")

    url, data = form_data(dashboard, "/teach/learner")
    path = teacher.http.post(url, data=data, timeout=15)
    assert page_of(path) == "learner-path"
    assert "The path of Path Person" in path.text
    assert "a critical error" in path.text

    url, data = form_data(dashboard, "/teach/export.csv")
    export = teacher.http.post(url, data=data, timeout=15)
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    person = next(r for r in rows if r["name"] == "Path Person")
    assert person["status"] == "completed"
    assert person["attempts"] == "1"
    assert float(person["best_score"]) <= 0.5


def test_csv_neutralises_formulas_in_names(tool):
    Learner(tool, name="=HYPERLINK(1)").play(PATHS["taken-away"])
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Safe", role="instructor")
    url, data = form_data(dashboard, "/teach/export.csv")
    export = teacher.http.post(url, data=data, timeout=15).text
    assert "'=HYPERLINK(1)" in export


def test_settings_and_resend_from_the_dashboard(tool):
    control(tool, score_faults={"status": 400, "count": 1})
    Learner(tool, name="Refused Grade").play(PATHS["taken-away"])
    while tool.app.extensions["lti_tool.deliverer"].run_once():
        pass
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Resend", role="instructor")
    assert "Refused by the platform" in dashboard.text
    assert "simulated platform failure" in dashboard.text
    assert "The platform refused the grade; see what it said." in dashboard.text

    url, data = form_data(dashboard, "/teach/resend")
    after = teacher.http.post(url, data=data, timeout=15)
    assert "1 grade sent again." in after.text
    while tool.app.extensions["lti_tool.deliverer"].run_once():
        pass
    assert [s["user"] for s in control(tool)["scores"]]

    url, data = form_data(after, "/teach/settings", attempts_allowed="3", feedback="end")
    saved = teacher.http.post(url, data=data, timeout=15)
    assert "Settings saved." in saved.text
    with tool.session() as session:
        settings = session.scalars(select(ResourceLink.settings)).first()
    assert settings["attempts_allowed"] == 3
    assert settings["feedback"] == "end"

    url, data = form_data(saved, "/teach/settings", attempts_allowed="0")
    assert teacher.http.post(url, data=data, timeout=15).status_code == 400


def test_submission_review_shows_the_learners_path(tool):
    learner = Learner(tool, name="Reviewed Learner")
    learner.play(PATHS["door-left-open"])
    # the sandbox's launch page offers the learner, as a gradebook offers their submission
    sandbox = requests.get(tool.sandbox_url + "/sandbox/", timeout=10).text
    offered = re.findall(r'<option value="(sb-[0-9a-f]+)">Reviewed Learner</option>', sandbox)
    assert len(offered) == 1

    browser = Browser(tool)
    review = browser.launch(name="Dr Review", role="instructor", message="review",
                            for_user=offered[0])  # fmt: skip
    assert page_of(review) == "submission-review"
    assert "The path of Reviewed Learner" in review.text
    assert "The best option here:" in review.text
    again = browser.submit(review, "/teach/review")  # after Back or Reload (static/page.js)
    assert page_of(again) == "submission-review"
    assert "The path of Reviewed Learner" in again.text


def test_learners_get_403_on_every_instructor_page(tool):
    learner = Learner(tool, name="Curious Learner")
    token = parse(learner.page.text).forms[0].fields["lt"]
    routes = sorted(r.rule for r in tool.app.url_map.iter_rules() if r.rule.startswith("/teach/"))
    assert len(routes) >= 7
    for route in routes:
        response = requests.post(tool.base_url + route, timeout=10,
                                 data={"lt": token, "case": "ed-partner-who-answers",
                                       "learner": "1", "attempts_allowed": "5"})  # fmt: skip
        assert response.status_code == 403, route
    # and a learner may not start deep linking either
    assert page_of(Browser(tool).launch(name="Curious Learner", message="deep_linking")) == "error"


@pytest.mark.parametrize("message", ["deep_linking", "review"])
def test_learner_launching_staff_messages_is_refused(tool, message):
    Learner(tool, name="Someone")
    from lti_tool.sandbox.pages import user_sub

    response = Browser(tool).launch(name="Sneaky", message=message,
                                    for_user=user_sub("Someone", "learner"))  # fmt: skip
    assert response.status_code == 403


def test_test_users_and_previews_are_not_counted(tool):
    from lti_tool.sandbox.pages import user_sub

    control(tool, roster=[{"sub": user_sub("Test Student", "learner"), "name": "Test Student",
                           "test_user": True}])  # fmt: skip
    Learner(tool, name="Test Student").play(PATHS["taken-away"])
    Learner(tool, name="Real Learner").play(PATHS["taken-away"])
    # a teacher plays the case with their own launch: a preview attempt
    teacher = Learner(tool, name="Dr Tries It", role="instructor")
    token = re.search(r'name="lt" value="([^"]+)"', teacher.page.text).group(1)
    teacher.page = teacher.browser.http.post(tool.base_url + "/play/start", data={"lt": token},
                                             timeout=15)  # fmt: skip
    teacher.choose(PATHS["taken-away"][0])
    assert page_of(teacher.click("/play/debrief")) == "debrief"
    with tool.session() as session:
        previews = session.scalars(select(Attempt).where(Attempt.preview.is_(True))).all()
    assert [a.status for a in previews] == ["completed"]

    dashboard = Browser(tool).launch(name="Dr Counts", role="instructor")

    assert "1 completed" in dashboard.text


NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


@pytest.mark.parametrize(
    ("body", "readable"),
    [
        (b'{"members": 5}', False),
        (b"[]", False),
        (b"<html>maintenance</html>", False),
        (b'{"members": [{"user_id": "u-1", "name": "Odd Roles", "roles": 5}]}', True),
    ],
)
def test_a_roster_the_platform_gets_wrong_leaves_the_dashboard_working(tool, body, readable):
    from tests.support.fake_remote import fake_remote

    with fake_remote({"/members": (200, {}, body)}) as platform:
        control(tool, claim_overrides={NRPS: {"context_memberships_url": platform + "/members",
                                              "service_versions": ["2.0"]}})  # fmt: skip
        dashboard = Browser(tool).launch(name="Dr Odd Roster", role="instructor")

    assert dashboard.status_code == 200
    assert page_of(dashboard) == "dashboard"
    text = html.unescape(dashboard.text)
    warned = "The course roster could not be read from the platform" in text
    assert warned != readable
    if not readable:
        assert "the platform's answer was not a roster" in text


def test_a_token_the_platform_forgot_is_renewed_for_the_roster(tool):
    _roster(tool, 3)
    first = Browser(tool).launch(name="Dr Roster", role="instructor")
    assert first.text.count('<tr data-user="') == 3
    control(tool, expire_tokens=True)  # the platform forgets the token the tool holds

    second = Browser(tool).launch(name="Dr Roster", role="instructor")

    assert "could not be read" not in second.text
    assert second.text.count('<tr data-user="') == 3


def test_the_preview_of_an_ending_refuses_another_choice(tool):
    from lti_tool.instructor.views import _preview_serializer
    from tests.support.catalogue import best_path
    from tests.support.catalogue import library
    from tests.support.catalogue import play

    case = library()["srh-says-nineteen"]
    path = best_path(case)
    with tool.app.test_request_context():  # signed as the tool signs a preview's state
        ended = _preview_serializer().dumps({"state": play(case, path).to_json(), "seed": "s"})
    browser = Browser(tool)
    picker = browser.launch(name="Dr Ending", role="instructor", message="deep_linking")
    url, data = form_data(picker, "/teach/preview", case=case.id, state=ended, choice=path[-1])

    again = browser.http.post(url, data=data, timeout=15)

    assert again.status_code == 400
    assert page_of(again) == "error"


@pytest.mark.parametrize("learner", ["100000000000000000000", "²", "-1"])
def test_a_learner_id_that_is_no_number_of_ours_is_refused(tool, learner):
    Learner(tool, name="Somebody").play(PATHS["taken-away"])
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Ids", role="instructor")
    url, data = form_data(dashboard, "/teach/learner", learner=learner)

    answer = teacher.http.post(url, data=data, timeout=15)

    assert answer.status_code == 400
    assert page_of(answer) == "error"


def test_a_token_lifetime_beyond_reason_is_kept_to_a_day(tool):
    _roster(tool, 2)
    control(tool, token_ttl=10**20)

    dashboard = Browser(tool).launch(name="Dr Forever", role="instructor")

    assert dashboard.status_code == 200
    assert dashboard.text.count('<tr data-user="') == 2


INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def _instructor_elsewhere(tool, context_id: str, link_id: str):
    """An instructor's dashboard for another course (or another activity) of the same
    platform, launched with a token the test signs as the platform."""
    from tests.support.browsing import HostilePlatform

    platform = HostilePlatform(tool)
    dashboard = platform.launch(**{
        "sub": "teacher-" + link_id, "name": "Dr Elsewhere", LTI + "roles": [INSTRUCTOR],
        LTI + "context": {"id": context_id, "title": "Another course"},
        LTI + "resource_link": {"id": link_id, "title": "Another activity"},
        LTI + "custom": {"case_id": "feature-tour"},
    })  # fmt: skip
    assert page_of(dashboard) == "dashboard", dashboard.text[:300]
    return platform, dashboard


@pytest.mark.parametrize("where", ["another course", "another activity of the same course"])
def test_an_instructor_reaches_no_learner_outside_their_activity(tool, where):
    Learner(tool, name="Private Person").play(PATHS["taken-away"])
    with tool.session() as session:
        learner_id = session.scalars(select(Attempt.learner_id)).one()
        course = session.scalars(select(ResourceLink)).one().course_id
        from lti_tool.lti.models import Course

        context_id = session.get(Course, course).context_id
    context = "course-B" if where == "another course" else context_id
    platform, dashboard = _instructor_elsewhere(tool, context, "rl-B")
    url, data = form_data(dashboard, "/teach/export.csv")
    data = [(k, v) for k, v in data] + [("learner", str(learner_id))]

    answer = platform.http.post(url.replace("export.csv", "learner"), data=data, timeout=15)

    assert answer.status_code == 403
    assert page_of(answer) == "error"
    assert "Private Person" not in answer.text


def test_ids_of_other_learners_tell_nothing(tool):
    Learner(tool, name="Private Person").play(PATHS["taken-away"])
    platform, dashboard = _instructor_elsewhere(tool, "course-B", "rl-B")
    url, data = form_data(dashboard, "/teach/export.csv")
    statuses = set()
    for learner_id in range(1, 40):
        answer = platform.http.post(url.replace("export.csv", "learner"),
                                    data=[*data, ("learner", str(learner_id))], timeout=15)  # fmt: skip
        assert "Private Person" not in answer.text
        statuses.add(answer.status_code)
    assert statuses == {403}  # the same answer for a learner elsewhere and for nobody


@pytest.mark.parametrize("maximum", ["5e-324", "0.5", "0", "nan", "inf", "-1", "10001"])
def test_maximum_points_outside_1_to_10000_are_refused_and_nothing_is_saved(tool, maximum):
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Limits", role="instructor")
    with tool.session() as session:
        before = session.scalars(select(ResourceLink.settings)).first()

    url, data = form_data(dashboard, "/teach/settings", score_maximum=maximum)
    answer = teacher.http.post(url, data=data, timeout=15)

    assert answer.status_code == 400
    assert "maximum points from 1 to 10000" in answer.text
    with tool.session() as session:
        assert session.scalars(select(ResourceLink.settings)).first() == before
