"""The checker's exact output for each bad case file, its summary line and exit codes."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lti_tool.simulation import check
from lti_tool.simulation import check_file

DATA = Path(__file__).resolve().parents[2] / "data"
BAD_CASES = DATA / "bad_cases"
FEATURE_TOUR = DATA / "cases" / "feature-tour.yaml"
MODULES = (
    "thb-basics, rights-access, role-of-health, trauma-informed-care, identification, "
    "communication, safe-referral, long-term-care, covid-19"
)
SETTINGS = (
    "emergency-department, prenatal-care, primary-care, migrant-reception, "
    "sexual-health-clinic, occupational-injury, paediatric-care, teleconsultation, "
    "long-term-follow-up"
)

# file name (without .yaml) -> the problems printed for it, without the "file:" prefix
EXPECTED = {
    "id-mismatch": ["2: -: id `another-name` does not match the file name `id-mismatch.yaml`"],
    "unknown-start": ["16: -: start: unknown node `arrivals`"],
    "unknown-next": ["26: arrival: choice `ask`: next: unknown node `ending`"],
    "unknown-dimension": ["25: arrival: choice `ask`: points: unknown dimension `saftey`"],
    "unknown-indicator": [
        "22: arrival: indicators: unknown indicator `no-documents`",
        "30: arrival: choice `ask`: indicators.noticed: unknown indicator `companion-answer`",
    ],
    "unknown-variable": [
        "26: arrival: choice `ask`: when: unknown variable `trusted`",
        "30: arrival: choice `ask`: effects.set: unknown variable `alone`",
        "31: arrival: choice `ask`: effects.add: unknown variable `trst`",
    ],
    "effect-type": [
        "30: arrival: choice `ask`: effects.set: `trust` is an integer variable and cannot be "
        "set to 'high' (text)",
        "30: arrival: choice `ask`: effects.set: `seen_alone` is a boolean variable and cannot "
        "be set to 1 (integer)",
        "31: arrival: choice `ask`: effects.add: `seen_alone` is a boolean variable; `add` "
        "works only on integer variables",
    ],
    "bad-condition": [
        "27: arrival: choice `ask`: when: unexpected end of the condition; expected a name, "
        "a number, true, false, 'text' or visited(...)",
        "34: arrival: choice `check`: when: unexpected `(` at column 11",
        "40: arrival: choice `wait`: when: `trust` is an integer variable; a bare name must be "
        "a boolean (compare it instead)",
        "46: arrival: choice `leave`: when: `>` works only on integers, not text",
        "52: arrival: choice `look`: when: visited(): unknown node `nowhere`",
    ],
    "reserved-variable": [
        "17: -: variables: `visited` is a word of the condition language; choose another name"
    ],
    "unreachable-node": ["27: forgotten: unreachable: no path from `start` leads here"],
    "node-neither": ["27: waiting: a node needs exactly one of `choices` and `ending`"],
    "node-both": ["27: waiting: a node needs exactly one of `choices` and `ending`"],
    "duplicate-choice-id": ["27: arrival: duplicate choice id `ask` (first used at line 21)"],
    "never-offered": [
        "29: arrival: choice `refer` is never offered: its condition is false every time the "
        "case reaches this node"
    ],
    "no-way-out": [
        "32: corridor: no ending can be reached from here: a cycle with no way out",
        "40: stairs: no ending can be reached from here: a cycle with no way out",
    ],
    "stuck": [
        "35: history: the case gets stuck here: no choice is offered when seen_alone = false"
    ],
    "points-cycle": [
        "27: arrival: choice `reassure` earns points on a cycle; a cycle must earn no points"
    ],
    "zero-dimension": [
        "14: -: dimensions.referral: no path earns points in this dimension (its maximum is 0)"
    ],
    "missing-sources": ["2: -: missing required key `sources`"],
    "missing-content-note": ["2: -: missing required key `content_note`"],
    "unknown-module": [
        f"6: -: modules[1]: `triage-basics` is not a module id; use one of: {MODULES}"
    ],
    "unknown-setting": [
        f"7: -: setting: `intensive-care` is not a setting id; use one of: {SETTINGS}"
    ],
    "duplicate-key": ["27: arrival: duplicate key `next` (first given at line 26)"],
    "too-many-states": [
        "18: -: the case has more than 200000 states (node, variables, visited nodes) to "
        "explore; use fewer variables or keep integer variables within a small range"
    ],
    "verdict-rules": [
        "26: arrival: choice `ask`: verdict `best`: the best option is never a critical error; "
        "change the verdict or remove `critical: true`",
        "29: arrival: choice `shout`: verdict `harmful`: a harmful choice is a critical error in "
        "a case with a critical_cap below 1; add `critical: true`",
        "32: arrival: choice `shout`: verdict `harmful`: a harmful choice earns no points; "
        "remove its points",
        "37: arrival: choice `label`: feedback calls this choice the best option, but its "
        "verdict is `acceptable`; make it `best` or reword the feedback",
        "41: waiting: no choice here has verdict `best`; every decision needs at least one",
    ],
    "unknown-verdict": [
        "22: arrival: choices[0].verdict: `good` is not a verdict; use one of: best, "
        "acceptable, not-recommended, harmful",
        "27: arrival: choices[1]: missing required key `verdict`",
    ],
    "length-biased": [
        "2: -: a learner who always picks the longest option scores 100 % on average, at or "
        "above the pass mark (70 %); see docs/assessment.md",
        "2: -: a `best` option is the longest in 2 of 2 decisions (100 %, more than 40 %); "
        "make other options as long, or the best shorter",
        "21: arrival: choice `private` (best, 92 characters) is the longest option here; the "
        "next longest, `carry-on`, has 30",
        "41: alone: choice `open-questions` (best, 83 characters) is the longest option here; "
        "the next longest, `label`, has 25",
    ],
    # media (the files are in bad_cases/media/<case-id>/)
    "media-empty-alt": [
        "22: arrival: media[0].alt: must not be empty: say what the image shows to someone who "
        "cannot see it",
        "24: arrival: media[1].alt: must not be empty: say what the image shows to someone who "
        "cannot see it",
        "25: arrival: media[2]: missing required key `alt`",
        "27: arrival: media[3]: missing required key `transcript`",
    ],
    "media-missing": [
        "2: -: media/media-missing/room.svg is not shown by any node; remove it or add it to a "
        "node's `media`",
        "21: arrival: media[0]: `room-plan.svg` is not in media/media-missing/ (no such file)",
    ],
    "media-oversize": [
        "21: arrival: media[0]: `big.svg` is 520 KB (532586 bytes); an image may be at most 500 "
        "KB (512000 bytes)",
    ],
    "media-rules": [
        "2: -: media/media-rules/leftover.png is not shown by any node; remove it or add it to "
        "a node's `media`",
        "23: arrival: media[0]: `transcript` belongs to an audio clip, not to an image",
        "26: arrival: media[1]: `alt` belongs to an image, not to audio",
        "27: arrival: media[2]: `words.svg` is refused: it contains text (<text>) (line 2 of "
        "the SVG): words in a picture are not translated; put them in `alt` or "
        "`long_description`",
        "29: arrival: media[3]: `moving.svg` is refused: it contains animation (<animate>) "
        "(line 2 of the SVG)",
        "41: end: media[0]: media are shown in scenes with choices, not at an ending; put the "
        "item on the node before it",
    ],
    "media-svg-external": [
        "21: arrival: media[0]: `remote.svg` is refused: `href` refers to "
        "`https://example.org/tracker.png` outside the file (line 4 of the SVG); only "
        "references to parts of the same file (`#id`) are allowed",
        "21: arrival: media[0]: `remote.svg` is refused: `xlink:href` refers to `other.svg#box` "
        "outside the file (line 5 of the SVG); only references to parts of the same file "
        "(`#id`) are allowed",
        "21: arrival: media[0]: `remote.svg` is refused: `href` refers to "
        "`data:image/png;base64,iVBORw0KGgo=` outside the file (line 6 of the SVG); only "
        "references to parts of the same file (`#id`) are allowed",
        "21: arrival: media[0]: `remote.svg` is refused: `href` refers to `javascript:alert(1)` "
        "outside the file (line 7 of the SVG); only references to parts of the same file "
        "(`#id`) are allowed",
        "23: arrival: media[1]: `styles.svg` is refused: its style sheet imports another file "
        "(@import) (line 2 of the SVG)",
        "23: arrival: media[1]: `styles.svg` is refused: its style refers to "
        "`https://example.org/a.css` outside the file (line 2 of the SVG); only `url(#id)` is "
        "allowed",
        "23: arrival: media[1]: `styles.svg` is refused: its style refers to "
        "`https://example.org/p.svg#x` outside the file (line 3 of the SVG); only `url(#id)` is "
        "allowed",
    ],
    "media-svg-script": [
        "21: arrival: media[0]: `script.svg` is refused: it contains a script (line 3 of the SVG)",
        "23: arrival: media[1]: `handler.svg` is refused: it has an event handler (`onload`) "
        "(line 1 of the SVG)",
        "25: arrival: media[2]: `foreign.svg` is refused: it contains foreign content "
        "(<foreignObject>) (line 2 of the SVG)",
        "25: arrival: media[2]: `foreign.svg` is refused: it contains <div>, which is not an "
        "SVG element (line 3 of the SVG); save it as plain SVG",
        "27: arrival: media[3]: `entities.svg` is refused: it declares a DTD or entities (line "
        "2 of the SVG)",
    ],
    "media-traversal": [
        "21: arrival: media[0]: `../../unknown-next.yaml` points outside "
        "media/media-traversal/; name a file in that folder",
        "23: arrival: media[1]: `/etc/hostname.png` is an absolute path; name a file in "
        "media/media-traversal/",
        "25: arrival: media[2]: `plans/room.svg` is not a plain file name in "
        "media/media-traversal/ (letters, digits, `.`, `_` and `-`; no folders)",
    ],
    "media-wrong-type": [
        "21: arrival: media[0]: `photo.png`: its bytes are JPEG, not PNG as its name says",
        "23: arrival: media[1]: `picture.svg`: its bytes are PNG, not SVG as its name says",
        "25: arrival: media[2]: `voice.mp3`: its bytes are not MP3 as its name says (nor any "
        "other format this tool accepts)",
        "27: arrival: media[3]: `animation.gif`: an image must be one of .svg, .png, .jpg, "
        ".jpeg, .webp",
    ],
    # hostile input
    "alias-bomb": [
        "3: -: YAML aliases (`*a`) are not allowed in case files; write the value out in full"
    ],
    "deep-nesting": ["2: -: the data is nested more than 32 levels deep"],
    "not-utf8": ["3: -: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"],
    "control-character": [
        "3: -: the file contains a character YAML does not allow "
        "(control characters are not allowed)"
    ],
    "not-a-mapping": ["2: -: must be a mapping (key: value), not a list"],
    "empty": ["1: -: the file is empty"],
    "syntax-error": [
        "5: -: invalid YAML: found unexpected end of stream (while scanning a quoted scalar)"
    ],
    "two-documents": ["3: -: the file holds more than one YAML document; one case per file"],
    "python-tag": ["2: -: the YAML tag `!!python/object/apply:os.system` is not allowed"],
    "wrong-types": [
        "2: -: id: `Wrong Types` is not a valid id (lower-case letters and digits, words "
        "joined by single hyphens)",
        "3: -: version: must be a whole number, not text",
        "4: -: title: must be text, not a list",
        "5: -: summary: must be text, not a mapping",
        "6: -: modules: must be a list, not text",
        f"7: -: setting: `3` is not a setting id; use one of: {SETTINGS}",
        "8: -: learner_role: must be text, not empty",
        "9: -: minutes: must be at most 120, not 500",
        "10: -: content_note: must not be empty",
        "11: -: critical_cap: must be at most 1, not 1.5",
        "12: -: dimensions: must be a mapping (key: value), not a list",
        "16: -: sources[0].year: must be a year such as 2009, or `n.d.` when the source is undated",
        "17: -: sources[0].url: `http://example.org` is not an https:// address",
        "19: -: variables.Trust: `Trust` is not a valid variable name (lower-case letters, "
        "digits and _, not starting with a digit)",
        "19: -: variables.Trust: must be true or false, a whole number or text, not the number 0.5",
        "20: -: start: must be text, not the number 7",
        "23: arrival: text: must be text, not the number 12",
        "24: arrival: unknown key `colour`",
        "26: arrival: choices[0].id: must be text, not the number 1",
        "30: arrival: choices[0].points.safety: must be at least 0, not -1",
        "31: arrival: choices[0].critical: must be true or false, not text",
    ],
}


GAMEABLE = {"length-biased"}  # well-formed cases that only the gameability rules fail


def run_checker(*paths: Path) -> tuple[int, list[str]]:
    out = io.StringIO()
    status = check.run(list(paths), out)
    return status, out.getvalue().splitlines()


def test_every_bad_case_file_has_its_expected_output() -> None:
    assert sorted(path.stem for path in BAD_CASES.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_case_prints_its_exact_problems(name: str) -> None:
    path = BAD_CASES / f"{name}.yaml"
    status, lines = run_checker(path)
    problems = EXPECTED[name]
    summary = f"1 file checked, {len(problems)} problem{'' if len(problems) == 1 else 's'}"
    assert lines == [f"{path}:{problem}" for problem in problems] + [summary]
    assert status == 1


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - GAMEABLE))
def test_check_file_returns_the_same_problems(name: str) -> None:
    path = BAD_CASES / f"{name}.yaml"
    assert [str(problem) for problem in check_file(path)] == [
        f"{path}:{problem}" for problem in EXPECTED[name]
    ]


def test_check_file_leaves_gameability_to_the_checker() -> None:
    # a gameable case is well formed: the tool can load it, the checker fails it
    assert [check_file(BAD_CASES / f"{name}.yaml") for name in GAMEABLE] == [[]]


def test_each_problem_file_comment_names_the_problem() -> None:
    for path in BAD_CASES.glob("*.yaml"):
        assert path.read_bytes().startswith(b"# Problem: "), path


def test_a_valid_case_prints_only_the_summary_and_exits_0() -> None:
    assert run_checker(FEATURE_TOUR) == (0, ["1 file checked, 0 problems"])


def test_several_files_report_all_problems_and_one_summary(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    status, lines = run_checker(FEATURE_TOUR, BAD_CASES / "unknown-next.yaml", missing)
    assert status == 1
    assert lines == [
        f"{BAD_CASES / 'unknown-next.yaml'}:26: arrival: choice `ask`: next: unknown node `ending`",
        f"{missing}:1: -: cannot read the file: No such file or directory",
        "3 files checked, 2 problems",
    ]


def test_a_directory_argument_checks_the_yaml_files_directly_in_it(tmp_path: Path) -> None:
    shutil.copy(FEATURE_TOUR, tmp_path)
    shutil.copy(BAD_CASES / "empty.yaml", tmp_path)
    (tmp_path / "notes.txt").write_text("not a case")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "referral").mkdir()
    shutil.copy(BAD_CASES / "empty.yaml", tmp_path / "referral" / "gr.yaml")
    status, lines = run_checker(tmp_path)
    assert status == 1
    assert lines == [
        f"{tmp_path / 'empty.yaml'}:1: -: the file is empty",
        f"{tmp_path / 'folder.yaml'}:1: -: this is a directory, not a case file",
        "3 files checked, 2 problems",
    ]


def test_an_empty_directory_has_nothing_to_check(tmp_path: Path) -> None:
    assert run_checker(tmp_path) == (0, ["0 files checked, 0 problems"])


def test_a_huge_file_is_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"# padding\n" * 200_000)
    assert run_checker(huge) == (
        1,
        [
            f"{huge}:1: -: the file is larger than 1 MB (1048576 bytes); refused",
            "1 file checked, 1 problem",
        ],
    )


def test_without_paths_it_checks_the_shipped_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(FEATURE_TOUR, tmp_path)
    shutil.copy(BAD_CASES / "unknown-start.yaml", tmp_path)
    monkeypatch.setattr(check, "SHIPPED_CASES", tmp_path)
    status, lines = run_checker()
    assert status == 1
    assert lines == [
        f"{tmp_path / 'unknown-start.yaml'}:16: -: start: unknown node `arrivals`",
        "2 files checked, 1 problem",
    ]


def test_the_shipped_cases_directory_is_lti_tool_cases() -> None:
    repository = Path(__file__).resolve().parents[3]
    shipped = check.SHIPPED_CASES
    assert shipped == repository / "lti_tool" / "cases"


def test_runs_as_a_module_with_exit_status() -> None:
    runs = (
        (BAD_CASES / "unknown-next.yaml", 1, "1 file checked, 1 problem"),
        (FEATURE_TOUR, 0, "1 file checked, 0 problems"),
    )
    for path, status, summary in runs:
        result = subprocess.run(
            [sys.executable, "-m", "lti_tool.simulation.check", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == status
        assert result.stdout.splitlines()[-1] == summary
