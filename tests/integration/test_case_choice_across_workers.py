"""Where a link's case comes from, with two tool processes behind one public address (each a
gunicorn worker with its own row cache) and the sandbox behaving as Moodle: the case a teacher
chooses in the tool stands against Moodle resending the deep link's ``case_id`` on every launch,
whichever process serves the launch; a change of that parameter on the platform switches it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from lti_tool.app import create_app
from lti_tool.db import new_session
from lti_tool.library import library
from lti_tool.lti.models import ResourceLink
from lti_tool.sandbox.demo import register_sandbox
from lti_tool.sandbox.store import SbResourceLink
from lti_tool.sandbox.store import make_sessionmaker
from tests.support.browsing import login_next
from tests.support.browsing import parse
from tests.support.live import KEY_ENCRYPTION_KEY
from tests.support.served import free_port
from tests.support.served import gunicorn
from tests.support.served import tool_environment

IFRAME = re.compile(r'<iframe[^>]*src="([^"]+)"')
FIRST, CHOSEN, PLATFORM_LATER = "ed-partner-who-answers", "tele-anyone-in-room", "srh-says-nineteen"
TIMEOUT = 30


@dataclass
class Instances:
    public: str  # the address the platform knows (the first instance's)
    urls: list[str]  # each instance's own address
    workdir: Path

    def title(self, case_id: str) -> str:
        app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40, "KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
                          "INSTANCE_PATH": str(self.workdir / "titles"),
                          "CASE_PATHS": ()})  # fmt: skip
        with app.app_context():
            case = library().case(case_id)
            assert case is not None
            title = case.title
        app.extensions["lti_tool.engine"].dispose()
        return title

    def launch(self, http: requests.Session, login_on: int, launch_on: int, **form: str
               ) -> requests.Response:  # fmt: skip
        """A launch whose login is served by one instance and whose launch by another (or
        the same), as a load balancer may send them."""
        data = {"name": "Alex Learner", "role": "learner", "lang": "en", "message": "resource",
                "privacy": "full", "storage": "cookie", **form}  # fmt: skip
        page = http.post(self.public + "/sandbox/launch", data=data, timeout=TIMEOUT)
        page.raise_for_status()
        login_url = html.unescape(IFRAME.search(page.text).group(1))
        login_url = login_url.replace(self.public, self.urls[login_on], 1)
        login = http.get(login_url, allow_redirects=False, timeout=TIMEOUT)
        auth = http.get(login_next(login), timeout=TIMEOUT)
        form_post = parse(auth.text).forms[0]
        action = form_post.action.replace(self.public, self.urls[launch_on], 1)
        return http.post(action, data=form_post.fields, timeout=TIMEOUT)


@pytest.fixture
def instances(database_url, tmp_path, keys_dir) -> Iterator[Instances]:
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    public = urls[0]
    env = tool_environment(database_url, tmp_path, keys_dir, public, public, links=[])
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40, "KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
                      "INSTANCE_PATH": str(tmp_path / "setup"), "KEYS_DIR": str(keys_dir)})  # fmt: skip
    register_sandbox(app, public + "/sandbox")
    app.extensions["lti_tool.engine"].dispose()
    # two processes, one worker each, with the default row cache (60 s)
    with gunicorn(env, ports[0], "-w", "1"), gunicorn(env, ports[1], "-w", "1"):
        yield Instances(public, urls, tmp_path)


def _link(database_url: str, tmp_path: Path) -> ResourceLink:
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40, "KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
                      "INSTANCE_PATH": str(tmp_path / "read")})  # fmt: skip
    with new_session(app) as session:
        link = session.scalar(
            select(ResourceLink).where(ResourceLink.resource_link_id.like("dl-%"))
        )
        session.expunge_all()
    app.extensions["lti_tool.engine"].dispose()
    assert link is not None
    return link


def _case_of(response: requests.Response) -> str:
    assert response.status_code == 200, response.text[:300]
    return html.unescape(response.text)


def test_the_teachers_choice_stands_on_every_worker_until_the_platform_changes_it(
    instances, database_url, tmp_path
):
    requests.post(instances.public + "/sandbox/control", json={"profile": "moodle"},
                  timeout=TIMEOUT).raise_for_status()  # fmt: skip
    first, chosen, later = (instances.title(c) for c in (FIRST, CHOSEN, PLATFORM_LATER))

    # the teacher adds the case by Deep Linking: Moodle keeps custom case_id on the activity
    teacher = requests.Session()
    picker = instances.launch(teacher, 0, 0, name="Dr Teacher", role="instructor",
                              message="deep_linking")  # fmt: skip
    select_form = next(f for f in parse(picker.text).forms if f.action.endswith("/teach/select"))
    answer = teacher.post(requests.compat.urljoin(picker.url, select_form.action),
                          data={**select_form.fields, "case": FIRST}, timeout=TIMEOUT)  # fmt: skip
    returned = parse(answer.text).forms[0]
    teacher.post(returned.action, data=returned.fields, timeout=TIMEOUT).raise_for_status()
    sandbox = make_sessionmaker(f"sqlite:///{tmp_path / 'sandbox.sqlite3'}")
    with sandbox() as session:
        rl_id = session.scalar(
            select(SbResourceLink.rl_id).where(SbResourceLink.rl_id.like("dl-%"))
        )
    assert rl_id

    # the first process launches it (and remembers the row), then the teacher picks another
    # case there; the second process has not seen the activity yet
    for n in range(3):
        assert first in _case_of(instances.launch(requests.Session(), 0, 0, link=rl_id,
                                                  name=f"Early {n}"))  # fmt: skip
    dashboard = instances.launch(teacher, 0, 0, name="Dr Teacher", role="instructor", link=rl_id)
    pick = next(f for f in parse(dashboard.text).forms if f.action.endswith("/teach/pick"))
    picker = teacher.post(requests.compat.urljoin(dashboard.url, pick.action), data=pick.fields,
                          timeout=TIMEOUT)  # fmt: skip
    select_form = next(f for f in parse(picker.text).forms if f.action.endswith("/teach/select"))
    set_page = teacher.post(requests.compat.urljoin(picker.url, select_form.action),
                            data={**select_form.fields, "case": CHOSEN}, timeout=TIMEOUT)  # fmt: skip
    assert "The case is set" in set_page.text

    # 20 launches, Moodle resending case_id each time, logins and launches on either process
    for n in range(20):
        page = _case_of(instances.launch(requests.Session(), n % 2, (n // 2) % 2, link=rl_id,
                                         name=f"Learner {n:02d}"))  # fmt: skip
        assert chosen in page and first not in page, f"launch {n} got another case"
    link = _link(database_url, tmp_path)
    assert (link.case_id, link.platform_case_id) == (CHOSEN, FIRST)

    # the platform's own setting for the activity changes: the next launch adopts it
    with sandbox() as session:
        row = session.scalar(select(SbResourceLink).where(SbResourceLink.rl_id == rl_id))
        row.custom = {**row.custom, "case_id": PLATFORM_LATER}
        session.commit()
    sandbox.kw["bind"].dispose()
    for n in range(4):
        page = _case_of(instances.launch(requests.Session(), n % 2, (n + 1) % 2, link=rl_id,
                                         name=f"Later {n}"))  # fmt: skip
        assert later in page, f"launch {n} did not adopt the platform's new case"
    assert _link(database_url, tmp_path).case_id == PLATFORM_LATER
