"""Gameability: the expected score of learners who do not read, computed from the graph."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from lti_tool.simulation import Case
from lti_tool.simulation import load_case
from lti_tool.simulation import score
from lti_tool.simulation.check import run
from lti_tool.simulation.gameability import measure
from lti_tool.simulation.gameability_check import assess
from lti_tool.simulation.gameability_check import load_translations

DATA = Path(__file__).resolve().parents[2] / "data"
BIASED = DATA / "bad_cases" / "length-biased.yaml"


@pytest.fixture(scope="module")
def biased() -> Case:
    return load_case(BIASED)


def test_expected_scores_follow_the_grade_rules(biased: Case, play: Callable[..., object]) -> None:
    result = measure(biased)
    assert result.scores["longest"] == 1.0
    assert result.scores["shortest"] == 0.0
    # random: six equally likely paths, each scored as the grade scores it (the cap included)
    paths = [
        (a, b) for a in ("private", "carry-on", "confront") for b in ("open-questions", "label")
    ]
    grades = [score(biased, play(biased, *path)).overall for path in paths]  # type: ignore[arg-type]
    assert grades == [1.0, 0.5, 0.5, 0.0, 0.5, 0.0]
    assert result.scores["random"] == pytest.approx(sum(grades) / 6)
    # without fixed options, the first or last option shown is as good as a random one
    assert result.scores["first"] == pytest.approx(result.scores["random"])
    assert result.scores["last"] == pytest.approx(result.scores["random"])
    assert result.first_authored == 1.0
    assert result.last_authored == 0.0
    assert result.best_longest == ("arrival", "alone")
    assert result.best_longest_share == 1.0


def test_fixed_options_stay_where_they_are(write_case: Callable[..., Path]) -> None:
    case = load_case(
        write_case(
            "pinned",
            """\
  arrival:
    text: A patient arrives.
    choices:
      - {id: ask, verdict: best, text: Ask., feedback: Good., points: {safety: 2}, next: end}
      - {id: wait, verdict: acceptable, text: Wait a while., feedback: Fine., points: {safety: 1}, next: end}
      - {id: none, verdict: not-recommended, fixed: true, text: None of these., feedback: No., next: end}
  end:
    text: Done.
    ending: {title: Done, debrief: Done.}
""",
        )
    )
    result = measure(case)
    assert result.scores["last"] == 0.0  # "none of these" is always shown last
    assert result.scores["first"] == pytest.approx((1.0 + 0.5) / 2)
    assert result.scores["random"] == pytest.approx((1.0 + 0.5 + 0.0) / 3)


def test_a_strategy_that_loops_for_ever_scores_nothing(tour: Case) -> None:
    # In the authored order, the first option of the history is to review the chart, whose
    # only option leads back to the history: a learner who always takes the first never ends.
    assert measure(tour).first_authored == 0.0


def test_a_translation_can_change_which_option_is_longest(tour: Case) -> None:
    # feature-tour is balanced in English; a translation that makes every best option the
    # longest lets a learner who does not read pass in that language.
    padded = {
        f"feature-tour/{node.id}/{choice.id}/text\0{choice.text}": "x" * 400
        for node in tour.nodes.values()
        for choice in node.choices
        if choice.is_best
    }
    row = assess(tour, 40, {"it": {}, "de": padded})
    assert row.english.scores["longest"] == 0.0
    assert row.worst_language == "de"
    assert row.worst_longest == pytest.approx(35 / 36)  # a tie at the disclosure costs 2 points
    assert [p.message for p in row.problems] == [
        "in the de translation, a learner who always picks the longest option scores 97 %, "
        "at or above the pass mark (70 %); see docs/assessment.md"
    ]
    assert assess(tour, 40, {"it": {}}).problems == ()


def test_the_catalogues_are_read_without_fuzzy_or_outdated_entries(tmp_path: Path) -> None:
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "cases.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgctxt "c/n/a/text"\nmsgid "Ask."\nmsgstr "Fragen."\n\n'
        '#, fuzzy\nmsgctxt "c/n/b/text"\nmsgid "Wait."\nmsgstr "Warten."\n',
        encoding="utf-8",
    )
    assert load_translations(tmp_path) == {"de": {"c/n/a/text\0Ask.": "Fragen."}}


def test_the_table_lists_each_case() -> None:
    out = io.StringIO()
    status = run([BIASED, DATA / "cases" / "feature-tour.yaml"], out, table="markdown")
    lines = out.getvalue().splitlines()
    assert status == 1
    assert lines[0].startswith("| case | pass mark | longest | shortest | first | last |")
    assert lines[2].startswith("| length-biased | 70 % | 100 % | 0 % | 42 % | 42 % | 42 % |")
    assert lines[2].endswith("| 2/2 | FAIL |")
    assert lines[3].endswith("| 1/7 | pass |")


def test_the_command_prints_the_table_then_the_problems_with_file_and_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lti_tool.cli", "cases", "check", str(BIASED)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["case", "pass", "mark"]
    assert lines[1].split()[0] == "length-biased"
    assert f"{BIASED}:21: arrival: choice `private` (best, 92 characters)" in result.stdout
