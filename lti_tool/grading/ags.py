"""Assignment and Grade Services calls: find or create the line item, post a score, and say
what the platform's answer means for the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from enum import Enum
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests

from lti_tool.db import utcnow
from lti_tool.http import http_session
from lti_tool.lti.claims import SCOPE_LINEITEM as SCOPE_LINEITEM
from lti_tool.lti.claims import SCOPE_LINEITEM_READ as SCOPE_LINEITEM_READ
from lti_tool.lti.claims import SCOPE_SCORE as SCOPE_SCORE
from lti_tool.public_urls import with_query

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
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
    RETRY = "retry"  # connection error, timeout, 5xx, 429
    UNAUTHORISED = "unauthorised"  # 401: refresh the token once
    NOT_GRADABLE = "not-gradable"
    DUPLICATE = "duplicate"  # 409: the platform already holds this or a newer score
    FAILED = "failed"  # any other 4xx: the platform refused it


@dataclass(frozen=True, slots=True)
class Answer:
    verdict: Verdict
    status: int | None
    text: str
    retry_after: float | None = None


_NOT_GRADABLE = re.compile(r"incorrect score received|not a student|not found in course|"
                           r"not (?:a )?gradable|user .{0,40}not .{0,20}enrolled", re.IGNORECASE)  # fmt: skip


def classify(status: int, text: str, retry_after: str | None) -> Answer:
    body = text[:ERROR_TEXT_LIMIT]
    if 200 <= status < 300:
        return Answer(Verdict.DELIVERED, status, "")
    if status == 429 or status >= 500:
        return Answer(Verdict.RETRY, status, body, parse_retry_after(retry_after))
    if status == 401:
        return Answer(Verdict.UNAUTHORISED, status, body)
    if status == 409:
        return Answer(Verdict.DUPLICATE, status, body)
    # Moodle answers 400 ("Incorrect score received") and Canvas 422 for users who are not
    # gradable students, such as a teacher trying the case.
    if status == 422 or (status == 400 and _NOT_GRADABLE.search(body)):
        return Answer(Verdict.NOT_GRADABLE, status, body)
    return Answer(Verdict.FAILED, status, body)


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
        return Answer(Verdict.RETRY, None, f"{type(exc).__name__}")
    return classify(response.status_code, response.text, response.headers.get("Retry-After"))


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
        raise LineItemError(Answer(Verdict.RETRY, None, type(exc).__name__)) from exc
    if not 200 <= response.status_code < 300:
        raise LineItemError(classify(response.status_code, response.text,
                                     response.headers.get("Retry-After")))  # fmt: skip
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
