"""load_case and load_library: valid cases load, and every bad file's problems are raised."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lti_tool.simulation import CaseInvalid
from lti_tool.simulation import load_case
from lti_tool.simulation import load_library

DATA = Path(__file__).resolve().parents[2] / "data"
FEATURE_TOUR = DATA / "cases" / "feature-tour.yaml"
BAD_CASES = DATA / "bad_cases"


def test_load_case_raises_with_all_problems_of_the_file() -> None:
    path = BAD_CASES / "unknown-variable.yaml"
    with pytest.raises(CaseInvalid) as raised:
        load_case(path)
    assert [problem.line for problem in raised.value.problems] == [26, 30, 31]
    assert str(raised.value) == "\n".join(str(problem) for problem in raised.value.problems)
    assert str(raised.value).startswith(f"{path}:26: arrival: choice `ask`: when: unknown")


def test_load_library_loads_files_and_directories_by_case_id(tmp_path: Path) -> None:
    shutil.copy(FEATURE_TOUR, tmp_path)
    (tmp_path / "referral").mkdir()
    (tmp_path / "referral" / "gr.yaml").write_text("country: gr\n")
    (tmp_path / "README.md").write_text("not a case\n")
    cases = load_library([tmp_path, tmp_path / "feature-tour.yaml"])  # the same file: once
    assert list(cases) == ["feature-tour"]
    assert cases["feature-tour"].source_path == tmp_path / "feature-tour.yaml"


def test_load_library_reports_the_problems_of_every_bad_file(tmp_path: Path) -> None:
    for name in ("unknown-next.yaml", "empty.yaml", "duplicate-key.yaml"):
        shutil.copy(BAD_CASES / name, tmp_path)
    shutil.copy(FEATURE_TOUR, tmp_path)
    with pytest.raises(CaseInvalid) as raised:
        load_library([tmp_path])
    assert [str(problem) for problem in raised.value.problems] == [
        f"{tmp_path / 'duplicate-key.yaml'}:27: arrival: duplicate key `next` "
        "(first given at line 26)",
        f"{tmp_path / 'empty.yaml'}:1: -: the file is empty",
        f"{tmp_path / 'unknown-next.yaml'}:26: arrival: choice `ask`: next: unknown node `ending`",
    ]


def test_the_same_case_id_in_two_places_is_a_problem(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(FEATURE_TOUR, first)
    shutil.copy(FEATURE_TOUR, second)
    id_line = FEATURE_TOUR.read_text(encoding="utf-8").splitlines().index("id: feature-tour") + 1
    with pytest.raises(CaseInvalid) as raised:
        load_library([first, second])
    assert [str(problem) for problem in raised.value.problems] == [
        f"{second / 'feature-tour.yaml'}:{id_line}: -: case id `feature-tour` is already used by "
        f"{first / 'feature-tour.yaml'}"
    ]


def test_a_missing_path_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(CaseInvalid) as raised:
        load_library([tmp_path / "nowhere"])
    assert [problem.message for problem in raised.value.problems] == [
        "cannot read the file: No such file or directory"
    ]


def test_the_tool_can_start_with_cases_that_lack_verdicts(tmp_path: Path) -> None:
    # The start-up library accepts a case without verdicts (the shipped cases get theirs in
    # issue 12); the checker does not. A verdict that is given is still checked.
    text = FEATURE_TOUR.read_text(encoding="utf-8")
    path = tmp_path / "feature-tour.yaml"
    path.write_text(re.sub(r"\n +verdict: [a-z-]+", "", text), encoding="utf-8")
    with pytest.raises(CaseInvalid, match="missing required key `verdict`"):
        load_library([path])
    case = load_library([path], require_verdicts=False)["feature-tour"]
    assert {choice.verdict for node in case.nodes.values() for choice in node.choices} == {None}
