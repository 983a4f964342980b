"""The engine's cost per choice: replay a saved state, take one choice, save it again, beside a
baseline measured in the same run (the same state's JSON copied, no engine).

    .venv/bin/python bench/engine.py [--rounds 20000]

It moved here from the unit suite (issue 17): a timing is measured and recorded in
docs/performance.md, never asserted in a test. That play never re-analyses the case is tested
(tests/unit/simulation/test_engine.py, with the analysis replaced by a function that fails).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lti_tool.simulation import State
from lti_tool.simulation import choose
from lti_tool.simulation import load_case
from lti_tool.simulation import start

TOUR = Path(__file__).resolve().parent.parent / "tests" / "data" / "cases" / "feature-tour.yaml"


def _per_round(rounds: int, work: object) -> float:
    began = time.perf_counter()
    for _ in range(rounds):
        work()  # type: ignore[operator]
    return (time.perf_counter() - began) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20_000)
    rounds = parser.parse_args().rounds
    tour = load_case(TOUR)
    state = start(tour)
    for choice in ("private-exam", "phone-interpreter", "review-chart"):
        state = choose(tour, state, choice)
    saved = state.to_json()

    def engine() -> None:
        choose(tour, State.from_json(tour, saved), "back-to-patient").to_json()

    def baseline() -> None:
        json.loads(json.dumps(saved))

    engine_s, baseline_s = _per_round(rounds, engine), _per_round(rounds, baseline)
    print(f"{'what':<40} {'per choice':>12}")
    print(f"{'baseline: the state JSON copied':<40} {baseline_s * 1e6:>9.1f} µs")
    print(f"{'engine: replay, choose, save':<40} {engine_s * 1e6:>9.1f} µs")


if __name__ == "__main__":
    main()
