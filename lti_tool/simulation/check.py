"""Check case files and print every problem: ``python -m lti_tool.simulation.check [PATH ...]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from lti_tool.simulation.loader import check_library

SHIPPED_CASES = Path(__file__).resolve().parent.parent / "cases"


def run(paths: Sequence[Path], out: TextIO) -> int:
    """Print each problem on its own line, then a summary; 0 only when every file is valid.
    With no paths, check the shipped cases in ``lti_tool/cases``."""
    report = check_library(paths or [SHIPPED_CASES])
    for problem in report.problems:
        print(problem, file=out)
    print(
        f"{_count(len(report.files), 'file')} checked, {_count(len(report.problems), 'problem')}",
        file=out,
    )
    return 1 if report.problems else 0


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
