"""The content the tool serves: the case library and the referral directory, loaded once per
process at start-up. Invalid content never reaches learners: the app refuses to start and names
every bad file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask import current_app

from lti_tool.config import ConfigError
from lti_tool.paths import CASES_DIR
from lti_tool.referrals import Directory
from lti_tool.referrals import ReferralsInvalid
from lti_tool.referrals import load_directory
from lti_tool.referrals import unknown_notes
from lti_tool.simulation import Case
from lti_tool.simulation import CaseInvalid
from lti_tool.simulation import load_library


@dataclass(frozen=True)
class Library:
    cases: dict[str, Case]
    referrals: dict[str, Directory]

    def case(self, case_id: str | None) -> Case | None:
        return self.cases.get(case_id or "")

    def catalogue(self) -> list[Case]:
        return sorted(self.cases.values(), key=lambda case: case.title.casefold())


def case_paths(app: Flask) -> list[Path]:
    return [CASES_DIR, *(Path(p) for p in app.config["CASE_PATHS"])]


def init_app(app: Flask) -> None:
    try:
        cases = load_library(case_paths(app))  # a choice without a verdict stops the start
        referrals = load_directory(CASES_DIR / "referral")
        if problems := unknown_notes(cases, referrals):
            raise ReferralsInvalid(problems)
    except (CaseInvalid, ReferralsInvalid) as exc:
        raise ConfigError("invalid content, the tool will not start:\n" + str(exc)) from exc
    app.extensions["lti_tool.library"] = Library(cases=cases, referrals=referrals)


def library() -> Library:
    return current_app.extensions["lti_tool.library"]  # type: ignore[no-any-return]
