"""The built-in ``country``: options that differ by a country's law, fixed for an attempt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lti_tool.simulation import State
from lti_tool.simulation import check_file
from lti_tool.simulation import choose
from lti_tool.simulation import debrief
from lti_tool.simulation import load_case
from lti_tool.simulation import offered_choices
from lti_tool.simulation import score
from lti_tool.simulation import start
from lti_tool.simulation.gameability import measure

# Reporting to the police without consent is harmful, except in Italy, where the law requires a
# written report (the referto) and an Italy-only option files it; both carry the same points.
REPORTING = """\
  arrival:
    text: She tells you what happened.
    choices:
      - id: explain-and-support
        text: Explain what you can offer, and ask what she wants.
        verdict: best
        points: {safety: 2}
        feedback: Good.
        next: end
      - id: police-now
        text: Call the police now, without her consent.
        verdict: harmful
        critical: true
        country_note: reporting-duty
        when: country != 'it'
        feedback: Harmful here.
        next: end
      - id: file-referto
        text: Tell her you must file a written report, file it, and keep caring for her.
        verdict: acceptable
        points: {safety: 1}
        country_note: reporting-duty
        when: country == 'it'
        feedback: The law requires it in Italy.
        next: end
  end:
    text: The end.
    ending: {title: The end, debrief: Done., country_note: specialist-service}
"""


@pytest.fixture
def reporting(write_case: Callable[..., Path]) -> Path:
    return write_case("reporting", REPORTING + "country_notes: [healthcare-access]\n")


def test_a_case_that_reads_the_country_offers_each_country_its_own_options(reporting):
    case = load_case(reporting)
    assert case.reads_country
    assert case.variables["country"] == ""
    italy = [c.id for c in offered_choices(case, start(case, "it"))]
    greece = [c.id for c in offered_choices(case, start(case, "gr"))]
    nowhere = [c.id for c in offered_choices(case, start(case))]
    assert italy == ["explain-and-support", "file-referto"]
    assert greece == nowhere == ["explain-and-support", "police-now"]


def test_reporting_the_law_requires_is_not_a_critical_error_where_it_is_required(reporting):
    case = load_case(reporting)
    in_italy = score(case, choose(case, start(case, "it"), "file-referto"))
    elsewhere = score(case, choose(case, start(case, "fr"), "police-now"))
    assert not in_italy.critical
    assert in_italy.overall == 0.5
    assert elsewhere.critical
    assert case.analysis.maximum_total == 2


def test_the_country_is_fixed_and_replays_from_the_saved_state(reporting):
    case = load_case(reporting)
    state = choose(case, start(case, "it"), "file-referto")
    again = State.from_json(case, state.to_json())
    assert again.country == "it"
    assert again == state
    assert State.initial(case, "xx").country == ""  # not a country: none
    tampered = state.to_json() | {"vars": {"country": "gr"}}
    with pytest.raises(Exception, match="not possible"):
        State.from_json(case, tampered)


def test_the_debrief_names_the_best_option_of_the_attempts_country(reporting):
    case = load_case(reporting)
    report = debrief(case, choose(case, start(case, "it"), "file-referto"))
    assert report.steps[0].best_choice_ids == ("explain-and-support",)


def test_case_notes_are_collected_case_level_first(reporting):
    case = load_case(reporting)
    assert case.country_notes == ("healthcare-access",)
    assert case.note_ids() == ("healthcare-access", "reporting-duty", "specialist-service")
    assert case.nodes["end"].ending.country_note == "specialist-service"


def test_a_case_that_never_reads_the_country_keeps_its_own_variables(tour):
    assert not tour.reads_country
    assert "country" not in tour.variables
    assert "country" not in start(tour, "it").to_json()["vars"]


def test_gameability_is_measured_in_every_country_and_the_worst_reported(reporting):
    case = load_case(reporting)
    measured = measure(case)
    # shortest: "Call the police now…" (critical, 0) outside Italy; in Italy the shortest is
    # the best option (2 of 2): the worst country is reported
    assert measured.scores["shortest"] == 1.0


def _problems(path: Path) -> list[str]:
    return [problem.message for problem in check_file(path)]


def test_a_maximum_that_differs_by_country_is_refused(write_case):
    unequal = REPORTING.replace(
        "points: {safety: 1}\n        country_note", "points: {safety: 3}\n        country_note"
    )
    path = write_case("unequal", unequal)
    assert any("maximum score differs by country ('it'" in m for m in _problems(path))


def test_the_country_cannot_be_declared_or_changed(write_case):
    declared = write_case("declared", REPORTING, variables="  country: ''\n")
    assert any("`country` is built in" in m for m in _problems(declared))
    changed = REPORTING.replace(
        "        feedback: Good.\n",
        "        effects: {set: {country: it}}\n        feedback: Good.\n",
    )
    path = write_case("changed", changed)
    assert any("effects.set: `country` is built in and read-only" in m for m in _problems(path))
