"""Read a case file safely: size limit, strict UTF-8, no aliases, bounded nesting, no
duplicate keys, and a line number for every mapping value and sequence item."""

from __future__ import annotations

import math
from pathlib import Path

import yaml

from lti_tool.simulation.document import DataPath
from lti_tool.simulation.document import Document
from lti_tool.simulation.document import node_of
from lti_tool.simulation.problems import TOP_LEVEL
from lti_tool.simulation.problems import Problem

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class LineLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases and deep nesting and turns the composed node tree
    into plain data plus a line table, collecting (path, line, message) problems."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self.lines: dict[DataPath, int] = {}
        self.issues: list[tuple[DataPath, int, str]] = []

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark.line + 1,
                f"YAML aliases (`*{event.anchor}`) are not allowed in case files; "
                "write the value out in full",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    event.start_mark.line + 1,
                    f"the data is nested more than {MAX_DEPTH} levels deep",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def located(self, node: yaml.Node, path: DataPath = ()) -> object:
        if not path:
            self.lines[()] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            self._check_tag(node, _MAP_TAG, path)
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, _SEQ_TAG, path)
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.located(item, (*path, index)))
            return items
        value = self.construct_object(node)
        if isinstance(value, float) and not math.isfinite(value):
            self.issues.append((path, node.start_mark.line + 1, f"`{node.value}` is not a number"))
        return value

    def _mapping(self, node: yaml.MappingNode, path: DataPath) -> dict[str, object]:
        mapping: dict[str, object] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.issues.append((path, line, "a key must be plain text, not a list or mapping"))
                continue
            key = key_node.value
            if key in mapping:
                first = self.lines[(*path, key)]
                self.issues.append(
                    ((*path, key), line, f"duplicate key `{key}` (first given at line {first})")
                )
                continue
            self.lines[(*path, key)] = line
            mapping[key] = self.located(value_node, (*path, key))
        return mapping

    def _check_tag(self, node: yaml.Node, expected: str, path: DataPath) -> None:
        if node.tag != expected:
            self.issues.append(
                (path, node.start_mark.line + 1, f"the YAML tag `{node.tag}` is not allowed")
            )


def read_document(path: Path) -> tuple[Document | None, list[Problem]]:
    """Read ``path``; on a problem that leaves no usable data, the document is None."""
    file = str(path)

    def refuse(line: int, message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(file, line, TOP_LEVEL, message)]

    try:
        if path.is_dir():
            return refuse(1, "this is a directory, not a case file")
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return refuse(1, f"cannot read the file: {error.strerror or error}")
    if len(raw) > MAX_FILE_BYTES:
        return refuse(1, f"the file is larger than 1 MB ({MAX_FILE_BYTES} bytes); refused")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return refuse(
            line, f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        )
    loader = LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return refuse(1, "the file is empty")
        data = loader.located(node)
    except _Refused as refusal:
        return refuse(refusal.line, refusal.message)
    except yaml.MarkedYAMLError as error:
        return refuse(*_describe_yaml_error(error))
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        return refuse(line, f"the file contains a character YAML does not allow ({error.reason})")
    except (yaml.YAMLError, RecursionError) as error:
        return refuse(1, f"invalid YAML: {error}")
    finally:
        loader.dispose()
    problems = [Problem(file, line, node_of(at), message) for at, line, message in loader.issues]
    return Document(data, loader.lines), problems


def _describe_yaml_error(error: yaml.MarkedYAMLError) -> tuple[int, str]:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else 1
    if error.problem == "but found another document":
        return line, "the file holds more than one YAML document; one case per file"
    problem = error.problem or "cannot be read"
    context = f" ({error.context})" if error.context else ""
    return line, f"invalid YAML: {problem}{context}"
