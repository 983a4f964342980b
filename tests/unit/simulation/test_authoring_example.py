"""The worked example in docs/authoring.md is a valid case and scores as the guide says."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from lti_tool.simulation import State
from lti_tool.simulation import load_case
from lti_tool.simulation import score

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "authoring.md"


def test_the_worked_example_loads_and_scores_as_documented(
    tmp_path: Path, play: Callable[..., State]
) -> None:
    example = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)[0]
    path = tmp_path / "hand-injury-at-reception.yaml"
    path.write_text(example, encoding="utf-8")
    case = load_case(path)
    assert case.analysis.maximum == {"identification": 2, "safety": 3}
    assert case.analysis.maximum_total == 5
    assert score(case, play(case, "register-and-flag", "nurse-calls-alone")).overall == 1.0
    flagged_only = score(case, play(case, "register-and-flag", "carry-on"))
    assert flagged_only.dimensions == {"identification": 1.0, "safety": 1 / 3}
    assert flagged_only.overall == 3 / 5
    confronted = play(case, "ask-foreman-about-passport")
    assert [
        c.id
        for c in case.nodes["waiting-room"].choices
        if c.is_offered(confronted.variables, confronted.visited)
    ] == ["carry-on"]
    assert score(case, confronted).critical
