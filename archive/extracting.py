"""Extraction over the archive: read captured bytes back from the WARC files, run the pure
extractors of pipeline/, and store reports + metrics + full text. The same code serves the crawl
(new and changed pages) and `gongkai reparse` (every current page, reporting what changed)."""

from __future__ import annotations

import gzip
import json
import zlib
from collections import Counter
from dataclasses import dataclass, field

import sqlite_utils

from archive.ocrscan import report_images, stored_attachment
from archive.store import now_iso, transaction
from archive.warc import read_record
from pipeline.extract.model import FIELD_NAMES, Extraction, Provenance

EXTRACTOR_VERSION = "1"
#: metrics that only describe where a report is, not what it says (not copied from attachments)
_REPORT_ROLES = ("report", "attachment")


def decode_content(headers: list[tuple[str, str]], body: bytes) -> bytes:
    """Undo Content-Encoding (the archive keeps bytes as sent; extraction needs the document)."""
    enc = next((v.lower() for k, v in headers if k.lower() == "content-encoding"), "")
    try:
        if "gzip" in enc:
            return gzip.decompress(body)
        if "deflate" in enc:
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
        if "br" in enc:
            import brotli  # type: ignore[import-not-found]

            return brotli.decompress(body)
    except Exception:  # noqa: BLE001 - a bad encoding is reported by the extractor on the raw bytes
        return body
    return body


@dataclass
class ExtractStats:
    extracted: int = 0
    reports: int = 0
    errors: int = 0
    changed_values: list[dict] = field(default_factory=list)
    by_kind: Counter = field(default_factory=Counter)


def _content_type(headers: list[tuple[str, str]]) -> str | None:
    return next((v for k, v in headers if k.lower() == "content-type"), None)


def extract_page(warc_dir, page: dict, images: list[bytes] | None = None) -> Extraction:
    """Read one archived page and extract it; any failure becomes an error on the Extraction.
    `images`: the page's archived images (archive.ocrscan.report_images), read by OCR for an image-only page."""
    try:
        rec = read_record(warc_dir, page["warc_file"], page["warc_offset"])
    except Exception as exc:  # noqa: BLE001
        ex = Extraction(kind="not_report")
        ex.errors.append(f"cannot read capture {page['warc_file']}:{page['warc_offset']}: {exc}")
        return ex
    body = decode_content(rec.headers, rec.body)
    from pipeline.extract import extract

    try:
        return extract(body, page["url"], _content_type(rec.headers), images=images)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
        ex = Extraction(kind="not_report")
        ex.fields["url"] = page["url"]
        ex.errors.append(f"extraction failed: {type(exc).__name__}: {exc}")
        return ex


def _has_stats(ex_metrics: dict) -> bool:
    return any(k.startswith(("apps.", "proactive.", "review.", "suit.", "legacy.")) for k in ex_metrics)


def _store(db: sqlite_utils.Database, page: dict, ex: Extraction, role: str, parent: int | None,
           first_captured: str | None) -> int:
    row = {k: ex.fields.get(k) for k in FIELD_NAMES if k != "url"}
    row.update({"page_id": page["id"], "url": page["url"], "site_id": page.get("site_id"), "role": role,
                "parent_report_id": parent, "kind": ex.kind, "version": page["version"], "is_current": 1,
                "first_captured": first_captured, "extracted_at": now_iso(), "extractor": EXTRACTOR_VERSION,
                "errors": json.dumps(ex.errors, ensure_ascii=False) if ex.errors else None, "text": ex.text,
                # what the within-report rules read besides metrics (T3-BLANK, SECTIONS, FORMAT-YEAR, TEXT-*)
                "blank_cells": json.dumps(ex.blank_cells, ensure_ascii=False),
                "sections": json.dumps(ex.sections, ensure_ascii=False),
                "tables": json.dumps(ex.tables, ensure_ascii=False),
                "text_claims": json.dumps(ex.text_claims, ensure_ascii=False)})
    db.execute("UPDATE reports SET is_current = 0 WHERE url = ? AND is_current = 1", [page["url"]])
    report_id = db["reports"].insert(row).last_pk
    db["metrics"].insert_all(
        [{"report_id": report_id, "key": k, "value": v, "approximate": int(k in ex.approximate),
          "source": ex.provenance[k].source if k in ex.provenance else None,
          "where_": ex.provenance[k].where if k in ex.provenance else None,
          "raw": ex.provenance[k].raw if k in ex.provenance else None} for k, v in ex.metrics.items()])
    db.execute("INSERT INTO reports_fts(rowid, title, publisher, text) VALUES (?, ?, ?, ?)",
               [report_id, row.get("title") or "", row.get("publisher") or "", ex.text or ""])
    if ex.errors:
        db["extraction_errors"].insert_all([{"page_id": page["id"], "url": page["url"], "at": now_iso(), "error": e}
                                            for e in ex.errors])
    return int(report_id)


def _merge_attachment(page_ex: Extraction, att_ex: Extraction, att_url: str) -> None:
    """A report published only as an attachment: its statistics come from the attachment."""
    for key, value in att_ex.metrics.items():
        if key not in page_ex.metrics:
            prov = att_ex.provenance.get(key)
            where = f"{att_url.rsplit('/', 1)[-1]}: {prov.where}" if prov else att_url
            source = "attachment"
            if prov and prov.source == "ocr":  # keep the OCR box first; say which capture it is on
                source, where = "ocr", f"{prov.where} · from attachment {att_url}"
            page_ex.set(key, value, Provenance(source, where, prov.raw if prov else str(value)),
                        approximate=key in att_ex.approximate)
    for k in ("year", "format", "publisher"):
        if page_ex.fields.get(k) is None and att_ex.fields.get(k) is not None:
            page_ex.fields[k] = att_ex.fields[k]
    if page_ex.kind != "report" and _has_stats(att_ex.metrics):
        page_ex.kind = "report"
    page_ex.tables = sorted(set(page_ex.tables) | set(att_ex.tables))
    page_ex.sections = sorted(set(page_ex.sections) | set(att_ex.sections))
    page_ex.blank_cells = sorted(set(page_ex.blank_cells) | set(att_ex.blank_cells))


def extract_pending(db: sqlite_utils.Database, warc_dir, page_ids: list[int] | None = None) -> ExtractStats:
    """Extract archived report pages and attachments that have no report row yet (or the given ones)."""
    stats = ExtractStats()
    if page_ids is None:
        sql = ("SELECT * FROM pages WHERE role IN ('report','item','attachment') AND status = 200 "
               "AND id NOT IN (SELECT page_id FROM reports WHERE page_id IS NOT NULL)")
        pages = [dict(r) for r in db.query(sql)]
    else:
        pages = [dict(r) for r in db.query(f"SELECT * FROM pages WHERE id IN ({','.join('?' * len(page_ids))})", page_ids)] if page_ids else []
    if not pages:
        return stats
    first = {r["url"]: r["fetched_at"] for r in db.query(
        "SELECT url, min(fetched_at) AS fetched_at FROM pages WHERE role IN ('report','item','attachment') GROUP BY url")}
    att_of: dict[str, list[str]] = {}
    for r in db.query("SELECT report_url, url FROM attachments"):
        att_of.setdefault(r["report_url"], []).append(r["url"])
    # attachments first, so a report page can take its statistics from them
    pages.sort(key=lambda p: (p["role"] != "attachment", p["id"]))
    done: dict[str, tuple[int, Extraction]] = {}
    with transaction(db):
        for page in pages:
            ex = extract_page(warc_dir, page, images=report_images(db, warc_dir, page))
            stats.extracted += 1
            if page["role"] == "attachment":
                rid = _store(db, page, ex, "attachment", None, first.get(page["url"]))
                done[page["url"]] = (rid, ex)
                stats.by_kind["attachment"] += 1
                continue
            for att_url in att_of.get(page["url"], []):
                att = done.get(att_url) or stored_attachment(db, att_url) or _current_attachment(db, warc_dir, att_url)
                if att is not None and not _has_stats(ex.metrics) and _has_stats(att[1].metrics):
                    _merge_attachment(ex, att[1], att_url)
            rid = _store(db, page, ex, "page", None, first.get(page["url"]))
            for att_url in att_of.get(page["url"], []):
                db.execute("UPDATE reports SET parent_report_id = ? WHERE url = ? AND is_current = 1 AND role = 'attachment'",
                           [rid, att_url])
            stats.reports += int(ex.kind in ("report", "image_only"))
            stats.errors += int(bool(ex.errors))
            stats.by_kind[ex.kind] += 1
    return stats


def _current_attachment(db, warc_dir, url: str) -> tuple[int, Extraction] | None:
    row = next(db.query("SELECT * FROM pages WHERE url = ? AND status = 200 ORDER BY version DESC LIMIT 1", [url]), None)
    if row is None:
        return None
    return 0, extract_page(warc_dir, dict(row))


def reparse(db: sqlite_utils.Database, warc_dir, since: str | None = None) -> ExtractStats:
    """Re-extract every current report page from its raw capture; store a new report row where any
    value changed (old rows stay, with is_current = 0) and list the changes."""
    stats = ExtractStats()
    sql = ("SELECT p.*, r.id AS report_id, r.first_captured FROM reports r JOIN pages p ON p.id = r.page_id "
           "WHERE r.is_current = 1 AND r.role = 'page'")
    params: list = []
    if since:
        sql += " AND p.fetched_at >= ?"
        params.append(since)
    rows = [dict(r) for r in db.query(sql, params)]
    changed_pages = []
    for row in rows:
        old = {m["key"]: m["value"] for m in db.query("SELECT key, value FROM metrics WHERE report_id = ?", [row["report_id"]])}
        ex = extract_page(warc_dir, row, images=report_images(db, warc_dir, row))
        att_urls = [r["url"] for r in db.query("SELECT url FROM attachments WHERE report_url = ?", [row["url"]])]
        for att_url in att_urls:
            att = _current_attachment(db, warc_dir, att_url)
            if att is not None and not _has_stats(ex.metrics) and _has_stats(att[1].metrics):
                _merge_attachment(ex, att[1], att_url)
        stats.extracted += 1
        new = dict(ex.metrics)
        diffs = {k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}
        if diffs:
            stats.changed_values.append({"url": row["url"], "changes": diffs})
            changed_pages.append((row, ex))
    with transaction(db):
        for row, ex in changed_pages:
            page = {k: row[k] for k in ("id", "url", "site_id", "version")}
            _store(db, page, ex, "page", None, row.get("first_captured"))
            stats.reports += 1
    return stats
