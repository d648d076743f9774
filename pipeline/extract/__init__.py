"""Extraction entry point: bytes of one captured document -> Extraction.

Order: sniff the kind -> load a Document -> report fields -> tables 二/三/四 from cells ->
text fallback for the tables (constraint solving) -> prose statistics -> kind. Each step after
loading is guarded: a failing step adds a one-line `errors` entry and the others still run, so
one odd page never stops a crawl.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pipeline.extract import ocr
from pipeline.extract.document import Document
from pipeline.extract.documents import load_document, sniff_kind
from pipeline.extract.metadata import extract_fields
from pipeline.extract.model import Extraction, Provenance
from pipeline.extract.ocrcells import mark_ocr_values
from pipeline.extract.prose import extract_prose, flat_statistics
from pipeline.extract.tables import detect_format, extract_tables, find_sections, unread_tables
from pipeline.extract.textfallback import solve_tables
from pipeline.formats import table2, table3, table4
from pipeline.kinds import is_attachment
from pipeline.titles import is_report_title

__all__ = ["extract", "sniff_kind", "load"]


def load(body: bytes, url: str = "", content_type: str | None = None) -> Document:
    """Bytes -> Document, by kind. Raises only for programming errors; bad input gives doc.errors."""
    return load_document(body, url, content_type)


def _step(ex: Extraction, what: str, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - one failing step must not lose the others
        ex.errors.append(f"{what} failed: {type(exc).__name__}: {exc}")
        return None


def extract(body: bytes, url: str = "", content_type: str | None = None, *,
            images: Sequence[bytes] | None = None) -> Extraction:
    """One captured document -> Extraction (fields, metrics with provenance, kind, errors). Never raises.

    `images`: the archived images of an HTML report page (separate captures; extraction never fetches),
    read by OCR when the page itself carries (almost) no text."""
    ex = Extraction()
    try:
        doc = load(body, url, content_type)
    except Exception as exc:  # noqa: BLE001
        ex.errors.append(f"could not load document: {type(exc).__name__}: {exc}")
        ex.kind = "not_report"
        return ex
    printed = len(re.sub(r"\s", "", doc.text))
    ocr_pages = _step(ex, "OCR", ocr.ocr_document, doc, body, images)
    ex.errors.extend(doc.errors)
    ex.text = doc.text
    ex.attachments = [{"url": u, "name": n} for u, n in doc.links if is_attachment(u) or "viewer.html?file=" in u]
    fields = _step(ex, "metadata", extract_fields, doc)
    if fields:
        ex.fields.update(fields)
    _step(ex, "tables", extract_tables, doc, ex)
    if not _CELL_TABLES <= set(ex.tables) and _modern(ex, doc):
        _step(ex, "text tables", solve_tables, doc, ex)
    _step(ex, "text statistics table", flat_statistics, doc, ex)
    _step(ex, "prose", extract_prose, doc, ex)
    ex.sections = find_sections(doc.text)
    _step(ex, "unread tables", unread_tables, doc, ex)
    ex.fields["format"] = detect_format(ex)
    _derive(ex)
    ex.kind = _kind(doc, ex)
    if ocr_pages and ex.kind == "report" and printed < 200 and not ex.metrics:
        ex.kind = "image_only"  # OCR read text but no statistics: still a report no number was read from
    if ocr_pages:
        _step(ex, "OCR confidence", mark_ocr_values, doc, ex)
    if ex.kind != "report" and not ex.tables:
        ex.fields["format"] = None  # a listing or an image is in no format
    return ex


#: the national tables: the text readers look for the ones the cell reader did not find
_CELL_TABLES = frozenset({"二", "三", "四"})


def _modern_markers() -> tuple[str, ...]:
    return (table3.NEW.label, table2.CAPTION_CUE, table3.CARRIED_IN.label, table3.GROUPS[0].label)


_MODERN_MARKERS = _modern_markers()


def _modern(ex: Extraction, doc: Document) -> bool:
    """Worth solving tables from text: a 2019+ report, or text that carries the national tables' labels."""
    year = ex.fields.get("year")
    return bool(doc.text) and ((isinstance(year, int) and year >= 2019) or any(m in doc.text for m in _MODERN_MARKERS))


def _derive(ex: Extraction) -> None:
    """suit.total for the 2019/2021 formats = 未经复议直接起诉 total + 复议后起诉 total."""
    direct, after = ex.metrics.get("suit.direct.total"), ex.metrics.get("suit.after_review.total")
    if direct is not None and after is not None and "suit.total" not in ex.metrics:
        ex.set("suit.total", direct + after,
               Provenance("table", _SUIT_TOTAL_WHERE, f"{direct}+{after}"))


def _suit_total_where() -> str:
    return f"表四 {table4.SUIT_HEAD} 总计（{table4.GROUPS[1].label} + {table4.GROUPS[2].label}）"


_SUIT_TOTAL_WHERE = _suit_total_where()
def _kind(doc: Document, ex: Extraction) -> str:
    """"not_report" unless the title is a report title; "image_only" when a report page carries
    images (or is a PDF) but (almost) no text and no statistics; else "report"."""
    title = ex.fields.get("title")
    if not title or not is_report_title(title):
        return "not_report"
    visible = re.sub(r"\s+", "", doc.text)
    if not ex.metrics and len(visible) < 200 and (doc.images or doc.source in ("pdf", "doc", "docx")):
        return "image_only"
    return "report"
