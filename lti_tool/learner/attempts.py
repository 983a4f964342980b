"""Starting, resuming and playing attempts. Services take a Connection and never commit: the
view passes its session's connection when statements must be atomic together, or the
request's autocommit connection for reads and single-statement writes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from lti_tool.learner.links import LinkRow
from lti_tool.learner.models import CLOSED
from lti_tool.learner.models import COMPLETED
from lti_tool.learner.models import IN_PROGRESS
from lti_tool.learner.models import Attempt
from lti_tool.lti.models import Platform
from lti_tool.lti.models import ResourceLink
from lti_tool.simulation import Case
from lti_tool.simulation import CaseFinished
from lti_tool.simulation import ChoiceNotOffered
from lti_tool.simulation import Score
from lti_tool.simulation import State
from lti_tool.simulation import choose
from lti_tool.simulation import is_finished
from lti_tool.simulation import score
from lti_tool.simulation import start

TABLE: Table = Attempt.__table__  # type: ignore[assignment]
_COLUMNS = (
    TABLE.c.id,
    TABLE.c.learner_id,
    TABLE.c.resource_link_id,
    TABLE.c.number,
    TABLE.c.case_id,
    TABLE.c.case_version,
    TABLE.c.state,
    TABLE.c.step,
    TABLE.c.shuffle_seed,
    TABLE.c.country,
    TABLE.c.step_times,
    TABLE.c.status,
    TABLE.c.score,
    TABLE.c.scores,
    TABLE.c.critical,
    TABLE.c.preview,
    TABLE.c.started_at,
    TABLE.c.completed_at,
)
_LINK: Table = ResourceLink.__table__  # type: ignore[assignment]
_PLATFORM: Table = Platform.__table__  # type: ignore[assignment]
# the attempt with what its pages need of its activity, in one query
_BY_ID = (
    select(*_COLUMNS, _LINK.c.settings, _PLATFORM.c.default_country)
    .join(_LINK, _LINK.c.id == TABLE.c.resource_link_id)
    .join(_PLATFORM, _PLATFORM.c.id == _LINK.c.platform_id)
    .where(TABLE.c.id == bindparam("id"))
)
_RECORD = (
    update(TABLE)
    .where(TABLE.c.id == bindparam("b_id"), TABLE.c.step == bindparam("b_expected_step"),
           TABLE.c.status == IN_PROGRESS)
    .values(
        state=bindparam("b_state", type_=TABLE.c.state.type),
        step=bindparam("b_step"),
        step_times=bindparam("b_step_times", type_=TABLE.c.step_times.type),
        updated_at=bindparam("b_now", type_=TABLE.c.updated_at.type),
        status=bindparam("b_status"),
        score=bindparam("b_score"),
        scores=bindparam("b_scores", type_=TABLE.c.scores.type),
        critical=bindparam("b_critical"),
        completed_at=bindparam("b_completed_at", type_=TABLE.c.completed_at.type),
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AttemptRow:
    id: int
    learner_id: int
    resource_link_id: int
    number: int
    case_id: str
    case_version: int
    state: dict[str, Any]
    step: int
    shuffle_seed: str | None
    country: str | None
    step_times: list[float]
    status: str
    score: float | None
    scores: dict[str, float] | None
    critical: bool
    preview: bool
    started_at: datetime
    completed_at: datetime | None
    link_settings: dict[str, Any]
    default_country: str | None

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED


def load(db: Connection, attempt_id: int) -> AttemptRow | None:
    row = db.execute(_BY_ID, {"id": attempt_id}).first()
    return AttemptRow(*row) if row else None


@dataclass(frozen=True, slots=True)
class Completed:
    id: int
    number: int
    score: float | None


@dataclass(frozen=True, slots=True)
class History:
    """A learner's attempts at one activity, without their states."""

    count: int  # attempts that count against the activity's limit (not the closed ones)
    next_number: int
    open_id: int | None
    completed: list[Completed]


_HISTORY = (
    select(TABLE.c.id, TABLE.c.number, TABLE.c.status, TABLE.c.score)
    .where(
        TABLE.c.learner_id == bindparam("learner"), TABLE.c.resource_link_id == bindparam("link")
    )
    .order_by(TABLE.c.number)
)


def history(db: Connection, learner_id: int, link_id: int) -> History:
    rows = db.execute(_HISTORY, {"learner": learner_id, "link": link_id}).all()
    open_ids = [r.id for r in rows if r.status == IN_PROGRESS]
    return History(
        count=sum(1 for r in rows if r.status != CLOSED),
        next_number=len(rows) + 1,
        open_id=open_ids[-1] if open_ids else None,
        completed=[Completed(r.id, r.number, r.score) for r in rows if r.status == COMPLETED],
    )


@dataclass(frozen=True, slots=True)
class Tally:
    """What deciding whether a learner may begin again needs, counted by the database."""

    count: int  # attempts that count against the activity's limit (not the closed ones)
    next_number: int
    open_id: int | None
    completed: int


_TALLY = select(
    func.count().filter(TABLE.c.status != CLOSED),
    func.coalesce(func.max(TABLE.c.number), 0),
    func.max(TABLE.c.id).filter(TABLE.c.status == IN_PROGRESS),
    func.count().filter(TABLE.c.status == COMPLETED),
).where(TABLE.c.learner_id == bindparam("learner"), TABLE.c.resource_link_id == bindparam("link"))


def tally(db: Connection, learner_id: int, link_id: int) -> Tally:
    row = db.execute(_TALLY, {"learner": learner_id, "link": link_id}).one()
    counting, highest, open_id, completed = row
    return Tally(int(counting), int(highest) + 1, open_id, int(completed))


_INSERTS: dict[str, Any] = {}


def _insert_statement(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id`` for a new attempt, built once."""
    if dialect not in _INSERTS:
        module: Any = postgresql if dialect == "postgresql" else sqlite
        _INSERTS[dialect] = (
            module.insert(TABLE)
            .on_conflict_do_nothing(index_elements=["learner_id", "resource_link_id", "number"])
            .returning(TABLE.c.id)
        )
    return _INSERTS[dialect]


def begin(
    db: Connection,
    *,
    learner_id: int,
    link: LinkRow,
    case: Case,
    number: int,
    now: datetime,
    preview: bool,
    test_user: bool,
    country: str = "",
) -> AttemptRow | None:
    """Insert attempt ``number`` and return it as stored; None when another request inserted
    it first (a double click on "Begin"): the caller then resumes that one."""
    state = start(case, country).to_json()
    seed = new_seed()
    values = {
        "learner_id": learner_id, "resource_link_id": link.id, "number": number,
        "case_id": case.id, "case_version": case.version, "state": state, "step": 0,
        "shuffle_seed": seed, "country": country or None, "step_times": [], "status": IN_PROGRESS, "critical": False, "preview": preview,
        "test_user": test_user, "started_at": now, "updated_at": now,
    }  # fmt: skip
    attempt_id = db.execute(_insert_statement(db.dialect.name), values).scalar()
    if attempt_id is None:
        return None
    return AttemptRow(
        id=attempt_id, learner_id=learner_id, resource_link_id=link.id, number=number,
        case_id=case.id, case_version=case.version, state=state, step=0, shuffle_seed=seed,
        country=country or None, step_times=[],
        status=IN_PROGRESS, score=None, scores=None, critical=False, preview=preview,
        started_at=now, completed_at=None, link_settings=link.settings,
        default_country=link.default_country,
    )  # fmt: skip


def new_seed() -> str:
    """A fresh seed for the order of an attempt's options (not a secret: it only shuffles)."""
    return secrets.token_hex(8)


def close(db: Connection, attempt_id: int, now: datetime) -> None:
    """Close an attempt in progress that can no longer continue (its case changed under it), so
    the learner can begin again; it does not count against the activity's attempt limit."""
    db.execute(
        update(TABLE)
        .where(TABLE.c.id == attempt_id, TABLE.c.status == IN_PROGRESS)
        .values(status=CLOSED, updated_at=now)
    )


def state_of(case: Case, attempt: AttemptRow) -> State:
    """The attempt's engine state. The state is replayed against the case as loaded now, so an
    attempt begun on an earlier version continues when its path still exists, and raises
    StateInvalid when the case changed under it."""
    return State.from_json(case, attempt.state)


class Outcome(Enum):
    RECORDED = "recorded"
    COMPLETED = "completed"
    STALE = "stale"  # the form showed an earlier step (double click, back button, two tabs)
    NOT_OFFERED = "not-offered"  # a forged or out-of-date choice id


@dataclass(frozen=True, slots=True)
class ChoiceResult:
    outcome: Outcome
    state: State
    score: Score | None = None
    attempt: AttemptRow | None = None  # the attempt as it now is


@dataclass(frozen=True, slots=True)
class PlannedChoice:
    """A choice checked against the attempt as loaded, with what recording it will write."""

    outcome: Outcome
    state: State  # after the choice when it is offered, else as it stands
    score: Score | None = None
    values: dict[str, Any] | None = None

    @property
    def completes(self) -> bool:
        return self.outcome is Outcome.COMPLETED


def plan_choice(
    case: Case, attempt: AttemptRow, expected_step: int, choice_id: str, now: datetime
) -> PlannedChoice:
    """Apply one choice to the attempt as loaded: STALE when the attempt has moved on from
    ``expected_step``, NOT_OFFERED for a choice not on offer, else what ``record`` writes."""
    state = state_of(case, attempt)
    if attempt.status != IN_PROGRESS or attempt.step != expected_step:
        return PlannedChoice(Outcome.STALE, state)
    try:
        new_state = choose(case, state, choice_id)
    except (ChoiceNotOffered, CaseFinished):
        return PlannedChoice(Outcome.NOT_OFFERED, state)
    finished = is_finished(case, new_state)
    result = score(case, new_state) if finished else None
    elapsed = (now - attempt.started_at).total_seconds()
    values = {
        "b_id": attempt.id,
        "b_expected_step": expected_step,
        "b_state": new_state.to_json(),
        "b_step": expected_step + 1,
        "b_step_times": [*attempt.step_times, round(elapsed, 1)],
        "b_now": now,
        "b_status": COMPLETED if finished else IN_PROGRESS,
        "b_score": result.overall if result else None,
        "b_scores": dict(result.dimensions) if result else None,
        "b_critical": new_state.critical,
        "b_completed_at": now if finished else None,
    }
    outcome = Outcome.COMPLETED if finished else Outcome.RECORDED
    return PlannedChoice(outcome, new_state, result, values)


def record(db: Connection, case: Case, attempt: AttemptRow, planned: PlannedChoice
           ) -> ChoiceResult:  # fmt: skip
    """Write a planned choice if, and only if, the attempt is still at the step it was planned
    on (one conditional UPDATE: a double click or a second tab records it once)."""
    values = planned.values
    if values is None:
        return ChoiceResult(planned.outcome, planned.state)
    changed = db.execute(_RECORD, values).rowcount
    if changed != 1:  # another request recorded this step first
        fresh = load(db, attempt.id)
        assert fresh is not None
        return ChoiceResult(Outcome.STALE, state_of(case, fresh), attempt=fresh)
    updated = replace(
        attempt,
        state=values["b_state"],
        step=values["b_step"],
        step_times=values["b_step_times"],
        status=values["b_status"],
        score=values["b_score"],
        scores=values["b_scores"],
        critical=values["b_critical"],
        completed_at=values["b_completed_at"],
    )
    return ChoiceResult(planned.outcome, planned.state, planned.score, attempt=updated)
