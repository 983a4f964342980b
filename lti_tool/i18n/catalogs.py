"""The translation workflow: extract, update, compile and check the gettext catalogs.

Two domains: ``messages`` (the interface: Python and templates, `babel.cfg`) and ``cases`` (case
and referral content, `babel-cases.cfg` with the ``lti_case`` extractor). Templates (``.pot``)
and translations (``.po``) are committed; compiled ``.mo`` files are build output.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

from lti_tool.i18n.locale import VARIANTS
from lti_tool.paths import PACKAGE_DIR
from lti_tool.paths import TEMPLATES_DIR
from lti_tool.paths import TRANSLATIONS_DIR

LANGUAGES = ("el", "it", "de", "nl", "fr")
DOMAINS = ("messages", "cases")
ROOT = PACKAGE_DIR.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|(?<!\{)\{(\w*)\}(?!\})")


def _extract_messages() -> Catalog:
    catalog = Catalog(project="AMELIE case simulations", charset="utf-8", fuzzy=False)
    sources = [
        (PACKAGE_DIR, [("**.py", "python")], {}),
        (TEMPLATES_DIR, [("**.html", "jinja2")], {"**.html": {"trimmed": "true"}}),
    ]
    for directory, method_map, options in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(directory), method_map, options_map=options, keywords=KEYWORDS,
            comment_tags=["i18n:"],
        ):  # fmt: skip
            if "/sandbox/" in f"/{filename}" or filename.startswith("sandbox/"):
                continue  # the sandbox stands in for the LMS; it is not translated
            location = (str((directory / filename).relative_to(ROOT)), lineno)
            catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def _extract_cases() -> Catalog:
    catalog = Catalog(project="AMELIE case simulations", charset="utf-8", fuzzy=False)
    cases = PACKAGE_DIR / "cases"
    for filename, lineno, message, comments, context in extract_from_dir(
        str(cases), [("**.yaml", "lti_case")], keywords=KEYWORDS,
    ):  # fmt: skip
        location = (str((cases / filename).relative_to(ROOT)), lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def extract(domain: str) -> Catalog:
    return _extract_messages() if domain == "messages" else _extract_cases()


def template_path(domain: str) -> Path:
    return TRANSLATIONS_DIR / f"{domain}.pot"


def po_path(language: str, domain: str) -> Path:
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def _write(catalog: Catalog, path: Path, *, template: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    for message in catalog:
        # Babel wraps long "#| msgid" lines into a form it cannot read back (they return as
        # "# | msgid" comments); leave the previous text out, the fuzzy flag is what matters
        message.user_comments = [c for c in message.user_comments if not c.startswith("| ")]
        message.previous_id = []
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False,
             include_previous=False, ignore_obsolete=True)  # fmt: skip
    path.write_bytes(buffer.getvalue())


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def write_templates() -> None:
    for domain in DOMAINS:
        _write(extract(domain), template_path(domain), template=True)


def update_languages() -> None:
    """Merge the templates into every language's catalog: new texts appear untranslated,
    changed texts become fuzzy (with the previous English kept for the translator)."""
    for domain in DOMAINS:
        template = _read(template_path(domain))
        for language in LANGUAGES:
            path = po_path(language, domain)
            catalog = _read(path, language) if path.exists() else _new_catalog(language, domain)
            catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
            catalog.fuzzy = False
            _write(catalog, path, template=False)


HEADER = """\
# {language_name} translation of the AMELIE case simulations ({domain}).
# This file is distributed under the same license as the project.
# See docs/translating.md and docs/glossary.md."""


def _new_catalog(language: str, domain: str) -> Catalog:
    from babel import Locale

    return Catalog(
        locale=language,
        domain=domain,
        project="AMELIE case simulations",
        header_comment=HEADER.format(language_name=Locale(language).english_name, domain=domain),
        fuzzy=False,
        charset="utf-8",
    )


def compile_all() -> list[Path]:
    written = []
    for language in (*LANGUAGES, *VARIANTS):
        for domain in DOMAINS:
            catalog = compiled_catalog(language, domain)
            if catalog is None:
                continue
            target = po_path(language, domain).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            written.append(target)
    return written


def compiled_catalog(language: str, domain: str) -> Catalog | None:
    """What the tool reads for ``language``: its catalog, or for a regional variant its
    language's catalog with the variant's texts in place of the language's."""
    own = po_path(language, domain)
    base = VARIANTS.get(language)
    if base is None:
        return _read(own, language) if own.exists() else None
    catalog = _read(po_path(base, domain), language)
    for message in _read(own, language) if own.exists() else ():
        replaced = catalog.get(message.id, message.context) if message.id else None
        if replaced is not None and message.string and not message.fuzzy:
            replaced.string = message.string
    return catalog


@dataclass(frozen=True)
class Finding:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def _placeholders(text: str) -> list[str]:
    return sorted(a or b for a, b in PLACEHOLDER.findall(text))


def check(languages: tuple[str, ...] = LANGUAGES) -> list[Finding]:
    """Everything CI requires of the catalogs; an empty list means all is well."""
    findings: list[Finding] = []
    for domain in DOMAINS:
        template_file = template_path(domain)
        if not template_file.exists():
            findings.append(Finding(str(template_file), "missing: run `lti-tool i18n extract`"))
            continue
        fresh = _keys(extract(domain))
        committed = _keys(_read(template_file))
        for context, msgid in sorted(fresh - committed, key=str):
            findings.append(
                Finding(str(template_file), f"not extracted yet: {context or ''} {msgid[:60]!r}")
            )
        for context, msgid in sorted(committed - fresh, key=str):
            findings.append(
                Finding(
                    str(template_file), f"no longer in the sources: {context or ''} {msgid[:60]!r}"
                )
            )
        for language in languages:
            findings.extend(_check_language(language, domain, fresh))
        for variant in VARIANTS:
            findings.extend(_check_variant(variant, domain, fresh))
    findings.extend(check_glossary())
    return findings


def _check_language(
    language: str, domain: str, expected: set[tuple[str | None, str]]
) -> list[Finding]:
    path = po_path(language, domain)
    where = str(path.relative_to(ROOT))
    if not path.exists():
        return [Finding(where, "missing")]
    try:
        catalog = _read(path, language)
    except Exception as exc:
        return [Finding(where, f"does not parse: {exc}")]
    findings = []
    present = _keys(catalog)
    for context, msgid in sorted(expected - present, key=str):
        findings.append(Finding(where, f"missing entry: {context or ''} {msgid[:60]!r}"))
    for message in catalog:
        if not message.id:
            continue
        label = f"{message.context or ''} {str(message.id if isinstance(message.id, str) else message.id[0])[:60]!r}"
        if message.fuzzy:
            findings.append(Finding(where, f"fuzzy: {label}"))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            findings.append(Finding(where, f"untranslated: {label}"))
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = _placeholders(ids[-1])
        for translated in strings:
            if _placeholders(translated) != wanted and not (
                len(ids) > 1 and set(_placeholders(translated)) <= set(wanted)
            ):
                findings.append(Finding(where, f"placeholders differ: {label}"))
    try:
        write_mo(io.BytesIO(), catalog, use_fuzzy=False)
    except Exception as exc:
        findings.append(Finding(where, f"does not compile: {exc}"))
    return findings


def _check_variant(variant: str, domain: str, expected: set[tuple[str | None, str]]
                   ) -> list[Finding]:  # fmt: skip
    """A regional variant holds only texts that differ; each must still exist in the sources,
    be translated, not fuzzy, and keep its placeholders."""
    path = po_path(variant, domain)
    if not path.exists():
        return []
    where = str(path.relative_to(ROOT))
    try:
        catalog = _read(path, variant)
    except Exception as exc:
        return [Finding(where, f"does not parse: {exc}")]
    findings = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        label = f"{message.context or ''} {msgid[:60]!r}"
        if (message.context, msgid) not in expected:
            findings.append(Finding(where, f"no longer in the sources (update or remove): {label}"))
        elif message.fuzzy or not message.string:
            findings.append(Finding(where, f"fuzzy or untranslated: {label}"))
        elif isinstance(message.string, str) and _placeholders(message.string) != _placeholders(
            msgid
        ):
            findings.append(Finding(where, f"placeholders differ: {label}"))
    return findings


GLOSSARY_TERMS = TRANSLATIONS_DIR / "glossary-terms.tsv"
GLOSSARY_DOC = ROOT / "docs" / "glossary.md"


def _tsv(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text("utf-8").splitlines()[1:]:
        if line.strip():
            rows.append(line.split("\t"))
    return rows


def glossary_markdown() -> str:
    """docs/glossary.md, built from translations/glossary-terms.tsv and each language's
    translations/<lang>/glossary.tsv (term, translation, note)."""
    terms = [row[0] for row in _tsv(GLOSSARY_TERMS)]
    notes = {row[0]: row[1] if len(row) > 1 else "" for row in _tsv(GLOSSARY_TERMS)}
    columns: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        path = TRANSLATIONS_DIR / language / "glossary.tsv"
        columns[language] = (
            {row[0]: row[1] for row in _tsv(path) if len(row) > 1} if path.exists() else {}
        )
    lines = [
        "# Glossary",
        "",
        "The key terms of the domain in the six languages. Translations of the interface and of",
        "the cases use these terms consistently. Generated by `lti-tool i18n glossary` from",
        "`translations/glossary-terms.tsv` and `translations/<lang>/glossary.tsv`; edit those.",
        "",
        "| English | Ελληνικά (el) | Italiano (it) | Deutsch (de) | Nederlands (nl) | Français (fr) |",
        "|---|---|---|---|---|---|",
    ]
    for term in terms:
        cells = [term] + [columns[lang].get(term, "") for lang in LANGUAGES]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    lines += ["", "## Notes for translators", ""]
    lines += [f"- **{term}**: {note}" for term, note in notes.items() if note]
    lines += _regional_glossary()
    return "\n".join(lines) + "\n"


def _regional_glossary() -> list[str]:
    """The section for the regional variants, from ``translations/<variant>/glossary.tsv``
    (term, Belgian wording, note): only the terms whose wording differs, or that only that
    country has (OCMW / CPAS)."""
    rows = {
        variant: _tsv(TRANSLATIONS_DIR / variant / "glossary.tsv")
        for variant in VARIANTS
        if (TRANSLATIONS_DIR / variant / "glossary.tsv").exists()
    }
    if not rows:
        return []
    terms = list(dict.fromkeys(row[0] for found in rows.values() for row in found))
    wording = {v: {r[0]: r[1] for r in found if len(r) > 1} for v, found in rows.items()}
    tags = [v.replace("_", "-") for v in rows]
    lines = [
        "",
        "## Belgian Dutch and Belgian French",
        "",
        "The regional variants (" + ", ".join(tags) + ") use these terms where Belgian wording",
        "differs from the language's, and for Belgian services. Edit",
        "`translations/<variant>/glossary.tsv`.",
        "",
        "| English | " + " | ".join(tags) + " |",
        "|---|" + "---|" * len(tags),
    ]
    for term in terms:
        cells = [term] + [wording[v].get(term, "") for v in rows]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    lines += [""]
    lines += [
        f"- **{row[0]}** ({variant.replace('_', '-')}): {row[2]}"
        for variant, found in rows.items()
        for row in found
        if len(row) > 2 and row[2].strip()
    ]
    return lines


def check_glossary() -> list[Finding]:
    findings = []
    terms = {row[0] for row in _tsv(GLOSSARY_TERMS)}
    for language in LANGUAGES:
        path = TRANSLATIONS_DIR / language / "glossary.tsv"
        if not path.exists():
            findings.append(Finding(str(path.relative_to(ROOT)), "missing"))
            continue
        have = {row[0] for row in _tsv(path) if len(row) > 1 and row[1].strip()}
        for term in sorted(terms - have):
            findings.append(Finding(str(path.relative_to(ROOT)), f"no translation for {term!r}"))
    if not GLOSSARY_DOC.exists() or GLOSSARY_DOC.read_text("utf-8") != glossary_markdown():
        findings.append(Finding("docs/glossary.md", "out of date: run `lti-tool i18n glossary`"))
    return findings
