"""The record of completion as a PDF (fpdf2, see docs/decisions.md): one A4 page in the
learner's language, in DejaVu Sans shipped with the package (Latin and Greek, embedded as a
subset with its Unicode map, so the text can be searched and copied)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from lti_tool.i18n import current_locale
from lti_tool.i18n.locale import html_lang
from lti_tool.paths import PACKAGE_DIR
from lti_tool.records.facts import Described

FONTS = PACKAGE_DIR / "fonts"
FONT = "DejaVu"
BOLD = FontFace(emphasis="BOLD")
INK = (0, 0, 0)
RULE = (120, 120, 120)


def record_pdf(shown: Described, code: str, verify_url: str, issued_at: datetime) -> bytes:
    """The PDF of a record showing ``shown``, with its verification code and address."""
    name = _("Record of completion")
    pdf = FPDF(format="A4")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_lang(html_lang(current_locale()))
    pdf.set_title(f"{name}: {shown.title}")
    pdf.set_creator(_("AMELIE case simulations"))
    pdf.set_creation_date(issued_at)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.add_page()

    _line(pdf, _("AMELIE case simulations"), 10)
    _line(pdf, name, 22, bold=True, gap=2)
    _line(pdf, shown.title, 16, bold=True, gap=6)
    _table(pdf, shown.rows, widths=(55, 115))

    _heading(pdf, _("Score per skill"))
    _table(pdf, shown.skills, widths=(125, 45), right=True)

    _heading(pdf, _("Modules covered"))
    pdf.set_font(FONT, "", 11)
    for module in shown.modules:
        pdf.multi_cell(0, 6, f"•  {module}", align="L", new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, _("Verification"))
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5.5, _("This record can be checked at the address below, which shows "
                             "what it shows while the tool keeps the attempt."),
                   align="L", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(2)
    _table(pdf, [(_("Verification code"), code), (_("Check it at"), verify_url)],
           widths=(55, 115), link=verify_url)  # fmt: skip
    pdf.ln(4)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, _("Issued on %(date)s.", date=format_date(issued_at, "long")),
                   align="L", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, size: float, *, bold: bool = False, gap: float = 1) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(5)
    _line(pdf, text, 13, bold=True, gap=1.5)


def _table(pdf: FPDF, rows: list[tuple[str, str]], *, widths: tuple[int, int],
           right: bool = False, link: str | None = None) -> None:  # fmt: skip
    """Two columns, the first in bold, lines between rows (clear in black and white)."""
    pdf.set_font(FONT, "", 11)
    with pdf.table(col_widths=widths, first_row_as_headings=False,
                   borders_layout="HORIZONTAL_LINES", line_height=6.5, padding=1.5,
                   text_align=("LEFT", "RIGHT" if right else "LEFT")) as table:  # fmt: skip
        for label, value in rows:
            row = table.row()
            row.cell(label, style=BOLD)
            row.cell(value, link=link if link and value == link else None)
