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


TRUST_LOST = ["private-exam", "simple-english", "ask-if-trafficked", "call-police"]


def _play_to_the_last_feedback(learner: Learner, choices: list[str], **start: str):
    learner.click("/play/start", **start)
    for choice in choices:
        learner.choose(choice)
        if choice != choices[-1]:
            learner.click("/play/scene")
    return learner.page


def test_the_feedback_and_the_debrief_show_the_country_notes_of_the_attempts_country(tool):
    learner = Learner(tool, lang="it")
    feedback = _play_to_the_last_feedback(learner, TRUST_LOST)
    assert page_of(feedback) == "feedback"
    assert "In questo paese: Italia" in feedback.text
    assert "referto" in feedback.text  # the Italian reporting duty, under the feedback
    assert "art. 365" in feedback.text
    debrief = learner.click("/play/debrief")
    assert "Nel Suo paese" in debrief.text  # the case's own notes
    assert "STP" in debrief.text  # Italy's access to care without papers


def test_without_a_country_the_note_says_that_it_differs_and_how_to_choose(tool):
    learner = Learner(tool)  # English, no country
    feedback = _play_to_the_last_feedback(learner, TRUST_LOST, country="")
    assert "differ between countries" in feedback.text
    assert "referto" not in feedback.text
    debrief = learner.click("/play/debrief", country="de")  # chosen on the debrief
    assert "In Germany" in debrief.text


def test_a_belgian_dutch_launch_sees_belgian_terms_and_belgian_services(tool):
    belgian = Learner(tool, name="Belgian Nurse", lang="nl-BE", link="link-ed")
    dutch = Learner(tool, name="Dutch Nurse", lang="nl", link="link-ed")
    assert "urgentiearts, op de spoedgevallendienst" in belgian.page.text
    assert "spoedgevallendienst" not in dutch.page.text
    assert "arts op de spoedafdeling" in dutch.page.text
    assert "Spoedgevallendienst" in belgian.page.text  # the interface's setting label too
    services = Learner(tool, name="Belgian Nurse", lang="nl-BE").play(["confront-companion"])
    assert page_of(services) == "debrief"
    assert "Payoke" in services.text and "116 000" in services.text  # Belgium's contacts
    assert "CoMensha" not in services.text  # not the Netherlands'
