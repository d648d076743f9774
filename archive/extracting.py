"""Extraction over the archive: read captured bytes back from the WARC files, run the pure
extractors of pipeline/, and store reports + metrics + full text. The same code serves the crawl
(new and changed pages) and `gongkai reparse` (every current page, reporting what changed)."""

from __future__ import annotations

import json
import sys
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlite_utils

from archive import summary
from archive.guarded import guarded_map, workers_default
from archive.ocrscan import report_images, stored_attachment
from archive.opendb import transaction
from archive.store import now_iso
from archive.warc import read_record
from pipeline.extract import extract
from pipeline.extract.model import FIELD_NAMES, Extraction, Provenance
from pipeline.limits import LIMITS, LimitExceeded

EXTRACTOR_VERSION = "1"
#: metrics that only describe where a report is, not what it says (not copied from attachments)
_REPORT_ROLES = ("report", "attachment")


def decode_content(headers: list[tuple[str, str]], body: bytes, limit: int | None = None) -> bytes:
    """Undo Content-Encoding (the archive keeps bytes as sent; extraction needs the document), producing at
    most `limit` bytes (LIMITS.max_decompressed_bytes): a 1 MB gzip bomb must not become 1 GiB in memory.
    Raises LimitExceeded past the limit; a damaged encoding gives the raw bytes to the extractor."""
    enc = next((v.lower() for k, v in headers if k.lower() == "content-encoding"), "")
    limit = LIMITS.max_decompressed_bytes if limit is None else limit
    try:
        if "gzip" in enc:
            return _inflate(body, 16 + zlib.MAX_WBITS, limit)
        if "deflate" in enc:
            try:
                return _inflate(body, zlib.MAX_WBITS, limit)
            except zlib.error:
                return _inflate(body, -zlib.MAX_WBITS, limit)
        if "br" in enc:
            return _unbrotli(body, limit)
    except LimitExceeded:
        raise
    except Exception:  # noqa: BLE001 - a bad encoding is reported by the extractor on the raw bytes
        return body
    return body


def _too_big(limit: int) -> LimitExceeded:
    return LimitExceeded("decompressed bytes of the response body", limit)


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    """zlib/gzip in bounded steps (max_length), members of a multi-member gzip one after the other."""
    out = bytearray()
    while data:
        d = zlib.decompressobj(wbits)
        chunk = data
        while chunk and not d.eof:
            out += d.decompress(chunk, limit + 1 - len(out))
            if len(out) > limit:
                raise _too_big(limit)
            chunk = d.unconsumed_tail
        out += d.flush()
        if len(out) > limit:
            raise _too_big(limit)
        if not d.eof or wbits < 16:
            break
        data = d.unused_data
    return bytes(out)


def _unbrotli(data: bytes, limit: int) -> bytes:
    import brotli  # type: ignore[import-not-found]

    d, out = brotli.Decompressor(), bytearray()
    out += d.process(data, output_buffer_limit=limit + 1)
    while len(out) <= limit and not d.is_finished() and not d.can_accept_more_data():
        out += d.process(b"", output_buffer_limit=limit + 1 - len(out))
    if len(out) > limit:
        raise _too_big(limit)
    return bytes(out)


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
    if len(rec.body) > LIMITS.max_bytes:
        return failed_extraction(page, str(LimitExceeded("bytes of a captured document", LIMITS.max_bytes,
                                                         len(rec.body))))
    try:
        body = decode_content(rec.headers, rec.body)
    except LimitExceeded as exc:
        return failed_extraction(page, str(exc))
    try:
        return extract(body, page["url"], _content_type(rec.headers), images=images)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
        return failed_extraction(page, f"extraction failed: {type(exc).__name__}: {exc}")


def extract_document(body: bytes, url: str = "", content_type: str | None = None) -> Extraction:
    """extract() of one document in a capped worker (`gongkai parse`): the same memory and time caps as
    the archive's extraction, whatever the file."""
    page = {"url": url}
    if len(body) > LIMITS.max_bytes:
        return failed_extraction(page, str(LimitExceeded("bytes of a document", LIMITS.max_bytes)))
    return next(guarded_map(_extract_one, [(body, url, content_type)],
                            lambda args, why: failed_extraction(page, why), workers=1))


def _extract_one(body: bytes, url: str, content_type: str | None) -> Extraction:
    return extract(body, url, content_type)


def failed_extraction(page: dict, error: str) -> Extraction:
    """What a document that could not be read is stored as: no fields but its URL, one error line."""
    ex = Extraction(kind="not_report")
    ex.fields["url"] = page["url"]
    ex.errors.append(" ".join(error.split()))
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
                "unread_tables": json.dumps(ex.unread_tables, ensure_ascii=False),
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


def extract_pending(db: sqlite_utils.Database, warc_dir, page_ids: list[int] | None = None,
                    workers: int | None = None) -> ExtractStats:
    """Extract archived report pages and attachments that have no report row yet (or the given ones).

    Documents are extracted in capped worker processes (archive/guarded.py), every core busy; this process
    alone writes, in capture order, LIMITS.write_batch documents per transaction so a reviewer's decision
    never waits long for the writer."""
    stats = ExtractStats()
    if page_ids is None:
        sql = ("SELECT * FROM pages WHERE role IN ('report','item','attachment') AND status = 200 "
               "AND id NOT IN (SELECT page_id FROM reports WHERE page_id IS NOT NULL)")
        pages = [dict(r) for r in db.query(sql)]
    else:
        pages = [dict(r) for r in db.query(f"SELECT * FROM pages WHERE id IN ({','.join('?' * len(page_ids))})", page_ids)] if page_ids else []
    if not pages:
        return stats
    # asked per document (indexes pages(url, version), attachments(report_url, url)), not loaded for the
    # whole archive: memory stays flat however large the archive grows
    def first_captured(url: str) -> str | None:
        return db.execute("SELECT min(fetched_at) FROM pages WHERE url = ? AND role IN ('report','item','attachment')",
                          [url]).fetchone()[0]

    att_memo: dict[str, list[str]] = {}

    def attachments_of(url: str) -> list[str]:
        # the last page's, twice in a row (planning, then storing): a one-entry memo
        if url not in att_memo:
            att_memo.clear()
            att_memo[url] = [r[0] for r in db.execute("SELECT url FROM attachments WHERE report_url = ? ORDER BY id",
                                                      [url])]
        return att_memo[url]
    # attachments first, so a report page can take its statistics from them; an attachment not in this
    # batch (unchanged since it was stored) gives what is stored of it (a scan is never OCR'd again), else it
    # is extracted again from its current capture, just before its page
    pages.sort(key=lambda p: (p["role"] != "attachment", p["id"]))
    in_batch = {p["url"] for p in pages if p["role"] == "attachment"}
    plan: list[tuple[str, dict]] = []
    stored: dict[str, tuple[int, Extraction]] = {}
    for page in pages:
        if page["role"] != "attachment":
            for att_url in attachments_of(page["url"]):
                if att_url in in_batch or att_url in stored:
                    continue
                kept = stored_attachment(db, att_url)
                if kept is not None:
                    stored[att_url] = kept
                    continue
                row = _current_capture(db, att_url)
                if row is not None:
                    plan.append(("other", row))
        plan.append(("new", page))
    done: dict[str, tuple[int, Extraction]] = {**stored}
    others: dict[str, Extraction] = {}
    writes = _Writer(db)
    for (what, page), ex in zip(plan, extract_all(warc_dir, [p for _, p in plan], workers, db=db), strict=True):
        if what == "other":
            others[page["url"]] = ex
            continue
        stats.extracted += 1
        if page["role"] == "attachment":
            with writes.one():
                rid = _store(db, page, ex, "attachment", None, first_captured(page["url"]))
            done[page["url"]] = (rid, ex)
            stats.by_kind["attachment"] += 1
            continue
        for att_url in attachments_of(page["url"]):
            att = done.get(att_url) or ((0, others.pop(att_url)) if att_url in others else None)
            if att is not None and not _has_stats(ex.metrics) and _has_stats(att[1].metrics):
                _merge_attachment(ex, att[1], att_url)
        with writes.one():
            rid = _store(db, page, ex, "page", None, first_captured(page["url"]))
            for att_url in attachments_of(page["url"]):
                db.execute("UPDATE reports SET parent_report_id = ? WHERE url = ? AND is_current = 1 AND role = 'attachment'",
                           [rid, att_url])
        stats.reports += int(ex.kind in ("report", "image_only"))
        stats.errors += int(bool(ex.errors))
        stats.by_kind[ex.kind] += 1
    writes.close()
    return stats


def extract_all(warc_dir, pages: list[dict], workers: int | None = None, db: sqlite_utils.Database | None = None):
    """extract_page over `pages` in capped worker processes, results in order; a document that kills or
    outlasts its worker comes back as a failed Extraction with the reason. With `db`, an image-only page's
    archived images are read here (the writer's side) and handed to its worker for OCR."""
    if not pages:
        return iter(())
    n = max(1, min(workers or workers_default(), len(pages)))
    tasks = ((str(warc_dir), p, report_images(db, warc_dir, p) if db is not None else None) for p in pages)
    return guarded_map(extract_page, tasks, lambda args, why: failed_extraction(args[1], why), workers=n)


class _Writer:
    """Groups writes into short transactions of LIMITS.write_batch documents (a crash loses at most one
    open batch, which the next run extracts again: pages without a report row are pending)."""

    def __init__(self, db: sqlite_utils.Database, size: int | None = None) -> None:
        self.db, self.size, self.count, self.open = db, size or LIMITS.write_batch, 0, None

    @contextmanager
    def one(self):
        if self.open is None:
            self.open = transaction(self.db)
            self.open.__enter__()
            self.last_report_id = summary.max_report_id(self.db)
        try:
            yield
        except BaseException:
            self.open.__exit__(*sys.exc_info())
            self.open = None
            raise
        self.count += 1
        if self.count % self.size == 0:
            self.close()

    def close(self) -> None:
        if self.open is not None:
            summary.refresh_since(self.db, self.last_report_id)  # per-key totals, in the batch's transaction
            self.open.__exit__(None, None, None)
            self.open = None


def _current_capture(db, url: str) -> dict | None:
    row = next(db.query("SELECT * FROM pages WHERE url = ? AND status = 200 ORDER BY version DESC LIMIT 1", [url]), None)
    return dict(row) if row is not None else None


def reparse(db: sqlite_utils.Database, warc_dir, since: str | None = None, workers: int | None = None) -> ExtractStats:
    """Re-extract every current report page from its raw capture; store a new report row where any
    value changed (old rows stay, with is_current = 0) and list the changes. Extraction runs in the same
    capped workers as the crawl's; changed reports are written in short batches, in order."""
    stats = ExtractStats()
    sql = ("SELECT p.*, r.id AS report_id, r.first_captured FROM reports r JOIN pages p ON p.id = r.page_id "
           "WHERE r.is_current = 1 AND r.role = 'page'")
    params: list = []
    if since:
        sql += " AND p.fetched_at >= ?"
        params.append(since)
    rows = [dict(r) for r in db.query(sql, params)]
    plan: list[tuple[str, dict]] = []
    for row in rows:
        for r in db.query("SELECT url FROM attachments WHERE report_url = ?", [row["url"]]):
            att = _current_capture(db, r["url"])
            if att is not None:
                plan.append(("attachment", att))
        plan.append(("page", row))
    atts: list[tuple[str, Extraction]] = []
    writes = _Writer(db)
    for (what, row), ex in zip(plan, extract_all(warc_dir, [p for _, p in plan], workers, db=db), strict=True):
        if what == "attachment":
            atts.append((row["url"], ex))
            continue
        for att_url, att_ex in atts:
            if not _has_stats(ex.metrics) and _has_stats(att_ex.metrics):
                _merge_attachment(ex, att_ex, att_url)
        atts = []
        stats.extracted += 1
        old = {m["key"]: m["value"] for m in db.query("SELECT key, value FROM metrics WHERE report_id = ?", [row["report_id"]])}
        new = dict(ex.metrics)
        diffs = {k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}
        if diffs:
            stats.changed_values.append({"url": row["url"], "changes": diffs})
            page = {k: row[k] for k in ("id", "url", "site_id", "version")}
            with writes.one():
                _store(db, page, ex, "page", None, row.get("first_captured"))
            stats.reports += 1
    writes.close()
    return stats
