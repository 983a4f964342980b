"""Deliver queued scores: claim a batch, post each, record what the platform said.

Any number of workers may run at once (``lti-tool grades work`` processes, and the in-process
thread of the demo): a batch is claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite
serialises writers anyway) and marked as being sent until a lease runs out, so no score is sent
by two workers, and a worker killed mid-batch leaves rows that another picks up when the lease
expires. A delivery waits while an older one of the same learner and activity is in flight.
"""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import Flask
from sqlalchemy import and_
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
from lti_tool.grading.tokens import TokenCache
from lti_tool.grading.tokens import TokenError
from lti_tool.lti.models import Registration
from lti_tool.lti.models import ResourceLink
from lti_tool.lti.registrations import RegistrationRecord
from lti_tool.lti.registrations import find_registration

log = logging.getLogger("lti_tool.grades")

LEASE = timedelta(seconds=120)


@dataclass(frozen=True, slots=True)
class _Job:
    payload: dict[str, object]
    lineitem: str | None
    lineitems: str | None
    granted: frozenset[str]
    resource_link_id: str
    resource_id: str
    label: str


class Deliverer:
    def __init__(self, sessions: sessionmaker[Session], tokens: TokenCache, timeout: float,
                 threads: int = 4, lease: timedelta = LEASE) -> None:  # fmt: skip
        self._lease = lease
        self._sessions = sessions
        self._tokens = tokens
        self._timeout = timeout
        self._threads = threads
        self._registrations: dict[int, RegistrationRecord] = {}

    # -- claiming --------------------------------------------------------------------------

    def claim(self, limit: int) -> list[int]:
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
                select(ScoreDelivery.id)
                .where(due, ~waiting_on_older)
                .order_by(ScoreDelivery.next_try_at, ScoreDelivery.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=ScoreDelivery)
            ids = list(session.scalars(query))
            if ids:
                session.execute(
                    update(ScoreDelivery)
                    .where(ScoreDelivery.id.in_(ids))
                    .values(status=SENDING, lease_until=now + self._lease,
                            tries=ScoreDelivery.tries + 1)
                )  # fmt: skip
            return ids

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
            return min(times) if times else None

    # -- delivering ------------------------------------------------------------------------

    def run_once(self, limit: int = 100) -> int:
        """Claim and deliver one batch; returns how many were claimed."""
        ids = self.claim(limit)
        if not ids:
            return 0
        if self._threads <= 1 or len(ids) == 1:
            for delivery_id in ids:
                self.deliver(delivery_id)
        else:
            with ThreadPoolExecutor(max_workers=self._threads) as pool:
                list(pool.map(self.deliver, ids))
        return len(ids)

    def _registration(self, session: Session, registration_id: int) -> RegistrationRecord | None:
        found = self._registrations.get(registration_id)
        if found is None:
            row = session.get(Registration, registration_id)
            if row is None:
                return None
            found = find_registration(session, row.platform.issuer, row.client_id)
            if found is not None:
                self._registrations[registration_id] = found
        return found

    def deliver(self, delivery_id: int) -> None:
        # Read what the delivery needs, then talk to the platform with no transaction open
        # (SQLite has one writer at a time; an HTTP call must never hold it).
        with self._sessions() as session:
            delivery = session.get(ScoreDelivery, delivery_id)
            if delivery is None or delivery.status != SENDING:
                return
            link = session.get(ResourceLink, delivery.resource_link_id)
            registration = self._registration(session, delivery.registration_id)
            job = None
            if link is not None and registration is not None:
                job = _Job(
                    payload=dict(delivery.payload),
                    lineitem=link.lineitem_url or link.found_lineitem_url,
                    lineitems=link.lineitems_url,
                    granted=frozenset(link.ags_scopes or []),
                    resource_link_id=link.resource_link_id,
                    resource_id=link.case_id or "amelie-case",
                    label=link.title or link.case_id or "AMELIE case",
                )
            session.rollback()
        found = None
        if job is None or registration is None:
            answer = Answer(Verdict.FAILED, None, "the activity or registration was removed")
        else:
            try:
                lineitem = job.lineitem
                if lineitem is None:
                    lineitem = found = self._find_or_create(registration, job)
                answer = self._post(registration, lineitem, job.payload)
            except TokenError as exc:
                retry = exc.status is None or exc.status >= 500 or exc.status == 429
                answer = Answer(Verdict.RETRY if retry else Verdict.FAILED, exc.status, str(exc))
            except ags.LineItemError as exc:
                answer = exc.answer
        with self._sessions() as session:
            delivery = session.get(ScoreDelivery, delivery_id)
            assert delivery is not None
            if found is not None:
                session.execute(update(ResourceLink)
                                .where(ResourceLink.id == delivery.resource_link_id)
                                .values(found_lineitem_url=found))  # fmt: skip
            self._finish(session, delivery, answer)

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
                answer = Answer(Verdict.FAILED, answer.status, answer.text)
        return answer

    def _find_or_create(self, registration: RegistrationRecord, job: _Job) -> str:
        """This activity's line item in the container the launch named, found or created."""
        assert job.lineitems
        read = ags.SCOPE_LINEITEM if ags.SCOPE_LINEITEM in job.granted else ags.SCOPE_LINEITEM_READ
        if read not in job.granted:
            raise ags.LineItemError(Answer(Verdict.FAILED, None,
                                           "the platform granted no line-item scope"))  # fmt: skip
        token = self._tokens.get(registration, (read,))
        found = ags.find_lineitem(token, job.lineitems, job.resource_link_id, job.resource_id,
                                  self._timeout)  # fmt: skip
        if found is not None:
            return found
        if ags.SCOPE_LINEITEM not in job.granted:
            raise ags.LineItemError(Answer(Verdict.FAILED, None,
                                           "no line item exists and the platform does not let "
                                           "the tool create one"))  # fmt: skip
        maximum = job.payload.get("scoreMaximum")
        return ags.create_lineitem(
            self._tokens.get(registration, (ags.SCOPE_LINEITEM,)), job.lineitems,
            label=job.label,
            score_maximum=float(maximum) if isinstance(maximum, int | float) else 100.0,
            resource_link_id=job.resource_link_id, resource_id=job.resource_id,
            timeout=self._timeout,
        )  # fmt: skip

    def _finish(self, session: Session, delivery: ScoreDelivery, answer: Answer) -> None:
        now = utcnow()
        delivery.last_status = answer.status
        delivery.lease_until = None
        if answer.verdict is Verdict.DELIVERED:
            delivery.status, delivery.delivered_at, delivery.last_error = DELIVERED, now, None
        elif answer.verdict is Verdict.DUPLICATE:
            # the platform holds this score already (sent before a crash), or a newer one
            delivery.status = DELIVERED if delivery.tries > 1 else SUPERSEDED
            delivery.last_error = answer.text
        elif answer.verdict is Verdict.NOT_GRADABLE:
            delivery.status, delivery.last_error = NOT_GRADABLE, answer.text
        elif answer.verdict is Verdict.RETRY:
            wait = max(backoff(delivery.tries, random.random()), answer.retry_after or 0.0)
            delivery.status, delivery.next_try_at = PENDING, now + timedelta(seconds=wait)
            delivery.last_error = answer.text or "temporary failure"
        else:
            delivery.status, delivery.last_error = FAILED, answer.text or "refused"
            log.warning("score delivery %s refused by the platform: HTTP %s", delivery.id,
                        answer.status)  # fmt: skip
        session.commit()


class EmbeddedWorker:
    """The demo's in-process worker: a daemon thread that delivers as soon as it is woken."""

    def __init__(self, deliverer: Deliverer) -> None:
        self._deliverer = deliverer
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="grade-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
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
                          lease=timedelta(seconds=app.config["GRADE_LEASE_SECONDS"]))  # fmt: skip
    app.extensions["lti_tool.tokens"] = tokens
    app.extensions["lti_tool.deliverer"] = deliverer
    if app.config["GRADE_WORKER_THREAD"]:
        worker = EmbeddedWorker(deliverer)
        app.extensions["lti_tool.grade_worker"] = worker
        worker.start()


def wake(app: Flask) -> None:
    worker = app.extensions.get("lti_tool.grade_worker")
    if worker is not None:
        worker.wake()
