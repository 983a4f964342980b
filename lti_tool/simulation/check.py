"""Check case files and print every problem: ``python -m lti_tool.simulation.check [PATH ...]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Literal
from typing import TextIO

from lti_tool.simulation.gameability_check import assess
from lti_tool.simulation.gameability_check import load_translations
from lti_tool.simulation.gameability_check import markdown_table
from lti_tool.simulation.gameability_check import text_table
from lti_tool.simulation.loader import check_library
from lti_tool.simulation.model import Case
from lti_tool.simulation.problems import Problem

SHIPPED_CASES = Path(__file__).resolve().parent.parent / "cases"

Table = Literal["none", "text", "markdown"]


def run(
    paths: Sequence[Path],
    out: TextIO,
    *,
    table: Table = "none",
    translations: Path | None = None,
    more_checks: Callable[[Mapping[str, Case]], list[Problem]] | None = None,
) -> int:
    """Print each problem on its own line, then a summary; 0 only when every file is valid.
    With no paths, check the shipped cases in ``lti_tool/cases``. Every valid case is also
    measured for gameability (docs/assessment.md), with the lengths of the translations in
    ``translations`` when given; ``table`` prints the measures first (``markdown``: only them).
    ``more_checks`` adds the problems of what lies outside the engine (the referral directory
    the cases name notes of)."""
    report = check_library(paths or [SHIPPED_CASES])
    texts = load_translations(translations) if translations else None
    rows = [assess(case, report.id_lines[case.id], texts) for case in report.cases.values()]
    order = {str(path): number for number, path in enumerate(report.files)}
    problems = sorted(  # each file's problems together, in the order the files were given
        [
            *report.problems,
            *(problem for row in rows for problem in row.problems),
            *(more_checks(report.cases) if more_checks else ()),
        ],
        key=lambda problem: order.get(problem.file, len(order)),
    )
    if table == "markdown":
        for line in markdown_table(rows):
            print(line, file=out)
        return 1 if problems else 0
    if table == "text" and rows:
        for line in text_table(rows):
            print(line, file=out)
        print(file=out)
    for problem in problems:
        print(problem, file=out)
    print(
        f"{_count(len(report.files), 'file')} checked, {_count(len(problems), 'problem')}",
        file=out,
    )
    return 1 if problems else 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lti_tool.simulation.check",
        description="Validate case files (or directories of *.yaml case files).",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="default: the shipped cases")
    arguments = parser.parse_args(argv)
    return run(arguments.paths, sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
