"""Did the platform take a score whose POST got no answer (a crash, a timeout)? Read its
result for that learner through the AGS Result service before sending the score again (see
docs/decisions.md, "Delivery reconciliation"). Without the ``result.readonly`` scope the answer
is "send it again", as before."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from lti_tool.db import utcnow
from lti_tool.grading import ags
from lti_tool.grading.ags import Answer
from lti_tool.grading.ags import Reason
from lti_tool.grading.ags import Verdict
from lti_tool.grading.models import ServiceGrant
from lti_tool.grading.tokens import TokenCache
from lti_tool.grading.tokens import TokenError
from lti_tool.lti.registrations import RegistrationRecord

log = logging.getLogger("lti_tool.grades")


class Reconciler:
    def __init__(self, sessions: sessionmaker[Session], tokens: TokenCache, timeout: float
                 ) -> None:  # fmt: skip
        self._sessions = sessions
        self._tokens = tokens
        self._timeout = timeout

    def check(self, registration: RegistrationRecord, lineitem: str, *, delivery_id: int,
              payload: dict[str, object], stamp: datetime, granted: frozenset[str]
              ) -> Answer | None:  # fmt: skip
        """The outcome of an earlier POST that got no answer, from the platform's result for
        this learner: DELIVERED (it has this score), SUPERSEDED (it has a newer one), RETRY
        (it could not say now), or None: send it (again). None too where the platform did
        not grant the Result service: then a score may arrive twice, as before."""
        user = payload.get("userId")
        if ags.SCOPE_RESULT_READ not in granted or not isinstance(user, str):
            log.info("score delivery %s: outcome of the earlier try unknown and no result "
                     "service granted: sending again", delivery_id)  # fmt: skip
            return None
        scopes = (ags.SCOPE_RESULT_READ,)
        try:
            token = self._tokens.get(registration, scopes)
        except TokenError as exc:
            if not exc.refused:
                raise
            self.record_grant(registration.id, ags.SCOPE_RESULT_READ, False, str(exc))
            log.warning("score delivery %s: the platform refused a token for its result "
                        "service (HTTP %s): sending again", delivery_id, exc.status)  # fmt: skip
            return None
        self.record_grant(registration.id, ags.SCOPE_RESULT_READ, True, None)
        try:
            result = ags.read_result(token, lineitem, user, self._timeout)
        except ags.LineItemError as exc:
            answer = exc.answer
            if answer.verdict is Verdict.RETRY:
                return Answer(Verdict.RETRY, answer.status, answer.text, answer.retry_after,
                              answer.reason, maybe_arrived=True)  # fmt: skip
            if answer.verdict is Verdict.UNAUTHORISED:
                self._tokens.invalidate(registration, scopes, token)
            log.warning("score delivery %s: the platform's result service answered HTTP %s: "
                        "sending again", delivery_id, answer.status)  # fmt: skip
            return None
        verdict = ags.matches(result, payload, stamp) if result else None
        if verdict is Verdict.DELIVERED:
            log.info("score delivery %s: the platform already has this score (result service)"
                     ": not sent again", delivery_id)  # fmt: skip
            return Answer(Verdict.DELIVERED, None, "", reason=Reason.RECONCILED)
        if verdict is Verdict.SUPERSEDED:
            log.info("score delivery %s: the platform holds a newer score: not sent",
                     delivery_id)  # fmt: skip
            return Answer(Verdict.SUPERSEDED, None, "", reason=Reason.RECONCILED)
        return None

    def record_grant(self, registration_id: int, scope: str, granted: bool,
                     detail: str | None) -> None:  # fmt: skip
        """Remember for the administration page what the token endpoint said of a scope."""
        values = {"granted": granted, "detail": (detail or "")[:255] or None,
                  "checked_at": utcnow()}  # fmt: skip
        with self._sessions() as session, session.begin():
            dialect: object = (postgresql if session.get_bind().dialect.name == "postgresql"
                               else sqlite)  # fmt: skip
            session.execute(
                dialect.insert(ServiceGrant)  # type: ignore[attr-defined]
                .values(registration_id=registration_id, scope=scope, **values)
                .on_conflict_do_update(index_elements=["registration_id", "scope"], set_=values)
            )
