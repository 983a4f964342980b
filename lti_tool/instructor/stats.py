"""What the instructor's dashboard shows: each learner's progress, the share of learners who chose
each option at each decision, and the indicators most often missed. Previews by staff and the
platform's test users never count."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.grading.ags import is_empty
from lti_tool.grading.models import ScoreDelivery
from lti_tool.grading.reasons import describe
from lti_tool.instructor.roster import Member
from lti_tool.learner.models import COMPLETED
from lti_tool.learner.models import IN_PROGRESS
from lti_tool.learner.models import Attempt
from lti_tool.lti.models import LearnerAccount
from lti_tool.simulation import Case
from lti_tool.simulation import State
from lti_tool.simulation import StateInvalid
from lti_tool.simulation import debrief

NOT_STARTED = "not-started"


@dataclass
class LearnerRow:
    learner_id: int | None
    user_id: str
    name: str | None
    status: str = NOT_STARTED
    attempts: int = 0
    best_score: float | None = None
    latest_score: float | None = None
    seconds: float = 0.0
    delivery: str | None = None  # the newest score delivery's status
    delivery_error: str | None = None
    failed_delivery_ids: list[int] = field(default_factory=list)
    in_roster: bool = True
    passed: bool = False  # the attempt the gradebook gets reaches the pass mark


@dataclass(frozen=True, slots=True)
class OptionShare:
    choice_id: str
    count: int
    share: float
    best: bool


@dataclass(frozen=True, slots=True)
class DecisionStats:
    node_id: str
    total: int
    options: tuple[OptionShare, ...]


@dataclass(frozen=True, slots=True)
class IndicatorMiss:
    indicator_id: str
    missed: int
    share: float


def counted_attempts(session: Session, link_id: int) -> list[Attempt]:
    return list(
        session.scalars(
            select(Attempt)
            .where(Attempt.resource_link_id == link_id, Attempt.preview.is_(False),
                   Attempt.test_user.is_(False))
            .order_by(Attempt.learner_id, Attempt.number)
        )
    )  # fmt: skip


def _seconds(attempt: Attempt) -> float:
    end: datetime | None = attempt.completed_at or attempt.updated_at
    return max((end - attempt.started_at).total_seconds(), 0.0) if end else 0.0


def learner_rows(session: Session, link_id: int, attempts: list[Attempt],
                 roster: list[Member] | None, platform_id: int) -> list[LearnerRow]:  # fmt: skip
    """One row per learner of the roster (or, without one, per learner who launched)."""
    accounts = {
        a.id: a
        for a in session.scalars(
            select(LearnerAccount).where(
                LearnerAccount.id.in_({a.learner_id for a in attempts}) if roster is None
                else LearnerAccount.platform_id == platform_id
            )
        )
    }  # fmt: skip
    by_sub = {a.sub: a for a in accounts.values()}
    rows: dict[str, LearnerRow] = {}
    if roster is not None:
        for member in roster:
            if member.learner and member.active:
                account = by_sub.get(member.user_id)
                rows[member.user_id] = LearnerRow(account.id if account else None,
                                                  member.user_id, member.name)  # fmt: skip
    for attempt in attempts:
        account = accounts.get(attempt.learner_id)
        if account is None:
            continue
        row = rows.get(account.sub)
        if row is None:
            row = rows[account.sub] = LearnerRow(account.id, account.sub, account.display_name,
                                                 in_roster=roster is None)  # fmt: skip
        row.learner_id = account.id
        row.name = row.name or account.display_name
        row.attempts += 1
        row.seconds += _seconds(attempt)
        if attempt.status == COMPLETED:
            row.latest_score = attempt.score
            if row.best_score is None or (attempt.score or 0) > row.best_score:
                row.best_score = attempt.score
            if row.status != IN_PROGRESS:
                row.status = COMPLETED
        elif attempt.status == IN_PROGRESS:
            row.status = IN_PROGRESS
    deliveries = session.scalars(
        select(ScoreDelivery)
        .where(ScoreDelivery.resource_link_id == link_id)
        .order_by(ScoreDelivery.id)
    )
    by_learner = {row.learner_id: row for row in rows.values() if row.learner_id}
    for delivery in deliveries:
        row = by_learner.get(delivery.learner_id)
        if row is None or delivery.status == "superseded":
            continue
        row.delivery, row.delivery_error = delivery.status, explain(delivery)
        if delivery.status == "failed":
            row.failed_delivery_ids.append(delivery.id)
    return sorted(rows.values(), key=lambda r: ((r.name or "").casefold(), r.user_id))


def _states(case: Case, attempts: list[Attempt]) -> list[tuple[Attempt, State]]:
    states = []
    for attempt in attempts:
        if attempt.case_id != case.id:
            continue
        try:
            states.append((attempt, State.from_json(case, attempt.state)))
        except StateInvalid:
            continue
    return states


def decision_stats(case: Case, attempts: list[Attempt]) -> list[DecisionStats]:
    """For each decision point, in case order: how many learners' attempts chose each option;
    the options the author judged `best` are marked."""
    counts: dict[str, Counter[str]] = {node_id: Counter() for node_id in case.nodes}
    for _, state in _states(case, attempts):
        for step in state.path:
            counts[step.node_id][step.choice_id] += 1
    result = []
    for node_id, node in case.nodes.items():
        if node.is_ending:
            continue
        total = sum(counts[node_id].values())
        result.append(
            DecisionStats(
                node_id=node_id,
                total=total,
                options=tuple(
                    OptionShare(
                        c.id,
                        counts[node_id][c.id],
                        counts[node_id][c.id] / total if total else 0.0,
                        best=c.is_best,
                    )
                    for c in node.choices
                ),
            )
        )
    return result


def missed_indicators(case: Case, attempts: list[Attempt]) -> list[IndicatorMiss]:
    """Indicators missed in completed attempts, most often missed first."""
    finished = [(a, s) for a, s in _states(case, attempts) if a.status == COMPLETED]
    missed: Counter[str] = Counter()
    for _, state in finished:
        missed.update(debrief(case, state).indicators_missed)
    return [IndicatorMiss(ind, n, n / len(finished)) for ind, n in missed.most_common()]


def explain(delivery: ScoreDelivery) -> str | None:
    """The likely cause of the platform's last answer, and its own words when it said any."""
    said = (
        delivery.last_error if delivery.last_error and not is_empty(delivery.last_error) else None
    )
    return " ".join(part for part in (describe(delivery.reason), said) if part) or None
