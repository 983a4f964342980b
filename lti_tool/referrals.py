"""The referral directory: for each country, who to call and where to refer, with sources.

One YAML file per country in ``lti_tool/cases/referral/``. Every entry names its source, the
date it was checked and how (against a stored copy of the source, or live on the owner's site);
numbers are given only when a cited source gives them. The debrief shows the entries of the
learner's country. Country notes (``notes``) say what differs by country's law and services:
reporting duties, the specialist service to call, access to care; cases place them in feedback
and the debrief by id, so every country defines the same note ids.
"""

from __future__ import annotations

import datetime
import json
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from lti_tool.simulation.country import COUNTRIES
from lti_tool.simulation.model import Case
from lti_tool.simulation.problems import Problem
from lti_tool.simulation.yaml_reader import read_document

SCHEMA_PATH = Path(__file__).with_name("referral.schema.json")


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str
    published: str


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    kind: str
    name: str
    description: str
    phone: str | None
    url: str | None
    source: Source
    checked_on: datetime.date
    checked_how: str  # stored-copy | live
    status: str


@dataclass(frozen=True, slots=True)
class Note:
    id: str
    title: str
    text: str  # Markdown
    certainty: str  # settled | uncertain (the page then sends the learner to their lead)
    source: Source
    checked_on: datetime.date
    checked_how: str
    status: str


@dataclass(frozen=True, slots=True)
class Directory:
    country: str
    name: str
    emergency: str
    entries: tuple[Entry, ...]
    notes: tuple[Note, ...] = ()

    def note(self, note_id: str) -> Note | None:
        return next((note for note in self.notes if note.id == note_id), None)


@dataclass(frozen=True, slots=True)
class Stale:
    country: str
    item: str  # entry or note id
    checked_on: datetime.date
    checked_how: str


class ReferralsInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@cache
def _validator() -> jsonschema.protocols.Validator:
    checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "date", lambda _c, value: isinstance(value, datetime.date)
    )
    cls = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=checker)
    return cls(json.loads(SCHEMA_PATH.read_text("utf-8")))


def check_file(path: Path) -> tuple[Directory | None, list[Problem]]:
    document, problems = read_document(path)
    if document is None:
        return None, problems
    data = document.data
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = tuple(error.path)
        label = ".".join(str(p) for p in where) or "-"
        problems.append(Problem(str(path), document.line(where), label, error.message))
    if problems:
        return None, problems
    assert isinstance(data, dict)
    if data["country"] != path.stem:
        problems.append(
            Problem(
                str(path),
                document.line(("country",)),
                "country",
                f"must equal the file name ({path.stem})",
            )
        )
    for key in ("entries", "notes"):
        seen: set[str] = set()
        for index, raw in enumerate(data.get(key, ())):
            if raw["id"] in seen:
                where = document.line((key, index, "id"))
                problems.append(Problem(str(path), where, raw["id"], f"duplicate {key[:-1]} id"))
            seen.add(raw["id"])
    if problems:
        return None, problems
    entries = tuple(_entry(raw) for raw in data["entries"])
    notes = tuple(_note(raw) for raw in data.get("notes", ()))
    return Directory(data["country"], data["name"], data["emergency"], entries, notes), []


def _source(raw: dict[str, Any]) -> Source:
    return Source(raw["title"], raw["url"], str(raw["published"]))


def _note(raw: dict[str, Any]) -> Note:
    return Note(
        id=raw["id"],
        title=raw["title"],
        text=raw["text"],
        certainty=raw["certainty"],
        source=_source(raw["source"]),
        checked_on=raw["checked_on"],
        checked_how=raw["checked_how"],
        status=raw["status"],
    )


def _entry(raw: dict[str, Any]) -> Entry:
    return Entry(
        id=raw["id"],
        kind=raw["kind"],
        name=raw["name"],
        description=raw["description"],
        phone=raw.get("phone"),
        url=raw.get("url"),
        source=_source(raw["source"]),
        checked_on=raw["checked_on"],
        checked_how=raw["checked_how"],
        status=raw["status"],
    )


def load_directory(folder: Path) -> dict[str, Directory]:
    """Every country's directory; raises ReferralsInvalid with all problems of all files."""
    directories: dict[str, Directory] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        directory, found = check_file(path)
        problems.extend(found)
        if directory is not None:
            directories[directory.country] = directory
    missing = [c for c in COUNTRIES if c not in directories and not problems]
    for country in missing:
        problems.append(Problem(str(folder / f"{country}.yaml"), 1, "-", "file missing"))
    problems.extend(_uneven_notes(folder, directories))
    if problems:
        raise ReferralsInvalid(problems)
    return directories


def _uneven_notes(folder: Path, directories: dict[str, Directory]) -> list[Problem]:
    """A case names a note by id in every country, so every country must define it."""
    every = set().union(*({n.id for n in d.notes} for d in directories.values()))
    return [
        Problem(str(folder / f"{country}.yaml"), 1, note_id,
                "country note missing: every country defines the same note ids")
        for country, directory in sorted(directories.items())
        for note_id in sorted(every - {n.id for n in directory.notes})
    ]  # fmt: skip


def unknown_notes(cases: Mapping[str, Case], directories: Mapping[str, Directory]
                  ) -> list[Problem]:  # fmt: skip
    """A problem for each country note a case places that the directory does not define."""
    defined = set().union(*({n.id for n in d.notes} for d in directories.values()))
    return [
        Problem(str(case.source_path), 1, note_id,
                f"country note `{note_id}` is not defined in lti_tool/cases/referral/*.yaml")
        for case in cases.values()
        for note_id in case.note_ids()
        if note_id not in defined
    ]  # fmt: skip


def stale(directories: dict[str, Directory], today: datetime.date, months: int) -> list[Stale]:
    """Entries and notes last checked more than ``months`` months before ``today``."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    limit = datetime.date(year, month + 1, min(today.day, monthrange(year, month + 1)[1]))
    found = [
        Stale(country, item.id, item.checked_on, item.checked_how)
        for country, directory in sorted(directories.items())
        for item in (*directory.entries, *directory.notes)
        if item.checked_on < limit
    ]
    return sorted(found, key=lambda s: (s.checked_on, s.country, s.item))
