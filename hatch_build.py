"""Build hook: compile the gettext catalogs (.po → .mo) before packaging.

Compiled catalogs are build output, never committed. The hook runs for wheels and for
editable installs, so ``pip install -e .`` leaves a checkout with working translations.
A regional variant (``translations/nl_BE``) holds only the texts that differ from its language
(``nl``); its compiled catalog is the language's with those texts replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # imported outside a build (the tests check compile_catalogs)
    BuildHookInterface = object  # type: ignore[assignment,misc]

DOMAINS = ("messages", "cases")


def compile_catalogs(translations: Path) -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    def read(path: Path, locale: str) -> Any:
        with path.open("rb") as handle:
            return read_po(handle, locale=locale)

    written = []
    for folder in sorted(p for p in translations.iterdir() if (p / "LC_MESSAGES").is_dir()):
        locale = folder.name
        base = locale.split("_")[0]
        for domain in DOMAINS:
            own = folder / "LC_MESSAGES" / f"{domain}.po"
            base_po = translations / base / "LC_MESSAGES" / f"{domain}.po"
            if base == locale or not base_po.exists():
                if not own.exists():
                    continue
                catalog = read(own, locale)
            else:
                catalog = read(base_po, locale)
                for message in read(own, locale) if own.exists() else ():
                    replaced = catalog.get(message.id, message.context) if message.id else None
                    if replaced is not None and message.string and not message.fuzzy:
                        replaced.string = message.string
            mo_path = own.with_suffix(".mo")
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog, use_fuzzy=False)
            written.append(mo_path)
    return written


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        compile_catalogs(Path(self.root) / "translations")  # type: ignore[attr-defined]
