"""The dashboard's learner table, sorted and filtered on the server: no JavaScript needed.

The view (sort column, direction and filters) travels as posted form fields, as the launch
token does, so every button of the page can keep it: a column header's button posts the same
view sorted by its column. Values the table does not know are ignored (the default is shown);
a name filter longer than ``QUERY_MAX`` characters is refused by the caller with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from lti_tool.instructor.stats import NOT_STARTED
from lti_tool.instructor.stats import LearnerRow
from lti_tool.learner.models import COMPLETED
from lti_tool.learner.models import IN_PROGRESS

QUERY_MAX = 100
ASCENDING, DESCENDING = "asc", "desc"
STATUS_ORDER = {NOT_STARTED: 0, IN_PROGRESS: 1, COMPLETED: 2}
DELIVERY_ORDER = {"failed": 0, "not_gradable": 1, "pending": 2, "sending": 2, "delivered": 3}
SHOW = ("all", COMPLETED, IN_PROGRESS, NOT_STARTED)
RESULTS = ("all", "passed", "not-passed")


def _name(row: LearnerRow) -> str:
    return (row.name or row.user_id).casefold()


# column -> (the value it sorts by, None for "no value": always last; first direction)
COLUMNS: dict[str, tuple[Callable[[LearnerRow], Any], str]] = {
    "name": (_name, ASCENDING),
    "status": (lambda r: STATUS_ORDER.get(r.status, 0), DESCENDING),
    "attempts": (lambda r: r.attempts, DESCENDING),
    "best": (lambda r: r.best_score, DESCENDING),
    "latest": (lambda r: r.latest_score, DESCENDING),
    "time": (lambda r: r.seconds if r.attempts else None, DESCENDING),
    "grade": (lambda r: DELIVERY_ORDER.get(r.delivery) if r.delivery else None, ASCENDING),
}


@dataclass(frozen=True, slots=True)
class TableView:
    sort: str = "name"
    order: str = ASCENDING
    show: str = "all"  # all | completed | in_progress | not-started
    result: str = "all"  # all | passed | not-passed
    query: str = ""  # the name contains this (case-insensitive)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> tuple[TableView, bool]:
        """The view a form asks for, and whether its name filter was refused as too long."""
        sort = form.get("sort", "")
        if sort not in COLUMNS:
            sort = "name"
        order = form.get("order", "")
        if order not in (ASCENDING, DESCENDING):
            order = COLUMNS[sort][1]
        show = form.get("show", "")
        result = form.get("result", "")
        # control characters count as spaces; runs of spaces as one
        query = " ".join("".join(c if c.isprintable() else " " for c in form.get("q", "")).split())
        too_long = len(query) > QUERY_MAX
        return cls(
            sort=sort,
            order=order,
            show=show if show in SHOW else "all",
            result=result if result in RESULTS else "all",
            query="" if too_long else query,
        ), too_long

    @property
    def filtered(self) -> bool:
        return self.show != "all" or self.result != "all" or bool(self.query)

    def fields(self, **changes: str) -> dict[str, str]:
        """The hidden fields that keep this view (with ``changes``) in a form."""
        view = replace(self, **changes) if changes else self
        return {"sort": view.sort, "order": view.order, "show": view.show,
                "result": view.result, "q": view.query}  # fmt: skip

    def aria_sort(self, column: str) -> str | None:
        if column != self.sort:
            return None
        return "ascending" if self.order == ASCENDING else "descending"

    def sorted_by(self, column: str) -> dict[str, str]:
        """The fields of a column header's button: its column, the other way round when it is
        the sorted column already, else the column's own first direction."""
        if column == self.sort:
            order = DESCENDING if self.order == ASCENDING else ASCENDING
        else:
            order = COLUMNS[column][1]
        return self.fields(sort=column, order=order)

    def cleared(self) -> dict[str, str]:
        """The fields of "show every learner": the sort is kept, the filters go."""
        return self.fields(show="all", result="all", query="")

    def apply(self, rows: Iterable[LearnerRow]) -> list[LearnerRow]:
        wanted = [row for row in rows if self._keeps(row)]
        value = COLUMNS[self.sort][0]
        by_name = sorted(wanted, key=lambda r: (_name(r), r.user_id))
        known = [r for r in by_name if value(r) is not None]
        missing = [r for r in by_name if value(r) is None]  # no value: last, either way
        known.sort(key=value, reverse=self.order == DESCENDING)  # stable: then by name
        return known + missing

    def _keeps(self, row: LearnerRow) -> bool:
        if self.show != "all" and row.status != self.show:
            return False
        if self.result == "passed" and not row.passed:
            return False
        if self.result == "not-passed" and row.passed:
            return False
        if self.query:
            needle = self.query.casefold()
            return needle in (row.name or "").casefold() or needle in row.user_id.casefold()
        return True
