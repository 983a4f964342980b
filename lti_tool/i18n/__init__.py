"""Languages: flask-babel for the interface (``messages``) and case content (``cases``)."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_babel import get_locale

from lti_tool.i18n.locale import select_locale
from lti_tool.paths import TRANSLATIONS_DIR

LANGUAGE_NAMES = {
    "en": "English",
    "el": "Ελληνικά",
    "it": "Italiano",
    "de": "Deutsch",
    "nl": "Nederlands",
    "fr": "Français",
}


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["DEFAULT_LOCALE"])
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_locale"] = current_locale


def current_locale() -> str:
    return str(get_locale() or "en")
