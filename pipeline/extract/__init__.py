"""Extraction entry point: bytes of one captured document -> Extraction.

Order: sniff the kind -> load a Document -> report fields -> tables 二/三/四 from cells ->
text fallback for the tables (constraint solving) -> prose statistics -> kind. Each step after
loading is guarded: a failing step adds a one-line `errors` entry and the others still run, so
one odd page never stops a crawl.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from typing import Any

from pipeline.extract.document import Document
from pipeline.extract.model import Extraction
from pipeline.titles import is_report_title

__all__ = ["extract", "sniff_kind", "load"]

_EXT_KIND = {
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".wps": "doc", ".xlsx": "xlsx", ".xls": "xls",
    ".txt": "text", ".htm": "html", ".html": "html", ".shtml": "html", ".jhtml": "html", ".jsp": "html",
}
_CT_KIND = (
    ("pdf", "pdf"), ("wordprocessingml", "docx"), ("msword", "doc"), ("spreadsheetml", "xlsx"),
    ("ms-excel", "xls"), ("html", "html"), ("xhtml", "html"), ("text/plain", "text"),
)


def sniff_kind(body: bytes, url: str = "", content_type: str | None = None) -> str:
    """"html", "text", "pdf", "docx", "doc", "xls" or "xlsx": magic bytes first (servers and
    file names lie), then the content type, then the extension, then a look at the text."""
    head = body[:2048]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        window = body[:65536]
        if b"word/" in window:
            return "docx"
        if b"xl/" in window:
            return "xlsx"
        ext = _ext(url)
        return ext if ext in ("docx", "xlsx") else "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        ext = _ext(url)
        if ext in ("xls", "xlsx"):
            return "xls"
        if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in body[:200000] or b"Workbook" in body[:200000]:
            return "xls"
        return "doc"
    lowered = stripped[:1024].lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<meta", b"<body", b"<div", b"<table",
                           b"<!--")):
        return "html"
    ct = (content_type or "").lower()
    for needle, kind in _CT_KIND:
        if needle in ct:
            return kind
    ext = _ext(url)
    if ext:
        return ext
    if re.search(rb"<(html|body|div|p|table|meta)[\s>]", body[:8192], re.I):
        return "html"
    return "text"


def _ext(url: str) -> str | None:
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    for ext, kind in _EXT_KIND.items():
        if path.endswith(ext):
            return kind
    return None


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """A function of a module another engineer writes; None while it does not exist yet."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    return getattr(mod, name, None)


def _plain_text(body: bytes, url: str) -> Document:
    """Stand-in text loader, used only while pipeline.extract.documents does not exist."""
    from pipeline.extract.html import decode_html

    text, _ = decode_html(body)
    lines = (re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return Document(source="text", url=url, text="\n".join(line for line in lines if line))


def load(body: bytes, url: str = "", content_type: str | None = None) -> Document:
    """Bytes -> Document, by kind. Raises only for programming errors; bad input gives doc.errors."""
    kind = sniff_kind(body, url, content_type)
    if kind == "html":
        from pipeline.extract.html import load_html

        return load_html(body, url, content_type)
    loader = _optional("pipeline.extract.documents", "load_document")
    if loader is not None:
        return loader(body, url, content_type)
    if kind == "text":
        return _plain_text(body, url)
    return Document(source=kind, url=url, errors=[f"no loader for {kind} documents yet"])


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
    from pipeline.extract.metadata import extract_fields
    from pipeline.extract.tables import detect_format, extract_tables, find_sections, unread_tables

    ex = Extraction()
    try:
        doc = load(body, url, content_type)
    except Exception as exc:  # noqa: BLE001
        ex.errors.append(f"could not load document: {type(exc).__name__}: {exc}")
        ex.kind = "not_report"
        return ex
    ocr = _optional("pipeline.extract.ocr", "ocr_document")
    printed = len(re.sub(r"\s", "", doc.text))
    ocr_pages = _step(ex, "OCR", ocr, doc, body, images) if ocr is not None else None
    ex.errors.extend(doc.errors)
    ex.text = doc.text
    ex.attachments = [{"url": u, "name": n} for u, n in doc.links if _is_attachment(u)]
    fields = _step(ex, "metadata", extract_fields, doc)
    if fields:
        ex.fields.update(fields)
    _step(ex, "tables", extract_tables, doc, ex)
    if "三" not in ex.tables and _modern(ex, doc):
        solve = _optional("pipeline.extract.textfallback", "solve_tables")
        if solve is not None:
            _step(ex, "text tables", solve, doc, ex)
    flat = _optional("pipeline.extract.prose", "flat_statistics")
    if flat is not None:
        _step(ex, "text statistics table", flat, doc, ex)
    prose = _optional("pipeline.extract.prose", "extract_prose")
    if prose is not None:
        _step(ex, "prose", prose, doc, ex)
    ex.sections = find_sections(doc.text)
    _step(ex, "unread tables", unread_tables, doc, ex)
    ex.fields["format"] = detect_format(ex)
    _derive(ex)
    ex.kind = _kind(doc, ex)
    if ocr_pages and ex.kind == "report" and printed < 200 and not ex.metrics:
        ex.kind = "image_only"  # OCR read text but no statistics: still a report no number was read from
    if ocr_pages:
        mark = _optional("pipeline.extract.ocrcells", "mark_ocr_values")
        if mark is not None:
            _step(ex, "OCR confidence", mark, doc, ex)
    if ex.kind != "report" and not ex.tables:
        ex.fields["format"] = None  # a listing or an image is in no format
    return ex


def _modern_markers() -> tuple[str, ...]:
    from pipeline.formats import table2, table3

    return (table3.NEW.label, table2.CAPTION_CUE, table3.CARRIED_IN.label, table3.GROUPS[0].label)


_MODERN_MARKERS = _modern_markers()


def _modern(ex: Extraction, doc: Document) -> bool:
    """Worth solving tables from text: a 2019+ report, or text that carries the national tables' labels."""
    year = ex.fields.get("year")
    return bool(doc.text) and ((isinstance(year, int) and year >= 2019) or any(m in doc.text for m in _MODERN_MARKERS))


def _derive(ex: Extraction) -> None:
    """suit.total for the 2019/2021 formats = 未经复议直接起诉 total + 复议后起诉 total."""
    from pipeline.extract.model import Provenance

    direct, after = ex.metrics.get("suit.direct.total"), ex.metrics.get("suit.after_review.total")
    if direct is not None and after is not None and "suit.total" not in ex.metrics:
        ex.set("suit.total", direct + after,
               Provenance("table", _SUIT_TOTAL_WHERE, f"{direct}+{after}"))


def _suit_total_where() -> str:
    from pipeline.formats import table4

    return f"表四 {table4.SUIT_HEAD} 总计（{table4.GROUPS[1].label} + {table4.GROUPS[2].label}）"


_SUIT_TOTAL_WHERE = _suit_total_where()
_ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|ofd|zip|rar|7z)(?:$|[?#])", re.I)


def _is_attachment(url: str) -> bool:
    return bool(_ATTACHMENT.search(url)) or "viewer.html?file=" in url


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
