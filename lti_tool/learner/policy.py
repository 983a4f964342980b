"""How a resource link runs its case: attempts allowed, which attempt counts, when feedback shows."""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

from lti_tool.simulation.country import known

GRADE_FROM = ("best", "latest", "first")
FEEDBACK = ("each", "end")


@dataclass(frozen=True, slots=True)
class AttemptPolicy:
    attempts_allowed: int | None = None  # None: unlimited
    grade_from: str = "best"  # best | latest | first
    feedback: str = "each"  # each: after every choice; end: only in the debrief
    score_maximum: float = 100.0
    pass_mark: float | None = None  # percent, 0-100; None: the case's own pass mark
    country: str | None = None  # the country whose law and services the activity teaches

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> AttemptPolicy:
        """Read a link's stored settings, ignoring anything malformed."""
        settings = settings if isinstance(settings, dict) else {}
        allowed = settings.get("attempts_allowed")
        if not (isinstance(allowed, int) and not isinstance(allowed, bool) and 1 <= allowed <= 100):
            allowed = None
        grade_from = settings.get("grade_from")
        feedback = settings.get("feedback")
        maximum = settings.get("score_maximum")
        if not (
            isinstance(maximum, int | float)
            and not isinstance(maximum, bool)
            and 0 < maximum <= 10_000
        ):
            maximum = 100.0
        return cls(
            attempts_allowed=allowed,
            grade_from=grade_from if grade_from in GRADE_FROM else "best",
            feedback=feedback if feedback in FEEDBACK else "each",
            score_maximum=float(maximum),
            pass_mark=pass_mark_or_none(settings.get("pass_mark")),
            country=known(settings.get("country")) or None,
        )

    def to_settings(self) -> dict[str, Any]:
        return asdict(self)

    def pass_mark_share(self, case_pass_mark: float) -> float:
        """The share of the maximum score that passes: this link's, else the case's."""
        return case_pass_mark if self.pass_mark is None else self.pass_mark / 100

    def may_start_another(self, attempts_so_far: int) -> bool:
        return self.attempts_allowed is None or attempts_so_far < self.attempts_allowed


def pass_mark_or_none(value: object) -> float | None:
    """A pass mark in percent (a number from 0 to 100), or None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 <= value <= 100 else None
