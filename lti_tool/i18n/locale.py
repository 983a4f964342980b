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


def supported_locale(tag: str | None, languages: Sequence[str]) -> str | None:
    """Map an LTI or Moodle language tag (``el``, ``el-GR``, ``de_DE``, ``de_du``, ``fr-BE``,
    ``nl_BE``) to a language we have, or None."""
    if not tag or not _TAG.match(tag.strip()):
        return None
    primary = re.split(r"[_-]", tag.strip().lower(), maxsplit=1)[0]
    return primary if primary in languages else None


def accept_language_locale(languages: Sequence[str]) -> str | None:
    if not has_request_context():
        return None
    return request.accept_languages.best_match(languages)


def launch_locale(claim: str | None, learner_choice: str | None) -> str:
    languages = current_app.config["LANGUAGES"]
    return (
        supported_locale(claim, languages)
        or supported_locale(learner_choice, languages)
        or accept_language_locale(languages)
        or current_app.config["DEFAULT_LOCALE"]
    )


def select_locale() -> str:
    """flask-babel's locale selector: the page's chosen locale, else the browser's."""
    chosen = g.get("locale")
    if chosen:
        return str(chosen)
    languages = current_app.config["LANGUAGES"]
    return accept_language_locale(languages) or current_app.config["DEFAULT_LOCALE"]
