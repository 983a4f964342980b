"""A Babel extraction method for case files and referral files (entry point ``lti_case``).

Every learner-visible text becomes a ``pgettext`` message whose context says where it sits
(docs/case-format.md), so translators work in ordinary ``.po`` files and a changed English text
shows up as fuzzy in every language until it is translated again.
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from typing import Any

from lti_tool.referrals import check_file as check_referral_file
from lti_tool.simulation import load_case

Extracted = tuple[int, str, tuple[str, str], list[str]]

HINTS = {
    "title": "case title",
    "summary": "catalogue summary",
    "learner_role": "the learner's role in the case",
    "content_note": "content note shown before the case starts",
    "text": "narrative (Markdown)",
    "feedback": "feedback on a choice: why it is good or harmful (Markdown)",
    "label": "short label",
    "who": "who speaks",
    "line": "a line of dialogue",
    "debrief": "debrief of an ending (Markdown)",
    "alt": "alternative text of an image: what it shows, for people who cannot see it "
    "(plain text, short)",
    "long_description": "long description of an image: what it shows in detail (Markdown)",
    "transcript": "transcript of an audio clip: who says what (Markdown)",
}


def _hint(context: str) -> list[str]:
    parts = context.split("/")
    if "observation" in parts:
        return ["an observation (what the learner notices)"]
    if len(parts) >= 2 and parts[-2] == "ending":
        return ["ending title" if parts[-1] == "title" else HINTS["debrief"]]
    if len(parts) == 4 and parts[-1] == "text":
        return ["what the learner does or says (a choice)"]
    return [HINTS[parts[-1]]] if parts[-1] in HINTS else []


def extract(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[Extracted]:  # fmt: skip
    path = Path(getattr(fileobj, "name", ""))
    if path.parent.name == "referral":
        yield from _referrals(path)
        return
    # an invalid case is an error (`lti-tool cases check` says why); verdicts are not text
    case = load_case(path)
    for item in case.texts:
        yield item.line, "pgettext", (item.context, item.text), _hint(item.context)


def _referrals(path: Path) -> Iterator[Extracted]:
    directory, problems = check_referral_file(path)
    if directory is None:
        raise ValueError("; ".join(str(p) for p in problems))
    country = directory.country
    yield 1, "pgettext", (f"referral/{country}/name", directory.name), ["country name"]
    for entry in directory.entries:
        yield (1, "pgettext", (f"referral/{country}/{entry.id}/name", entry.name),
               ["name of a service: keep its own name, acronym and phone number exactly as "
                "published; translate only the words that explain it"])  # fmt: skip
        yield (1, "pgettext", (f"referral/{country}/{entry.id}/description", entry.description),
               [f"description of {entry.name} (names stay as published)"])  # fmt: skip
    for note in directory.notes:
        yield (1, "pgettext", (f"referral/{country}/note/{note.id}/title", note.title),
               ["title of a country note (what differs in this country)"])  # fmt: skip
        yield (1, "pgettext", (f"referral/{country}/note/{note.id}/text", note.text),
               ["country note (Markdown): laws and services keep their official names"])  # fmt: skip
