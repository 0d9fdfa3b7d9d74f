"""The student file as a PDF for an authorised transfer (转学档案), drawn with reportlab.

Chinese text uses reportlab's built-in CID font STSong-Light (the PDF names the font, the reader supplies the
glyphs), so no font file is shipped. The content is what the printable page shows: the same ``FilePage``.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from xinyu.web.pdf import cjk_font


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text or "")), style)


def render_pdf(ctx: dict) -> bytes:
    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor="#555555")
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=22, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=17, spaceBefore=8, spaceAfter=4)
    page, student = ctx["page"], ctx["student"]
    level_names = {"red": _("Red"), "orange": _("Orange"), "yellow": _("Yellow"), "none": _("None")}

    story = [
        _p(_("Student file: %(name)s") % {"name": student.name}, h1),
        _p(
            _("Printed %(at)s for an authorised transfer. Confidential: clinical data (T3).")
            % {"at": ctx["printed_at"].strftime("%Y-%m-%d %H:%M")},
            small,
        ),
        Spacer(1, 4 * mm),
    ]
    level = page.current_level.level if page.current_level else ""
    story.append(_p(f"{_('Current level')}: {level_names.get(level, _('No level confirmed'))}", body))
    story.append(_p(_("Enrollments"), h2))
    rows = [[_p(_("School year"), body), _p(_("School"), body), _p(_("Class"), body), _p(_("Status"), body)]]
    for e in page.enrollments:
        rows.append(
            [
                _p(e.school_year, body),
                _p(e.school.name, body),
                _p(e.school_class.name if e.school_class else "", body),
                _p(e.get_status_display(), body),
            ]
        )
    story.append(_table(rows, [30 * mm, 60 * mm, 40 * mm, 40 * mm]))
    story.append(_p(_("Timeline"), h2))
    rows = [[_p(_("When"), body), _p(_("What"), body), _p(_("School"), body)]]
    for e in page.entries:
        what = f"<b>{escape(e.title)}</b>"
        if e.level:
            what += f" [{escape(str(level_names.get(e.level, e.level)))}]"
        if e.summary:
            what += "<br/>" + escape(e.summary)
        rows.append(
            [
                _p(timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), body),
                Paragraph(what, body),
                _p(e.school_name, body),
            ]
        )
    if len(rows) == 1:
        rows.append([_p("", body), _p(_("Nothing recorded yet."), body), _p("", body)])
    story.append(_table(rows, [32 * mm, 103 * mm, 40 * mm]))
    out = BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title=f"student-file-{student.pk}",
    ).build(story)  # fmt: skip
    return out.getvalue()


def _table(rows: list, widths: list) -> Table:
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, "#999999"),
                ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return t
