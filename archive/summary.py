"""Per-key totals kept on write, so "every key's total per year" over a national archive reads a few
thousand rows instead of aggregating 12 M metric rows (2 s) or evaluating the `annual_reports` view (seconds).

What is counted is what a journalist may publish: the **authoritative report of each publisher and year**,
exactly as the `annual_reports` view chooses it (archive/schema.py), so a page and its attachment, or a
repost, count once; old versions never count. Two tables:

* `annual_choice(publisher, year, report_id)` — the view's choice, materialised (one row per publisher-year);
* `metric_summary(key, year, n, total, min_value, max_value)` — over the chosen reports' stated values
  (NULL = not stated is left out): how many reports state the key that year, their sum, min and max.

The archive writer (archive/extracting.py `_Writer`) calls `refresh_since` at the end of every write batch,
inside its transaction: the publisher-years that the batch's new rows touched (new reports, the versions they
superseded, attachments re-parented) get their choice recomputed with the view's own SQL, and the summary is
moved by the difference (a removed report's values subtracted, an added one's added; a min/max that a removal
may have taken away is recomputed exactly for that key and year). Rows written by anything else (a bulk load)
are not seen: `gongkai summary --rebuild` (or `rebuild`) recomputes both tables from scratch, as does
`ensure_summary` when the tables are absent (an archive from before them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from archive.annual import ANNUAL_REPORTS_SQL
from archive.opendb import transaction

CHOICE, SUMMARY = "annual_choice", "metric_summary"

_DDL = (
    f"CREATE TABLE IF NOT EXISTS {CHOICE} (publisher TEXT NOT NULL, year INTEGER NOT NULL, "
    "report_id INTEGER NOT NULL, PRIMARY KEY (publisher, year))",
    f"CREATE INDEX IF NOT EXISTS idx_{CHOICE}_report ON {CHOICE} (report_id)",
    f"CREATE INDEX IF NOT EXISTS idx_{CHOICE}_year ON {CHOICE} (year, report_id)",
    f"CREATE TABLE IF NOT EXISTS {SUMMARY} (key TEXT NOT NULL, year INTEGER NOT NULL, n INTEGER NOT NULL, "
    "total REAL, min_value REAL, max_value REAL, PRIMARY KEY (key, year))",
)

#: the from-scratch definition: what metric_summary must always equal
FROM_SCRATCH_SQL = """SELECT m.key, a.year, count(*) AS n, sum(m.value) AS total, min(m.value) AS min_value,
       max(m.value) AS max_value
FROM annual_reports a JOIN metrics m ON m.report_id = a.report_id
WHERE m.value IS NOT NULL GROUP BY m.key, a.year ORDER BY m.key, a.year"""

# The view's own SQL, with its candidates narrowed to the publisher-years being refreshed (a superset found
# through indexes: reports naming the publisher, and attachments without a publisher whose page names it).
_VIEW_BODY = ANNUAL_REPORTS_SQL.split(" AS\n", 1)[1]
_ANCHOR = "WHERE r.is_current = 1 AND r.kind IN ('report', 'image_only')"
assert _VIEW_BODY.startswith("WITH ") and _ANCHOR in _VIEW_BODY, "annual_reports changed: update archive/summary.py"
_GROUPS_CHOICE_SQL = """WITH
dirty(p, y) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:groups)),
candidates AS (
  SELECT r.id FROM reports r JOIN dirty d ON r.publisher = d.p AND (r.year = d.y OR r.year IS NULL)
  UNION SELECT c.id FROM reports c JOIN reports p ON p.id = c.parent_report_id JOIN dirty d ON p.publisher = d.p
  WHERE c.publisher IS NULL
)
SELECT report_id, publisher, year FROM (""" + _VIEW_BODY.replace(
    _ANCHOR, _ANCHOR + " AND r.id IN (SELECT id FROM candidates)", 1) + """)
WHERE (publisher, year) IN (SELECT p, y FROM dirty)"""


def ensure_summary(db: sqlite_utils.Database) -> bool:
    """Create the tables when absent and fill them from the archive; True when it (re)built them."""
    names = set(db.table_names())
    missing = CHOICE not in names or SUMMARY not in names
    for ddl in _DDL:
        db.execute(ddl)
    if missing and "reports" in names and "metrics" in names:
        rebuild(db)
        return True
    return False


def rebuild(db: sqlite_utils.Database) -> dict[str, int]:
    """Both tables from scratch (one transaction): the view's choice, then the aggregate over it."""

    for ddl in _DDL:
        db.execute(ddl)
    with transaction(db):
        db.execute(f"DELETE FROM {CHOICE}")
        db.execute(f"DELETE FROM {SUMMARY}")
        db.execute(f"INSERT INTO {CHOICE} (publisher, year, report_id) "
                   "SELECT publisher, year, report_id FROM annual_reports")
        db.execute(f"""INSERT INTO {SUMMARY} (key, year, n, total, min_value, max_value)
            SELECT m.key, c.year, count(*), sum(m.value), min(m.value), max(m.value)
            FROM {CHOICE} c JOIN metrics m ON m.report_id = c.report_id
            WHERE m.value IS NOT NULL GROUP BY m.key, c.year""")
    return {"choices": db.execute(f"SELECT count(*) FROM {CHOICE}").fetchone()[0],
            "summary_rows": db.execute(f"SELECT count(*) FROM {SUMMARY}").fetchone()[0]}


def max_report_id(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM reports").fetchone()[0]


def refresh_since(db: sqlite_utils.Database, last_id: int) -> int:
    """After a write batch: refresh the publisher-years touched by report rows with id > last_id (new
    reports, the versions they superseded, attachments pointed at them). Returns groups whose choice moved."""
    if SUMMARY not in db.table_names():
        return 0
    touched = f"""WITH new AS (SELECT id, url FROM reports WHERE id > :last),
        t AS (SELECT id FROM new UNION SELECT r.id FROM reports r WHERE r.url IN (SELECT url FROM new)
              UNION SELECT r.id FROM reports r WHERE r.parent_report_id IN (SELECT id FROM new))
        SELECT coalesce(r.publisher, p.publisher) AS pub, coalesce(r.year, p.year) AS year
        FROM t JOIN reports r ON r.id = t.id LEFT JOIN reports p ON p.id = r.parent_report_id
        UNION SELECT c.publisher, c.year FROM {CHOICE} c WHERE c.report_id IN (SELECT id FROM t)"""
    groups = {(pub, year) for pub, year in db.execute(touched, {"last": last_id}).fetchall()
              if pub is not None and year is not None}
    return refresh_groups(db, groups)


def refresh_groups(db: sqlite_utils.Database, groups: Iterable[tuple[str, int]]) -> int:
    """Recompute the choice of these publisher-years and move the summary by the difference."""
    groups = sorted(set(groups))
    if not groups:
        return 0
    arg = json.dumps([list(g) for g in groups], ensure_ascii=False)
    new = {(p, y): rid for rid, p, y in db.execute(_GROUPS_CHOICE_SQL, {"groups": arg}).fetchall()}
    old = {(p, y): rid for p, y, rid in db.execute(
        f"SELECT c.publisher, c.year, c.report_id FROM {CHOICE} c JOIN json_each(?) j "
        "ON c.publisher = json_extract(j.value, '$[0]') AND c.year = json_extract(j.value, '$[1]')", [arg]).fetchall()}
    moved = [g for g in groups if old.get(g) != new.get(g)]
    if not moved:
        return 0
    removed = [(old[g], g[1]) for g in moved if g in old]
    added = [(new[g], g[1]) for g in moved if g in new]
    for g in moved:
        if g in old:
            db.execute(f"DELETE FROM {CHOICE} WHERE publisher = ? AND year = ?", list(g))
        if g in new:
            db.execute(f"INSERT INTO {CHOICE} (publisher, year, report_id) VALUES (?, ?, ?)", [g[0], g[1], new[g]])
    _apply(db, _values(db, removed), _values(db, added))
    return len(moved)


def _values(db, reports: list[tuple[int, int]]) -> dict[tuple[str, int], list[float]]:
    """(key, year) -> the stated values of these (report_id, year) pairs."""
    out: dict[tuple[str, int], list[float]] = {}
    for rid, year in reports:
        for key, value in db.execute("SELECT key, value FROM metrics WHERE report_id = ? AND value IS NOT NULL",
                                     [rid]):
            out.setdefault((key, year), []).append(value)
    return out


def _apply(db, removed: dict, added: dict) -> None:
    exact: dict[int, set[str]] = {}
    for ky in sorted(set(removed) | set(added)):
        r, a = removed.get(ky, []), added.get(ky, [])
        row = db.execute(f"SELECT n, total, min_value, max_value FROM {SUMMARY} WHERE key = ? AND year = ?",
                         list(ky)).fetchone()
        n, total, lo, hi = row if row else (0, 0.0, None, None)
        n += len(a) - len(r)
        total = (total or 0.0) + sum(a) - sum(r)
        if n <= 0:
            db.execute(f"DELETE FROM {SUMMARY} WHERE key = ? AND year = ?", list(ky))
            continue
        # a removal can take the min (max) away; values added at least as low (high) settle it without a scan
        stale = bool(r) and ((lo is not None and min(r) <= lo and not (a and min(a) <= lo))
                             or (hi is not None and max(r) >= hi and not (a and max(a) >= hi)))
        if a:
            lo = min(a) if lo is None else min(lo, min(a))
            hi = max(a) if hi is None else max(hi, max(a))
        if stale:
            exact.setdefault(ky[1], set()).add(ky[0])
        db.execute(f"INSERT INTO {SUMMARY} (key, year, n, total, min_value, max_value) VALUES (?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (key, year) DO UPDATE SET n = excluded.n, total = excluded.total, "
                   "min_value = excluded.min_value, max_value = excluded.max_value", [*ky, n, total, lo, hi])
    for year, keys in exact.items():  # rare: recompute those keys of that year from the chosen reports
        for key, n, total, lo, hi in db.execute(
                f"SELECT m.key, count(*), sum(m.value), min(m.value), max(m.value) FROM {CHOICE} c "
                "JOIN metrics m ON m.report_id = c.report_id AND m.key IN (SELECT value FROM json_each(?)) "
                "WHERE c.year = ? AND m.value IS NOT NULL GROUP BY m.key",
                [json.dumps(sorted(keys), ensure_ascii=False), year]).fetchall():
            db.execute(f"UPDATE {SUMMARY} SET n = ?, total = ?, min_value = ?, max_value = ? WHERE key = ? AND year = ?",
                       [n, total, lo, hi, key, year])


def same_rows(kept: list[tuple], fresh: list[tuple], rel: float = 1e-9) -> bool:
    """metric_summary rows equal to FROM_SCRATCH_SQL's: keys, counts, min and max exactly; sums to float
    rounding (values added and taken away in another order than a fresh sum)."""
    if len(kept) != len(fresh):
        return False
    for a, b in zip(kept, fresh, strict=True):
        if a[:3] != b[:3] or a[4:] != b[4:]:
            return False
        if abs((a[3] or 0) - (b[3] or 0)) > rel * max(1.0, abs(b[3] or 0)):
            return False
    return True
