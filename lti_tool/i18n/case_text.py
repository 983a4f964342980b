"""Case content in the learner's language: gettext's ``cases`` domain, then safe Markdown.

The English YAML stays the single source; translators work in ``translations/*/cases.po``, where
each text's ``msgctxt`` names where it sits (``<case>/<node>/<choice>/feedback``, see
docs/case-format.md). A translation that is missing or outdated (fuzzy entries are not compiled)
falls back to the English source. Markdown is rendered with raw HTML disabled and the result is
sanitised to a small set of tags; rendered text is cached per language, since a scene page shows
the same texts to every learner.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import nh3
from babel.support import NullTranslations
from babel.support import Translations
from flask import g
from flask_babel import get_locale
from markdown_it import MarkdownIt
from markupsafe import Markup

from lti_tool.paths import TRANSLATIONS_DIR
from lti_tool.simulation import Case

DOMAIN = "cases"
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.disable(["image", "heading", "lheading", "table", "hr", "code", "fence", "html_block",
                   "html_inline"], ignoreInvalid=True)  # fmt: skip
_TAGS = {"p", "em", "strong", "ul", "ol", "li", "a", "br", "code", "blockquote"}
_lock = threading.Lock()
_catalogs: dict[str, Translations | NullTranslations] = {}


def catalog(locale: str) -> Translations | NullTranslations:
    with _lock:
        if locale not in _catalogs:
            _catalogs[locale] = Translations.load(str(TRANSLATIONS_DIR), [locale], domain=DOMAIN)
        return _catalogs[locale]


def _locale() -> str:
    cached = g.get("_case_locale")
    if cached is None:
        cached = g._case_locale = str(get_locale() or "en")
    return str(cached)


def translate(context: str, source: str) -> str:
    """The translation of a content text with this full ``msgctxt``, or its English source."""
    locale = _locale()
    if locale == "en":
        return source
    return str(catalog(locale).pgettext(context, source))


def text(case: Case, context: str, source: str) -> str:
    """The translation of a plain text of ``case`` (``context`` is relative to the case)."""
    return translate(f"{case.id}/{context}", source)


@lru_cache(maxsize=20_000)
def _render(markdown: str) -> Markup:
    html = _markdown.render(markdown)
    # sanitised by nh3 just above: only the allowed tags and attributes remain
    return Markup(nh3.clean(html, tags=_TAGS, attributes={"a": {"href", "title"}},  # noqa: S704
                            url_schemes={"https", "http", "mailto", "tel"},
                            link_rel="noopener noreferrer"))  # fmt: skip


def render_markdown(text: str) -> Markup:
    """Markdown already in the page's language (a translated country note), as safe HTML."""
    return _render(text)


def markdown(case: Case, context: str, source: str) -> Markup:
    """The translation of a Markdown text of ``case``, rendered to safe HTML."""
    return _render(text(case, context, source))


def inline(case: Case, context: str, source: str) -> Markup:
    """As ``markdown``, for short texts shown inside a line (no paragraph around them)."""
    rendered = str(markdown(case, context, source)).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return Markup(rendered)  # noqa: S704 - already sanitised by _render


_complete: dict[tuple[int, str], bool] = {}


def complete(case: Case, locale: str) -> bool:
    """Whether every text of ``case`` has a (non-fuzzy) translation in ``locale``."""
    key = (id(case), locale)
    if key not in _complete:
        messages = getattr(catalog(locale), "_catalog", {})
        _complete[key] = all(f"{item.context}\x04{item.text}" in messages for item in case.texts)
    return _complete[key]
