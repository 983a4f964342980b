"""The exhaustive state search: state counts, tracking, the cap, and graph findings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lti_tool.simulation import Case
from lti_tool.simulation import load_case
from lti_tool.simulation.analysis import analyse
from lti_tool.simulation.graphs import strongly_connected


def test_only_variables_and_nodes_that_conditions_read_are_tracked(tour: Case) -> None:
    assert tour.analysis.tracked_variables == ("seen_alone", "trust", "interpreter")
    assert tour.analysis.tracked_nodes == frozenset({"chart"})
    assert tour.analysis.state_count == 103


def test_the_cap_on_states_stops_the_search(tour: Case) -> None:
    nodes, variables = tour.nodes, tour.variables
    analysis, findings = analyse(tour.start, nodes, variables, list(tour.dimensions), 103)
    assert analysis is not None
    assert not findings.too_many_states
    analysis, findings = analyse(tour.start, nodes, variables, list(tour.dimensions), 102)
    assert analysis is None
    assert findings.too_many_states


def test_the_feature_tour_has_no_graph_problems(tour: Case) -> None:
    _, findings = analyse(tour.start, tour.nodes, tour.variables, list(tour.dimensions))
    assert findings == type(findings)()


def test_best_total_is_known_for_every_state_and_none_off_the_map(tour: Case) -> None:
    analysis = tour.analysis
    assert analysis.best_total("triage", tour.variables, {"triage"}) == 18
    variables = {"seen_alone": True, "trust": 3, "interpreter": "professional"}
    assert analysis.best_total("disclosure", variables, {"triage", "disclosure"}) == 8
    assert analysis.best_total("referral-made", variables, set()) == 0
    assert analysis.best_total("disclosure", {**variables, "trust": 99}, set()) is None


def test_a_loop_whose_counter_is_read_by_a_condition_stays_finite(
    write_case: Callable[..., Path],
) -> None:
    # Each wait adds 1 to a counter the condition reads, so states differ, but the loop ends.
    case = load_case(
        write_case(
            "bounded-loop",
            """\
  arrival:
    text: A patient arrives.
    choices:
      - {id: ask, verdict: best, text: Ask., feedback: Good., points: {safety: 1}, next: end}
      - id: wait
        verdict: acceptable
        text: Wait.
        when: waited < 3
        effects: {add: {waited: 1}}
        feedback: Fine.
        next: arrival
  end:
    text: Done.
    ending: {title: Done, debrief: Done.}
""",
            variables="  waited: 0\n",
        )
    )
    assert case.analysis.state_count == 8  # arrival with waited 0..3, end with waited 0..3
    assert case.analysis.maximum == {"safety": 1}


def test_an_untracked_counter_does_not_blow_up_the_search(
    write_case: Callable[..., Path],
) -> None:
    case = load_case(
        write_case(
            "untracked-counter",
            """\
  arrival:
    text: A patient arrives.
    choices:
      - {id: ask, verdict: best, text: Ask., feedback: Good., points: {safety: 1}, next: end}
      - {id: wait, verdict: acceptable, text: Wait., feedback: Fine., effects: {add: {waited: 1}}, next: arrival}
  end:
    text: Done.
    ending: {title: Done, debrief: Done.}
""",
            variables="  waited: 0\n",
        )
    )
    assert case.analysis.state_count == 2
    assert case.analysis.tracked_variables == ()


def test_strongly_connected_components_come_sinks_first() -> None:
    # 0 -> 1 -> 2 -> 1, 2 -> 3
    components = strongly_connected([[1], [2], [1, 3], []])
    assert [sorted(component) for component in components] == [[3], [1, 2], [0]]


def test_strongly_connected_handles_long_chains_without_recursion() -> None:
    size = 50_000
    chain = [[index + 1] for index in range(size - 1)] + [[0]]
    assert [len(component) for component in strongly_connected(chain)] == [size]
