"""The archived captures OCR reads and the crops the flag page shows: all from the archive, nothing re-fetched.

An image-only report page and its images are separate captures (the spider archives a page's images when
the page has almost no text, with the page as referrer). Extraction never fetches, so the extraction job
hands the page's archived images to `extract(images=...)`; the flag page cuts an OCR value's box out of the
same capture (the page's image, or the scanned PDF's page rendered again) to show beside the value.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import sqlite_utils

from archive.warc import read_record
from pipeline.extract.model import Extraction, Provenance
from pipeline.extract.ocr import DEFAULT_DPI
from pipeline.extract.ocrcells import parse_where
from pipeline.limits import LIMITS

#: images of one report page handed to OCR (the spider archives at most 50)
MAX_IMAGES = 50
#: margin around a cell's box in the crop, in the box's units (PDF points / image pixels)
CROP_MARGIN = 6.0
_FROM_ATTACHMENT = re.compile(r" · from attachment (\S+)$")


def _natural(url: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", url)]


def image_pages(db: sqlite_utils.Database, page_url: str) -> list[dict]:
    """The latest archived version of each image captured from `page_url`, in the images' URL order
    (page1.jpg, page2.jpg … page10.jpg): that order is the OCR page number, for extraction and crops alike."""
    if "pages" not in db.table_names():
        return []
    rows = [dict(r) for r in db.query(
        "SELECT * FROM pages p WHERE role = 'image' AND referrer = ? AND status = 200 AND version = "
        "(SELECT max(version) FROM pages q WHERE q.url = p.url AND q.status = 200)", [page_url])]
    return sorted(rows, key=lambda r: _natural(r["url"]))[:MAX_IMAGES]


def report_images(db: sqlite_utils.Database, warc_dir: Path, page: dict) -> list[bytes] | None:
    """The archived image bytes of one report page, or None when it has none (most pages)."""
    if page.get("role") not in ("report", "item"):
        return None
    out = []
    for row in image_pages(db, page["url"]):
        if not row.get("warc_file") or (row.get("size") or 0) > LIMITS.max_bytes:
            continue
        try:
            out.append(read_record(warc_dir, row["warc_file"], row["warc_offset"]).body)
        except (OSError, ValueError):
            continue  # an unreadable capture: OCR reads the others
    return out or None


def crop_png(db: sqlite_utils.Database, warc_dir: Path, report_id: int, key: str) -> bytes | None:
    """PNG of the box an OCR value was read from, cut from its archived capture; None when the value is
    not an OCR value traced to a box, or the capture is gone."""
    metric = next(db.query("SELECT where_ FROM metrics WHERE report_id = ? AND key = ?", [report_id, key]), None)
    report = next(db.query("SELECT page_id, url FROM reports WHERE id = ?", [report_id]), None)
    cell = parse_where(metric and metric["where_"])
    if cell is None or report is None:
        return None
    m = _FROM_ATTACHMENT.search(metric["where_"] or "")
    if m:
        page = next(db.query("SELECT * FROM pages WHERE url = ? AND status = 200 ORDER BY version DESC LIMIT 1",
                             [m.group(1)]), None)
    else:
        page = next(db.query("SELECT * FROM pages WHERE id = ?", [report["page_id"]]), None)
    if page is None or not page["warc_file"]:
        return None
    body = read_record(warc_dir, page["warc_file"], page["warc_offset"]).body
    if body.lstrip()[:5] == b"%PDF-":
        image, scale = _pdf_page(body, cell.page)
    else:
        images = image_pages(db, page["url"])
        if cell.page >= len(images):
            return None
        row = images[cell.page]
        image, scale = _image(read_record(warc_dir, row["warc_file"], row["warc_offset"]).body), 1.0
    if image is None:
        return None
    x0, top, x1, bottom = cell.box
    box = tuple(round(v * scale) for v in (x0 - CROP_MARGIN, top - CROP_MARGIN, x1 + CROP_MARGIN, bottom + CROP_MARGIN))
    out = io.BytesIO()
    image.crop(box).save(out, format="PNG")
    return out.getvalue()


def _pdf_page(body: bytes, index: int):
    import pypdfium2 as pdfium


    pdf = pdfium.PdfDocument(body)
    try:
        if index >= len(pdf):
            return None, 1.0
        scale = DEFAULT_DPI / 72
        return pdf[index].render(scale=scale, grayscale=True).to_pil().copy(), scale
    finally:
        pdf.close()


def _image(data: bytes):
    from PIL import Image

    img = Image.open(io.BytesIO(data))
    if img.width * img.height > LIMITS.max_image_pixels:
        return None
    img.load()
    return img


def stored_attachment(db: sqlite_utils.Database, url: str):
    """The current stored extraction of an attachment, as (report id, Extraction), or None.

    When a report page changes but its attachment does not, the page is extracted again and takes its
    statistics from the attachment: from what is stored, not by reading the capture again (a scanned
    attachment would be OCR'd again for nothing: a recrawl never OCRs an unchanged capture)."""
    row = next(db.query("SELECT * FROM reports WHERE url = ? AND role = 'attachment' AND is_current = 1 "
                        "ORDER BY id DESC LIMIT 1", [url]), None) if "reports" in db.table_names() else None
    if row is None:
        return None
    ex = Extraction(kind=row["kind"] or "report")
    for k in ("title", "year", "format", "publisher"):
        ex.fields[k] = row.get(k)
    for m in db.query("SELECT * FROM metrics WHERE report_id = ?", [row["id"]]):
        value = m["value"]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        ex.set(m["key"], value, Provenance(m["source"] or "table", m["where_"] or "", m["raw"] or ""),
               approximate=bool(m["approximate"]))
    for k in ("tables", "sections", "blank_cells"):
        try:
            setattr(ex, k, json.loads(row.get(k) or "[]"))
        except ValueError:
            pass
    return int(row["id"]), ex
