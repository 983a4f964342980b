"""Validation problems, each pointing at a place in a case file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

TOP_LEVEL = "-"


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    node: str  # the node id, or "-" for a problem outside any node
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.node}: {self.message}"


class CaseInvalid(Exception):
    """One or more case files are invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order; problems on the same line keep the order they were found."""
    return sorted(problems, key=lambda problem: (problem.file, problem.line))
