"""Which language a launch asks for: LTI, BCP 47 and Moodle's own codes."""

from __future__ import annotations

import pytest

from lti_tool.config import LANGUAGES
from lti_tool.i18n.locale import html_lang
from lti_tool.i18n.locale import supported_locale
from lti_tool.i18n.locale import with_region


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("el", "el"), ("el-GR", "el"), ("de_DE", "de"), ("de_du", "de"), ("fr-BE", "fr_BE"),
        ("nl_BE", "nl_BE"), ("nl-be", "nl_BE"), ("nl-NL", "nl"), ("fr-FR", "fr"), ("de-BE", "de"),
        ("it", "it"), ("EN-gb", "en"), ("pt_br", None), ("zz", None),
        ("", None), (None, None), ("el; DROP TABLE", None), ("x" * 200, None),
    ],
)  # fmt: skip
def test_supported_locale(tag, expected):
    assert supported_locale(tag, LANGUAGES) == expected


@pytest.mark.parametrize(
    ("locale", "country", "expected"),
    [("nl", "be", "nl_BE"), ("fr", "be", "fr_BE"), ("fr", "fr", "fr"), ("de", "be", "de"),
     ("nl", None, "nl"), ("nl_BE", "be", "nl_BE"), ("en", "be", "en")],
)  # fmt: skip
def test_a_belgian_platform_gives_dutch_and_french_their_belgian_variant(locale, country, expected):
    assert with_region(locale, country) == expected


def test_html_lang_is_bcp_47():
    assert html_lang("nl_BE") == "nl-BE"
    assert html_lang("el") == "el"
