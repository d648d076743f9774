"""The sample web's PDF attachments, laid out by reportlab as publishers' office suites print them.

A real layout engine gives the PDF front end what real attachments carry: a CJK CID font (STSong-Light,
not embedded, as Adobe's Asian font packs expect), paragraphs wrapped to the page width, ruled tables with
merged cells whose long labels wrap inside their cell, and tables that break across pages with their
header rows repeated. `invariant` keeps the bytes the same from run to run (no clock, fixed document id).
"""

from __future__ import annotations

import io

from .report_doc import Block, grid

FONT = "STSong-Light"


def _styles():
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=16, wordWrap="CJK", firstLineIndent=22,
                          spaceAfter=4)
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1, firstLineIndent=0,
                                spaceAfter=10),
        "h": ParagraphStyle("h", parent=body, fontSize=12, leading=18, firstLineIndent=0, spaceBefore=6),
        "p": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10, firstLineIndent=0, spaceAfter=0),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<br>", "\n").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def _table(block: Block, styles, width: float):
    from reportlab.lib import colors
    from reportlab.platypus import LongTable, Paragraph

    placed = grid(block.rows or [])
    nrows = max(r + rs for r, _, rs, _, _ in placed)
    ncols = max(c + cs for _, c, _, cs, _ in placed)
    data: list[list[object]] = [[""] * ncols for _ in range(nrows)]
    spans = []
    for r, c, rs, cs, text in placed:
        data[r][c] = Paragraph(_escape(text), styles["cell"]) if text else ""
        if rs > 1 or cs > 1:
            spans.append(("SPAN", (c, r), (c + cs - 1, r + rs - 1)))
    # header rows: the rows before the first one that holds a number
    header = next((r for r in range(nrows) if any(t.replace(".", "").isdigit() for rr, _, _, _, t in placed
                                                  if rr == r)), 0)
    header = header if 0 < header < nrows // 2 and all(r + rs <= header for r, _, rs, _, _ in placed if r < header) else 0
    # value columns are narrow; the label columns (left of the first number) share the rest by the length
    # of their own labels, so long labels wrap over a few lines rather than many
    label_cols = min((c for _, c, _, _, t in placed if t.replace(".", "").isdigit()), default=1) or 1
    value_w = min(40.0, width * 0.5 / max(1, ncols - label_cols))
    weights = [max([len(t) for _, c, _, cs, t in placed if c == col and cs == 1] + [4]) ** 0.5
               for col in range(label_cols)]
    rest = width - value_w * (ncols - label_cols)
    widths = [rest * w / sum(weights) for w in weights] + [value_w] * (ncols - label_cols)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8),
             ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
             ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2), *spans]
    return LongTable(data, colWidths=widths, repeatRows=header, style=style)


def make_pdf(blocks: list[Block], title: str = "") -> bytes:
    """PDF bytes of the report blocks: title, headings, paragraphs and ruled tables."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    styles = _styles()
    buf = io.BytesIO()
    title = title or next((b.text for b in blocks if b.kind == "title"), "")
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=56, rightMargin=56, topMargin=56, bottomMargin=56,
                            title=title, author="", creator="", producer="", invariant=1)
    story: list[object] = []
    for b in blocks:
        if b.kind == "table":
            story += [_table(b, styles, doc.width), Spacer(1, 8)]
        else:
            story.append(Paragraph(_escape(b.text), styles.get(b.kind, styles["p"])))
    doc.build(story)
    return buf.getvalue()

