"""Invalid content never reaches learners: the app refuses to start and names the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool.app import create_app
from lti_tool.config import ConfigError

BAD = Path(__file__).resolve().parent.parent / "data" / "bad_cases" / "unknown-next.yaml"


def test_app_refuses_to_start_with_an_invalid_case(tmp_path, keys_dir):
    with pytest.raises(ConfigError) as refused:
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "KEYS_DIR": str(keys_dir),
                "CASE_PATHS": (str(BAD),),
            }
        )
    assert "unknown-next.yaml:" in str(refused.value)
    assert "will not start" in str(refused.value)


def test_lti_tool_cases_check_reports_the_shipped_library_clean():
    from io import StringIO

    from lti_tool.simulation.check import run

    out = StringIO()
    assert run([], out) == 0, out.getvalue()
