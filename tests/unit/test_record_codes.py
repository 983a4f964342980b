"""Verification codes (random, long, forgiving when typed, kept as a digest) and the time spent
that a record of completion states."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from lti_tool.records.codes import ALPHABET
from lti_tool.records.codes import digest
from lti_tool.records.codes import new_code
from lti_tool.records.codes import normalised
from lti_tool.records.facts import LONGEST_STEP_SECONDS
from lti_tool.records.facts import RecordFacts
from lti_tool.records.facts import Skill
from lti_tool.records.facts import seconds_spent


def test_codes_are_random_long_and_grouped():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4] * 6
        assert set("".join(groups)) <= set(ALPHABET)
    # 24 characters of 32 symbols: 120 bits; every symbol turns up in every position
    plain = [c.replace("-", "") for c in codes]
    assert all(len({p[i] for p in plain}) == 32 for i in range(24))


def test_a_typed_code_is_read_back_as_printed():
    code = new_code()
    plain = code.replace("-", "")
    assert normalised(code) == plain
    assert normalised(f"  {code.lower()} ") == plain
    assert normalised(plain.replace("0", "O").replace("1", "l")) == plain
    assert normalised(code.replace("-", " ")) == plain


@pytest.mark.parametrize("text", ["", None, "ABCD", "U" * 24, "A" * 25, "x" * 10_000,
                                  "ABCD-EFGH-JKMN-PQRS-TVWX-YZ0!", "../../etc/passwd"])  # fmt: skip
def test_anything_else_is_not_a_code(text):
    assert normalised(text) is None


def test_the_database_keeps_a_digest_not_the_code():
    plain = normalised(new_code())
    assert plain is not None
    kept = digest(plain)
    assert len(kept) == 64
    assert plain not in kept
    assert kept == digest(plain)


def test_time_spent_counts_a_pause_as_a_limited_time():
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    steps = [60.0, 150.0, 150.0 + 3 * 86400, 3 * 86400 + 200.0]  # left for three days
    done = start + timedelta(seconds=steps[-1])

    assert seconds_spent(steps, start, done) == 60 + 90 + LONGEST_STEP_SECONDS + 50
    assert seconds_spent([], start, start + timedelta(seconds=75)) == 75


def test_facts_are_kept_as_issued():
    facts = RecordFacts("c", "Title", None, "Activity", None,
                        datetime(2026, 12, 1, 9, 0, tzinfo=UTC), 600, 0.75,
                        (Skill("safety", "Safety", 0.5),), ("identification",))  # fmt: skip
    assert RecordFacts.from_json(facts.to_json()) == facts
