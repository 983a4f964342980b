"""Which language a page is in.

At launch: the platform's ``launch_presentation.locale`` claim, then the learner's own earlier
choice, then ``Accept-Language``, then the default. During a launch session, a choice made from
the language menu wins (the launch token carries it). ``<html lang>`` always names the result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import current_app
from flask import g
from flask import has_request_context
from flask import request

_TAG = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$")

# regional variants: the texts that differ (Belgian terms and services) over their language
VARIANTS = {"nl_BE": "nl", "fr_BE": "fr"}


def supported_locale(tag: str | None, languages: Sequence[str]) -> str | None:
    """Map an LTI or Moodle language tag (``el``, ``el-GR``, ``de_DE``, ``de_du``, ``fr-BE``,
    ``nl_BE``) to a language we have (``nl_BE`` and ``fr_BE`` are regional variants), or
    None."""
    if not tag or not _TAG.match(tag.strip()):
        return None
    parts = re.split(r"[_-]", tag.strip(), maxsplit=2)
    primary = parts[0].lower()
    if primary not in languages:
        return None
    variant = f"{primary}_{parts[1].upper()}" if len(parts) > 1 else ""
    return variant if VARIANTS.get(variant) == primary else primary


def with_region(locale: str, country: str | None) -> str:
    """``locale`` in the regional variant of ``country`` when there is one (``nl`` in Belgium
    is ``nl_BE``), else unchanged."""
    variant = f"{locale}_{(country or '').upper()}"
    return variant if VARIANTS.get(variant) == locale else locale


def html_lang(locale: str) -> str:
    """The BCP 47 tag of a locale, for ``lang`` attributes (``nl_BE`` → ``nl-BE``)."""
    return locale.replace("_", "-")


def accept_language_locale(languages: Sequence[str]) -> str | None:
    if not has_request_context():
        return None
    return request.accept_languages.best_match(languages)


def launch_locale(claim: str | None, learner_choice: str | None, country: str | None = None
                  ) -> str:  # fmt: skip
    """The launch's language; a platform or activity in ``country`` gives a language without a
    region its regional variant there (Moodle sends ``nl``, not ``nl-BE``)."""
    languages = current_app.config["LANGUAGES"]
    chosen = (
        supported_locale(claim, languages)
        or supported_locale(learner_choice, languages)
        or accept_language_locale(languages)
        or current_app.config["DEFAULT_LOCALE"]
    )
    return with_region(chosen, country)


def select_locale() -> str:
    """flask-babel's locale selector: the page's chosen locale, else the browser's."""
    chosen = g.get("locale")
    if chosen:
        return str(chosen)
    languages = current_app.config["LANGUAGES"]
    return accept_language_locale(languages) or current_app.config["DEFAULT_LOCALE"]
