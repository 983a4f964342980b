"""Every learner-visible text of a case with its gettext context (msgctxt), in file order.

The contexts follow the "Translation contexts" table of docs/case-format.md; indexes of
observations, speaker lines and media items count from 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from lti_tool.simulation.document import DataPath
from lti_tool.simulation.document import Document

if TYPE_CHECKING:
    from lti_tool.simulation.model import Case

CASE_FIELDS = ("title", "summary", "learner_role", "content_note")


@dataclass(frozen=True, slots=True)
class TextItem:
    context: str  # msgctxt, e.g. "feature-tour/triage/private-exam/feedback"
    text: str  # the English source
    line: int


def iter_texts(case: Case) -> Iterator[TextItem]:
    yield from case.texts


def collect_texts(document: Document) -> tuple[TextItem, ...]:
    """The texts of a schema-valid case document, sorted by line."""
    data: dict[str, Any] = document.data  # type: ignore[assignment]
    case_id = data["id"]
    items: list[TextItem] = []

    def add(context: str, path: DataPath, text: str) -> None:
        items.append(TextItem(f"{case_id}/{context}", text, document.line(path)))

    for name in CASE_FIELDS:
        add(name, (name,), data[name])
    for group, kind in (("dimensions", "dimension"), ("indicators", "indicator")):
        for item_id, entry in data.get(group, {}).items():
            add(f"{kind}/{item_id}/label", (group, item_id, "label"), entry["label"])
    for node_id, node in data["nodes"].items():
        at: DataPath = ("nodes", node_id)
        add(f"{node_id}/text", (*at, "text"), node["text"])
        for number, observation in enumerate(node.get("observations", []), start=1):
            add(f"{node_id}/observation/{number}", (*at, "observations", number - 1), observation)
        for number, utterance in enumerate(node.get("speaker", []), start=1):
            for part in ("who", "line"):
                where = (*at, "speaker", number - 1, part)
                add(f"{node_id}/speaker/{number}/{part}", where, utterance[part])
        for number, item in enumerate(node.get("media", []), start=1):
            for part in ("alt", "long_description", "transcript"):
                if part in item:
                    where = (*at, "media", number - 1, part)
                    add(f"{node_id}/media/{number}/{part}", where, item[part])
        if "ending" in node:
            for part in ("title", "debrief"):
                add(f"{node_id}/ending/{part}", (*at, "ending", part), node["ending"][part])
        for index, choice in enumerate(node.get("choices", [])):
            for part in ("text", "feedback"):
                where = (*at, "choices", index, part)
                add(f"{node_id}/{choice['id']}/{part}", where, choice[part])
    return tuple(sorted(items, key=lambda item: item.line))
