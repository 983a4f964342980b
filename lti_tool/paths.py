"""Where the non-Python parts live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_ROOT = PACKAGE_DIR.parent
_INSTALLED = PACKAGE_DIR / "_data"


def _find(name: str) -> Path:
    installed = _INSTALLED / name
    return installed if installed.is_dir() else _ROOT / name


TEMPLATES_DIR = _find("templates")
TRANSLATIONS_DIR = _find("translations")
MIGRATIONS_DIR = _find("migrations")
CASES_DIR = PACKAGE_DIR / "cases"
STATIC_DIR = PACKAGE_DIR / "static"
