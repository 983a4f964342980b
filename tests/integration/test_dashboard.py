"""The instructor's dashboard over real HTTP, as a browser without JavaScript uses it: the learner
table sorted and filtered by the server, the class results per skill, the option charts (SVG
with a name and a table beside them), variant labels, the course overview kept to the
instructor's own course, and the confirmation before an activity played by learners gets
another case."""

from __future__ import annotations

import html
import re

import pytest
import requests
from sqlalchemy import select

from lti_tool.learner.models import Attempt
from lti_tool.lti.models import ResourceLink
from tests.integration.test_instructor import INSTRUCTOR
from tests.integration.test_instructor import LTI
from tests.integration.test_instructor import form_data
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.support.browsing import Browser
from tests.support.browsing import HostilePlatform
from tests.support.browsing import page_of
from tests.support.browsing import parse

HEADER = re.compile(r'<th scope="col"(?: aria-sort="(\w+)")?>\s*<form[^>]*>(.*?)</form>', re.S)
FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def headers(page: requests.Response) -> dict[str, tuple[str | None, dict[str, str]]]:
    """Each sortable column header: its aria-sort, and the fields its button posts."""
    found = {}
    for sorted_, form in HEADER.findall(page.text):
        fields = {k: html.unescape(v) for k, v in FIELD.findall(form)}
        found[fields["sort"]] = (sorted_ or None, fields)
    return found


def names(page: requests.Response) -> list[str]:
    """The learners of the table, in the order shown."""
    body = page.text.split('class="learners"', 1)[1].split("</table>", 1)[0]
    return [html.unescape(n) for n in re.findall(r'<tr data-user="[^"]*">\s*<th scope="row">([^<]*)',
                                                 body)]  # fmt: skip


def post(browser: Browser, page: requests.Response, fields: dict[str, str]) -> requests.Response:
    data = {"lt": parse(page.text).forms[0].fields["lt"], **fields}
    return browser.http.post(browser.tool.base_url + "/teach/dashboard", data=data, timeout=15)


@pytest.fixture
def class_of_four(tool):
    """Four learners: two passed (100 %, 89 %), one failed (17 %), one still playing."""
    Learner(tool, name="Bea Best").play(PATHS["referral-made"])
    Learner(tool, name="Cy Second").play(PATHS["door-left-open"])
    Learner(tool, name="Al Low").play(PATHS["trust-lost"])
    busy = Learner(tool, name="Di Busy")
    busy.click("/play/start")
    busy.choose("private-exam")
    teacher = Browser(tool)
    return teacher, teacher.launch(name="Dr Sort", role="instructor")


def test_the_table_sorts_on_the_server_by_each_column_header(tool, class_of_four):
    teacher, dashboard = class_of_four
    assert page_of(dashboard) == "dashboard"
    assert names(dashboard) == ["Al Low", "Bea Best", "Cy Second", "Di Busy"]
    columns = headers(dashboard)
    assert set(columns) == {"name", "status", "attempts", "best", "latest", "time", "grade"}
    assert columns["name"][0] == "ascending"
    assert [c for c, (sort, _) in columns.items() if sort] == ["name"]

    by_best = post(teacher, dashboard, headers(dashboard)["best"][1])

    assert names(by_best) == ["Bea Best", "Cy Second", "Al Low", "Di Busy"]  # no score: last
    assert headers(by_best)["best"][0] == "descending"
    assert headers(by_best)["name"][0] is None

    again = post(teacher, by_best, headers(by_best)["best"][1])  # the same header: reversed

    assert names(again) == ["Al Low", "Cy Second", "Bea Best", "Di Busy"]
    assert headers(again)["best"][0] == "ascending"
    by_status = post(teacher, again, headers(again)["status"][1])
    assert names(by_status)[-1] == "Di Busy"


def test_filters_keep_the_sort_and_the_sort_keeps_the_filters(tool, class_of_four):
    teacher, dashboard = class_of_four
    by_best = post(teacher, dashboard, headers(dashboard)["best"][1])
    url, data = form_data(by_best, "/teach/dashboard#learners-title", result="passed")

    passed = teacher.http.post(url, data=data, timeout=15)

    assert names(passed) == ["Bea Best", "Cy Second"]
    assert "Showing 2 of 4 learners." in passed.text
    assert headers(passed)["best"][0] == "descending"  # the sort was kept
    assert headers(passed)["name"][1]["result"] == "passed"  # and every header keeps the filter
    # the other forms of the page keep the view too: language, learner's path, settings
    for action in ("/teach/dashboard", "/teach/learner", "/teach/settings", "/teach/course"):
        kept = [f for f in parse(passed.text).forms if f.action.endswith(action)]
        assert kept and all(f.fields.get("result") == "passed" for f in kept), action

    url, data = form_data(dashboard, "/teach/dashboard#learners-title", result="not-passed",
                          show="completed")  # fmt: skip
    assert names(teacher.http.post(url, data=data, timeout=15)) == ["Al Low"]
    url, data = form_data(dashboard, "/teach/dashboard#learners-title", show="in_progress")
    assert names(teacher.http.post(url, data=data, timeout=15)) == ["Di Busy"]
    url, data = form_data(dashboard, "/teach/dashboard#learners-title", q="  bEa ")
    assert names(teacher.http.post(url, data=data, timeout=15)) == ["Bea Best"]
    url, data = form_data(dashboard, "/teach/dashboard#learners-title", q="nobody")
    nobody = teacher.http.post(url, data=data, timeout=15)
    assert "No learner matches these filters." in nobody.text
    # "Show every learner" clears the filters and keeps the sort
    cleared = next(f for f in parse(passed.text).forms if f.fields.get("result") == "all"
                   and f.fields.get("sort") == "best" and "lang" not in f.fields)  # fmt: skip
    everyone = post(teacher, passed, cleared.fields)
    assert names(everyone) == ["Bea Best", "Cy Second", "Al Low", "Di Busy"]


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"sort": "password; DROP TABLE attempt", "order": "sideways"}, 200),
        ({"show": "everything", "result": "maybe"}, 200),
        ({"q": "\u202e\x07Bea\x1b"}, 200),  # control characters are dropped
        ({"q": "x" * 101}, 400),
        ({"q": "x" * 100_000}, 400),
        ({"sort": "name\x00"}, 400),
    ],
)
def test_a_view_the_table_does_not_know_is_ignored_or_refused_clearly(tool, fields, status):
    Learner(tool, name="Bea Best").play(PATHS["taken-away"])
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Odd View", role="instructor")

    answer = post(teacher, dashboard, fields)

    assert answer.status_code == status
    if status == 400 and "q" in fields:
        assert page_of(answer) == "dashboard"
        assert "The name filter can hold at most 100 characters." in answer.text
        assert "x" * 101 not in answer.text
    elif status == 200:
        assert page_of(answer) == "dashboard"
        assert names(answer) == ["Bea Best"]
        assert headers(answer)["name"][0] == "ascending"


def test_class_results_per_skill(tool, class_of_four):
    _, dashboard = class_of_four
    text = html.unescape(dashboard.text)

    assert "Results by skill" in text
    assert "the 3 learners who completed this case: an average score of 69%" in text
    assert "2 reached the pass mark of 70%" in text
    skills = dashboard.text.split('class="skills"', 1)[1].split("</table>", 1)[0]
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td>.*?(\d+%)</td>', skills, re.S))
    # (0.75 + 1.0 + 0.25) / 3, (0.857 + 1.0 + 0.286) / 3, (1.0 + 0.75 + 0) / 3, (1 + 0.4 + 0) / 3
    assert rows == {"Recognising indicators": "67%", "Safety of the patient and staff": "71%",
                    "Trauma-informed communication": "58%",
                    "Safe, consent-based referral": "47%"}  # fmt: skip


def test_each_decision_has_an_svg_chart_with_a_name_and_a_table_beside_it(tool, class_of_four):
    _, dashboard = class_of_four
    sections = re.findall(r'<section class="decision".*?</section>', dashboard.text, re.S)
    assert sections
    charted = 0
    for section in sections:
        svg = re.search(r"<svg[^>]*>.*?</svg>", section, re.S)
        if svg is None:
            assert "No learner has reached this decision yet." in section
            continue
        charted += 1
        tag = svg.group(0)
        assert 'role="img"' in tag
        title_id = re.search(r'aria-labelledby="([^"]+)"', tag).group(1)
        title = re.search(rf'<title id="{title_id}">([^<]+)</title>', tag).group(1)
        assert "how often each option was chosen" in title
        # words, not colour alone: the best option is named in the chart's own text
        assert "best option" in tag
        # the table after the chart gives the same counts, per option letter
        table = section[svg.end() :]
        bars = re.findall(r'chart-letter">(\w+)</tspan> · (\d+) \(', tag)
        rows = re.findall(r'option-letter">(\w+)</span>.*?</th>\s*<td>(\d+)</td>', table, re.S)
        assert bars == rows and bars
    assert charted >= 4  # four learners passed the first decisions
    first = sections[0]
    assert "4 (100%)" in html.unescape(first)  # all four chose private-exam first


def test_variants_of_an_option_are_told_apart(tool):
    teacher = Browser(tool)
    picker = teacher.launch(name="Dr Variants", role="instructor", link="link-no-case")
    url, data = form_data(picker, "/teach/select", case="tele-anyone-in-room")
    dashboard = teacher.http.post(url, data=data, timeout=15)
    assert page_of(dashboard) == "dashboard"

    rows = dict(re.findall(r'<tr[^>]*data-choice="([^"]+)">\s*<th scope="row">(.*?)</th>',
                           dashboard.text, re.S))  # fmt: skip
    referred, not_referred = rows["objective-note-referred"], rows["objective-note"]
    text = lambda row: re.sub(r"<span class=\"variant\">.*", "", row, flags=re.S)  # noqa: E731
    assert text(referred).split("</span>", 1)[1] == text(not_referred).split("</span>", 1)[1]
    assert "offered when <code>referred</code>" in referred
    assert "offered when <code>not referred</code>" in not_referred


def _course_of(tool, link_rl_id: str) -> int | None:
    with tool.session() as session:
        return session.scalar(select(ResourceLink.course_id).where(
            ResourceLink.resource_link_id == link_rl_id))  # fmt: skip


def _other_course_dashboard(tool, context_id: str, link_id: str, case_id: str):
    platform = HostilePlatform(tool)
    dashboard = platform.launch(**{
        "sub": "teacher-" + link_id, "name": "Dr Elsewhere", LTI + "roles": [INSTRUCTOR],
        LTI + "context": {"id": context_id, "title": "Another course"},
        LTI + "resource_link": {"id": link_id, "title": "Secret activity " + link_id},
        LTI + "custom": {"case_id": case_id},
    })  # fmt: skip
    assert page_of(dashboard) == "dashboard", dashboard.text[:300]
    return platform, dashboard


def test_the_course_overview_shows_the_course_and_nothing_of_other_courses(tool):
    Learner(tool, name="Bea Best").play(PATHS["referral-made"])
    Learner(tool, name="Al Low").play(PATHS["trust-lost"])
    # an activity of the same course without a case, and another course with its own learner
    Browser(tool).launch(name="Dr Other Activity", role="instructor", link="link-no-case")
    platform, elsewhere = _other_course_dashboard(tool, "course-B", "rl-B", "feature-tour")
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Course", role="instructor")
    url, data = form_data(dashboard, "/teach/course")

    overview = teacher.http.post(url, data=data, timeout=15)

    assert page_of(overview) == "course-overview"
    text = html.unescape(overview.text)
    assert "Course overview:" in text
    assert "Secret activity" not in text and "Another course" not in text
    rows = re.findall(r'<tr data-link="(\d+)"( class="current")?>(.*?)</tr>', overview.text, re.S)
    assert len(rows) == 2
    tour = next(r for r in rows if "Feature tour" in r[2])
    no_case = next(r for r in rows if "without a case" in r[2])
    cells = re.findall(r"<td>(.*?)</td>", tour[2], re.S)
    assert cells[1:6] == ["2", "2 (100%)", "2", "58%", "1"]
    assert tour[1] and "Open the dashboard" in tour[2]  # the current activity: its dashboard
    assert not no_case[1] and "Open the dashboard" not in no_case[2]
    assert "Open this activity from your course to see its dashboard." in no_case[2]
    assert "No case chosen yet" in no_case[2]

    # the other course's overview has its own activity alone
    url, data = form_data(elsewhere, "/teach/course")
    other = platform.http.post(url, data=data, timeout=15)
    assert page_of(other) == "course-overview"
    assert len(re.findall(r'<tr data-link="', other.text)) == 1
    assert "Feature tour" not in other.text and "without a case" not in other.text
    assert _course_of(tool, "rl-B") != _course_of(tool, "link-feature-tour")


def test_changing_a_case_without_attempts_needs_no_confirmation(tool):
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Fresh", role="instructor")
    url, data = form_data(dashboard, "/teach/pick")
    assert page_of(teacher.http.post(url, data=data, timeout=15)) == "picker"


def test_changing_a_case_with_attempts_asks_first_and_says_what_happens(tool):
    Learner(tool, name="Bea Best").play(PATHS["referral-made"])
    again = Learner(tool, name="Bea Best")
    again.click("/play/start")  # a second attempt, unfinished
    Learner(tool, name="Al Low").play(PATHS["trust-lost"])
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Change", role="instructor")
    url, data = form_data(dashboard, "/teach/pick")

    confirm = teacher.http.post(url, data=data, timeout=15)

    assert page_of(confirm) == "confirm-case-change"
    text = html.unescape(confirm.text)
    assert "2 learners" in text and "3 attempts" in text
    assert "their attempts stay on the old case" in text
    assert not [f for f in parse(confirm.text).forms if f.action.endswith("/teach/select")]

    # a post to /teach/select without the confirmation changes nothing
    forged = teacher.http.post(url.replace("/pick", "/select"),
                               data=[*data, ("case", "tele-anyone-in-room")], timeout=15)  # fmt: skip
    assert page_of(forged) == "confirm-case-change"
    assert _case_of(tool) == "feature-tour"

    url, data = form_data(confirm, "/teach/pick")  # "Choose another case anyway"
    picker = teacher.http.post(url, data=data, timeout=15)
    assert page_of(picker) == "picker"
    url, data = form_data(picker, "/teach/select", case="tele-anyone-in-room")
    changed = teacher.http.post(url, data=data, timeout=15)
    assert page_of(changed) == "dashboard"
    assert _case_of(tool) == "tele-anyone-in-room"
    with tool.session() as session:  # the attempts stay on the old case
        assert set(session.scalars(select(Attempt.case_id))) == {"feature-tour"}


def _case_of(tool) -> str | None:
    with tool.session() as session:
        return session.scalar(select(ResourceLink.case_id).where(
            ResourceLink.resource_link_id == "link-feature-tour"))  # fmt: skip


def test_the_picker_filter_keeps_the_confirmation(tool):
    Learner(tool, name="Bea Best").play(PATHS["taken-away"])
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Filter Change", role="instructor")
    url, data = form_data(dashboard, "/teach/pick")
    confirm = teacher.http.post(url, data=data, timeout=15)
    url, data = form_data(confirm, "/teach/pick")
    picker = teacher.http.post(url, data=data, timeout=15)

    url, data = form_data(picker, "/teach/pick", module="covid-19")
    filtered = teacher.http.post(url, data=data, timeout=15)

    assert page_of(filtered) == "picker"


def test_previews_and_test_users_need_no_confirmation(tool):
    from lti_tool.sandbox.pages import user_sub
    from tests.integration.test_instructor import control

    control(tool, roster=[{"sub": user_sub("Test Student", "learner"), "name": "Test Student",
                           "test_user": True}])  # fmt: skip
    Learner(tool, name="Test Student").play(PATHS["taken-away"])
    teacher = Learner(tool, name="Dr Tries It", role="instructor")  # plays a preview attempt
    token = re.search(r'name="lt" value="([^"]+)"', teacher.page.text).group(1)
    teacher.page = teacher.browser.http.post(tool.base_url + "/play/start", data={"lt": token},
                                             timeout=15)  # fmt: skip
    teacher.choose(PATHS["taken-away"][0])
    with tool.session() as session:
        assert len(session.scalars(select(Attempt)).all()) == 2
    browser = Browser(tool)
    dashboard = browser.launch(name="Dr Tries It", role="instructor")

    url, data = form_data(dashboard, "/teach/pick")

    assert page_of(browser.http.post(url, data=data, timeout=15)) == "picker"
