"""Password slips as a PDF to print and cut (reportlab, the built-in CID font STSong-Light, so Chinese renders
without a font file) or as an Excel sheet (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from xinyu.web.pdf import cjk_font
from xinyu.web.slips.services import Slip

COLUMNS, ROWS = 2, 5
SLIPS_PER_PAGE = COLUMNS * ROWS
PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_pdf(slips: Sequence[Slip], login_url: str, title: str = "") -> bytes:
    """A4, ten slips a page (two columns, five rows) with dashed cut lines between them."""
    font = cjk_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(title or _("Student passwords"))
    c.setCreator("Xinyu")
    page_w, page_h = A4
    margin = 24
    w, h = (page_w - 2 * margin) / COLUMNS, (page_h - 2 * margin) / ROWS
    labels = {
        "school": _("School"),
        "class": _("Class"),
        "name": _("Name"),
        "username": _("Username"),
        "password": _("Initial password"),
        "url": _("Log in at"),
    }
    for start in range(0, len(slips), SLIPS_PER_PAGE):
        page = slips[start : start + SLIPS_PER_PAGE]
        c.setDash(4, 3)
        c.setLineWidth(0.5)
        c.setStrokeGray(0.5)
        for i in range(COLUMNS + 1):
            c.line(margin + i * w, margin, margin + i * w, page_h - margin)
        for j in range(ROWS + 1):
            c.line(margin, margin + j * h, page_w - margin, margin + j * h)
        c.setDash()
        for k, slip in enumerate(page):
            col, row = k % COLUMNS, k // COLUMNS
            x, top = margin + col * w + 14, page_h - margin - row * h - 22
            c.setFont(font, 11)
            c.drawString(x, top, _("Xinyu student account"))
            c.setFont(font, 9)
            lines = [
                (labels["school"], f"{slip.school}（{slip.campus}）"),  # STSong has no "·"
                (labels["class"], slip.class_name),
                (labels["name"], slip.student_name),
            ]
            y = top - 18
            for label, value in lines:
                c.drawString(x, y, f"{label}: {value}")
                y -= 14
            c.drawString(x, y - 2, f"{labels['username']}:")
            c.setFont("Courier-Bold", 12)
            c.drawString(x + 70, y - 2, slip.username)
            y -= 20
            c.setFont(font, 9)
            c.drawString(x, y - 2, f"{labels['password']}:")
            c.setFont("Courier-Bold", 14)
            c.drawString(x + 70, y - 2, slip.password)
            y -= 20
            c.setFont(font, 8)
            c.drawString(x, y, f"{labels['url']}: {login_url}")
            c.drawString(
                x, y - 12, _("Keep this slip to yourself; change the password after your first login.")
            )
        c.showPage()
    if not slips:
        c.setFont(font, 12)
        c.drawString(margin, page_h - margin - 20, _("No student of this class needs a new password."))
        c.showPage()
    c.save()
    return buf.getvalue()


def render_xlsx(slips: Sequence[Slip], login_url: str, sheet_title: str = "") -> bytes:
    """One row per student. Every cell is text (a name starting with "=" is never a formula)."""
    wb = Workbook()
    ws = wb.active
    title = "".join(ch for ch in (sheet_title or _("Passwords")) if ch not in "[]:*?/\\")[:31]
    ws.title = title or "Sheet1"
    header = [_("School"), _("Campus"), _("Class"), _("Name"), _("Student number"), _("Username")]
    header += [_("Initial password"), _("Log in at")]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for slip in slips:
        row = [slip.school, slip.campus, slip.class_name, slip.student_name, slip.student_no, slip.username]
        ws.append(row + [slip.password, login_url])
        for cell in ws[ws.max_row]:
            cell.data_type = "s"
    for letter, width in zip("ABCDEFGH", (28, 10, 14, 10, 22, 22, 14, 36), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_activation_pdf(slips: Sequence, activate_url: str) -> bytes:
    """Staff activation slips (激活单, issue 18): A4, ten a page, cut along the dashed lines."""
    font = cjk_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(_("Account activation slips"))
    c.setCreator("Xinyu")
    page_w, page_h = A4
    margin = 24
    w, h = (page_w - 2 * margin) / COLUMNS, (page_h - 2 * margin) / ROWS
    for start in range(0, len(slips), SLIPS_PER_PAGE):
        c.setDash(4, 3)
        c.setLineWidth(0.5)
        c.setStrokeGray(0.5)
        for i in range(COLUMNS + 1):
            c.line(margin + i * w, margin, margin + i * w, page_h - margin)
        for j in range(ROWS + 1):
            c.line(margin, margin + j * h, page_w - margin, margin + j * h)
        c.setDash()
        for k, slip in enumerate(slips[start : start + SLIPS_PER_PAGE]):
            col, row = k % COLUMNS, k // COLUMNS
            x, y = margin + col * w + 14, page_h - margin - row * h - 22
            c.setFont(font, 11)
            c.drawString(x, y, _("Xinyu account activation"))
            c.setFont(font, 9)
            c.drawString(x, y - 18, f"{_('Name')}: {slip.name}")
            c.drawString(x, y - 34, f"{_('Username')}:")
            c.setFont("Courier-Bold", 12)
            c.drawString(x + 70, y - 34, slip.username)
            c.setFont(font, 9)
            c.drawString(x, y - 54, f"{_('Activation code')}:")
            c.setFont("Courier-Bold", 13)
            c.drawString(x + 70, y - 54, slip.code)
            c.setFont(font, 8)
            c.drawString(
                x, y - 74, _("Valid until %(date)s. Activate at:") % {"date": slip.expires_on.isoformat()}
            )
            c.drawString(x, y - 86, activate_url)
            c.drawString(x, y - 100, _("Keep this slip to yourself. You will choose your own password."))
        c.showPage()
    c.save()
    return buf.getvalue()
