"""What a record of completion states, kept as issued, and the same facts in words in the
reader's language: the PDF and the verification page both show ``described(facts)``, so the
page shows exactly what the record shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from babel.units import format_unit
from flask_babel import format_date
from flask_babel import gettext as _

from lti_tool import labels
from lti_tool.i18n import case_text
from lti_tool.i18n import current_locale
from lti_tool.i18n import percent

# a longer gap between two decisions is a pause (the learner left the case and came back
# later): it counts as this long, not as the hours or days it lasted
LONGEST_STEP_SECONDS = 30 * 60


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    label: str  # the case's English label, translated when shown
    score: float  # share of the maximum, in [0, 1]


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """The facts of one completed attempt, in the case's English source texts and ids."""

    case_id: str
    case_title: str
    course: str | None  # the course's title as the platform sent it
    activity: str | None  # the activity's (resource link's) title
    learner: str | None  # the name the platform shared; None when it shared none
    completed_at: datetime
    seconds: int
    score: float
    skills: tuple[Skill, ...]
    modules: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id, "case_title": self.case_title, "course": self.course,
            "activity": self.activity, "learner": self.learner,
            "completed_at": self.completed_at.isoformat(), "seconds": self.seconds,
            "score": self.score, "skills": [[s.id, s.label, s.score] for s in self.skills],
            "modules": list(self.modules),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordFacts:
        return cls(
            case_id=str(data["case_id"]),
            case_title=str(data["case_title"]),
            course=data.get("course"),
            activity=data.get("activity"),
            learner=data.get("learner"),
            completed_at=datetime.fromisoformat(data["completed_at"]),
            seconds=int(data["seconds"]),
            score=float(data["score"]),
            skills=tuple(Skill(str(i), str(label), float(s)) for i, label, s in data["skills"]),
            modules=tuple(str(m) for m in data["modules"]),
        )


def seconds_spent(step_times: list[float], started_at: datetime, completed_at: datetime) -> int:
    """Time spent on the case: the time to each decision from the one before (``step_times``
    are seconds since the start), a pause counted as ``LONGEST_STEP_SECONDS`` at most."""
    marks = [0.0, *(float(t) for t in step_times)]
    if len(marks) == 1:
        marks.append((completed_at - started_at).total_seconds())
    gaps = (min(max(later - earlier, 0.0), LONGEST_STEP_SECONDS)
            for earlier, later in pairwise(marks))  # fmt: skip
    return round(sum(gaps))


@dataclass(frozen=True, slots=True)
class Described:
    """The facts in words, in the current request's language."""

    title: str  # the case's title
    rows: list[tuple[str, str]]  # (what, value): learner, course, activity, date, time, score
    skills: list[tuple[str, str]]  # (skill, score)
    modules: list[str]


def described(facts: RecordFacts) -> Described:
    locale = current_locale()
    rows = []
    if facts.learner:
        rows.append((_("Name"), facts.learner))
    if facts.course:
        rows.append((_("Course"), facts.course))
    if facts.activity:
        rows.append((_("Activity"), facts.activity))
    minutes = max(1, round(facts.seconds / 60))
    rows += [
        (_("Completed on"), format_date(facts.completed_at, "long")),
        (_("Time spent"), format_unit(minutes, "duration-minute", length="long", locale=locale)),
        (_("Overall score"), percent(facts.score)),
    ]
    skills = [
        (case_text.translate(f"{facts.case_id}/dimension/{skill.id}/label", skill.label),
         percent(skill.score))
        for skill in facts.skills
    ]  # fmt: skip
    modules = [str(labels.MODULES.get(module, module)) for module in facts.modules]
    title = case_text.translate(f"{facts.case_id}/title", facts.case_title)
    return Described(title, rows, skills, modules)
