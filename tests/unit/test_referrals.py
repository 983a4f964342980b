"""The referral directory's country notes, honest check dates, and what is due for a re-check."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lti_tool.cli import main
from lti_tool.paths import CASES_DIR
from lti_tool.referrals import ReferralsInvalid
from lti_tool.referrals import load_directory
from lti_tool.referrals import stale
from lti_tool.referrals import unknown_notes
from lti_tool.simulation import load_case

NOTE = """\
notes:
  - id: {note_id}
    title: Reporting duties
    text: Health professionals must file a written report.
    certainty: {certainty}
    source: {{title: A source, url: https://example.org/law, published: n.d.}}
    checked_on: 2026-12-08
    checked_how: stored-copy
    status: confirmed
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "referral"
    shutil.copytree(CASES_DIR / "referral", copy)
    for path in copy.glob("*.yaml"):  # start from files without notes
        text = path.read_text("utf-8")
        path.write_text(text.split("\nnotes:\n")[0] + "\n", "utf-8")
    return copy


def _add_note(folder: Path, country: str, note_id: str, certainty: str = "settled") -> None:
    path = folder / f"{country}.yaml"
    path.write_text(path.read_text("utf-8") + NOTE.format(note_id=note_id, certainty=certainty))


def test_every_country_must_define_the_same_notes(folder):
    _add_note(folder, "it", "reporting-duty")
    with pytest.raises(ReferralsInvalid) as raised:
        load_directory(folder)
    missing = {(Path(p.file).stem, p.node) for p in raised.value.problems}
    assert missing == {(c, "reporting-duty") for c in ("be", "de", "fr", "gr", "nl")}
    for country in ("be", "de", "fr", "gr", "nl"):
        _add_note(folder, country, "reporting-duty", "uncertain")
    directories = load_directory(folder)
    assert directories["it"].note("reporting-duty").certainty == "settled"
    assert directories["gr"].note("reporting-duty").certainty == "uncertain"
    assert directories["gr"].note("nothing") is None


def test_a_note_without_how_it_was_checked_is_refused(folder):
    _add_note(folder, "it", "reporting-duty")
    path = folder / "it.yaml"
    path.write_text(
        path.read_text("utf-8").replace(
            "    checked_how: stored-copy\n    status: confirmed\n", "    status: confirmed\n"
        )
    )
    with pytest.raises(ReferralsInvalid, match="checked_how"):
        load_directory(folder)


def test_a_case_naming_an_undefined_note_is_reported(folder, tmp_path):
    case_file = Path(__file__).resolve().parents[1] / "data" / "cases" / "feature-tour.yaml"
    text = case_file.read_text("utf-8").replace(
        "country_notes: [healthcare-access]\n", "country_notes: [work-injury]\n", 1
    )
    written = tmp_path / "feature-tour.yaml"
    written.write_text(text, "utf-8")
    case = load_case(written)
    problems = unknown_notes({case.id: case}, load_directory(folder))
    assert [p.node for p in problems] == ["work-injury", "reporting-duty"]


def test_stale_lists_what_was_checked_more_than_the_given_months_ago():
    directories = load_directory(CASES_DIR / "referral")
    oldest = min(e.checked_on for d in directories.values() for e in (*d.entries, *d.notes))
    assert stale(directories, oldest, 12) == []
    later = oldest.replace(year=oldest.year + 1) + datetime.timedelta(days=1)
    found = stale(directories, later, 12)
    assert found and all(item.checked_on == oldest for item in found)
    assert {item.checked_how for item in found} <= {"stored-copy", "live"}


def test_the_stale_command_prints_each_entry_with_how_it_was_checked():
    runner = CliRunner()
    result = runner.invoke(main, ["cases", "stale", "--today", "2030-01-01", "--strict"])
    assert result.exit_code == 1
    assert "it\tnumero-verde-antitratta\tchecked 2026-" in result.output
    assert "(stored-copy)" in result.output
    fresh = runner.invoke(main, ["cases", "stale", "--today", "2026-12-08", "--strict"])
    assert fresh.exit_code == 0, fresh.output


def test_content_commands_need_no_database_and_no_keys(tmp_path):
    """`cases` and `i18n` read files only: they run where the tool's database holds signing
    keys that this shell cannot decrypt (no LTI_TOOL_KEY_ENCRYPTION_KEY)."""
    from tests.support.live import KEY_ENCRYPTION_KEY

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'tool.sqlite3'}",
           "LTI_TOOL_INSTANCE_PATH": str(tmp_path), "LTI_TOOL_KEY_ENCRYPTION_KEY": ""}  # fmt: skip

    def run(*command: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "lti_tool.cli", *command],
                              env={**env, **extra}, capture_output=True, text=True, timeout=300,
                              check=False)  # fmt: skip

    for setup in (["db", "upgrade"], ["keys", "generate"]):
        done = run(*setup, LTI_TOOL_KEY_ENCRYPTION_KEY=KEY_ENCRYPTION_KEY)
        assert done.returncode == 0, done.stderr[-800:]
    assert run("keys", "list").returncode != 0  # the app itself refuses to start like this
    for command in (["cases", "stale"], ["cases", "check", "--no-table"], ["i18n", "check"]):
        done = run(*command)
        assert done.returncode == 0, (command, done.stderr[-800:])
