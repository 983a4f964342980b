"""Plain data read from a case file, with the line of every mapping value and sequence item."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lti_tool.simulation.problems import TOP_LEVEL

DataPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Document:
    data: object
    lines: Mapping[DataPath, int]

    def line(self, path: DataPath) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def node_of(path: DataPath) -> str:
    """The node a data path lies in, or "-" when it lies outside ``nodes``."""
    if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], str):
        return path[1]
    return TOP_LEVEL


def describe_path(path: DataPath) -> str:
    """``path`` as authors read it, relative to its node: ``choices[1].next``."""
    if node_of(path) != TOP_LEVEL:
        path = path[2:]
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text
