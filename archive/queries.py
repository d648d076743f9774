"""The reads behind the review and operation commands, as plain data (the library under the CLI).

`gongkai flags`, `flag show`, `status`, `health`, `check`, `reparse` and `summary --check` ask this
module and only present what it returns (tables, JSON, CSV); the CLI modules hold no SQL. Every
function takes an open archive (a sqlite_utils.Database; read-only is enough) and returns dicts,
lists and scalars. A table an older or never-checked archive lacks reads as empty, never an error.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from archive import summary
from archive.flags import FLAGS_COLUMNS, open_counts
from archive.health import site_health

#: the order of the review queue: errors first, then by rule, site, year
_QUEUE_ORDER = " ORDER BY CASE severity WHEN 'error' THEN 0 ELSE 1 END, rule, site, year, id"
_FILTERS = ("rule", "site", "year", "publisher")


def has_table(db: sqlite_utils.Database, name: str) -> bool:
    return name in db.table_names()


def last_run_registry(db: sqlite_utils.Database) -> str | None:
    """The registry file the last crawl run read (as recorded; it may no longer exist)."""
    if not has_table(db, "crawl_runs") or "registry" not in db["crawl_runs"].columns_dict:
        return None
    row = next(db.query("SELECT registry FROM crawl_runs WHERE registry IS NOT NULL AND registry != '' "
                        "ORDER BY id DESC LIMIT 1"), None)
    return row["registry"] if row else None


# -- flags ----------------------------------------------------------------------------------------
def flag_columns(db: sqlite_utils.Database) -> list[str]:
    """The flags table's columns (the schema's, on an archive never checked)."""
    return list(db["flags"].columns_dict) if has_table(db, "flags") else list(FLAGS_COLUMNS)


def flags(db: sqlite_utils.Database, status: str = "open", **filters: Any) -> list[dict[str, Any]]:
    """The review queue: flags of `status` ("all" for every one), filtered by rule/site/year/publisher
    (None: any), errors first. The evidence and cells stay JSON text (as stored)."""
    if not has_table(db, "flags"):
        return []
    where, args = [], []
    for col in _FILTERS:
        if filters.get(col) is not None:
            where.append(f"{col} = ?")
            args.append(filters[col])
    if status != "all":
        where.append("status = ?")
        args.append(status)
    sql = "SELECT * FROM flags" + (" WHERE " + " AND ".join(where) if where else "") + _QUEUE_ORDER
    return list(db.query(sql, args))


def flag(db: sqlite_utils.Database, flag_id: int) -> dict[str, Any] | None:
    """One flag row, or None when there is no such flag (or no flags table)."""
    if not has_table(db, "flags"):
        return None
    try:
        return next(db.query("SELECT * FROM flags WHERE id = ?", [flag_id]), None)
    except OverflowError:  # an id past SQLite's 64-bit integers names no flag
        return None


def flag_history(db: sqlite_utils.Database, flag_id: int) -> list[dict[str, Any]]:
    """What happened to a flag (opened, confirmed, re-opened, …), oldest first."""
    if not has_table(db, "flag_events"):
        return []
    return list(db.query("SELECT at, event, who, note FROM flag_events WHERE flag_id = ? ORDER BY id", [flag_id]))


def cited_values(ev: Any) -> list[dict[str, Any]]:
    """Every cited value in a flag's evidence ({"key", "value", …} dicts), wherever it is nested."""
    out = []
    if isinstance(ev, dict):
        if "key" in ev and "value" in ev:
            out.append(ev)
        for v in ev.values():
            out.extend(cited_values(v))
    elif isinstance(ev, list):
        for v in ev:
            out.extend(cited_values(v))
    return out


def archive_value(db: sqlite_utils.Database, flag_row: dict[str, Any], cited: dict[str, Any]) -> Any:
    """The value the archive holds now for a cited cell: the current report of the cited subject."""
    if not (has_table(db, "metrics") and has_table(db, "reports")):
        return None
    subject = cited.get("report") or (flag_row["subject"] if flag_row["rule"] not in ("MISSING",) else None)
    row = None
    if subject:
        row = next(db.query("SELECT m.value FROM metrics m JOIN reports r ON r.id = m.report_id "
                            "WHERE r.url = ? AND r.is_current = 1 AND m.key = ?", [subject, cited["key"]]), None)
    if row is None and flag_row.get("report_id") and not cited.get("report"):
        row = next(db.query("SELECT value FROM metrics WHERE report_id = ? AND key = ?",
                            [flag_row["report_id"], cited["key"]]), None)
    if row is None:
        return None
    v = row["value"]
    return int(v) if isinstance(v, float) and v.is_integer() else v


def flag_detail(db: sqlite_utils.Database, flag_id: int) -> dict[str, Any] | None:
    """A flag with its evidence and cells decoded, each cited value beside the archive's value now
    (`values`), and its history; None when there is no such flag."""
    f = flag(db, flag_id)
    if f is None:
        return None
    ev = json.loads(f["evidence"]) if f["evidence"] else {}
    values = [{**c, "archive_now": archive_value(db, f, c)} for c in cited_values(ev)]
    return {**f, "evidence": ev, "cells": json.loads(f["cells"] or "[]"), "values": values,
            "history": flag_history(db, flag_id)}


# -- status and health ------------------------------------------------------------------------------
def recent_runs(db: sqlite_utils.Database, n: int = 5) -> list[dict[str, Any]]:
    """The last n crawl runs, newest first."""
    if not has_table(db, "crawl_runs"):
        return []
    return list(db.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", [n]))


def site_overview(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per site: last crawled, current reports, latest report year, open flags, and its health
    (status, problem) from archive/health.py."""
    if not (has_table(db, "sites") and has_table(db, "reports")):
        return []
    open_flags = ("(SELECT count(*) FROM flags f WHERE f.site = s.id AND f.status = 'open')"
                  if has_table(db, "flags") else "0")
    sites = list(db.query(
        "SELECT s.id AS site, s.last_crawled, "
        "(SELECT count(*) FROM reports r WHERE r.site_id = s.id AND r.is_current = 1) AS reports, "
        "(SELECT max(year) FROM reports r WHERE r.site_id = s.id AND r.is_current = 1) AS latest_year, "
        f"{open_flags} AS open_flags FROM sites s ORDER BY s.id"))
    by_site = {h["site"]: h for h in health(db)}
    for s in sites:
        h = by_site.get(s["site"], {})
        s["health"] = h.get("status")
        s["problem"] = h.get("problem")
    return sites


def status(db: sqlite_utils.Database) -> dict[str, Any]:
    """What `gongkai status` shows: the last runs, the sites, and open flags by rule, site and severity."""
    return {"runs": recent_runs(db), "sites": site_overview(db), "open_by_rule": open_counts(db, "rule"),
            "open_by_site": open_counts(db, "site"), "open_by_severity": open_counts(db, "severity")}


def health(db: sqlite_utils.Database, run_id: int | None = None) -> list[dict[str, Any]]:
    """Per-site health (ok / broken / not crawled, the problem, last good and first bad run)."""
    return site_health(db, run_id)


# -- summary ----------------------------------------------------------------------------------------
def summary_staleness(db: sqlite_utils.Database) -> dict[str, Any]:
    """The kept per-key totals against the from-scratch aggregate: row counts and whether they are equal."""
    kept = db.execute(f"SELECT key, year, n, total, min_value, max_value FROM {summary.SUMMARY} "
                      "ORDER BY key, year").fetchall()
    fresh = db.execute(summary.FROM_SCRATCH_SQL).fetchall()
    return {"rows": len(kept), "from_scratch_rows": len(fresh), "equal": summary.same_rows(kept, fresh)}


#: outcome groups of table 三 (totals column), for the publisher query and chart
OUTCOMES: list[tuple[str, str]] = [
    ("disclosed", "apps.result.disclosed.total"), ("partial", "apps.result.partial.total"),
    ("withheld", "apps.result.withheld.%.total"), ("unable", "apps.result.unable.%.total"),
    ("ignored", "apps.result.ignored.%.total"), ("other", "apps.result.other%.total"),
]


def _metric(key: str) -> str:
    return f"max(CASE WHEN m.key = '{key}' THEN m.value END)"


def _outcome_columns() -> str:
    cols = []
    for name, pattern in OUTCOMES:
        op = "LIKE" if "%" in pattern else "="
        # a group is NULL when none of its rows is stated (missing is unknown, never 0)
        cols.append(f"sum(CASE WHEN m.key {op} '{pattern}' THEN m.value END) AS {name}")
    return ",\n       ".join(cols)


# values are REAL (money and percentages share the column): show counts as 70, not 70.0. The reports are
# annual_reports' choice as kept on write (annual_choice): the view itself is evaluated whole (seconds at 100k)
PUBLISHER_SQL = f"""WITH m AS (SELECT report_id, key,
                  iif(value = CAST(value AS INTEGER), CAST(value AS INTEGER), value) AS value FROM metrics)
SELECT a.year,
       {_metric('apps.new.total')} AS applications,
       {_outcome_columns()},
       {_metric('apps.result.total.total')} AS result_total,
       {_metric('apps.carried_out.total')} AS carried_out,
       {_metric('review.total')} AS reviews,
       {_metric('suit.direct.total')} AS suits_direct,
       {_metric('suit.after_review.total')} AS suits_after_review,
       a.report_id, r.title
FROM annual_choice a JOIN reports r ON r.id = a.report_id LEFT JOIN m ON m.report_id = a.report_id
WHERE a.publisher = :publisher
GROUP BY a.report_id ORDER BY a.year"""


# -- the review web pages (archive/web/views.py presents these) ------------------------------------
def last_run(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """The newest crawl run (its summary still JSON text), or None."""
    if not has_table(db, "crawl_runs"):
        return None
    return next(db.query("SELECT id, started_at, finished_at, status, as_of, summary FROM crawl_runs "
                         "ORDER BY id DESC LIMIT 1"), None)


def annual_counts(db: sqlite_utils.Database) -> dict[str, Any]:
    """Reports and publishers of the one-per-publisher-year choice (annual_choice, kept on write)."""
    if not has_table(db, "annual_choice"):
        return {}
    return next(db.query("SELECT count(*) AS reports, count(DISTINCT publisher) AS publishers, "
                         "min(year) AS first, max(year) AS last FROM annual_choice"), {})


def open_by_rule(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Open flags per rule and severity with what the rule checks (the rules table's description), errors first."""
    if not has_table(db, "flags"):
        return []
    rules = has_table(db, "rules")
    return list(db.query(
        "SELECT f.rule, f.severity, count(*) AS n" + (", r.description" if rules else ", NULL AS description")
        + " FROM flags f" + (" LEFT JOIN rules r ON r.id = f.rule" if rules else "")
        + " WHERE f.status = 'open' GROUP BY f.rule, f.severity ORDER BY f.severity = 'error' DESC, n DESC, f.rule"))


def missing(db: sqlite_utils.Database, year: int | None = None) -> dict[str, Any]:
    """Open MISSING flags: the newest year flagged, the publishers missing `year` (default that newest
    one; evidence still JSON text) and how many are open over all years."""
    if not has_table(db, "flags"):
        return {"latest_year": None, "flags": [], "all": 0}
    latest = next(db.query("SELECT max(year) AS y FROM flags WHERE rule = 'MISSING' AND status = 'open'"))["y"]
    year = latest if year is None else year
    rows = list(db.query("SELECT id, publisher, site, evidence FROM flags WHERE rule = 'MISSING' "
                         "AND status = 'open' AND year = ? ORDER BY publisher", [year]))
    n = next(db.query("SELECT count(*) AS n FROM flags WHERE rule = 'MISSING' AND status = 'open'"))["n"]
    return {"latest_year": latest, "flags": rows, "all": n}


def queue_page(db: sqlite_utils.Database, status: str = "open", limit: int = 500,
               **filters: Any) -> dict[str, Any]:
    """The web queue: up to `limit` flags of `status` filtered by rule/site/year/severity (empty: any),
    errors first, and the count per rule of that status."""
    if not has_table(db, "flags"):
        return {"flags": [], "by_rule": []}
    where, params = ["status = :status"], {"status": status}
    for k in ("rule", "site", "year", "severity"):
        if filters.get(k):
            where.append(f"{k} = :{k}")
            params[k] = filters[k]
    rows = list(db.query(f"SELECT id, severity, rule, publisher, year, site, message, first_seen FROM flags "
                         f"WHERE {' AND '.join(where)} "
                         f"ORDER BY severity = 'error' DESC, rule, publisher, year, id LIMIT {int(limit)}", params))
    by_rule = list(db.query("SELECT rule, count(*) AS n FROM flags WHERE status = :s GROUP BY rule "
                            "ORDER BY n DESC, rule", {"s": status}))
    return {"flags": rows, "by_rule": by_rule}


def flag_report(db: sqlite_utils.Database, report_id: int) -> dict[str, Any]:
    """What a flag's page shows beside it: the report row, its metrics (key order) and its archived page."""
    report = next(db.query("SELECT id, title, url, year, publisher, format, published, page_id, version, "
                           "is_current FROM reports WHERE id = ?", [report_id]), None)
    if report is None:
        return {"report": None, "metrics": [], "page": None}
    metrics = list(db.query("SELECT key, value, source, where_, raw FROM metrics WHERE report_id = ? ORDER BY key",
                            [report_id]))
    page = None
    if report.get("page_id") is not None:
        page = next(db.query("SELECT id, url, content_type, fetched_at, sha256, version FROM pages WHERE id = ?",
                             [report["page_id"]]), None)
    return {"report": report, "metrics": metrics, "page": page}


def capture_location(db: sqlite_utils.Database, page_id: int) -> dict[str, Any] | None:
    """Where a page version's bytes are: its WARC file and offset, and its stored content type."""
    return next(db.query("SELECT warc_file, warc_offset, content_type FROM pages WHERE id = ?", [page_id]), None)


def publishers(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every publisher of the one-per-publisher-year choice with its report count and first and last year."""
    if not has_table(db, "annual_choice"):
        return []
    return list(db.query("SELECT publisher, count(*) AS reports, min(year) AS first, max(year) AS last "
                         "FROM annual_choice GROUP BY publisher ORDER BY publisher"))


def publisher_years(db: sqlite_utils.Database, publisher: str) -> list[dict[str, Any]]:
    """A publisher's applications, outcomes, reviews and suits per year (the publisher_outcomes query)."""
    return list(db.query(PUBLISHER_SQL, {"publisher": publisher}))
