"""Belgian Dutch and French: a regional catalog holds only what differs from its language."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from hatch_build import compile_catalogs
from lti_tool.i18n.catalogs import check
from lti_tool.i18n.catalogs import compiled_catalog


def _po(path: Path, locale: str, entries: dict[tuple[str | None, str], str]) -> None:
    catalog = Catalog(locale=locale)
    for (context, msgid), text in entries.items():
        catalog.add(msgid, text, context=context)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


def test_the_build_compiles_a_variant_over_its_language(tmp_path):
    _po(tmp_path / "nl/LC_MESSAGES/cases.po", "nl", {
        ("case/role", "Emergency doctor"): "SEH-arts",
        ("case/title", "The title"): "De titel",
    })  # fmt: skip
    _po(tmp_path / "nl_BE/LC_MESSAGES/cases.po", "nl_BE", {
        ("case/role", "Emergency doctor"): "urgentiearts",
    })  # fmt: skip
    compile_catalogs(tmp_path)
    belgian = gettext.translation("cases", tmp_path, ["nl_BE"])
    dutch = gettext.translation("cases", tmp_path, ["nl"])
    assert belgian.pgettext("case/role", "Emergency doctor") == "urgentiearts"
    assert belgian.pgettext("case/title", "The title") == "De titel"  # from nl, not English
    assert dutch.pgettext("case/role", "Emergency doctor") == "SEH-arts"


def test_a_variant_without_its_own_catalog_is_its_language():
    nl = compiled_catalog("nl", "messages")
    nl_be = compiled_catalog("nl_BE", "messages")
    assert nl is not None and nl_be is not None
    assert nl.get("Language").string == nl_be.get("Language").string


def test_the_shipped_variant_catalogs_pass_the_checks():
    assert not [f for f in check() if "_BE/" in f.path]
