"""The shipped case library meets the AMELIE requirements (issue 4), checked with the engine:
coverage of modules and settings, the size and shape of each case, every ending playable, the
best path worth full marks, the referral directory complete and sourced, and the catalogue in
``docs/cases.md`` up to date with the case files."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lti_tool.paths import CASES_DIR
from lti_tool.paths import TRANSLATIONS_DIR as TRANSLATIONS
from lti_tool.referrals import COUNTRIES
from lti_tool.referrals import load_directory
from lti_tool.simulation import is_finished
from lti_tool.simulation import offered_choices
from lti_tool.simulation import score
from tests.support.catalogue import CASE_IDS
from tests.support.catalogue import MODULES
from tests.support.catalogue import best_path
from tests.support.catalogue import catalogue_table
from tests.support.catalogue import library
from tests.support.catalogue import paths_to_endings
from tests.support.catalogue import play
from tests.support.catalogue import reachable

REQUIRED_SETTINGS = {
    "emergency-department",
    "prenatal-care",
    "primary-care",
    "migrant-reception",
    "sexual-health-clinic",
    "occupational-injury",
    "teleconsultation",
    "long-term-follow-up",
}
CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "cases.md"
ENDINGS = [
    (case_id, ending) for case_id in CASE_IDS for ending in library()[case_id].ending_node_ids
]


# The library as a whole


def test_every_case_file_loads_and_there_are_at_least_thirteen():
    assert sorted(library()) == sorted(CASE_IDS)
    assert len(CASE_IDS) >= 13


def test_every_module_is_covered_by_at_least_three_cases():
    covered = Counter(module for case in library().values() for module in case.modules)
    thin = {module: covered[module] for module in MODULES if covered[module] < 3}
    assert not thin, f"modules covered by fewer than three cases: {thin}"


def test_the_paediatric_setting_has_a_case_and_the_new_forms_of_exploitation_are_covered():
    settings = Counter(case.setting for case in library().values())
    assert settings["paediatric-care"] >= 1
    for case_id in ("eu-seasonal-worker", "ed-forced-criminality", "forced-marriage",
                    "srh-he-keeps-my-phone", "paediatric-child-interpreter"):  # fmt: skip
        assert case_id in CASE_IDS


HAVE_A_LINE = ("referral/it/", "referral/gr/")  # Numero Verde Anti-tratta; A21 1109
NATIONAL_LINE = {
    "de": ("nationale hotline gegen menschenhandel", "nationalen hotline gegen menschenhandel"),
    "fr": ("ligne nationale d'assistance contre la traite", "ligne nationale contre la traite"),
    "nl": ("nationale hulplijn mensenhandel", "nationale hotline mensenhandel"),
}


def test_no_text_names_a_national_anti_trafficking_line_where_there_is_none():
    """Germany, Belgium, the Netherlands and France have no national anti-trafficking line:
    no English case text and no German, French or Dutch translation may name one, except
    where it speaks of Italy's, which exists (the Numero Verde Anti-tratta)."""
    english = " ".join(item.text for case in library().values() for item in case.texts).lower()
    assert "national anti-trafficking line" not in english
    assert "national trafficking line" not in english
    for language, phrases in NATIONAL_LINE.items():
        for variant in (language, f"{language}_BE"):
            path = TRANSLATIONS / variant / "LC_MESSAGES" / "cases.po"
            if not path.exists():
                continue
            with path.open("rb") as handle:
                catalog = read_po(handle)
            for message in catalog:
                text = str(message.string).lower()
                if (message.context or "").startswith(HAVE_A_LINE) or "800 290 290" in text:
                    continue
                for phrase in phrases:
                    assert phrase not in text, (variant, message.context, phrase)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_case_covers_at_least_two_modules(case_id):
    assert len(set(library()[case_id].modules)) >= 2


def test_the_required_settings_are_all_present():
    settings = {case.setting for case in library().values()}
    assert settings >= REQUIRED_SETTINGS, f"missing settings: {REQUIRED_SETTINGS - settings}"


# The shape of each case


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_five_to_nine_decision_points_and_at_least_two_endings(case_id):
    case = library()[case_id]
    assert 5 <= case.decision_node_count <= 9
    assert len(case.ending_node_ids) >= 2


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_reachable_decision_offers_three_or_four_choices(case_id):
    case = library()[case_id]
    for here in reachable(case):
        if is_finished(case, here.state):
            continue
        offered = [choice.id for choice in offered_choices(case, here.state)]
        assert 3 <= len(offered) <= 4, (
            f"{case_id}: at {here.state.node_id} after {list(here.choices)}, "
            f"{len(offered)} choices are offered: {offered}"
        )


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_case_has_sources_and_a_content_note(case_id):
    case = library()[case_id]
    assert case.content_note.strip()
    assert case.sources
    for source in case.sources:
        assert source.title.strip() and source.publisher.strip()
        assert source.url.startswith("https://"), source.url


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_ending_is_reachable_in_play(case_id):
    case = library()[case_id]
    assert set(paths_to_endings(case)) == set(case.ending_node_ids)


@pytest.mark.parametrize(("case_id", "ending"), ENDINGS)
def test_each_ending_can_be_played_to_its_end(case_id, ending):
    case = library()[case_id]
    choices = paths_to_endings(case)[ending]

    state = play(case, choices)

    assert is_finished(case, state)
    assert state.node_id == ending
    assert state.decisions_made == len(choices)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_the_best_path_has_five_decisions_or_more_and_scores_full_marks(case_id):
    case = library()[case_id]
    choices = best_path(case)

    state = play(case, choices)
    result = score(case, state)

    assert is_finished(case, state)
    assert len(choices) >= 5, choices
    assert not result.critical
    assert result.overall == pytest.approx(1.0), (choices, result)


# The referral directory


@pytest.fixture(scope="module")
def directory():
    return load_directory(CASES_DIR / "referral")


def test_every_referral_file_loads_one_per_country(directory):
    assert sorted(directory) == sorted(COUNTRIES)
    assert sorted(p.stem for p in (CASES_DIR / "referral").glob("*.yaml")) == sorted(COUNTRIES)


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_entry_has_a_source_url_and_a_check_date(directory, country):
    for entry in directory[country].entries:
        assert entry.source.url.startswith(("https://", "http://")), entry.id
        assert entry.source.title.strip() and entry.source.published.strip(), entry.id
        assert isinstance(entry.checked_on, datetime.date), entry.id
        assert entry.status in ("confirmed", "verify"), entry.id


@pytest.mark.parametrize("country", COUNTRIES)
def test_each_country_has_a_referral_mechanism_entry_and_112(directory, country):
    assert directory[country].emergency == "112"
    kinds = [entry.kind for entry in directory[country].entries]
    assert "nrm" in kinds, f"{country}: no entry of kind nrm"


# The catalogue


def test_catalogue_table_in_docs_matches_the_case_files():
    table = catalogue_table(library().values())
    assert table in CATALOGUE.read_text("utf-8"), (
        "docs/cases.md does not contain the current catalogue table; regenerate it with "
        "`.venv/bin/python -m tests.support.catalogue` and paste it in:\n" + table
    )
