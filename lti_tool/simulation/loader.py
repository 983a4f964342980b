"""Load case files: read the YAML, validate it against the schema, build and analyse the case."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from lti_tool.simulation.builder import build_case
from lti_tool.simulation.model import Case
from lti_tool.simulation.problems import TOP_LEVEL
from lti_tool.simulation.problems import CaseInvalid
from lti_tool.simulation.problems import Problem
from lti_tool.simulation.problems import sorted_problems
from lti_tool.simulation.schema import schema_problems
from lti_tool.simulation.yaml_reader import read_document


@dataclass(frozen=True)
class LoadResult:
    path: Path
    case: Case | None
    problems: list[Problem]
    id_line: int = 1


@dataclass
class LibraryReport:
    files: list[Path] = field(default_factory=list)
    cases: dict[str, Case] = field(default_factory=dict)
    id_lines: dict[str, int] = field(default_factory=dict)  # case id -> line of its `id:`
    problems: list[Problem] = field(default_factory=list)


def load_case(path: Path, *, require_verdicts: bool = True) -> Case:
    result = load_file(path, require_verdicts=require_verdicts)
    if result.case is None:
        raise CaseInvalid(result.problems)
    return result.case


def check_file(path: Path) -> list[Problem]:
    """Every problem of the case file at ``path``; an empty list when it is valid."""
    return load_file(path).problems


def load_file(path: Path, *, require_verdicts: bool = True) -> LoadResult:
    """Stages run in order, each only when the previous one found nothing that stops it:
    YAML reading, the JSON Schema, then the semantic checks and the graph analysis.
    ``require_verdicts=False`` accepts choices without a verdict (see docs/decisions.md)."""
    document, problems = read_document(path)
    if document is None:
        return LoadResult(path, None, problems)
    id_line = document.lines.get(("id",), 1)
    schema = schema_problems(document, str(path), require_verdicts=require_verdicts)
    if schema:
        return LoadResult(path, None, sorted_problems(problems + schema), id_line)
    case, semantic = build_case(document, path)
    problems = sorted_problems(problems + semantic)
    return LoadResult(path, None if problems else case, problems, id_line)


def case_files(paths: Iterable[Path]) -> list[Path]:
    """Each path as given, or the ``*.yaml`` files directly inside it when it is a directory
    (subdirectories such as ``referral/`` are not searched)."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        members = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        for member in members:
            resolved = member.resolve()
            if resolved not in seen:
                seen.add(resolved)
                found.append(member)
    return found


def check_library(paths: Iterable[Path], *, require_verdicts: bool = True) -> LibraryReport:
    report = LibraryReport()
    origin: dict[str, Path] = {}
    for path in case_files(paths):
        report.files.append(path)
        result = load_file(path, require_verdicts=require_verdicts)
        report.problems.extend(result.problems)
        case = result.case
        if case is None:
            continue
        if case.id in origin:
            report.problems.append(
                Problem(
                    str(path),
                    result.id_line,
                    TOP_LEVEL,
                    f"case id `{case.id}` is already used by {origin[case.id]}",
                )
            )
            continue
        origin[case.id] = path
        report.cases[case.id] = case
        report.id_lines[case.id] = result.id_line
    return report


def load_library(paths: Iterable[Path], *, require_verdicts: bool = True) -> dict[str, Case]:
    """The cases found in ``paths`` by id; CaseInvalid lists the problems of all bad files."""
    report = check_library(paths, require_verdicts=require_verdicts)
    if report.problems:
        raise CaseInvalid(report.problems)
    return report.cases
