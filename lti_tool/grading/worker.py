"""Deliver queued scores: claim a batch, post each, record what the platform said.

Any number of workers may run at once (``lti-tool grades work`` processes on any host, and the
in-process thread of the demo). A claim records its owner (the worker's id) and a short lease
that the owner's heart-beat renews while it sends (``GRADE_LEASE_SECONDS``); a batch is claimed
with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite serialises writers anyway). A worker that
dies stops beating, and its rows are taken over by another within the lease. Such a row, and one
whose POST timed out, has an unknown outcome: the platform may hold the score already. Before
sending it again the worker reads the platform's result for that learner (AGS Result service,
where the platform granted ``result.readonly``) and records it as delivered when the platform
has it, so a crash does not make a duplicate. A delivery waits while an older one of the same
learner and activity is in flight.

Throttling (Canvas: 403 with ``X-Rate-Limit-Remaining``; 429) is not a refusal: the worker backs
off, and sends to that registration one call at a time for a while. Temporary failures are
retried with exponential back-off capped at ``GRADE_BACKOFF_CAP_SECONDS``; while scores wait
for a platform, its token endpoint is probed every ``GRADE_PROBE_SECONDS``, and an answer brings
them forward. Each retry is logged with the platform's status and the next try's time.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import Flask
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased
from sqlalchemy.orm import sessionmaker

from lti_tool.db import utcnow
from lti_tool.grading import ags
from lti_tool.grading.ags import Answer
from lti_tool.grading.ags import Reason
from lti_tool.grading.ags import Verdict
from lti_tool.grading.models import DELIVERED
from lti_tool.grading.models import FAILED
from lti_tool.grading.models import NOT_GRADABLE
from lti_tool.grading.models import OPEN_STATES
from lti_tool.grading.models import PENDING
from lti_tool.grading.models import SENDING
from lti_tool.grading.models import SUPERSEDED
from lti_tool.grading.models import ScoreDelivery
from lti_tool.grading.outbox import backoff
from lti_tool.grading.probe import Prober
from lti_tool.grading.reconcile import Reconciler
from lti_tool.grading.throttle import Gates
from lti_tool.grading.tokens import TokenCache
from lti_tool.grading.tokens import TokenError
from lti_tool.lti.models import Registration
from lti_tool.lti.models import ResourceLink
from lti_tool.lti.registrations import RegistrationRecord
from lti_tool.lti.registrations import find_registration
from lti_tool.observability import correlation

log = logging.getLogger("lti_tool.grades")

LEASE = timedelta(seconds=10)
BACKOFF_CAP = 300.0
PROBE_EVERY = 30.0


def worker_id() -> str:
    """Who holds a claim: host, process and a random part (a restarted process is another)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class _Job:
    delivery_id: int
    tries: int
    registration_id: int
    link_pk: int
    payload: dict[str, object]
    timestamp: datetime
    lineitem: str | None
    lineitems: str | None
    granted: frozenset[str]
    resource_link_id: str
    resource_id: str
    label: str
    outcome_unknown: bool
    taken_from: str | None
    correlation_id: str | None = None


class Deliverer:
    """Claims a batch in one transaction, posts the scores with a few threads (no transaction
    open meanwhile, a heart-beat renewing the claims), and records every answer in one more."""

    def __init__(self, sessions: sessionmaker[Session], tokens: TokenCache, timeout: float,
                 threads: int = 4, lease: timedelta = LEASE, backoff_cap: float = BACKOFF_CAP,
                 probe_every: float = PROBE_EVERY) -> None:  # fmt: skip
        self._lease = lease
        self._sessions = sessions
        self._tokens = tokens
        self._timeout = timeout
        self._threads = threads
        self._backoff_cap = backoff_cap
        self._prober = Prober(sessions, tokens, probe_every, self._registrations_for)
        self._pool = ThreadPoolExecutor(max_workers=max(threads, 1), thread_name_prefix="scores")
        self._gates = Gates()
        self._reconciler = Reconciler(sessions, tokens, timeout)
        self.worker_id = worker_id()

    # -- claiming --------------------------------------------------------------------------

    def claim(self, limit: int) -> list[_Job]:
        with self._sessions() as session, session.begin():
            now = utcnow()
            older = aliased(ScoreDelivery)
            due = or_(
                and_(ScoreDelivery.status == PENDING, ScoreDelivery.next_try_at <= now),
                and_(ScoreDelivery.status == SENDING, ScoreDelivery.lease_until < now),
            )
            waiting_on_older = exists().where(
                older.learner_id == ScoreDelivery.learner_id,
                older.resource_link_id == ScoreDelivery.resource_link_id,
                older.id < ScoreDelivery.id,
                older.status.in_(OPEN_STATES),
            )
            query = (
                select(ScoreDelivery.id, ScoreDelivery.tries, ScoreDelivery.payload,
                       ScoreDelivery.timestamp, ScoreDelivery.status,
                       ScoreDelivery.outcome_unknown, ScoreDelivery.claimed_by,
                       ScoreDelivery.registration_id, ScoreDelivery.resource_link_id,
                       ResourceLink.lineitem_url, ResourceLink.found_lineitem_url,
                       ResourceLink.lineitems_url, ResourceLink.ags_scopes,
                       ResourceLink.resource_link_id.label("rl_id"), ResourceLink.case_id,
                       ResourceLink.title, ScoreDelivery.correlation_id)
                .join(ResourceLink, ResourceLink.id == ScoreDelivery.resource_link_id)
                .where(due, ~waiting_on_older)
                .order_by(ScoreDelivery.next_try_at, ScoreDelivery.id)
                .limit(limit)
            )  # fmt: skip
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=ScoreDelivery)
            rows = session.execute(query).all()
            if rows:
                # a row taken over from a lapsed claim may have reached the platform: its
                # outcome is unknown (SET reads the row's values from before this UPDATE)
                session.execute(
                    update(ScoreDelivery)
                    .where(ScoreDelivery.id.in_([r.id for r in rows]))
                    .values(status=SENDING, lease_until=now + self._lease,
                            claimed_by=self.worker_id, tries=ScoreDelivery.tries + 1,
                            outcome_unknown=or_(ScoreDelivery.status == SENDING,
                                                ScoreDelivery.outcome_unknown))
                )  # fmt: skip
            jobs = [
                _Job(
                    delivery_id=r.id, tries=r.tries + 1, payload=dict(r.payload),
                    timestamp=r.timestamp,
                    registration_id=r.registration_id, link_pk=r.resource_link_id,
                    lineitem=r.lineitem_url or r.found_lineitem_url, lineitems=r.lineitems_url,
                    granted=frozenset(r.ags_scopes or []), resource_link_id=r.rl_id,
                    resource_id=r.case_id or "amelie-case",
                    label=r.title or r.case_id or "AMELIE case",
                    outcome_unknown=bool(r.outcome_unknown) or r.status == SENDING,
                    taken_from=r.claimed_by if r.status == SENDING else None,
                    correlation_id=r.correlation_id,
                )
                for r in rows
            ]  # fmt: skip
        for job in jobs:
            if job.taken_from is not None:
                log.warning("score delivery %s: taken over from worker %s, whose claim lapsed",
                            job.delivery_id, job.taken_from)  # fmt: skip
        return jobs

    def next_due(self) -> datetime | None:
        """When the next delivery falls due (a retry, or a lease left by a stopped worker)."""
        with self._sessions() as session:
            retry = session.scalar(
                select(func.min(ScoreDelivery.next_try_at)).where(ScoreDelivery.status == PENDING)
            )
            lease = session.scalar(
                select(func.min(ScoreDelivery.lease_until)).where(ScoreDelivery.status == SENDING)
            )
            times = [t for t in (retry, lease) if t is not None]
            if retry is not None and self._prober.every > 0:
                times.append(min(retry, utcnow() + timedelta(seconds=self._prober.every)))
            return min(times) if times else None

    @contextmanager
    def _heartbeat(self) -> Iterator[None]:
        """Renew this worker's claims every third of the lease while a batch is out."""
        stop = threading.Event()
        interval = max(self._lease.total_seconds() / 3, 0.05)

        def beat() -> None:
            while not stop.wait(interval):
                try:
                    with self._sessions() as session, session.begin():
                        session.execute(
                            update(ScoreDelivery)
                            .where(ScoreDelivery.claimed_by == self.worker_id,
                                   ScoreDelivery.status == SENDING)
                            .values(lease_until=utcnow() + self._lease)
                        )  # fmt: skip
                except Exception:  # the claims lapse; whoever takes them over reconciles first
                    log.warning("grade worker heart-beat failed", exc_info=True)

        thread = threading.Thread(target=beat, name="grade-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    # -- delivering ------------------------------------------------------------------------

    def run_once(self, limit: int = 100) -> int:
        """Claim and deliver one batch; returns how many were claimed. A batch holds a few
        scores per thread."""
        self._prober.run()
        jobs = self.claim(min(limit, max(self._threads, 1) * 5))
        if not jobs:
            return 0
        with self._heartbeat():
            registrations = self._registrations_for({job.registration_id for job in jobs})
            if self._threads <= 1 or len(jobs) == 1:
                outcomes = [self._attempt(job, registrations) for job in jobs]
            else:
                outcomes = list(self._pool.map(lambda job: self._attempt(job, registrations),
                                               jobs))  # fmt: skip
            self._record(outcomes)
        return len(jobs)

    def _registrations_for(self, ids: set[int]) -> dict[int, RegistrationRecord]:
        """Read for every batch: an administrator may change a registration's token URL while
        the worker runs."""
        found: dict[int, RegistrationRecord] = {}
        with self._sessions() as session:
            for registration_id in ids:
                row = session.get(Registration, registration_id)
                record = (find_registration(session, row.platform.issuer, row.client_id)
                          if row is not None else None)  # fmt: skip
                if record is not None:
                    found[registration_id] = record
        return found

    def _attempt(self, job: _Job, registrations: dict[int, RegistrationRecord]
                 ) -> tuple[_Job, Answer, str | None]:  # fmt: skip
        """Post one score (finding or creating its line item first when needed; reading the
        platform's result first when an earlier POST may have arrived), logging under the
        correlation id of the launch that made it."""
        with correlation.bound(job.correlation_id):
            result = self._attempt_bound(job, registrations)
            log.info("score delivery %s: %s (HTTP %s)", job.delivery_id,
                     result[1].verdict.name.lower(), result[1].status)  # fmt: skip
        return result

    def _attempt_bound(self, job: _Job, registrations: dict[int, RegistrationRecord]
                       ) -> tuple[_Job, Answer, str | None]:  # fmt: skip
        registration = registrations.get(job.registration_id)
        if registration is None:
            return job, Answer(Verdict.FAILED, None, "the registration was removed",
                               reason=Reason.NO_REGISTRATION), None  # fmt: skip
        gate = self._gates.of(job.registration_id)
        found = None
        try:
            with gate.turn():
                wait = gate.wait_left()
                if wait > 0:  # the platform throttled another call: do not add to it
                    return job, Answer(Verdict.RETRY, None, "waiting: the platform throttles "
                                       "calls", retry_after=wait,
                                       reason=Reason.THROTTLED), None  # fmt: skip
                lineitem = job.lineitem
                if lineitem is None:
                    lineitem = found = self._find_or_create(registration, job)
                known = (
                    self._reconciler.check(registration, lineitem, delivery_id=job.delivery_id,
                                           payload=job.payload, stamp=job.timestamp,
                                           granted=job.granted)
                    if job.outcome_unknown else None
                )  # fmt: skip
                answer = known or self._post(registration, lineitem, job.payload)
        except TokenError as exc:
            answer = self._token_answer(exc)
        except ags.LineItemError as exc:
            answer = exc.answer
        except Exception:  # a bug must not leave the batch claimed until its lease ends
            log.exception("score delivery %s failed unexpectedly", job.delivery_id)
            answer = Answer(Verdict.RETRY, None, "internal error", reason=Reason.INTERNAL)
        if answer.reason == Reason.THROTTLED:
            gate.throttled(answer.retry_after)
        return job, answer, found

    @staticmethod
    def _token_answer(exc: TokenError) -> Answer:
        if exc.status == 429:
            return Answer(Verdict.RETRY, exc.status, str(exc), reason=Reason.THROTTLED)
        if exc.refused:
            return Answer(Verdict.FAILED, exc.status, str(exc), reason=Reason.ACCESS_REFUSED)
        return Answer(Verdict.RETRY, exc.status, str(exc), reason=Reason.UNAVAILABLE)

    # -- posting ---------------------------------------------------------------------------

    def _post(self, registration: RegistrationRecord, lineitem: str,
              payload: dict[str, object]) -> Answer:  # fmt: skip
        scopes = (ags.SCOPE_SCORE,)
        token = self._tokens.get(registration, scopes)
        answer = ags.post_score(token, lineitem, payload, self._timeout)
        if answer.verdict is Verdict.UNAUTHORISED:  # the token expired early: renew it once
            self._tokens.invalidate(registration, scopes, token)
            token = self._tokens.get(registration, scopes)
            answer = ags.post_score(token, lineitem, payload, self._timeout)
            if answer.verdict is Verdict.UNAUTHORISED:
                answer = Answer(Verdict.FAILED, answer.status, answer.text,
                                reason=Reason.ACCESS_REFUSED)  # fmt: skip
        return answer

    def _find_or_create(self, registration: RegistrationRecord, job: _Job) -> str:
        """This activity's line item in the container the launch named, found or created."""
        assert job.lineitems
        read = ags.SCOPE_LINEITEM if ags.SCOPE_LINEITEM in job.granted else ags.SCOPE_LINEITEM_READ
        if read not in job.granted:
            raise ags.LineItemError(Answer(Verdict.FAILED, None,
                                           "the platform granted no line-item scope",
                                           reason=Reason.SCOPE_MISSING))  # fmt: skip
        token = self._tokens.get(registration, (read,))
        found = ags.find_lineitem(token, job.lineitems, job.resource_link_id, job.resource_id,
                                  self._timeout)  # fmt: skip
        if found is not None:
            return found
        if ags.SCOPE_LINEITEM not in job.granted:
            raise ags.LineItemError(Answer(Verdict.FAILED, None,
                                           "no line item exists and the platform does not let "
                                           "the tool create one",
                                           reason=Reason.NO_LINEITEM))  # fmt: skip
        maximum = job.payload.get("scoreMaximum")
        return ags.create_lineitem(
            self._tokens.get(registration, (ags.SCOPE_LINEITEM,)), job.lineitems,
            label=job.label,
            score_maximum=float(maximum) if isinstance(maximum, int | float) else 100.0,
            resource_link_id=job.resource_link_id, resource_id=job.resource_id,
            timeout=self._timeout,
        )  # fmt: skip

    # -- recording -------------------------------------------------------------------------

    def _record(self, outcomes: list[tuple[_Job, Answer, str | None]]) -> None:
        now = utcnow()
        rows = [self._outcome(job, answer, now) for job, answer, _ in outcomes]
        with self._sessions() as session, session.begin():
            session.connection().execute(_RECORD, rows)
            for job, _, found in outcomes:
                if found is not None:
                    session.execute(update(ResourceLink).where(ResourceLink.id == job.link_pk)
                                    .values(found_lineitem_url=found))  # fmt: skip

    def _outcome(self, job: _Job, answer: Answer, now: datetime) -> dict[str, object]:
        row: dict[str, object] = {
            "b_id": job.delivery_id, "b_owner": self.worker_id, "b_last_status": answer.status,
            "b_delivered_at": None, "b_next_try_at": now, "b_last_error": answer.text or None,
            "b_reason": answer.reason, "b_unknown": False,
        }  # fmt: skip
        if answer.verdict is Verdict.DELIVERED:
            row.update(b_status=DELIVERED, b_delivered_at=now, b_last_error=None)
        elif answer.verdict is Verdict.DUPLICATE:
            # the platform holds this score already (sent before a crash), or a newer one
            sent_before = job.tries > 1 or job.outcome_unknown
            row["b_status"] = DELIVERED if sent_before else SUPERSEDED
        elif answer.verdict is Verdict.SUPERSEDED:
            row["b_status"] = SUPERSEDED
        elif answer.verdict is Verdict.NOT_GRADABLE:
            row["b_status"] = NOT_GRADABLE
        elif answer.verdict is Verdict.RETRY:
            wait = max(backoff(job.tries, random.random(), cap=self._backoff_cap),
                       answer.retry_after or 0.0)  # fmt: skip
            when = now + timedelta(seconds=wait)
            row.update(b_status=PENDING, b_next_try_at=when,
                       b_last_error=answer.text or "temporary failure",
                       b_unknown=job.outcome_unknown or answer.maybe_arrived)  # fmt: skip
            log.warning("score delivery %s: try %s: the platform answered %s (%s); next try at "
                        "%s", job.delivery_id, job.tries, answer.status or "nothing",
                        answer.reason or "temporary failure",
                        when.strftime("%Y-%m-%d %H:%M:%S UTC"))  # fmt: skip
        else:
            row.update(b_status=FAILED, b_last_error=answer.text or "refused")
            log.warning("score delivery %s refused by the platform: HTTP %s (%s)",
                        job.delivery_id, answer.status, answer.reason)  # fmt: skip
        return row


_TABLE = ScoreDelivery.__table__
_RECORD = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.status == SENDING,
           _TABLE.c.claimed_by == bindparam("b_owner"))
    .values(status=bindparam("b_status"), next_try_at=bindparam("b_next_try_at"),
            lease_until=None, claimed_by=None, last_status=bindparam("b_last_status"),
            last_error=bindparam("b_last_error"), delivered_at=bindparam("b_delivered_at"),
            reason=bindparam("b_reason"), outcome_unknown=bindparam("b_unknown"))
)  # fmt: skip


class EmbeddedWorker:
    """The demo's in-process worker: a daemon thread that delivers as soon as it is woken.

    The thread starts at the first wake, not when the app is created: the demo creates the app
    before it migrates a fresh database, and the worker's first pass needs the tables."""

    def __init__(self, deliverer: Deliverer) -> None:
        self._deliverer = deliverer
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="grade-worker", daemon=True)
        self._starting = threading.Lock()

    def wake(self) -> None:
        with self._starting:
            if self._thread.ident is None and not self._stop.is_set():
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        with self._starting:
            self._stop.set()
        self._wake.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while self._deliverer.run_once() and not self._stop.is_set():
                    pass
                due = self._deliverer.next_due()
            except Exception:  # the thread must survive a database hiccup
                log.exception("grade worker pass failed")
                due = None
            wait = 5.0 if due is None else max(0.05, (due - utcnow()).total_seconds())
            self._wake.wait(timeout=min(wait, 5.0))
            self._wake.clear()


def init_app(app: Flask) -> None:
    from lti_tool.lti.runtime import runtime

    redis_client = None
    if app.config.get("REDIS_URL"):
        import redis

        redis_client = redis.Redis.from_url(app.config["REDIS_URL"])
    tokens = TokenCache(app.extensions["lti_tool.sessionmaker"], runtime(app).keyring,
                        app.config["HTTP_TIMEOUT_SECONDS"], redis_client)  # fmt: skip
    deliverer = Deliverer(app.extensions["lti_tool.sessionmaker"], tokens,
                          app.config["HTTP_TIMEOUT_SECONDS"],
                          threads=int(app.config["GRADE_THREADS"]),
                          lease=timedelta(seconds=float(app.config["GRADE_LEASE_SECONDS"])),
                          backoff_cap=float(app.config["GRADE_BACKOFF_CAP_SECONDS"]),
                          probe_every=float(app.config["GRADE_PROBE_SECONDS"]))  # fmt: skip
    app.extensions["lti_tool.tokens"] = tokens
    app.extensions["lti_tool.deliverer"] = deliverer
    if app.config["GRADE_WORKER_THREAD"]:
        app.extensions["lti_tool.grade_worker"] = EmbeddedWorker(deliverer)


def wake(app: Flask) -> None:
    worker = app.extensions.get("lti_tool.grade_worker")
    if worker is not None:
        worker.wake()
