"""The pass mark over real HTTP: set per link by the instructor (validated on the server), and
stated in the debrief with the attempt that counts for the gradebook."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.lti.models import ResourceLink
from lti_tool.lti.records import settings_from_custom
from tests.integration.test_instructor import form_data
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.integration.test_learner import set_policy
from tests.support.browsing import Browser
from tests.support.browsing import page_of


def link_settings(tool) -> dict:
    with tool.session() as session:
        return session.scalars(select(ResourceLink.settings)).first() or {}


def play_again(learner: Learner, ending: str):
    """From a debrief: "Start again", then along the path to ``ending``."""
    return learner.play(PATHS[ending])


def test_the_debrief_states_the_pass_mark_and_the_attempt_that_counts(tool):
    learner = Learner(tool, name="Pat Passmark")
    first = learner.play(PATHS["trust-lost"]).text  # a critical error: capped at 50 %
    assert "You did not reach the pass mark of 70% in this attempt." in first
    assert "Your best attempt counts for the gradebook: attempt 1, 17%." in first
    assert "With it, you have not reached the pass mark." in first

    second = play_again(learner, "referral-made").text
    assert "You reached the pass mark of 70% in this attempt." in second
    assert "Your best attempt counts for the gradebook: attempt 2, 100%." in second
    assert "With it, you have reached the pass mark." in second

    third = play_again(learner, "taken-away").text  # worse, but the best still counts
    assert "You did not reach the pass mark of 70% in this attempt." in third
    assert "Your best attempt counts for the gradebook: attempt 2, 100%." in third

    set_policy(tool, grade_from="latest", pass_mark=40)
    fourth = play_again(learner, "door-left-open").text  # 16 of 18 points
    assert "You reached the pass mark of 40% in this attempt." in fourth
    assert "Your latest attempt counts for the gradebook: attempt 4, 89%." in fourth

    set_policy(tool, grade_from="first", pass_mark=40)
    fifth = play_again(learner, "referral-made").text
    assert "Your first attempt counts for the gradebook: attempt 1, 17%." in fifth
    assert "With it, you have not reached the pass mark." in fifth


def test_a_learner_debrief_is_translated(tool):
    learner = Learner(tool, name="Petra Pass", lang="de")
    page = learner.play(PATHS["referral-made"]).text
    assert "In diesem Versuch haben Sie die Bestehensgrenze von 70" in page
    assert "Für die Bewertungsübersicht zählt Ihr bester Versuch: Versuch 1" in page


@pytest.mark.parametrize("bad", ["101", "-1", "abc", "nan", "inf", "1e400"])
def test_a_bad_pass_mark_is_refused_in_the_instructors_language_and_nothing_is_written(tool, bad):
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Mark", role="instructor", lang="de")
    before = link_settings(tool)

    url, data = form_data(dashboard, "/teach/settings", pass_mark=bad, attempts_allowed="3")
    refused = teacher.http.post(url, data=data, timeout=15)

    assert refused.status_code == 400
    assert page_of(refused) == "dashboard"
    assert "Bestehensgrenze von 0 bis 100" in refused.text
    assert link_settings(tool) == before


def test_the_instructor_sets_a_pass_mark_that_the_debrief_uses(tool):
    teacher = Browser(tool)
    dashboard = teacher.launch(name="Dr Set", role="instructor")
    url, data = form_data(dashboard, "/teach/settings", pass_mark="55.5")
    saved = teacher.http.post(url, data=data, timeout=15)
    assert "Settings saved." in saved.text
    assert link_settings(tool)["pass_mark"] == 55.5
    assert 'name="pass_mark" min="0" max="100" step="any" value="55.5"' in saved.text

    url, data = form_data(saved, "/teach/settings", pass_mark="")
    cleared = teacher.http.post(url, data=data, timeout=15)
    assert "Settings saved." in cleared.text
    assert link_settings(tool)["pass_mark"] is None  # the case's own pass mark again

    url, data = form_data(cleared, "/teach/settings", pass_mark="60")
    teacher.http.post(url, data=data, timeout=15)
    page = Learner(tool, name="Sam Sixty").play(PATHS["taken-away"]).text
    assert "You did not reach the pass mark of 60% in this attempt." in page


def test_a_deep_link_carries_the_pass_mark_in_its_custom_parameters():
    assert settings_from_custom({"pass_mark": "55"}) == {"pass_mark": 55.0}
