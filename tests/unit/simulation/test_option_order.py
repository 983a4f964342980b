"""The per-attempt order of options: seeded, stable, fixed options in place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lti_tool.simulation import Case
from lti_tool.simulation import load_case
from lti_tool.simulation import offered_choices
from lti_tool.simulation import shown_path
from lti_tool.simulation import start
from lti_tool.simulation.shuffle import every_order
from lti_tool.simulation.shuffle import shown_order

PINNED = """\
  arrival:
    text: A patient arrives.
    choices:
      - {id: a, verdict: best, text: A., feedback: Good., points: {safety: 1}, next: end}
      - {id: none, verdict: acceptable, fixed: true, text: None., feedback: Fine., next: end}
      - {id: b, verdict: acceptable, text: B., feedback: Fine., next: end}
      - {id: c, verdict: acceptable, text: C., feedback: Fine., next: end}
      - {id: d, verdict: acceptable, text: D., feedback: Fine., next: end}
  end:
    text: Done.
    ending: {title: Done, debrief: Done.}
"""


def ids(choices: object) -> list[str]:
    return [choice.id for choice in choices]  # type: ignore[attr-defined]


def test_the_order_depends_on_the_seed_and_node_only(tour: Case) -> None:
    choices = tour.nodes["history"].choices
    assert ids(shown_order(choices, "s1", "history")) == ids(shown_order(choices, "s1", "history"))
    orders = {tuple(ids(shown_order(choices, f"seed-{n}", "history"))) for n in range(40)}
    assert len(orders) > 10  # 120 orders possible
    assert all(sorted(order) == sorted(ids(choices)) for order in orders)


def test_fixed_options_keep_their_written_position(write_case: Callable[..., Path]) -> None:
    case = load_case(write_case("pinned", PINNED))
    choices = case.nodes["arrival"].choices
    for n in range(30):
        assert ids(shown_order(choices, f"seed-{n}", "arrival"))[1] == "none"
    every = [ids(order) for order in every_order(choices)]
    assert len(every) == 24 and all(order[1] == "none" for order in every)


def test_without_a_seed_the_written_order_is_kept(tour: Case) -> None:
    state = start(tour)
    assert ids(offered_choices(tour, state)) == ids(tour.nodes["triage"].choices)
    shuffled = ids(offered_choices(tour, state, "seed-a"))
    assert shuffled == ids(shown_order(tour.nodes["triage"].choices, "seed-a", "triage"))


def test_shown_path_replays_what_each_decision_showed(tour: Case, play) -> None:  # type: ignore[no-untyped-def]
    state = play(tour, "private-exam", "phone-interpreter")
    triage = ids(shown_order(tour.nodes["triage"].choices, "x", "triage"))
    language = [c for c in ids(shown_order(tour.nodes["language"].choices, "x", "language"))
                if c != "companion-interprets"]  # fmt: skip
    assert shown_path(tour, state, "x") == [tuple(triage), tuple(language)]
