"""Numbers posted by forms: ids of rows and step counters."""

from __future__ import annotations

INTEGER_MAX = 2**31 - 1  # the INTEGER columns of SQLite and PostgreSQL alike


def posted_int(value: str | None, minimum: int = 1) -> int | None:
    """``value`` as a number that fits an INTEGER column, or None for anything else ("²",
    "-1", a 30-digit number, an empty field)."""
    if not value or len(value) > 10 or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if minimum <= number <= INTEGER_MAX else None
