"""Chinese text in the PDFs the platform draws (password slips, the student file for a transfer, supervision
exports): reportlab's built-in CID font STSong-Light — the PDF names the font and the reader supplies the glyphs, so
no font file is shipped and nothing is fetched."""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

CJK_FONT = "STSong-Light"


def cjk_font() -> str:
    """The CJK font's name, registered with reportlab on first use."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT
