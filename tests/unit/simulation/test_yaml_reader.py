"""Reading case files: line numbers, duplicate keys, and refusing hostile input."""

from __future__ import annotations

import time
from pathlib import Path

from lti_tool.simulation.document import Document
from lti_tool.simulation.yaml_reader import MAX_FILE_BYTES
from lti_tool.simulation.yaml_reader import read_document


def read_text(tmp_path: Path, text: str) -> tuple[Document | None, list[str]]:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    document, problems = read_document(path)
    return document, [f"{p.line}: {p.node}: {p.message}" for p in problems]


def test_every_mapping_value_and_sequence_item_has_its_line(tmp_path: Path) -> None:
    document, problems = read_text(
        tmp_path,
        "# comment\n"
        "id: x\n"
        "nodes:\n"
        "  triage:\n"
        "    text: |\n"
        "      Two lines\n"
        "      of text.\n"
        "    choices:\n"
        "      - id: ask\n"
        "        next: end\n"
        "      - {id: wait, next: end}\n",
    )
    assert problems == []
    assert document is not None
    assert document.lines == {
        (): 2,
        ("id",): 2,
        ("nodes",): 3,
        ("nodes", "triage"): 4,
        ("nodes", "triage", "text"): 5,
        ("nodes", "triage", "choices"): 8,
        ("nodes", "triage", "choices", 0): 9,
        ("nodes", "triage", "choices", 0, "id"): 9,
        ("nodes", "triage", "choices", 0, "next"): 10,
        ("nodes", "triage", "choices", 1): 11,
        ("nodes", "triage", "choices", 1, "id"): 11,
        ("nodes", "triage", "choices", 1, "next"): 11,
    }
    assert document.line(("nodes", "triage", "choices", 1, "points", "safety")) == 11


def test_keys_are_kept_as_written_so_yaml_1_1_booleans_stay_text(tmp_path: Path) -> None:
    document, problems = read_text(tmp_path, "no: 1\non: yes\n2: two\n")
    assert problems == []
    assert document is not None
    assert document.data == {"no": 1, "on": True, "2": "two"}


def test_duplicate_keys_are_problems_and_the_first_value_is_kept(tmp_path: Path) -> None:
    document, problems = read_text(
        tmp_path,
        "id: first\nnodes:\n  a:\n    text: one\n    text:\n      nested: [1, 2]\nid: second\n",
    )
    assert problems == [
        "5: a: duplicate key `text` (first given at line 4)",
        "7: -: duplicate key `id` (first given at line 1)",
    ]
    assert document is not None
    assert document.data == {"id": "first", "nodes": {"a": {"text": "one"}}}
    assert ("nodes", "a", "text", "nested") not in document.lines


def test_numbers_must_be_finite(tmp_path: Path) -> None:
    _, problems = read_text(tmp_path, "critical_cap: .nan\nlimits: [1, -.inf]\n")
    assert problems == [
        "1: -: critical_cap: `.nan` is not a number",
        "2: -: limits[1]: `-.inf` is not a number",
    ]


def test_an_alias_bomb_is_refused_without_being_expanded(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for name, previous in zip("bcdefghijklmnop", "abcdefghijklmno", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    began = time.perf_counter()
    document, problems = read_text(tmp_path, "\n".join(lines) + "\n")
    assert time.perf_counter() - began < 1.0  # 9**16 strings if it were expanded
    assert document is None
    assert problems == [
        "2: -: YAML aliases (`*a`) are not allowed in case files; write the value out in full"
    ]


def test_a_merge_key_needs_an_alias_and_is_refused(tmp_path: Path) -> None:
    _, problems = read_text(tmp_path, "base: &base {x: 1}\nnode:\n  <<: *base\n")
    assert problems == [
        "3: -: YAML aliases (`*base`) are not allowed in case files; write the value out in full"
    ]


def test_a_key_that_is_a_list_is_refused(tmp_path: Path) -> None:
    _, problems = read_text(tmp_path, "? [a, b]\n: value\n")
    assert problems == ["1: -: a key must be plain text, not a list or mapping"]


def test_a_file_of_exactly_the_size_limit_is_read(tmp_path: Path) -> None:
    text = "id: x\n#" + "-" * (MAX_FILE_BYTES - 8) + "\n"
    assert len(text.encode()) == MAX_FILE_BYTES
    document, problems = read_text(tmp_path, text)
    assert problems == []
    assert document is not None
    assert document.data == {"id": "x"}


def test_a_file_one_byte_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    document, problems = read_text(tmp_path, "#" * MAX_FILE_BYTES + "\n")
    assert document is None
    assert problems == ["1: -: the file is larger than 1 MB (1048576 bytes); refused"]


def test_a_directory_is_not_a_case_file(tmp_path: Path) -> None:
    directory = tmp_path / "looks-like-a-case.yaml"
    directory.mkdir()
    document, problems = read_document(directory)
    assert document is None
    assert [str(p) for p in problems] == [f"{directory}:1: -: this is a directory, not a case file"]


def test_a_missing_file_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    document, problems = read_document(missing)
    assert document is None
    assert [str(p) for p in problems] == [
        f"{missing}:1: -: cannot read the file: No such file or directory"
    ]


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfid: x\n")
    document, problems = read_document(path)
    assert problems == []
    assert document is not None
    assert document.data == {"id": "x"}


def test_non_ascii_text_keeps_its_line_numbers(tmp_path: Path) -> None:
    document, problems = read_text(tmp_path, "title: Καλημέρα\nsummary: Café\nbad: \x07\n")
    assert document is None
    assert problems == [
        "3: -: the file contains a character YAML does not allow "
        "(control characters are not allowed)"
    ]
