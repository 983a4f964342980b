"""Percentages as people read them: rounded half up, in each language's own format."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel
from flask_babel import force_locale

from lti_tool.i18n import percent


@pytest.fixture(scope="module")
def app() -> Flask:
    app = Flask(__name__)
    Babel(app)
    return app


@pytest.mark.parametrize(
    ("share", "expected"),
    [(0.025, "3%"), (0.015, "2%"), (0.005, "1%"), (0.0249, "2%"), (0, "0%"), (1, "100%"),
     (0.5, "50%"), (2 / 3, "67%"), (0.125, "13%")],
)  # fmt: skip
def test_half_rounds_up(app: Flask, share: float, expected: str) -> None:
    with app.test_request_context(), force_locale("en"):
        assert percent(share) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "3%"), ("fr", "3\xa0%"), ("de", "3\xa0%"), ("el", "3%"), ("it", "3%"), ("nl", "3%")],
)
def test_each_language_writes_its_own_percent(app: Flask, locale: str, expected: str) -> None:
    with app.test_request_context(), force_locale(locale):
        assert percent(0.025) == expected
