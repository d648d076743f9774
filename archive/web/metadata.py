"""Datasette metadata for the archive: titles, what each table and column means, and the canned
queries of the review queue. Kept as data so `gongkai serve` and the tests read the same thing."""

from __future__ import annotations

from typing import Any

from archive.queries import PUBLISHER_SQL
from archive.reference import REFERENCES

#: table -> (description, {column: description})
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "crawl_runs": ("One row per crawl (the nightly job): when, which sites, what it found.", {
        "id": "run number", "started_at": "UTC start", "finished_at": "UTC end (empty while running or killed)",
        "status": "running / ok / failed / interrupted", "registry": "site registry file used",
        "sites": "sites crawled (JSON)", "pid": "process id of the crawl", "processes": "worker processes",
        "counts": "pages fetched, new, changed, errors (JSON)", "summary": "one-line summary",
        "as_of": "date the checks used as 'today'"}),
    "sites": ("Government sites in the registry (one per disclosure platform).", {
        "id": "registry id", "name": "site name", "style": "CMS family / navigation style",
        "start_urls": "where the crawl starts (JSON)", "allowed_hosts": "hosts the crawl may follow (JSON)",
        "enabled": "1 = crawled nightly", "verified": "1 = a human checked the registry entry",
        "first_seen": "first crawl", "last_crawled": "latest crawl"}),
    "pages": ("Every archived version of every URL; the bytes are in the WARC files (warc_file, warc_offset).", {
        "url": "address as fetched", "version": "1, 2, … a new version when the bytes change",
        "site_id": "registry site", "role": "list / report / attachment / other", "status": "HTTP status",
        "content_type": "Content-Type as served", "sha256": "hash of the body as received",
        "size": "bytes", "fetched_at": "UTC time of the capture", "run_id": "crawl run",
        "warc_file": "WARC file holding the bytes", "warc_offset": "record offset in that file",
        "warc_length": "record length", "etag": "ETag as served", "last_modified": "Last-Modified as served",
        "referrer": "page that linked here", "title": "HTML title"}),
    "captures": ("Every fetch attempt of every run, including failures and unchanged revisits.", {
        "url": "address", "method": "HTTP method", "fingerprint": "request fingerprint (resume key)",
        "outcome": "new / changed / unchanged / not_modified / error / refused (never fetched)",
        "page_id": "archived page version",
        "error_kind": "timeout / dns / http / … ; crawl_cap / listing_cap; for refused: scheme / off-host / robots",
        "error": "error text"}),
    "attachments": ("Documents (PDF, DOC, XLS…) linked from a report page.", {
        "report_url": "page that links the document", "url": "document address", "name": "link text"}),
    "reports": ("Annual reports (政府信息公开工作年度报告) extracted from archived pages; old versions stay "
                "with is_current = 0. Full-text search (trigram) needs at least 3 characters.", {
        "page_id": "archived page version this was extracted from", "url": "report address",
        "site_id": "registry site", "role": "page or attachment", "parent_report_id": "report page of an attachment",
        "title": "标题", "year": "report year (统计期限)", "format": "legacy / 2019 / 2021",
        "publisher": "发布机构 (the body that reports)", "issuer": "发文机关", "published": "发布日期",
        "index_no": "索引号", "doc_no": "文号", "category": "主题分类", "keywords": "主题词",
        "site_name": "site name on the page", "site_domain": "site domain", "site_id_code": "网站标识码",
        "column_name": "栏目", "kind": "report / not_report / image_only …", "version": "page version",
        "is_current": "1 = latest version of this report", "first_captured": "first capture of this URL",
        "extracted_at": "when extracted", "extractor": "extractor version", "errors": "extraction problems (JSON)",
        "text": "full text of the report"}),
    "metrics": ("One number of one report (keys: shared/spec/metrics.md), with where it came from.", {
        "report_id": "report", "key": "metric key, e.g. apps.new.total", "value": "the number (NULL = not stated)",
        "approximate": "1 = hedged (约, 近, 余)", "source": "table / prose", "where_": "table/row/column or sentence",
        "raw": "the text as printed"}),
    "extraction_errors": ("Pages whose extraction failed, for the parser maintainers.", {}),
    "migrations": ("Schema versions applied to this archive.", {}),
    "annual_choice": ("The report annual_reports chooses for each publisher and year, kept on write (what "
                      "metric_summary and the search count).", {"report_id": "the chosen report (reports.id)"}),
    "metric_summary": ("Every metric key's numbers per year over the chosen reports (annual_choice), kept on write: "
                       "sum here, not over metrics (old versions and attachments would count twice).", {
        "key": "metric key", "year": "report year", "n": "chosen reports stating the key (NULL = not stated: left out)",
        "total": "sum of their values", "min_value": "smallest value", "max_value": "largest value"}),
    "annual_reports": ("One row per publisher and year: the authoritative report among the current ones (a view). "
                       "Rule: the most complete extraction (most metrics, then most fields), ties to the page over "
                       "its attachment, then the earliest published, then the lowest id. Sum over this, not over "
                       "reports: a page and its attachment, or a repost, would count twice.", {
        "report_id": "the chosen report (reports.id; its numbers: metrics.report_id)", "publisher": "发布机构",
        "year": "report year", "role": "page or attachment (the one chosen)",
        "n_metrics": "numbers extracted from the chosen report",
        "n_reports": "current reports claiming this publisher-year (page, attachments, reposts)",
        "n_pages": "of which pages (2+ = a repost or a second report)",
        "other_report_ids": "the other reports of this publisher-year (JSON list of reports.id)",
        "disagreement": "open/confirmed flags saying they disagree: ATTACHMENT-MISMATCH (page vs attachment), "
                        "DUPLICATE (two reports, different numbers); empty = they agree"}),
    "flags": ("Findings of the checks (shared/spec/checks.md) for human review; decisions survive re-runs.", {
        "rule": "rule id (T3-BALANCE, MISSING, …): what it checks is in the rules table", "severity": "error / warning",
        "subject": "report URL, or publisher|year", "cells": "metric keys involved (JSON)",
        "identity": "rule + subject + cells (stable across runs)",
        "status": "open / confirmed / dismissed / resolved", "message": "what is wrong, in one sentence",
        "evidence": "expected, found and where each value came from (JSON)", "evidence_hash": "hash of evidence",
        "site": "registry site", "publisher": "发布机构", "year": "report year", "report_id": "report row",
        "first_seen": "first run that found it", "last_seen": "latest run that found it",
        "last_run_id": "latest run", "decided_by": "reviewer", "decided_at": "decision time",
        "note": "reviewer's note"}),
    "flag_events": ("History of every flag: opened, confirmed, dismissed, resolved, re-opened.", {
        "flag_id": "flag", "at": "UTC time", "event": "what happened", "who": "reviewer (empty = the checks)",
        "note": "note", "evidence": "evidence at that moment (JSON)", "run_id": "crawl run"}),
}

#: how many of the newest matches the search ranks (bm25 costs ~1.5 µs per match: a term in all 100,000
#: reports took 150 ms to rank; the newest 5,000 take ~10 ms). Below that, every match is ranked.
SEARCH_WINDOW = 5000
_MATCH = """reports_fts MATCH '"' || replace(:q, '"', '""') || '"'"""
#: a ranked first page (bm25: title and publisher weigh more than body text), never a count of every match:
#: the matches of the newest SEARCH_WINDOW reports are ranked; one report per publisher-year (annual_choice,
#: the annual_reports view's choice kept on write). 1–2 characters: a scan, newest first, stopping at the page.
SEARCH_SQL = f"""WITH hits(id, score) AS (
  SELECT rowid, bm25(reports_fts, 10.0, 5.0, 1.0) FROM reports_fts
  WHERE length(:q) >= 3 AND {_MATCH}
    AND rowid >= coalesce((SELECT rowid FROM reports_fts WHERE length(:q) >= 3 AND {_MATCH}
                           ORDER BY rowid DESC LIMIT 1 OFFSET {SEARCH_WINDOW - 1}), 0)
  UNION ALL
  SELECT r.id, 0 FROM reports r JOIN annual_choice c ON c.report_id = r.id
  WHERE length(:q) BETWEEN 1 AND 2 AND (r.title LIKE '%' || :q || '%' OR r.publisher LIKE '%' || :q || '%'
                                        OR r.text LIKE '%' || :q || '%')
)
SELECT c.report_id AS id, c.year, c.publisher, r.title, r.url
FROM hits h JOIN annual_choice c ON c.report_id = h.id JOIN reports r ON r.id = h.id
ORDER BY h.score, c.year DESC, h.id DESC LIMIT 200"""

QUERIES: dict[str, dict[str, Any]] = {
    "open_flags": {
        "title": "Review queue: open flags",
        "description": "Open flags, errors first (the first 500: filter by rule, site or year to narrow). "
                       "Click a flag id to review it.",
        "sql": """SELECT id AS flag, severity, rule, publisher, year, site, message, first_seen
FROM flags WHERE status = 'open'
  AND (:rule = '' OR rule = :rule) AND (:site = '' OR site = :site) AND (:year = '' OR year = :year)
ORDER BY severity = 'error' DESC, rule, publisher, year, id LIMIT 500""",
    },
    "open_flags_by_rule": {
        "title": "Open flags by rule",
        "sql": """SELECT rule, severity, count(*) AS open_flags FROM flags WHERE status = 'open'
GROUP BY rule, severity ORDER BY open_flags DESC, rule""",
    },
    "open_flags_by_site": {
        "title": "Open flags by site",
        "sql": """SELECT coalesce(site, '—') AS site, count(*) AS open_flags,
       sum(severity = 'error') AS errors, sum(severity = 'warning') AS warnings
FROM flags WHERE status = 'open' GROUP BY 1 ORDER BY open_flags DESC, site""",
    },
    "open_flags_by_year": {
        "title": "Open flags by year",
        "sql": """SELECT year, count(*) AS open_flags, sum(severity = 'error') AS errors,
       sum(severity = 'warning') AS warnings
FROM flags WHERE status = 'open' GROUP BY year ORDER BY year DESC""",
    },
    "publisher_outcomes": {
        "title": "A publisher's applications and outcomes per year",
        "description": "Table 三 totals per report year (empty = not stated, never 0). Publisher = 发布机构 exactly.",
        "sql": PUBLISHER_SQL,
    },
    "search_reports": {
        "title": "搜索年度报告 (search reports)",
        "description": "Full-text search over title, publisher and text, best matches first (bm25; among the "
                       f"newest {SEARCH_WINDOW:,} matching reports), one report per publisher and year. 3+ characters "
                       "use the trigram index; 1–2 characters fall back to a slower scan (the trigram index cannot "
                       "match them).",
        "sql": SEARCH_SQL,
    },
    "metric_totals": {
        "title": "Totals per metric and year (each publisher-year once)",
        "description": "Kept on write (archive/summary.py) over the reports annual_reports chooses: how many state "
                       "the key (n), their sum, mean, min and max. Key empty = every key; year empty = every year.",
        "sql": """SELECT key, year, n AS reports, total, total / n AS mean, min_value, max_value FROM metric_summary
WHERE (:key = '' OR key = :key) AND (:year = '' OR year = :year) ORDER BY key, year""",
    },
    "flag_history": {
        "title": "A flag's history",
        "sql": "SELECT at, event, who, note FROM flag_events WHERE flag_id = :flag ORDER BY at, id",
    },
}


def build_metadata(db_name: str, title: str = "gongkai 政府信息公开年报档案") -> dict[str, Any]:
    """Datasette metadata for the archive database named `db_name` (its file stem)."""
    tables: dict[str, Any] = {}
    for name, (description, columns) in TABLES.items():
        tables[name] = {"description": description, "columns": columns}
    for ref in REFERENCES.values():  # generated tables describe themselves
        tables[ref.name] = {"description": ref.description,
                            "columns": {c: d for c, (_, d) in ref.columns.items()}}
    tables["rules"]["label_column"] = "description"
    tables["reports"].update({"fts_table": "reports_fts", "fts_pk": "id", "sort_desc": "year",
                              "facets": ["year", "format", "kind"]})
    tables["flags"].update({"facets": ["status", "rule", "severity", "year"], "sort_desc": "id"})
    for name, label in (("metrics", "key"), ("pages", "url"), ("reports", "title"), ("sites", "name")):
        tables[name]["label_column"] = label
    return {
        "title": title,
        "description_html": (
            "Archived government information-disclosure annual reports, their numbers and the checks' flags. "
            '<a href="/-/gongkai">Review queue and charts</a> · full-text search needs at least 3 characters '
            "(trigram index); the <em>search_reports</em> query also accepts 1–2 characters."),
        "databases": {db_name: {"description": "The gongkai archive (read-only here).", "tables": tables,
                                "queries": QUERIES}},
    }
