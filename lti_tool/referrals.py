"""The referral directory: for each country, who to call and where to refer, with sources.

One YAML file per country in ``lti_tool/cases/referral/``. Every entry names its source and the
date it was checked; numbers are given only when a cited source gives them. The debrief shows the
entries of the learner's country.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from lti_tool.simulation.problems import Problem
from lti_tool.simulation.yaml_reader import read_document

COUNTRIES = ("gr", "be", "de", "it", "nl", "fr")
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
    status: str


@dataclass(frozen=True, slots=True)
class Directory:
    country: str
    name: str
    emergency: str
    entries: tuple[Entry, ...]


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
    seen: set[str] = set()
    entries = []
    for index, raw in enumerate(data["entries"]):
        if raw["id"] in seen:
            problems.append(
                Problem(
                    str(path),
                    document.line(("entries", index, "id")),
                    raw["id"],
                    "duplicate entry id",
                )
            )
        seen.add(raw["id"])
        entries.append(_entry(raw))
    if problems:
        return None, problems
    return Directory(data["country"], data["name"], data["emergency"], tuple(entries)), []


def _entry(raw: dict[str, Any]) -> Entry:
    source = raw["source"]
    return Entry(
        id=raw["id"],
        kind=raw["kind"],
        name=raw["name"],
        description=raw["description"],
        phone=raw.get("phone"),
        url=raw.get("url"),
        source=Source(source["title"], source["url"], str(source["published"])),
        checked_on=raw["checked_on"],
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
    if problems:
        raise ReferralsInvalid(problems)
    return directories
