"""Languages: flask-babel for the interface (``messages``) and case content (``cases``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask import Flask
from flask import current_app
from flask import g
from flask_babel import Babel
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import format_percent
from flask_babel import get_locale
from flask_babel import get_translations
from markupsafe import Markup

from lti_tool.i18n.locale import VARIANTS
from lti_tool.i18n.locale import html_lang
from lti_tool.i18n.locale import select_locale
from lti_tool.paths import TRANSLATIONS_DIR

LANGUAGE_NAMES = {
    "en": "English",
    "el": "Ελληνικά",
    "it": "Italiano",
    "de": "Deutsch",
    "nl": "Nederlands",
    "nl_BE": "Nederlands (België)",
    "fr": "Français",
    "fr_BE": "Français (Belgique)",
}


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["DEFAULT_LOCALE"])
    Babel(app, locale_selector=select_locale)
    # Templates call gettext dozens of times a page: look the catalog up once per request.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["html_lang"] = lambda: html_lang(current_locale())
    app.jinja_env.globals["language_options"] = language_options
    app.jinja_env.globals["format_percent"] = percent
    app.jinja_env.globals["format_date"] = format_date
    app.jinja_env.globals["format_datetime"] = lambda value: format_datetime(value, "short")


def percent(share: float | Decimal | int) -> str:
    """A share in [0, 1] as a whole percentage, rounded half up (2.5 % is 3 %, as people round,
    not 2 % as banks do), written the way the current language writes it ("3 %" in French and
    German, "3%" in English)."""
    whole = Decimal(str(share)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(format_percent(whole))


def _translations() -> Any:
    locale = g.get("locale")
    cached = g.get("_lti_translations")
    if cached is None or cached[0] != locale:
        cached = g._lti_translations = (locale, get_translations())
    return cached[1]


def current_locale() -> str:
    return str(get_locale() or "en")


def menu_languages(languages: tuple[str, ...]) -> tuple[str, ...]:
    """The languages of the language menu: each language, then its regional variants."""
    return tuple(
        code
        for language in languages
        for code in (language, *(v for v, base in VARIANTS.items() if base == language))
    )


def language_options() -> Markup:
    """The ``<option>`` elements of the language menu, the current language selected."""
    return _options(current_locale(), menu_languages(tuple(current_app.config["LANGUAGES"])))


@lru_cache(maxsize=64)
def _options(current: str, codes: tuple[str, ...]) -> Markup:
    return Markup("\n").join(
        Markup('<option value="{0}" lang="{1}"{2}>{3}</option>').format(
            code,
            html_lang(code),
            Markup(" selected") if code == current else "",
            LANGUAGE_NAMES[code],
        )
        for code in codes
    )
