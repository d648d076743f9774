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
