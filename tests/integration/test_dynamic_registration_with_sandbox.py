"""Dynamic Registration end to end, over real HTTP: the sandbox platform opens the tool's
one-time link, the tool registers itself, and then a learner launches through the new client
and her grade reaches the sandbox's gradebook (the tool's token request signed for that
client)."""

from __future__ import annotations

import re
from html import unescape

import requests

from lti_tool.sandbox.clients import current_client
from tests.integration.test_dynamic_registration import confirm
from tests.integration.test_dynamic_registration import invite
from tests.integration.test_dynamic_registration import registrations
from tests.integration.test_grades import choose_to_the_end
from tests.integration.test_grades import deliver
from tests.integration.test_grades import gradebook_scores
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.support.browsing import page_of

FRAME = re.compile(r'id="registration-frame"[^>]*src="([^"]+)"')


def test_registered_through_the_sandbox_the_tool_launches_and_grades(database_url, tmp_path,
                                                                     keys_dir):  # fmt: skip
    from tests.support.live import live_tool

    with live_tool(database_url, tmp_path, keys_dir, register=False) as tool:
        token = invite(tool, name="Sandbox")
        started = requests.post(tool.sandbox_url + "/sandbox/register-tool", timeout=10,
                                data={"url": f"{tool.base_url}/lti/register/{token}"})  # fmt: skip
        link = unescape(FRAME.search(started.text).group(1))
        shown = requests.get(link, timeout=10)
        assert page_of(shown) == "register", shown.text
        assert tool.issuer in shown.text

        done = confirm(tool, token, shown)
        assert page_of(done) == "registered", done.text
        with tool.sandbox_session() as session:
            client = current_client(session)
        assert client.dynamic and client.client_id in done.text
        assert registrations(tool) == [(tool.issuer, client.client_id, [client.deployment_id])]

        learner = Learner(tool, name="Dora Dynamic")
        assert page_of(learner.page) == "case-start"
        learner.click("/play/start")
        choose_to_the_end(learner, PATHS["referral-made"])
        while deliver(tool):
            pass
        final = gradebook_scores(tool)[-1]
        assert (final.activity_progress, final.score_given) == ("Completed", 100.0)
