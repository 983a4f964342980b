"""Service-URL building, paging and answer classification for AGS and NRPS."""

from __future__ import annotations

import contextlib
from datetime import UTC
from datetime import datetime

import pytest

from lti_tool.grading.ags import Verdict
from lti_tool.grading.ags import classify
from lti_tool.grading.ags import next_page
from lti_tool.grading.ags import parse_retry_after
from lti_tool.grading.ags import with_path_suffix
from lti_tool.grading.outbox import backoff
from lti_tool.grading.outbox import is_canvas
from lti_tool.grading.outbox import next_timestamp


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3",
         "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3"),
        ("https://canvas.example/api/lti/courses/1/line_items/9",
         "https://canvas.example/api/lti/courses/1/line_items/9/scores"),
        ("https://x.example/li/9/", "https://x.example/li/9/scores"),
    ],
)  # fmt: skip
def test_scores_url_is_inserted_into_the_path(url, expected):
    assert with_path_suffix(url, "/scores") == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://a/m?page=2>; rel="next"', "https://a/m?page=2"),
        ("<https://a/m?page=2>; rel=\u201cnext\u201d".encode().decode("latin-1"), "https://a/m?page=2"),
        ("<https://a/m?page=2>; rel=\u201cnext\u201d", "https://a/m?page=2"),
        ('<https://a/m?p=1>; rel="prev", <https://a/m?p=3&X=CaSe>; rel="next"', "https://a/m?p=3&X=CaSe"),
        ("<https://a/m?p=3>; rel=next", "https://a/m?p=3"),
        ('<https://a/m?p=3>; rel="nextish"', None),
        ("", None),
        (None, None),
    ],
)  # fmt: skip
def test_next_page_is_read_tolerantly_and_keeps_its_case(header, expected):
    assert next_page(header) == expected


@pytest.mark.parametrize(
    ("status", "text", "verdict"),
    [
        (200, "", Verdict.DELIVERED),
        (204, "", Verdict.DELIVERED),
        (503, "down", Verdict.RETRY),
        (429, "slow down", Verdict.RETRY),
        (401, "expired", Verdict.UNAUTHORISED),
        (409, "older", Verdict.DUPLICATE),
        (400, '{"error":"Incorrect score received"}', Verdict.NOT_GRADABLE),
        (422, "User not found in course or is not a student", Verdict.NOT_GRADABLE),
        (400, "malformed score", Verdict.FAILED),
        (404, "no such line item", Verdict.FAILED),
    ],
)
def test_platform_answers_are_classified(status, text, verdict):
    assert classify(status, text, None).verdict is verdict


@pytest.mark.parametrize(
    ("status", "text", "rate_limit", "verdict", "reason"),
    [
        (403, "403 Forbidden (Rate Limit Exceeded)", "0.0", Verdict.RETRY, "throttled"),
        (429, "slow down", None, Verdict.RETRY, "throttled"),
        (403, "token lacks the scope", None, Verdict.FAILED, "scope_missing"),
        (400, "Incorrect score received", None, Verdict.NOT_GRADABLE, "not_gradable_role"),
        (422, "User not found in course or is not a student", None, Verdict.NOT_GRADABLE,
         "not_gradable_role"),
        (400, "[]", None, Verdict.FAILED, "not_enrolled"),
        (400, "", None, Verdict.FAILED, "not_enrolled"),
        (404, "[]", None, Verdict.FAILED, "lineitem_gone"),
        (409, "", None, Verdict.DUPLICATE, "timestamp_not_newer"),
        (400, "score timestamp is older than the last one", None, Verdict.SUPERSEDED,
         "timestamp_not_newer"),
        (422, "Submission attempts limit reached", None, Verdict.FAILED, "attempts_exhausted"),
        (503, "down", None, Verdict.RETRY, "unavailable"),
        (400, "malformed score", None, Verdict.FAILED, "refused"),
    ],
)  # fmt: skip
def test_refusals_name_their_likely_cause_and_throttling_is_no_refusal(
    status, text, rate_limit, verdict, reason
):
    answer = classify(status, text, None, rate_limit)
    assert (answer.verdict, answer.reason) == (verdict, reason)


def _result(score, maximum=100.0, comment=None, stamp=None):
    from lti_tool.grading.ags import Result

    return Result(score, maximum, comment, stamp)


STAMP = datetime(2026, 12, 7, 12, 0, 0, 250_000, tzinfo=UTC)
SCORE = {"scoreGiven": 36.36, "scoreMaximum": 100.0, "comment": "Case: 36% in attempt 2"}


@pytest.mark.parametrize(
    ("result", "verdict"),
    [
        (_result(36.36, comment="Case: 36% in attempt 2"), Verdict.DELIVERED),
        (_result(3.636, 10.0), Verdict.DELIVERED),  # scaled to the platform's column
        (_result(36.36, comment="Case: 36% in attempt 1"), None),  # another attempt's score
        (_result(50.0), None),
        (_result(None), None),
        (_result(36.36, stamp=STAMP.replace(microsecond=0)), Verdict.DELIVERED),  # seconds
        (_result(36.36, stamp=datetime(2026, 12, 7, 11, 0, tzinfo=UTC)), None),  # an older one
        (_result(90.0, stamp=datetime(2026, 12, 7, 13, 0, tzinfo=UTC)), Verdict.SUPERSEDED),
    ],
)  # fmt: skip
def test_the_platforms_result_tells_whether_a_score_arrived(result, verdict):
    from lti_tool.grading.ags import matches

    assert matches(result, SCORE, STAMP) is verdict


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


def test_timestamps_increase_even_within_one_second():
    last = datetime(2026, 1, 1, 12, 0, 0, 300_000, tzinfo=UTC)
    now = datetime(2026, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    following = next_timestamp(last, now)
    assert following > last
    assert int(following.timestamp()) > int(last.timestamp())
    later = datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC)
    assert next_timestamp(last, later) == later


def test_backoff_grows_and_is_capped():
    assert backoff(1, 0.5) == pytest.approx(2.0)
    assert backoff(3, 0.5) == pytest.approx(8.0)
    assert backoff(30, 0.5) == pytest.approx(300.0)  # a few minutes at most
    assert backoff(30, 0.5, cap=60.0) == pytest.approx(60.0)
    assert backoff(2, 0.0) < backoff(2, 0.99)


def test_canvas_is_recognised_by_its_hosts():
    assert is_canvas(("https://canvas.instructure.com", None, None))
    assert is_canvas(("https://x", "https://sso.canvaslms.com/api/lti/security/jwks", None))
    assert not is_canvas(
        ("https://moodle.example.edu", "https://moodle.example.edu/mod/lti/certs.php", None)
    )


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("²", None),  # a digit to str.isdigit, not to float()
        ("99999999999999999999", 86_400.0),  # capped at a day
        ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),  # a date without a stated zone
        ("Wed, 21 Oct 2099 07:28:00 GMT", 86_400.0),
        ("Wed, 32 Foo", None),
    ],
)
def test_retry_after_that_a_platform_gets_wrong(header, seconds):
    assert parse_retry_after(header) == seconds


@pytest.mark.parametrize(
    "body",
    [b'{"id": 5}', b'{"id": "not-a-url"}', b'{"id": "https://lms.example/' + b"x" * 3000 + b'"}'],
)
def test_a_line_item_id_that_is_not_a_storable_url_is_a_refusal(body):
    from lti_tool.grading.ags import LineItemError
    from lti_tool.grading.ags import create_lineitem
    from lti_tool.grading.ags import find_lineitem
    from tests.support.fake_remote import fake_remote

    item = body.replace(b'"}', b'", "resourceLinkId": "rl"}').replace(
        b"5}", b'5, "resourceLinkId": "rl"}'
    )
    with fake_remote(
        {"/created": (201, {}, body), "/listed": (200, {}, b"[" + item + b"]")}
    ) as url:
        with pytest.raises(LineItemError) as created:
            create_lineitem("token", url + "/created", label="x", score_maximum=1.0,
                            resource_link_id="rl", resource_id="r", timeout=5)  # fmt: skip
        listed = None
        with contextlib.suppress(LineItemError):  # refused, or passed over: never returned
            listed = find_lineitem("token", url + "/listed", "rl", "r", 5)
    assert created.value.answer.verdict is Verdict.FAILED
    assert listed is None
