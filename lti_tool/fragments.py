"""Rendered parts of pages that are the same for everyone who sees them in one language (a
scene's case text, a debrief step's feedback, a country's referral contacts), kept per app.

Case text passes through the translation catalog and the Markdown renderer, and dates through
Babel; doing that once per language instead of on every page is most of what a learner page
costs to render. The library is fixed for the life of the app, so a kept part never goes stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from flask import current_app
from flask import render_template
from markupsafe import Markup

MAX_ENTRIES = 8192
_lock = threading.Lock()


def _store() -> OrderedDict[tuple[Hashable, ...], Markup]:
    store = current_app.extensions.get("lti_tool.fragments")
    if store is None:
        store = current_app.extensions.setdefault("lti_tool.fragments", OrderedDict())
    return store  # type: ignore[no-any-return]


def rendered(key: tuple[Hashable, ...], template: str, **context: Any) -> Markup:
    """``template`` rendered with ``context``, once per ``key``. The key must name everything
    the output depends on, the language included."""
    store = _store()
    with _lock:
        found = store.get(key)
        if found is not None:
            store.move_to_end(key)
            return found
    fragment = Markup(render_template(template, **context))  # noqa: S704 - autoescaped template
    with _lock:
        store[key] = fragment
        if len(store) > MAX_ENTRIES:
            store.popitem(last=False)
    return fragment
