"""Back-off that ends when the platform is back: while scores wait out a back-off for a
platform (not a throttled one), its token endpoint is asked every ``GRADE_PROBE_SECONDS``; a
token answer means it is up again, and its waiting scores are due at once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from lti_tool.db import utcnow
from lti_tool.grading import ags
from lti_tool.grading.ags import Reason
from lti_tool.grading.models import PENDING
from lti_tool.grading.models import ScoreDelivery
from lti_tool.grading.tokens import TokenCache
from lti_tool.grading.tokens import TokenError
from lti_tool.lti.registrations import RegistrationRecord

log = logging.getLogger("lti_tool.grades")

_NOT_THROTTLED = or_(ScoreDelivery.reason.is_(None), ScoreDelivery.reason != Reason.THROTTLED)


class Prober:
    def __init__(self, sessions: sessionmaker[Session], tokens: TokenCache, every: float,
                 registrations: Callable[[set[int]], dict[int, RegistrationRecord]]
                 ) -> None:  # fmt: skip
        self._sessions = sessions
        self._tokens = tokens
        self.every = every
        self._registrations = registrations
        self._probed: dict[int, float] = {}

    def run(self) -> int:
        """Probe the platforms that scores wait for (each at most once per ``every``) and bring
        the waiting scores of those that answer forward. Returns how many were."""
        if self.every <= 0:
            return 0
        now, clock = utcnow(), time.monotonic()
        horizon = now + timedelta(seconds=self.every)
        with self._sessions() as session:
            waiting = list(session.scalars(
                select(ScoreDelivery.registration_id).distinct()
                .where(ScoreDelivery.status == PENDING, ScoreDelivery.next_try_at > horizon,
                       _NOT_THROTTLED)
            ))  # fmt: skip
        due = [r for r in waiting if clock - self._probed.get(r, -1e9) >= self.every]
        if not due:
            return 0
        registrations = self._registrations(set(due))
        moved = 0
        for registration_id in due:
            self._probed[registration_id] = clock
            registration = registrations.get(registration_id)
            if registration is None:
                continue
            try:
                self._tokens.fetch_fresh(registration, (ags.SCOPE_SCORE,))
            except TokenError as exc:
                log.info("platform of registration %s still unavailable (token endpoint: %s)",
                         registration_id, exc.status or "no answer")  # fmt: skip
                continue
            with self._sessions() as session, session.begin():
                moved += session.execute(
                    update(ScoreDelivery)
                    .where(ScoreDelivery.registration_id == registration_id,
                           ScoreDelivery.status == PENDING, ScoreDelivery.next_try_at > now,
                           _NOT_THROTTLED)
                    .values(next_try_at=now)
                ).rowcount  # type: ignore[attr-defined]  # fmt: skip
            log.info("platform of registration %s answers again: its waiting scores are due "
                     "now", registration_id)  # fmt: skip
        return moved
