"""Scanned reports for the sample web: a report's printed pages as a small publisher's scanner returns them.

Small publishers post a scan of the signed, printed report. The sample web makes one the way the real scans
in ../shared/fixtures/real/rendered were made: the printed pages in grey at 150 dpi, rotated 0.4° and blurred
(Pillow), saved as an image-only PDF. `scan_pdf` does this to any PDF whose fonts a renderer can draw
(pypdfium2); the sample's own PDF writer numbers its glyphs privately (no renderer can draw them), so
`scan_report` prints the same lines as that PDF (report_doc.plain_lines, table rows in columns) with a
system CJK font. Without a CJK font on the machine (Debian: fonts-wqy-microhei) the sample web publishes
no scan (`scans_available()`), and its truth says so. Deterministic: the same report gives the same bytes.
"""

from __future__ import annotations

import io
import re
import time
from functools import lru_cache
from pathlib import Path

from .model import Attachment
from .report_doc import plain_lines
from .urls import attachment_path

#: the scanner's settings: resolution, feed skew (degrees), blur radius (pixels)
DPI, SKEW, BLUR = 150, 0.4, 0.4
#: A4 at DPI, margins and type size (pixels)
PAGE_W, PAGE_H, MARGIN, FONT_PX, LINE_PX, COL_PX = 1240, 1754, 110, 24, 40, 78
_FONT_FILES = ("wqy-microhei.ttc", "wqy-zenhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSerifCJK-Regular.ttc",
               "uming.ttc", "ukai.ttc", "DroidSansFallbackFull.ttf")
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
_NUM = re.compile(r"^[-\d.,%]+$")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Path of a CJK TrueType font on this machine, or None."""
    for d in _FONT_DIRS:
        for name in _FONT_FILES:
            hits = sorted(Path(d).rglob(name)) if Path(d).is_dir() else []
            if hits:
                return str(hits[0])
    return None


def scans_available() -> bool:
    return cjk_font() is not None


def _scanner(pages: list) -> bytes:
    from PIL import ImageFilter

    out = io.BytesIO()
    done = [p.convert("L").rotate(SKEW, resample=3, expand=False, fillcolor=255).filter(ImageFilter.GaussianBlur(BLUR))
            for p in pages]
    fixed = time.strptime("2020-01-01", "%Y-%m-%d")  # no clock in the bytes
    done[0].save(out, format="PDF", save_all=True, append_images=done[1:], resolution=DPI,
                 creationDate=fixed, modDate=fixed)
    return out.getvalue()


def scan_pdf(pdf: bytes) -> bytes:
    """The pages of `pdf` (fonts a renderer can draw) as a scanned, image-only PDF."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        pages = [page.render(scale=DPI / 72, grayscale=True).to_pil().copy() for page in doc]
    finally:
        doc.close()
    return _scanner(pages)


def _wrap(text: str, font, width: int) -> list[str]:
    lines, cur = [], ""
    for ch in text:
        if font.getlength(cur + ch) > width:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    return [*lines, cur] if cur else lines


def scan_lines(lines: list[str]) -> bytes:
    """Printed lines as a scan: prose wrapped to the page, table rows (cells split by two spaces) with their
    numbers in right-aligned columns as a printed table has them."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(cjk_font(), FONT_PX)
    width = PAGE_W - 2 * MARGIN
    pages, y = [], PAGE_H
    draw = None

    def new_line() -> None:
        nonlocal y, draw
        if y + LINE_PX > PAGE_H - MARGIN:
            pages.append(Image.new("L", (PAGE_W, PAGE_H), 255))
            draw, y = ImageDraw.Draw(pages[-1]), MARGIN

    for line in lines:
        cells = [c for c in line.split("  ") if c.strip()]
        nums = []
        while cells and _NUM.match(cells[-1].strip()):
            nums.insert(0, cells.pop().strip())
        label = "".join(c.strip() for c in cells)
        if nums:  # a ruled table row: label cell, then one ruled cell per number
            col = min(COL_PX, (width - (240 if label else 0)) // len(nums))  # 表四's 15 numbers fit the page
            label_w = width - col * len(nums) - 10
            parts = _wrap(label, font, label_w) or [""]
            new_line()
            if y + LINE_PX * len(parts) > PAGE_H - MARGIN:
                y = PAGE_H  # the row goes whole to the next page
                new_line()
            top, bottom = y - 6, y + LINE_PX * len(parts) - 6
            right = PAGE_W - MARGIN
            draw.rectangle((MARGIN - 8, top, right, bottom), outline=0, width=2)
            for j, n in enumerate(nums):
                x = right - col * (len(nums) - j)
                draw.line((x, top, x, bottom), fill=0, width=2)
                draw.text((x + (col - font.getlength(n)) / 2, (top + bottom) / 2 - FONT_PX / 2 - 2), n,
                          font=font, fill=0)
            for i, part in enumerate(parts):
                if i:
                    new_line()
                draw.text((MARGIN, y), part, font=font, fill=0)
                y += LINE_PX
        else:
            for part in _wrap(line.strip(), font, width) or [""]:
                new_line()
                draw.text((MARGIN, y), part, font=font, fill=0)
                y += LINE_PX
    return _scanner(pages)


def scan_report(blocks) -> bytes:
    """The sample report's printed lines (as in its PDF attachment) as a scanned PDF."""
    return scan_lines(plain_lines(blocks))


def add_scans(site, n: int) -> list:
    """Publish the site's first `n` plain 2021-format reports as a scan only: the page says 全文详见附件 and
    links a scanned PDF of the printed report (statistics in the attachment, as ATTACH-ONLY reports have
    them). Reports planted with an anomaly are left alone, so the scan adds no flag of its own."""
    planted = {a.get("report_url") for a in site.anomalies}
    chosen = [r for r in site.reports if r.kind == "report" and r.fmt == "2021" and r.stats_in == "page"
              and not r.attachments and not r.blanks and r.url not in planted
              and not any(r.variant.get(k) for k in ("split_t4", "typo", "approx", "heavy", "wrong_charset"))
              and r.repost_of is None][:n]
    for rep in chosen:
        rep.stats_in = "attachment"
        url = site.base + attachment_path(site.style, rep.column.path, rep.published, rep.doc_id, "pdf")
        rep.attachments.append(Attachment(url, "scan", rep))
    return chosen
