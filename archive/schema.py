"""The SQLite schema of the archive, created and migrated in one place.

Append-only by design: page versions, captures, reports and metrics are only ever inserted;
"current" is derived (the highest version), so nothing archived is overwritten or deleted.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import sqlite_utils

from archive.annual import ANNUAL_REPORTS_SQL, VIEWS  # noqa: F401 - ANNUAL_REPORTS_SQL: part of the schema's API
from archive.flags import ensure_flag_tables
from archive.opendb import ro_uri
from archive.reference import refresh_reference, table_specs
from archive.summary import ensure_summary

#: 2: the revisits table (additive: an older archive gains it on open; every URL is due until visited)
SCHEMA_VERSION = 2

TABLES: dict[str, tuple[dict, dict]] = {
    # name: (columns, options)
    "crawl_runs": ({"id": int, "started_at": str, "finished_at": str, "status": str, "registry": str,
                    "sites": str, "pid": int, "processes": int, "counts": str, "summary": str, "as_of": str},
                   {"pk": "id"}),
    "sites": ({"id": str, "name": str, "style": str, "start_urls": str, "allowed_hosts": str, "enabled": int,
               "verified": int, "first_seen": str, "last_crawled": str}, {"pk": "id"}),
    "pages": ({"id": int, "url": str, "version": int, "site_id": str, "role": str, "status": int,
               "content_type": str, "sha256": str, "size": int, "fetched_at": str, "run_id": int,
               "warc_file": str, "warc_offset": int, "warc_length": int, "etag": str, "last_modified": str,
               "referrer": str, "title": str}, {"pk": "id", "foreign_keys": [("run_id", "crawl_runs", "id")]}),
    "captures": ({"id": int, "run_id": int, "url": str, "method": str, "fingerprint": str, "site_id": str,
                  "fetched_at": str, "status": int, "outcome": str, "page_id": int, "warc_file": str,
                  "warc_offset": int, "error_kind": str, "error": str},
                 {"pk": "id", "foreign_keys": [("run_id", "crawl_runs", "id"), ("page_id", "pages", "id")]}),
    "attachments": ({"id": int, "report_url": str, "url": str, "name": str, "site_id": str, "first_seen": str},
                    {"pk": "id"}),
    "reports": ({"id": int, "page_id": int, "url": str, "site_id": str, "role": str, "parent_report_id": int,
                 "title": str, "year": int, "format": str, "publisher": str, "issuer": str, "published": str,
                 "index_no": str, "doc_no": str, "category": str, "keywords": str, "site_name": str,
                 "site_domain": str, "site_id_code": str, "column_name": str, "kind": str, "version": int, "is_current": int,
                 "first_captured": str, "extracted_at": str, "extractor": str, "errors": str, "text": str,
                 "blank_cells": str, "sections": str, "tables": str, "unread_tables": str, "text_claims": str},
                {"pk": "id", "foreign_keys": [("page_id", "pages", "id")]}),
    "metrics": ({"report_id": int, "key": str, "value": float, "approximate": int, "source": str,
                 "where_": str, "raw": str}, {"pk": ("report_id", "key"),
                                              "foreign_keys": [("report_id", "reports", "id")]}),
    "extraction_errors": ({"id": int, "page_id": int, "url": str, "at": str, "error": str}, {"pk": "id"}),
    # the revisit policy's back-off per URL (archive/revisit.py)
    "revisits": ({"url": str, "last_checked": str, "interval_days": int, "next_due": str}, {"pk": "url"}),
    "migrations": ({"version": int, "applied_at": str}, {"pk": "version"}),
    # generated reference tables (archive/reference.py): what the rules check, in words
    **table_specs(),
}

INDEXES: list[tuple[str, list[str], bool]] = [
    ("pages", ["url", "version"], True),
    ("pages", ["site_id", "role"], False),
    ("pages", ["sha256"], False),
    # what a page led to (the revisit policy asks a held-back page's due links: archive/revisit.py)
    ("pages", ["referrer"], False),
    ("captures", ["run_id", "fingerprint"], False),
    ("captures", ["run_id", "outcome"], False),
    ("captures", ["url"], False),
    ("attachments", ["report_url", "url"], True),
    ("reports", ["page_id"], False),
    ("reports", ["url", "is_current"], False),
    ("reports", ["publisher", "year"], False),
    ("reports", ["site_id", "year"], False),
    # attachments of a page (archive/summary.py finds a publisher-year's attachments through their page)
    ("reports", ["parent_report_id"], False),
    ("metrics", ["key", "value"], False),
    # covering index for "one metric per year" queries (key -> report -> value without touching rows)
    ("metrics", ["key", "report_id", "value"], False),
]




def connect(path, *, readonly: bool = False, busy_ms: int = 30000) -> sqlite_utils.Database:
    """Open the archive with WAL (readers never block the nightly writer) and a busy timeout, set
    first so even switching to WAL waits for a writer. Read-only: a `mode=ro` URI (quoted path)."""
    if readonly:
        conn = sqlite3.connect(ro_uri(path), uri=True, timeout=busy_ms / 1000)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA query_only = 1")
        return db
    db = sqlite_utils.Database(sqlite3.connect(str(path), timeout=busy_ms / 1000))
    db.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, indexes and full-text search; add columns a newer version defines
    (additive migrations only: nothing archived is dropped); record the schema version once."""
    for name, (columns, options) in TABLES.items():
        if not db[name].exists():
            db[name].create(columns, **options)
        else:
            have = set(db[name].columns_dict)
            for col, typ in columns.items():
                if col not in have:
                    db[name].add_column(col, typ)
    for table, cols, unique in INDEXES:
        db[table].create_index(cols, unique=unique, if_not_exists=True)
    if "reports_fts" not in db.table_names():
        # trigram tokenizer: the default one finds nothing in Chinese text
        db.execute("CREATE VIRTUAL TABLE reports_fts USING fts5(title, publisher, text, "
                   "content='reports', content_rowid='id', tokenize='trigram')")
    ensure_flag_tables(db)
    ensure_views(db)
    ensure_summary(db)  # per-key totals: built from scratch when absent (an archive from before them)
    refresh_reference(db)
    if not db["migrations"].count_where("version = ?", [SCHEMA_VERSION]):
        db["migrations"].insert({"version": SCHEMA_VERSION, "applied_at": datetime.now(UTC).isoformat()})


def ensure_views(db: sqlite_utils.Database) -> None:
    """(Re)create the views when their definition changed (a view holds no data: nothing is lost)."""
    have = {r[0]: r[1] for r in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall()}
    for name, sql in VIEWS.items():
        if have.get(name) != sql:
            if name in have:
                db.execute(f"DROP VIEW {name}")
            db.execute(sql)
