"""The translation catalogs as CI requires them (`lti-tool i18n check`)."""

from __future__ import annotations

from lti_tool.i18n.catalogs import _placeholders
from lti_tool.i18n.catalogs import check


def test_catalogs_are_current_complete_and_consistent():
    findings = check()
    assert [str(f) for f in findings] == []


def test_placeholders_are_found_in_both_styles():
    assert _placeholders("Hello %(name)s, {count} left") == ["count", "name"]
    assert _placeholders("100%% sure, {{ literal }}") == []


def test_the_glossary_shows_the_belgian_terms_of_the_regional_variants():
    from lti_tool.i18n.catalogs import glossary_markdown

    page = glossary_markdown()
    section = page[page.index("## Belgian Dutch and Belgian French") :]
    assert "| English | nl-BE | fr-BE |" in section
    assert "| emergency department | spoedgevallendienst (spoed) | service des urgences" in section
    assert "OCMW" in section and "CPAS" in section
    assert "- **midwife** (nl-BE): NL: verloskundige" in section
