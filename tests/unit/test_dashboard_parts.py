"""The dashboard's parts without a server: the table view read from a form, the chart's
geometry and letters, the labels of an option's variants, and the graded attempt of a learner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lti_tool.instructor.chart import condition_label
from lti_tool.instructor.chart import letter
from lti_tool.instructor.chart import option_chart
from lti_tool.instructor.chart import variants
from lti_tool.instructor.class_results import graded
from lti_tool.instructor.learner_table import QUERY_MAX
from lti_tool.instructor.learner_table import TableView
from lti_tool.instructor.stats import DecisionStats
from lti_tool.instructor.stats import LearnerRow
from lti_tool.instructor.stats import OptionShare
from lti_tool.simulation.model import Choice
from lti_tool.simulation.model import Node


def test_a_form_gives_a_view_and_unknown_values_give_the_default():
    view, too_long = TableView.from_form({"sort": "best", "order": "asc", "show": "completed",
                                          "result": "passed", "q": "  Ana\tMaria "})  # fmt: skip
    assert view == TableView("best", "asc", "completed", "passed", "Ana Maria")
    assert not too_long
    assert TableView.from_form({"sort": "__class__", "order": "up", "show": "x"}) == (
        TableView(), False)  # fmt: skip
    assert TableView.from_form({"sort": "best"})[0].order == "desc"  # the column's own first way
    view, too_long = TableView.from_form({"q": "a" * (QUERY_MAX + 1)})
    assert too_long and view.query == ""


def test_a_header_reverses_its_own_sort_and_keeps_the_filters():
    view = TableView("best", "desc", "completed", "all", "ana")
    assert view.aria_sort("best") == "descending" and view.aria_sort("name") is None
    assert view.sorted_by("best") == {"sort": "best", "order": "asc", "show": "completed",
                                      "result": "all", "q": "ana"}  # fmt: skip
    assert view.sorted_by("name")["order"] == "asc"
    assert view.cleared() == {"sort": "best", "order": "desc", "show": "all", "result": "all",
                              "q": ""}  # fmt: skip


def _row(name, best=None, status="completed", passed=False):
    return LearnerRow(1, "sub-" + name, name, status=status, attempts=1 if best is not None else 0,
                      best_score=best, passed=passed)  # fmt: skip


def test_rows_without_a_value_come_last_either_way():
    rows = [_row("b", 0.5), _row("a"), _row("c", 0.9), _row("d", 0.5)]
    down = TableView("best", "desc").apply(rows)
    up = TableView("best", "asc").apply(rows)
    assert [r.name for r in down] == ["c", "b", "d", "a"]
    assert [r.name for r in up] == ["b", "d", "c", "a"]


def test_filters():
    rows = [_row("Ana", 0.9, passed=True), _row("Bo", 0.1), _row("Cy", status="not-started")]
    assert [r.name for r in TableView(result="passed").apply(rows)] == ["Ana"]
    assert [r.name for r in TableView(result="not-passed").apply(rows)] == ["Bo", "Cy"]
    assert [r.name for r in TableView(show="not-started").apply(rows)] == ["Cy"]
    assert [r.name for r in TableView(query="AN").apply(rows)] == ["Ana"]


def test_letters():
    assert [letter(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


def test_conditions_read_as_symbols():
    assert condition_label("trust  >=  3 and x != 'a'") == "trust ≥ 3 and x ≠ 'a'"
    assert condition_label("interpreter == 'professional'") == "interpreter = 'professional'"


def _choice(choice_id, text, when=None):
    return Choice(choice_id, text, "", "end", when=when)


def test_variants_show_their_condition_and_their_id_when_that_is_not_enough():
    node = Node("n", "", choices=(
        _choice("note", "Write a *factual* note", "seen_alone"),
        _choice("note-b", "Write a factual note", "not seen_alone"),
        _choice("call", "Call", "x"),
        _choice("call-2", "Call", "x"),
        _choice("plain", "Leave"),
    ))  # fmt: skip
    found = variants(node, {c.id: c.text for c in node.choices})
    assert found["note"].condition == "seen_alone" and not found["note"].show_id
    assert found["note-b"].condition == "not seen_alone"
    assert found["call"].show_id and found["call-2"].show_id
    assert found["plain"].condition is None and not found["plain"].show_id


def test_the_chart_draws_a_bar_per_option_in_proportion():
    node = Node("n", "", choices=(_choice("a", "A"), Choice("b", "B", "", "end", critical=True)))
    stats = DecisionStats("n", 4, (OptionShare("a", 3, 0.75, True), OptionShare("b", 1, 0.25,
                                                                              False)))  # fmt: skip
    chart = option_chart(stats, node)
    assert [b.letter for b in chart.bars] == ["A", "B"]
    assert chart.bars[0].width == 3 * chart.bars[1].width
    assert chart.bars[0].best and chart.bars[1].critical
    assert chart.height > chart.axis_y > chart.bars[-1].y


@dataclass
class Played:
    learner_id: int
    number: int
    status: str
    score: float | None


@pytest.mark.parametrize(("grade_from", "number"), [("best", 2), ("latest", 4), ("first", 1)])
def test_the_graded_attempt_is_the_one_the_gradebook_gets(grade_from, number):
    attempts = [Played(1, 1, "completed", 0.5), Played(1, 2, "completed", 0.9),
                Played(1, 3, "completed", 0.9), Played(1, 4, "completed", 0.2),
                Played(1, 5, "in_progress", None)]  # fmt: skip
    assert graded(attempts, grade_from)[1].number == number
