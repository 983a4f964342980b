"""The exhaustive state search: state counts, tracking, the cap, and graph findings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lti_tool.simulation import Case
from lti_tool.simulation import load_case
from lti_tool.simulation.analysis import analyse
from lti_tool.simulation.analysis import most_decisions_ahead
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


def test_most_decisions_ahead_counts_the_longest_way_to_an_ending() -> None:
    # 0 -> 1 -> 2 (ending); 0 -> 2; 3 -> 3 only (no ending reachable)
    edges = [[(None, 1), (None, 2)], [(None, 2)], [], [(None, 3)]]
    is_ending = [False, False, True, False]
    components = strongly_connected([[t for _, t in moves] for moves in edges])
    assert most_decisions_ahead(edges, is_ending, components) == [2, 1, 0, None]


def test_most_decisions_ahead_walks_a_cycle_at_most_once() -> None:
    # 0 <-> 1 (a cycle), 1 -> 2 (ending), 0 -> 3 -> 2: from 0, 0 -> 3 -> 2 or 0 -> 1 -> 2;
    # from 1, 1 -> 0 -> 3 -> 2 (three) beats 1 -> 2; going round the cycle again never counts
    edges = [[(None, 1), (None, 3)], [(None, 0), (None, 2)], [], [(None, 2)]]
    components = strongly_connected([[t for _, t in moves] for moves in edges])
    assert most_decisions_ahead(edges, [False, False, True, False], components) == [2, 3, 0, 1]


def test_a_large_cycle_gets_an_upper_bound() -> None:
    # a ring of 14 states, each with a way out to the ending (state 14)
    size = 14
    edges = [[(None, (s + 1) % size), (None, size)] for s in range(size)] + [[]]
    components = strongly_connected([[t for _, t in moves] for moves in edges])
    ahead = most_decisions_ahead(edges, [False] * size + [True], components)
    assert ahead == [size] * size + [0]  # 13 moves round the ring and one out, at most


def test_a_bounded_loop_counts_each_turn(write_case: Callable[..., Path]) -> None:
    case = load_case(
        write_case(
            "bounded-loop-count",
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
    assert case.analysis.most_decisions == 4  # wait three times, then ask
