"""The dashboard of one node and period as an Excel workbook and as a printable PDF report for inspections
(督导检查): the same figures, statuses and suppression as the page (``supervision.dashboards.selectors.Dashboard``)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from supervision.dashboards.selectors import Dashboard, Figure, IndicatorRow
from xinyu.web.spreadsheets import safe_cell, xlsx_response


def _count(fig: Figure, value: int | None, text: str) -> int | str:
    if not fig.computed:
        return "—"
    return text if value is None else value


def figure_cells(fig: Figure) -> list:
    """Numerator, denominator, share and status of one figure as written in the exports: hidden counts as the
    page writes them ("<5" or "×", access.disclosure)."""
    return [
        _count(fig, fig.numerator, fig.num_text),
        _count(fig, fig.denominator, fig.den_text),
        fig.share_text if fig.computed else fig.percent,
        fig.status_label,
    ]


def _as_of(dash: Dashboard) -> str:
    if dash.computed_at is None:
        return _("not computed yet")
    return timezone.localtime(dash.computed_at).strftime("%Y-%m-%d %H:%M")


def dashboard_xlsx(dash: Dashboard) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="indicators")
    ws.append([safe_cell(f"{dash.node.name} · {dash.period.label}")])
    ws.append([safe_cell(_("Figures as of %(at)s") % {"at": _as_of(dash)})])
    header = [
        _("Indicator group"), _("Indicator"), _("Requirement"), _("Target"), _("Unit"), _("Numerator"), _("Denominator"),
        _("Share"), _("Status"),
    ]  # fmt: skip
    ws.append([safe_cell(str(h)) for h in header])
    for group in dash.groups:
        for row in group.rows:
            for fig in [row.own, *row.children]:
                ws.append(
                    [
                        safe_cell(v)
                        for v in [
                            group.label,
                            str(row.indicator.name),
                            row.indicator.requirement,
                            row.target_percent,
                            fig.name,
                            *figure_cells(fig),
                        ]
                    ]  # fmt: skip
                )
    return xlsx_response(wb, f"supervision-{dash.node.code}-{dash.period.code}.xlsx")


def dashboard_pdf(dash: Dashboard) -> bytes:
    """A4 report: per indicator group, each indicator's figure and status, its children's, and at a school the
    details rows (which campuses lack a psychological teacher …). Chinese in reportlab's built-in CID font."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from xinyu.web.pdf import cjk_font  # the CJK font (STSong-Light, no font file shipped)

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor="#555555")
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=22, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=17, spaceBefore=8, spaceAfter=4)
    h3 = ParagraphStyle("h3", parent=body, fontSize=10, leading=14, spaceBefore=6, spaceAfter=2)

    def p(text: object, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text if text is not None else "")), style)

    def table(rows: list, widths: list) -> Table:
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

    story = [
        p(_("Supervision report: %(node)s") % {"node": dash.node.name}, h1),
        p(f"{dash.period.label} · " + _("Figures as of %(at)s") % {"at": _as_of(dash)}, small),
    ]
    if not dash.raw:
        story.append(
            p(
                _(
                    "Counts about students' mental health under %(k)s are shown as “<%(k)s”, zero included; “×” "
                    "marks a count hidden so that totals cannot give a small one back."
                )
                % {"k": settings.XINYU_MIN_CELL},
                small,
            )
        )
    story.append(Spacer(1, 3 * mm))
    head = [_("Unit"), _("Numerator"), _("Denominator"), _("Share"), _("Status")]
    widths = [62 * mm, 26 * mm, 26 * mm, 26 * mm, 38 * mm]
    for group in dash.groups:
        story.append(p(group.label, h2))
        for row in group.rows:
            story.extend(_indicator_block(row, p, h3, small, head, widths, table))
    out = BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm, bottomMargin=14 * mm,
        title=f"supervision-{dash.node.code}-{dash.period.code}",
    ).build(story)  # fmt: skip
    return out.getvalue()


def _indicator_block(row: IndicatorRow, p, h3, small, head, widths, table) -> list:
    from reportlab.lib.units import mm

    ind = row.indicator
    out = [
        p(f"{ind.requirement} · {ind.name}", h3),
        p(_("Target: %(target)s of %(denominator)s") % {"target": row.target_percent, "denominator": ind.denominator},
          small),
    ]  # fmt: skip
    rows = [[p(h) for h in head]]
    for fig in [row.own, *row.children]:
        rows.append([p(fig.name), *[p(v) for v in figure_cells(fig)]])
    out.append(table(rows, widths))
    if row.details:
        keys = [k for k, _label in row.detail_columns]
        drows = [[p(label) for _k, label in row.detail_columns]]
        for d in row.details:
            drows.append([p(_yes_no(d.get(k))) for k in keys])
        width = 178 * mm / max(1, len(keys))
        out.append(table(drows, [width] * len(keys)))
    return out


def _yes_no(value: object) -> object:
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return value
