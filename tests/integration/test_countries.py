"""The country an attempt is played in: chosen on the case page, remembered, else the
activity's, the platform's or the launch locale's; Belgian Dutch and French from the locale."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.lti.models import LearnerAccount
from tests.integration.test_learner import Learner
from tests.integration.test_learner import attempts
from tests.integration.test_learner import set_policy
from tests.support.browsing import page_of
from tests.support.browsing import parse


def _selected_country(page) -> str:
    form = next(f for f in parse(page.text).forms if f.action.endswith("/play/start"))
    return form.fields.get("country", "")


def test_a_belgian_launch_locale_gives_belgian_dutch_and_belgium(tool):
    learner = Learner(tool, lang="nl-BE")
    assert 'lang="nl-BE"' in learner.page.text
    assert _selected_country(learner.page) == "be"
    learner.click("/play/start")
    (attempt,) = attempts(tool)
    assert attempt.country == "be"


def test_dutch_without_a_region_is_the_netherlands(tool):
    learner = Learner(tool, lang="nl")
    assert '<html lang="nl">' in learner.page.text
    assert _selected_country(learner.page) == "nl"


def test_the_country_chosen_on_the_case_page_is_the_attempts_and_is_remembered(tool):
    learner = Learner(tool)  # English: no country to suggest
    assert _selected_country(learner.page) == ""
    scene = learner.click("/play/start", country="it")
    assert page_of(scene) == "scene"
    (attempt,) = attempts(tool)
    assert attempt.country == "it"
    with tool.session() as session:
        remembered = session.scalars(select(LearnerAccount.preferred_country)).all()
    assert remembered == ["it"]


def test_the_activitys_country_is_the_default_for_learners_without_their_own(tool):
    learner = Learner(tool, lang="fr")
    assert _selected_country(learner.page) == "fr"
    set_policy(tool, country="de")  # the activity exists once launched
    assert _selected_country(learner.click("/play/case")) == "de"


def test_a_country_that_is_not_one_is_ignored(tool):
    learner = Learner(tool, lang="it")
    scene = learner.click("/play/start", country="xx'; DROP")
    assert scene.status_code == 200
    assert page_of(scene) == "scene"
    (attempt,) = attempts(tool)
    assert attempt.country == "it"  # the default, from the language


def test_no_country_can_be_chosen(tool):
    learner = Learner(tool, lang="it")
    learner.click("/play/start", country="")
    (attempt,) = attempts(tool)
    assert attempt.country is None
