"""Assignment and Grade Services calls: find or create the line item, post a score, read the
platform's result for a learner, and say what the platform's answer means for the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests

from lti_tool.db import utcnow
from lti_tool.http import http_session
from lti_tool.lti.claims import SCOPE_LINEITEM as SCOPE_LINEITEM
from lti_tool.lti.claims import SCOPE_LINEITEM_READ as SCOPE_LINEITEM_READ
from lti_tool.lti.claims import SCOPE_RESULT_READ as SCOPE_RESULT_READ
from lti_tool.lti.claims import SCOPE_SCORE as SCOPE_SCORE
from lti_tool.public_urls import with_query

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
RATE_LIMIT_HEADER = "X-Rate-Limit-Remaining"  # Canvas: a 403 with it means "throttled"
ERROR_TEXT_LIMIT = 500
# rel="next" with plain quotes, typographic ones (Moodle has sent “next”, which arrive as UTF-8
# bytes read as Latin-1), or none at all
_NEXT = re.compile(
    r"<([^>]+)>\s*;[^,]*?\brel\s*=\s*[^A-Za-z0-9,;]*next(?![A-Za-z0-9])", re.IGNORECASE
)


def with_path_suffix(url: str, suffix: str) -> str:
    """Insert ``suffix`` into the URL's path, keeping its query (``…/lineitems/3?type_id=1`` →
    ``…/lineitems/3/scores?type_id=1``): Moodle's service URLs carry a query string."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def next_page(link_header: str | None) -> str | None:
    if not link_header:
        return None
    match = _NEXT.search(link_header)
    return match.group(1).strip() if match else None


class Verdict(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"  # connection error, timeout, 5xx, 429, a throttled 403
    UNAUTHORISED = "unauthorised"  # 401: refresh the token once
    NOT_GRADABLE = "not-gradable"
    DUPLICATE = "duplicate"  # 409: the platform already holds this or a newer score
    FAILED = "failed"  # any other 4xx: the platform refused it
    SUPERSEDED = "superseded"  # the platform holds a newer score than this one


class Reason:
    """The likely cause of an answer, kept with the delivery (``grading.reasons`` words it)."""

    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"  # 5xx or unreachable: the platform did not take the score
    NO_ANSWER = "no_answer"  # a timeout or a broken connection: it may have taken it
    NOT_GRADABLE_ROLE = "not_gradable_role"
    NOT_ENROLLED = "not_enrolled"
    LINEITEM_GONE = "lineitem_gone"
    TIMESTAMP = "timestamp_not_newer"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    ACCESS_REFUSED = "access_refused"
    SCOPE_MISSING = "scope_missing"
    REFUSED = "refused"
    NO_REGISTRATION = "no_registration"
    NO_LINEITEM = "no_lineitem"
    INTERNAL = "internal"
    RECONCILED = "reconciled"  # delivered: the platform's result showed it already had it


@dataclass(frozen=True, slots=True)
class Answer:
    verdict: Verdict
    status: int | None
    text: str
    retry_after: float | None = None
    reason: str | None = None
    # the request may have reached the platform though no answer came back (a timeout)
    maybe_arrived: bool = False


_NOT_GRADABLE = re.compile(r"incorrect score received|not a student|not (?:a )?gradable",
                           re.IGNORECASE)  # fmt: skip
_NOT_ENROLLED = re.compile(r"not found in course|user .{0,40}not .{0,20}enrolled|no such user",
                           re.IGNORECASE)  # fmt: skip
_TIMESTAMP = re.compile(r"timestamp", re.IGNORECASE)
_ATTEMPTS = re.compile(r"attempts? .{0,30}(?:exhausted|limit|no more)", re.IGNORECASE)
_EMPTY = re.compile(r"\s*(?:\[\s*\]|\{\s*\}|null)?\s*")


def is_empty(text: str) -> bool:
    """An answer that says nothing: Moodle refuses some scores with ``[]``."""
    return _EMPTY.fullmatch(text) is not None


def classify(status: int, text: str, retry_after: str | None,
             rate_limit_remaining: str | None = None) -> Answer:  # fmt: skip
    """What an AGS answer means. Refusals carry the likely cause per platform: Moodle answers
    400 "Incorrect score received" for a user who is not a gradable student, an empty 400
    (``[]``) for one no longer enrolled, 404 for a deleted activity and 409 for a timestamp that
    is not newer; Canvas 422 for a non-student or exhausted attempts, 400 for an older timestamp,
    and 403 with ``X-Rate-Limit-Remaining`` when it throttles (which is not a refusal)."""
    body = text[:ERROR_TEXT_LIMIT]
    if 200 <= status < 300:
        return Answer(Verdict.DELIVERED, status, "")
    wait = parse_retry_after(retry_after)
    if status == 429 or (status == 403 and rate_limit_remaining is not None):
        return Answer(Verdict.RETRY, status, body, wait, Reason.THROTTLED)
    if status >= 500:
        return Answer(Verdict.RETRY, status, body, wait, Reason.UNAVAILABLE,
                      maybe_arrived=status in (502, 504))  # fmt: skip
    if status == 401:
        return Answer(Verdict.UNAUTHORISED, status, body, reason=Reason.ACCESS_REFUSED)
    if status == 409:
        return Answer(Verdict.DUPLICATE, status, body, reason=Reason.TIMESTAMP)
    if status == 404:
        return Answer(Verdict.FAILED, status, body, reason=Reason.LINEITEM_GONE)
    if status == 403:
        return Answer(Verdict.FAILED, status, body, reason=Reason.SCOPE_MISSING)
    # Moodle answers 400 ("Incorrect score received") and Canvas 422 for users who are not
    # gradable students, such as a teacher trying the case.
    if status == 422 and _ATTEMPTS.search(body):
        return Answer(Verdict.FAILED, status, body, reason=Reason.ATTEMPTS_EXHAUSTED)
    if status in (400, 422) and _NOT_GRADABLE.search(body):
        return Answer(Verdict.NOT_GRADABLE, status, body, reason=Reason.NOT_GRADABLE_ROLE)
    if status in (400, 422) and _NOT_ENROLLED.search(body):
        return Answer(Verdict.NOT_GRADABLE, status, body, reason=Reason.NOT_ENROLLED)
    if status == 422:
        return Answer(Verdict.NOT_GRADABLE, status, body, reason=Reason.NOT_GRADABLE_ROLE)
    if status == 400 and _TIMESTAMP.search(body):
        return Answer(Verdict.SUPERSEDED, status, body, reason=Reason.TIMESTAMP)
    if status == 400 and is_empty(body):
        return Answer(Verdict.FAILED, status, body, reason=Reason.NOT_ENROLLED)
    return Answer(Verdict.FAILED, status, body, reason=Reason.REFUSED)


MAX_RETRY_AFTER = 86_400.0


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), at most a day;
    None when it says nothing usable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": a date in UTC without a stated zone
        when = when.replace(tzinfo=UTC)
    return min(max((when - utcnow()).total_seconds(), 0.0), MAX_RETRY_AFTER)


def post_score(token: str, lineitem_url: str, payload: dict[str, object], timeout: float) -> Answer:
    try:
        response = http_session().post(
            with_path_suffix(lineitem_url, "/scores"),
            json=payload,
            headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        return no_answer(exc)
    return _classified(response)


def no_answer(exc: requests.RequestException) -> Answer:
    """No answer: a refused connection never reached the platform; after a timeout or a broken
    connection the score may have arrived."""
    reached = not isinstance(exc, requests.ConnectTimeout) and not (
        isinstance(exc, requests.ConnectionError) and "refused" in str(exc).lower()
    )
    return Answer(Verdict.RETRY, None, type(exc).__name__,
                  reason=Reason.NO_ANSWER if reached else Reason.UNAVAILABLE,
                  maybe_arrived=reached)  # fmt: skip


def _classified(response: requests.Response) -> Answer:
    return classify(response.status_code, response.text, response.headers.get("Retry-After"),
                    response.headers.get(RATE_LIMIT_HEADER))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Result:
    """A learner's result as the platform holds it (AGS Result service)."""

    score: float | None
    maximum: float | None
    comment: str | None
    timestamp: datetime | None


def read_result(token: str, lineitem_url: str, user_id: str, timeout: float) -> Result | None:
    """The platform's result for one learner on one line item, None when it has none. Raises
    LineItemError with the platform's answer when it could not say."""
    url = with_query(with_path_suffix(lineitem_url, "/results"), {"user_id": user_id})
    response = _request("GET", url, token, timeout, headers={"Accept": RESULTS_TYPE})
    try:
        items = response.json()
    except ValueError:
        items = None
    if not isinstance(items, list):
        raise LineItemError(Answer(Verdict.FAILED, response.status_code,
                                   "the platform's results are not a list"))  # fmt: skip
    for item in items:
        if isinstance(item, dict) and item.get("userId") == user_id:
            return Result(_number(item.get("resultScore")), _number(item.get("resultMaximum")),
                          item.get("comment") if isinstance(item.get("comment"), str) else None,
                          _moment(item.get("timestamp")))  # fmt: skip
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def matches(result: Result, payload: dict[str, object], stamp: datetime) -> Verdict | None:
    """DELIVERED when the platform's result is this score, SUPERSEDED when it is a newer one,
    None when the score must be sent (again). The value must agree (as a share of the maximum:
    a platform may scale it to its column), and so must the comment and the timestamp where the
    platform shows them: the comment names the attempt, the timestamp the very score."""
    if result.timestamp is not None:
        theirs, ours = int(result.timestamp.timestamp()), int(stamp.timestamp())
        if theirs > ours:
            return Verdict.SUPERSEDED
        if theirs < ours:
            return None
    given, maximum = _number(payload.get("scoreGiven")), _number(payload.get("scoreMaximum"))
    if given is None:
        same = result.score is None
    elif result.score is None:
        same = False
    else:
        ours_share = given / maximum if maximum else given
        theirs_share = result.score / result.maximum if result.maximum else result.score
        same = abs(ours_share - theirs_share) <= 1e-6 or (
            result.maximum is None and abs(result.score - given) <= 1e-6
        )
    comment = payload.get("comment")
    if same and isinstance(comment, str) and result.comment is not None:
        same = result.comment.strip() == comment.strip()
    return Verdict.DELIVERED if same else None


class LineItemError(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.text)
        self.answer = answer


def _request(method: str, url: str, token: str, timeout: float, **kwargs: object
             ) -> requests.Response:  # fmt: skip
    try:
        response = http_session().request(
            method, url, headers={"Authorization": f"Bearer {token}",
                                  **kwargs.pop("headers", {})},  # type: ignore[dict-item]
            timeout=timeout, **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip
    except requests.RequestException as exc:
        raise LineItemError(no_answer(exc)) from exc
    if not 200 <= response.status_code < 300:
        raise LineItemError(_classified(response))
    return response


def find_lineitem(token: str, lineitems_url: str, resource_link_id: str, resource_id: str,
                  timeout: float) -> str | None:  # fmt: skip
    """The line item of this resource link (or, failing that, of this case), following pages."""
    url: str | None = with_query(lineitems_url, {"resource_link_id": resource_link_id})
    pages = 0
    while url and pages < 50:
        pages += 1
        response = _request("GET", url, token, timeout, headers={"Accept": LINEITEMS_TYPE})
        try:
            items = response.json()
        except ValueError:
            items = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            if item.get("resourceLinkId") == resource_link_id or (
                item.get("resourceLinkId") is None and item.get("resourceId") == resource_id
            ):
                return _lineitem_url(item["id"], response.status_code)
        url = next_page(response.headers.get("Link"))
    return None


def create_lineitem(token: str, lineitems_url: str, *, label: str, score_maximum: float,
                    resource_link_id: str, resource_id: str, timeout: float) -> str:  # fmt: skip
    response = _request(
        "POST", lineitems_url, token, timeout,
        json={"label": label[:255], "scoreMaximum": score_maximum,
              "resourceLinkId": resource_link_id, "resourceId": resource_id,
              "tag": "amelie-case"},
        headers={"Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE},
    )  # fmt: skip
    try:
        created = response.json()["id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise LineItemError(Answer(Verdict.FAILED, response.status_code,
                                   "the platform created a line item without an id")) from exc  # fmt: skip
    return _lineitem_url(created, response.status_code)


def _lineitem_url(value: object, status: int) -> str:
    """A line item's id is its URL: refuse one we could not store or post to."""
    if (
        not isinstance(value, str)
        or len(value) > 2048
        or not value.startswith(("https://", "http://"))
    ):
        raise LineItemError(Answer(Verdict.FAILED, status,
                                   "the platform gave a line item id that is not a URL"))  # fmt: skip
    return value
