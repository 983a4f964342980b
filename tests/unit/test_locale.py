"""Which language a launch asks for: LTI, BCP 47 and Moodle's own codes."""

from __future__ import annotations

import pytest

from lti_tool.config import LANGUAGES
from lti_tool.i18n.locale import supported_locale


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("el", "el"), ("el-GR", "el"), ("de_DE", "de"), ("de_du", "de"), ("fr-BE", "fr"),
        ("nl_BE", "nl"), ("it", "it"), ("EN-gb", "en"), ("pt_br", None), ("zz", None),
        ("", None), (None, None), ("el; DROP TABLE", None), ("x" * 200, None),
    ],
)  # fmt: skip
def test_supported_locale(tag, expected):
    assert supported_locale(tag, LANGUAGES) == expected
