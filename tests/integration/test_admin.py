"""The administrators' pages: sign-in, CSRF, what they show, and resending refused grades."""

from __future__ import annotations

import logging
import re
import time

import pytest
import requests

from lti_tool.admin.auth import create_user
from tests.integration.test_grades import control
from tests.integration.test_grades import deliver
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse

PASSWORD = "correct horse battery"


def admin_user(tool) -> None:
    with tool.session() as session:
        create_user(session, "root", PASSWORD)
        session.commit()


def sign_in(tool, password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
    http = requests.Session()
    page = http.get(tool.base_url + "/admin/login", timeout=10)
    csrf = parse(page.text).forms[0].fields["csrf"]
    answer = http.post(tool.base_url + "/admin/login", timeout=10,
                       data={"csrf": csrf, "username": "root", "password": password})  # fmt: skip
    return http, answer


def test_admin_pages_need_a_sign_in(tool):
    response = requests.get(tool.base_url + "/admin/", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/login")


def test_wrong_password_then_lockout(tool):
    admin_user(tool)
    for _ in range(5):
        _, answer = sign_in(tool, "wrong password!")
        assert answer.status_code == 401
    _, blocked = sign_in(tool)  # even the right password waits now
    assert blocked.status_code == 429


def _sign_in_with(http: requests.Session, tool, password: str) -> requests.Response:
    page = http.get(tool.base_url + "/admin/login", timeout=10)
    csrf = parse(page.text).forms[0].fields["csrf"]
    return http.post(tool.base_url + "/admin/login", allow_redirects=False, timeout=10,
                     data={"csrf": csrf, "username": "root", "password": password})  # fmt: skip


def test_the_brake_is_shared_by_every_worker_and_says_when_to_try_again(
    database_url, tmp_path, keys_dir
):
    """Two app instances (as two gunicorn workers or two hosts) on one database: failures on
    one count on the other."""
    from tests.support.live import live_tool

    with (
        live_tool(database_url, tmp_path / "one", keys_dir) as one,
        live_tool(database_url, tmp_path / "two", keys_dir, register=False) as two,
    ):
        admin_user(one)
        for attempt in range(5):
            tool = (one, two)[attempt % 2]
            assert _sign_in_with(requests.Session(), tool, "wrong password!").status_code == 401
        for tool in (one, two):
            blocked = _sign_in_with(requests.Session(), tool, PASSWORD)
            assert blocked.status_code == 429
            assert 1 <= int(blocked.headers["Retry-After"]) <= 60
            assert "Too many failed attempts" in blocked.text


def test_others_failures_never_lock_out_a_browser_that_signed_in_before(tool):
    """Behind a proxy every request comes from one address: an attacker there must not lock
    the real administrator out."""
    admin_user(tool)
    admin = requests.Session()
    assert _sign_in_with(admin, tool, PASSWORD).status_code == 302
    form = next(f for f in parse(admin.get(tool.base_url + "/admin/", timeout=10).text).forms
                if f.action.endswith("/admin/logout"))  # fmt: skip
    admin.post(tool.base_url + "/admin/logout", data=form.fields, timeout=10)

    for _ in range(25):  # from the same address as the administrator, without their browser
        assert _sign_in_with(requests.Session(), tool, "wrong password!").status_code in (401, 429)
    assert _sign_in_with(requests.Session(), tool, PASSWORD).status_code == 429

    assert _sign_in_with(admin, tool, PASSWORD).status_code == 302  # the known browser


def test_a_known_browser_has_a_brake_of_its_own(tool):
    admin_user(tool)
    admin = requests.Session()
    assert _sign_in_with(admin, tool, PASSWORD).status_code == 302
    answers = [_sign_in_with(admin, tool, "wrong password!").status_code for _ in range(11)]
    assert answers[:10] == [401] * 10
    assert answers[10] == 429


def test_signing_out_ends_the_session_in_every_browser(tool):
    admin_user(tool)
    first, second = requests.Session(), requests.Session()
    assert _sign_in_with(first, tool, PASSWORD).status_code == 302
    assert _sign_in_with(second, tool, PASSWORD).status_code == 302
    kept_cookie = first.cookies.get("session")
    overview = first.get(tool.base_url + "/admin/", timeout=10)
    form = next(f for f in parse(overview.text).forms if f.action.endswith("/admin/logout"))
    first.post(tool.base_url + "/admin/logout", data=form.fields, timeout=10)

    for http in (second, requests.Session()):
        if http is not second:
            http.cookies.set("session", kept_cookie)  # the cookie from before the sign-out
        answer = http.get(tool.base_url + "/admin/", allow_redirects=False, timeout=10)
        assert answer.status_code == 302
        assert answer.headers["Location"].endswith("/admin/login")


def test_a_new_password_ends_every_session(tool):
    admin_user(tool)
    http = requests.Session()
    assert _sign_in_with(http, tool, PASSWORD).status_code == 302
    assert http.get(tool.base_url + "/admin/", allow_redirects=False, timeout=10).status_code == 200
    with tool.session() as session:
        create_user(session, "root", "another long password")
        session.commit()
    answer = http.get(tool.base_url + "/admin/", allow_redirects=False, timeout=10)
    assert answer.status_code == 302


@pytest.mark.parametrize("csrf", ["é" * 43, "€", "\u00ff" * 10, "x" * 5000])
def test_a_csrf_field_of_any_characters_is_refused_with_400(tool, csrf):
    admin_user(tool)
    answer = requests.post(tool.base_url + "/admin/login", timeout=10,
                           data={"csrf": csrf, "username": "root", "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 400
    http, _ = sign_in(tool)
    answer = http.post(tool.base_url + "/admin/invite", data={"csrf": csrf}, timeout=10)
    assert answer.status_code == 400


def test_sign_in_without_csrf_is_refused(tool):
    admin_user(tool)
    answer = requests.post(tool.base_url + "/admin/login", timeout=10,
                           data={"username": "root", "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 400


def test_overview_shows_registrations_keys_and_grades_and_resends(tool):
    admin_user(tool)
    control(tool, score_faults={"status": 400, "count": 1})
    Learner(tool, name="Admin Sees Me").play(PATHS["taken-away"])
    while deliver(tool):
        pass
    http, overview = sign_in(tool)

    assert page_of(overview) == "admin"
    assert overview.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in overview.headers["Content-Security-Policy"]
    assert tool.issuer in overview.text
    assert "sandbox-deployment-1" in overview.text
    assert "simulated platform failure" in overview.text
    assert "The platform refused the grade; see what it said." in overview.text
    assert "current" in overview.text
    assert "granted: a grade whose delivery was interrupted is checked" in overview.text

    form = next(f for f in parse(overview.text).forms if f.action.endswith("/admin/resend"))
    ids = re.findall(r'name="delivery" value="(\d+)"', overview.text)
    resent = http.post(tool.base_url + "/admin/resend", data={"csrf": form.fields["csrf"],
                                                              "delivery": ids}, timeout=10)  # fmt: skip
    assert "1 grade is sent again now." in resent.text
    while deliver(tool):
        pass
    assert control(tool)["scores"]

    forged = http.post(tool.base_url + "/admin/resend", data={"delivery": ids}, timeout=10)
    assert forged.status_code == 400


def test_behind_https_the_admin_session_cookie_is_secure_and_lasts_a_working_day(
    database_url, tmp_path, keys_dir
):
    from tests.support.live import live_tool

    with live_tool(database_url, tmp_path, keys_dir, register=False,
                   overrides={"BASE_URL": "https://amelie.example.org"}) as tool:  # fmt: skip
        admin_user(tool)
        page = requests.get(tool.base_url + "/admin/login", timeout=10)
        csrf = parse(page.text).forms[0].fields["csrf"]
        # a Secure cookie is not sent back over this test's plain HTTP: send it by hand
        cookie = {"Cookie": "session=" + page.cookies["session"]}
        answer = requests.post(tool.base_url + "/admin/login", allow_redirects=False, timeout=10,
                               headers=cookie,
                               data={"csrf": csrf, "username": "root", "password": PASSWORD})  # fmt: skip

    assert answer.status_code == 302
    set_cookie = answer.headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")}
    assert {"secure", "httponly", "expires"} <= attributes
    expires = next(c for c in answer.cookies if c.name == "session").expires
    hours = (expires - time.time()) / 3600
    assert 7.9 < hours <= 8.0


def test_a_name_with_a_nul_byte_is_refused_and_logged_without_the_name(tool, caplog):
    admin_user(tool)
    http = requests.Session()
    page = http.get(tool.base_url + "/admin/login", timeout=10)
    csrf = parse(page.text).forms[0].fields["csrf"]
    with caplog.at_level("INFO"):
        answer = http.post(tool.base_url + "/admin/login", timeout=10,
                           data={"csrf": csrf, "username": "ro\x00ot", "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 400
    assert page_of(answer) == "error"
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("lti_tool")]
    assert any("http 400" in line and "/admin/login" in line for line in lines)
    assert not any("ro\x00ot" in line or "root" in line for line in lines)


@pytest.mark.parametrize("delivery", ["²", "9" * 5000, str(2**70), "99999999999"])
def test_resending_ids_that_are_no_numbers_of_ours_changes_nothing(tool, delivery):
    admin_user(tool)
    http, overview = sign_in(tool)
    form = next(f for f in parse(overview.text).forms if "csrf" in f.fields)

    answer = http.post(tool.base_url + "/admin/resend", timeout=10,
                       data={"csrf": form.fields["csrf"], "delivery": delivery})  # fmt: skip

    assert answer.status_code == 200
    assert "0 grades are sent again now." in answer.text


def test_an_administration_error_page_is_not_framed(tool):
    answer = requests.get(tool.base_url + "/admin/no-such-page", timeout=10)
    assert answer.status_code == 404
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def test_an_administrator_makes_a_registration_link_that_works_once_shown(tool, caplog):
    caplog.set_level(logging.INFO, logger="lti_tool")
    admin_user(tool)
    http, overview = sign_in(tool)
    assert tool.base_url + "/lti/canvas.json" in overview.text
    form = next(f for f in parse(overview.text).forms if f.action.endswith("/admin/invite"))
    made = http.post(tool.base_url + "/admin/invite", timeout=10,
                     data={**form.fields, "name": "Our Moodle"})  # fmt: skip
    assert made.status_code == 200
    link = re.search(r"<code>(http[^<]*/lti/register/[^<]+)</code>", made.text).group(1)
    assert link not in made.url  # shown on the page that answers the POST, never in a URL
    # only the notice of what was done: no "could no longer be used", no "sent again"
    assert made.text.count('class="notice') == 1
    assert "could no longer be used" not in made.text
    assert "sent again" not in made.text
    assert "<code>lti-tool keys rotate</code>" in made.text  # a command, not `backticks`
    assert "`" not in made.text

    without_platform = requests.get(link, timeout=10)
    assert without_platform.status_code == 400  # a good link, opened without a platform
    assert requests.get(link[:-2] + "xx", timeout=10).status_code == 404
    ours = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("lti_tool"))
    assert "admin made a registration link" in ours
    assert link.rsplit("/", 1)[1][:-2] not in ours


def test_a_registration_link_needs_the_administrators_csrf_token(tool):
    admin_user(tool)
    http, _ = sign_in(tool)
    refused = http.post(tool.base_url + "/admin/invite", data={"name": "x"}, timeout=10)
    assert refused.status_code == 400


def test_an_unused_registration_link_can_be_withdrawn(tool):
    from datetime import timedelta

    from lti_tool.lti.dynamic_registration import create_invite

    with tool.session() as session:
        token = create_invite(session, "Leaked", timedelta(hours=1))
        session.commit()
    link = f"{tool.base_url}/lti/register/{token}"
    assert requests.get(link, timeout=10).status_code == 400  # usable (opened without platform)
    admin_user(tool)
    http, overview = sign_in(tool)
    assert "Leaked" in overview.text
    form = next(f for f in parse(overview.text).forms if f.action.endswith("/withdraw-invite"))
    answer = http.post(tool.base_url + "/admin/withdraw-invite", data=form.fields, timeout=10)
    assert answer.status_code == 200 and "The registration link is withdrawn." in answer.text
    assert "Leaked" not in answer.text
    assert requests.get(link, timeout=10).status_code == 404

    again = http.post(tool.base_url + "/admin/withdraw-invite", data=form.fields, timeout=10)
    assert "could no longer be used" in again.text
    bad = http.post(tool.base_url + "/admin/withdraw-invite", timeout=10,
                    data={**form.fields, "invite": "9" * 40})  # fmt: skip
    assert bad.status_code == 200 and "could no longer be used" in bad.text


def test_waiting_grades_show_their_likely_cause_and_can_be_sent_now(tool):
    admin_user(tool)
    control(tool, score_faults={"status": 503, "count": 1, "retry_after": 3600})
    Learner(tool, name="Waits").play(PATHS["taken-away"])
    assert deliver(tool) == 1  # one try, answered 503: it waits (the next pass would probe)
    http, overview = sign_in(tool)
    assert "Grades waiting for their next try" in overview.text
    assert "temporary error; the grade is sent again later." in overview.text

    form = next(f for f in parse(overview.text).forms if f.action.endswith("/admin/resend"))
    resent = http.post(tool.base_url + "/admin/resend", timeout=10,
                       data={"csrf": form.fields["csrf"], "all_waiting": "1"})  # fmt: skip
    assert "1 grade is sent again now." in resent.text
    while deliver(tool):
        pass
    assert [s["user"] for s in control(tool)["scores"]]


def test_a_platform_without_the_result_service_is_named_on_the_overview(tool):
    admin_user(tool)
    control(tool, result_service=False)
    Learner(tool, name="Launched Once")
    _, overview = sign_in(tool)
    assert "after a crash or a timeout the tool cannot check what the platform received" in (
        overview.text.replace("\n", " ")
    )


def test_an_administrator_sets_a_platforms_country(tool):
    admin_user(tool)
    assert 'lang="nl"' in Browser(tool).launch(lang="nl").text  # Moodle sends nl
    http, overview = sign_in(tool)
    form = next(f for f in parse(overview.text).forms if "/platform-country" in f.action)
    assert form.fields["country"] == ""
    saved = http.post(tool.base_url + "/admin/platform-country",
                      data={**form.fields, "country": "be"}, timeout=10)  # fmt: skip
    assert saved.status_code == 200
    form = next(f for f in parse(saved.text).forms if "/platform-country" in f.action)
    assert form.fields["country"] == "be"
    for bad in ({"country": "xx"}, {"platform": "999999"}, {"platform": "x"}):
        refused = http.post(tool.base_url + "/admin/platform-country",
                            data={**form.fields, **bad}, timeout=10)  # fmt: skip
        assert refused.status_code == 400, bad
    # the platform is Belgian now: its Dutch launches get Belgian Dutch
    assert 'lang="nl-BE"' in Browser(tool).launch(lang="nl").text
