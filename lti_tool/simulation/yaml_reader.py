"""Read a case file safely: size limit, strict UTF-8, no aliases, no tags beyond plain data,
bounded nesting, no duplicate keys, and a line number for every mapping value and sequence
item."""

from __future__ import annotations

import math
from collections.abc import Set
from pathlib import Path

import yaml

from lti_tool.simulation.document import DataPath
from lti_tool.simulation.document import Document
from lti_tool.simulation.document import describe_path
from lti_tool.simulation.document import node_of
from lti_tool.simulation.problems import TOP_LEVEL
from lti_tool.simulation.problems import Problem

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
_STANDARD = "tag:yaml.org,2002:"
_MAP_TAGS = frozenset({_STANDARD + "map"})
_SEQ_TAGS = frozenset({_STANDARD + "seq"})
_SCALAR_TAGS = frozenset(
    _STANDARD + name for name in ("null", "bool", "int", "float", "str", "timestamp")
)

# libyaml parses about ten times faster; both bases bring the same safe constructor and resolver.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class LineLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """A safe loader that builds plain data straight from the parser's events.

    Building from events, instead of composing a node graph first, lets it refuse an alias
    where it appears (so an alias bomb is never expanded), bound the nesting depth, report
    duplicate keys, and record a line for every mapping value and sequence item. Scalars are
    resolved and constructed by the SafeLoader machinery.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[DataPath, int] = {}
        self.issues: list[tuple[DataPath, int, str]] = []

    def read_data(self) -> object:
        """The single document's data; raises _Refused for an empty or multi-document file."""
        self.get_event()  # stream start
        if self.check_event(yaml.StreamEndEvent):
            raise _Refused(1, "the file is empty")
        self.get_event()  # document start
        self.lines[()] = self.peek_event().start_mark.line + 1
        data = self._value((), 1)
        self.get_event()  # document end
        if not self.check_event(yaml.StreamEndEvent):
            line = self.peek_event().start_mark.line + 1
            raise _Refused(line, "the file holds more than one YAML document; one case per file")
        return data

    def _value(self, path: DataPath, depth: int) -> object:
        event = self.get_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                line,
                f"YAML aliases (`*{event.anchor}`) are not allowed in case files; "
                "write the value out in full",
            )
        if depth > MAX_DEPTH:
            raise _Refused(line, f"the data is nested more than {MAX_DEPTH} levels deep")
        if isinstance(event, yaml.ScalarEvent):
            return self._scalar(event, path, line)
        if isinstance(event, yaml.SequenceStartEvent):
            self._check_tag(event, yaml.SequenceNode, _SEQ_TAGS, line)
            items = []
            while not self.check_event(yaml.SequenceEndEvent):
                self.lines[(*path, len(items))] = self.peek_event().start_mark.line + 1
                items.append(self._value((*path, len(items)), depth + 1))
            self.get_event()
            return items
        self._check_tag(event, yaml.MappingNode, _MAP_TAGS, line)
        return self._mapping(path, depth)

    def _mapping(self, path: DataPath, depth: int) -> dict[str, object]:
        mapping: dict[str, object] = {}
        while not self.check_event(yaml.MappingEndEvent):
            key_event = self.peek_event()
            line = key_event.start_mark.line + 1
            if not isinstance(key_event, yaml.ScalarEvent):
                if isinstance(key_event, yaml.AliasEvent):
                    self._value(path, depth)  # refuses the alias
                raise _Refused(line, "a key must be plain text, not a list or mapping")
            self.get_event()
            key = key_event.value
            where = (*path, key)
            if key in mapping:
                first = self.lines[where]
                self.issues.append(
                    (where, line, f"duplicate key `{key}` (first given at line {first})")
                )
                kept = self.lines
                self.lines = {}
                self._value(where, depth + 1)  # read and drop the second value
                self.lines = kept
                continue
            self.lines[where] = line
            mapping[key] = self._value(where, depth + 1)
        self.get_event()
        return mapping

    def _scalar(self, event: yaml.ScalarEvent, path: DataPath, line: int) -> object:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        self._check_tag(event, yaml.ScalarNode, _SCALAR_TAGS, line, tag)
        value = self.construct_object(node)
        if isinstance(value, float) and not math.isfinite(value):
            message = f"{describe_path(path)}: `{event.value}` is not a number"
            self.issues.append((path, line, message))
        return value

    def _check_tag(
        self,
        event: yaml.NodeEvent,
        kind: type[yaml.Node],
        allowed: Set[str],
        line: int,
        tag: str | None = None,
    ) -> None:
        if tag is None:
            tag = event.tag
            if tag is None or tag == "!":
                tag = self.resolve(kind, None, event.implicit)
        if tag not in allowed:
            shown = tag.replace(_STANDARD, "!!", 1)
            raise _Refused(line, f"the YAML tag `{shown}` is not allowed")


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
    loader: LineLoader | None = None
    try:
        loader = LineLoader(text)
        data = loader.read_data()
    except _Refused as refusal:
        return refuse(refusal.line, refusal.message)
    except yaml.MarkedYAMLError as error:
        return refuse(*_describe_yaml_error(error))
    except yaml.reader.ReaderError as error:
        return refuse(
            _line_at(raw, text, error.position),
            f"the file contains a character YAML does not allow ({error.reason})",
        )
    except (yaml.YAMLError, RecursionError) as error:
        return refuse(1, f"invalid YAML: {error}")
    finally:
        if loader is not None:
            loader.dispose()
    problems = [Problem(file, line, node_of(at), message) for at, line, message in loader.issues]
    return Document(data, loader.lines), problems


def _line_at(raw: bytes, text: str, position: int) -> int:
    # libyaml reports byte offsets into the UTF-8 text, the pure-Python reader character offsets
    if _SafeBase is yaml.SafeLoader:
        return text.count("\n", 0, position) + 1
    return raw.count(b"\n", 0, position) + 1


def _describe_yaml_error(error: yaml.MarkedYAMLError) -> tuple[int, str]:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else 1
    problem = error.problem or "cannot be read"
    context = f" ({error.context})" if error.context else ""
    return line, f"invalid YAML: {problem}{context}"
