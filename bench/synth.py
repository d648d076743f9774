"""A synthesised archive of N reports (the archive's own schema: archive.schema + archive.flags) and the
latencies of the review-queue queries (archive/web/metadata.py QUERIES, the flag page's queries) and a
GROUP BY over all metrics on it.

Shape per report, taken from a crawl of the sample web: ~120 metrics (256 distinct keys), ~0.85 flags
(X-REPEAT most), 20 sites of ~30 publishers; report text is short here (~300 characters instead of the
~1,300 of sample reports) so the trigram index fits the time budget — the search query is indicative.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from pathlib import Path

RULES = [("X-REPEAT", "warning", 60), ("ATTACHMENT-MISMATCH", "warning", 4), ("T3-ROW-SUM", "error", 3),
         ("X-CARRY", "error", 2), ("T3-BALANCE", "error", 1), ("MISSING", "error", 1), ("LATE", "warning", 1),
         ("T3-RESULT-SUM", "error", 1), ("FORMAT-YEAR", "warning", 1), ("T3-BLANK", "warning", 1)]
STATUSES = [("open", 80), ("confirmed", 5), ("dismissed", 10), ("resolved", 5)]
GROUPS = ("apps.new", "apps.carried_in", "apps.result.disclosed", "apps.result.partial", "apps.result.withheld.secret",
          "apps.result.withheld.law", "apps.result.unable.none", "apps.result.ignored.repeat", "apps.result.other.fee",
          "apps.result.total", "apps.carried_out", "proactive.rules", "review.kept", "suit.direct")
COLS = ("total", "natural", "business", "research", "social", "legal", "other", "x1", "x2", "x3", "x4", "x5",
        "x6", "x7", "x8", "x9", "x10", "x11")
KEYS = [f"{g}.{c}" for g in GROUPS for c in COLS][:256]
TEXT = "本机关2021年政府信息公开工作年度报告。一、总体情况。主动公开政府信息{n}条，收到政府信息公开申请{m}件，" * 4


def build(path: Path, n_reports: int = 100_000, metrics_per_report: int = 120, seed: int = 7) -> dict:
    """Create the archive at path; returns counts and the seconds it took (not a figure: set-up)."""
    from archive.schema import connect, ensure_schema

    t0 = time.monotonic()
    path.unlink(missing_ok=True)
    db = connect(path)
    ensure_schema(db)
    db.conn.close()
    conn = sqlite3.connect(path)
    # bulk load: no journal, no fsync, big cache, secondary indexes built once at the end (ensure_schema)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                "AND tbl_name IN ('reports', 'metrics', 'flags', 'flag_events')").fetchall():
        conn.execute(f"DROP INDEX {name}")
    rng = random.Random(seed)
    n_sites = max(20, n_reports // 50)
    sites = [f"site{i:05d}" for i in range(n_sites)]
    publishers = [(s, f"{s}县{d}") for s in sites for d in ("人民政府", "财政局", "教育局", "生态环境局", "卫生健康委员会")]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO sites (id, name, style, enabled, verified) VALUES (?, ?, 'trs', 1, 0)",
                     [(s, s) for s in sites])
    reports, metrics, fts = [], [], []
    for rid in range(1, n_reports + 1):
        site, pub = publishers[rng.randrange(len(publishers))]
        year = rng.randrange(2012, 2025)
        fmt = "legacy" if year < 2019 else ("2019" if year < 2021 else "2021")
        url = f"http://www.{site}.gov.test/zfxxgknb/{year}/{rid}.html"
        title = f"{pub}{year}年政府信息公开工作年度报告"
        text = TEXT.format(n=rng.randrange(100, 9999), m=rng.randrange(0, 500))
        reports.append((rid, rid, url, site, "page", title, year, fmt, pub, "report", 1, 1, text))
        fts.append((rid, title, pub, text))
        for key in rng.sample(KEYS, metrics_per_report):
            metrics.append((rid, key, float(rng.randrange(0, 500)), "table"))
        if len(metrics) >= 200_000:
            _flush(conn, reports, metrics, fts)
    _flush(conn, reports, metrics, fts)
    flags, rules_w, st_w = [], [r[2] for r in RULES], [s[1] for s in STATUSES]
    for fid in range(1, int(n_reports * 0.85) + 1):
        rule, sev, _ = rng.choices(RULES, rules_w)[0]
        status = rng.choices(STATUSES, st_w)[0][0]
        rid = rng.randrange(1, n_reports + 1)
        site, pub = publishers[rid % len(publishers)]
        flags.append((fid, rule, sev, f"report:{rid}", f"{rule}|report:{rid}|{fid}", status, f"{rule} finding {fid}",
                      "{}", "h", site, pub, rng.randrange(2012, 2025), str(rid), "2026-01-01", "2026-01-02"))
    conn.executemany("INSERT INTO flags (id, rule, severity, subject, identity, status, message, evidence, "
                     "evidence_hash, site, publisher, year, report_id, first_seen, last_seen) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", flags)
    conn.executemany("INSERT INTO flag_events (flag_id, at, event) VALUES (?, '2026-01-01', 'opened')",
                     [(f[0],) for f in flags])
    conn.commit()
    conn.close()
    db = connect(path)  # back to WAL, as the archive is opened
    ensure_schema(db)  # recreates the indexes dropped above
    # the rows were bulk-loaded around the archive writer: its per-key totals from scratch (what
    # `gongkai summary` does; also the cost of building them on an archive from before them)
    from archive.summary import rebuild

    t_summary = time.monotonic()
    rebuild(db)
    summary_seconds = round(time.monotonic() - t_summary, 1)
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return {"reports": n_reports, "metrics": n_reports * metrics_per_report, "flags": len(flags),
            "sites": n_sites, "build_seconds": round(time.monotonic() - t0, 1),
            "summary_rebuild_seconds": summary_seconds,
            "size_mb": round(path.stat().st_size / 1e6, 1)}


def _flush(conn, reports, metrics, fts) -> None:
    conn.executemany("INSERT INTO reports (id, page_id, url, site_id, role, title, year, format, publisher, kind, "
                     "version, is_current, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", reports)
    conn.executemany("INSERT INTO metrics (report_id, key, value, source) VALUES (?, ?, ?, ?)", metrics)
    conn.executemany("INSERT INTO reports_fts (rowid, title, publisher, text) VALUES (?, ?, ?, ?)", fts)
    reports.clear()
    metrics.clear()
    fts.clear()


#: the GROUP BY over all metrics: every key's count, sum and mean (a covering-index scan of all rows)
GROUP_BY_ALL = "SELECT key, count(*) AS n, sum(value) AS total, avg(value) AS mean FROM metrics GROUP BY key ORDER BY key"
#: the same restricted to current report pages: a random row lookup per metric (~0.5 ms per report measured
#: on 5,000 reports), so ~50 s at 100,000 reports; not timed in the benchmark (see README)
GROUP_BY_METRICS = """SELECT m.key, count(*) AS n, sum(m.value) AS total, avg(m.value) AS mean
FROM metrics m JOIN reports r ON r.id = m.report_id
WHERE r.is_current = 1 AND coalesce(r.role, 'page') != 'attachment'
GROUP BY m.key ORDER BY m.key"""
#: the same totals read from the summary kept on write (archive/summary.py): every key over all years, and
#: one key per year (over the reports annual_reports chooses: each publisher-year once)
SUMMARY_ALL = """SELECT key, sum(n) AS n, sum(total) AS total, sum(total) / sum(n) AS mean FROM metric_summary
GROUP BY key ORDER BY key"""
SUMMARY_YEAR = "SELECT year, total AS applications, n AS reports FROM metric_summary WHERE key = 'apps.new.total' ORDER BY year"
#: figure -> the figure it replaces, timed in the same run (its baseline)
BASELINES = {"per-key totals, all keys (metric_summary)": "GROUP BY all metrics (key)",
             "one key per year (metric_summary)": "GROUP BY metric per year"}
GROUP_BY_METRICS_YEAR = """SELECT r.year, sum(m.value) AS applications, count(*) AS reports
FROM metrics m JOIN reports r ON r.id = m.report_id
WHERE m.key = 'apps.new.total' AND r.is_current = 1 GROUP BY r.year ORDER BY r.year"""


def queries(path: Path) -> dict[str, tuple[str, dict | list]]:
    """name -> (sql, params): the canned review queries with realistic parameters, the flag page's
    queries, and the GROUP BYs over metrics."""
    from archive.web.metadata import QUERIES

    conn = sqlite3.connect(path)
    site, pub, year = conn.execute("SELECT site, publisher, year FROM flags WHERE status = 'open' LIMIT 1").fetchone()
    flag_id, report_id = conn.execute("SELECT id, report_id FROM flags ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    q = {
        "open_flags (no filter)": (QUERIES["open_flags"]["sql"], {"rule": "", "site": "", "year": ""}),
        "open_flags (rule+site)": (QUERIES["open_flags"]["sql"], {"rule": "T3-ROW-SUM", "site": site, "year": ""}),
        "open_flags (year)": (QUERIES["open_flags"]["sql"], {"rule": "", "site": "", "year": str(year)}),
        "open_flags_by_rule": (QUERIES["open_flags_by_rule"]["sql"], {}),
        "open_flags_by_site": (QUERIES["open_flags_by_site"]["sql"], {}),
        "open_flags_by_year": (QUERIES["open_flags_by_year"]["sql"], {}),
        "publisher_outcomes": (QUERIES["publisher_outcomes"]["sql"], {"publisher": pub}),
        "search_reports (3+ chars)": (QUERIES["search_reports"]["sql"], {"q": "主动公开"}),
        "flag_history": (QUERIES["flag_history"]["sql"], {"flag": flag_id}),
        "flag page: flag + report metrics": (
            "SELECT f.*, m.key, m.value, m.source, m.where_, m.raw FROM flags f "
            "LEFT JOIN metrics m ON m.report_id = CAST(f.report_id AS INTEGER) WHERE f.id = :flag ORDER BY m.key",
            {"flag": flag_id}),
        "GROUP BY all metrics (key)": (GROUP_BY_ALL, {}),
        "GROUP BY metric per year": (GROUP_BY_METRICS_YEAR, {}),
        "per-key totals, all keys (metric_summary)": (SUMMARY_ALL, {}),
        "one key per year (metric_summary)": (SUMMARY_YEAR, {}),
        "metric_totals canned query (one key)": (QUERIES["metric_totals"]["sql"], {"key": "apps.new.total", "year": ""}),
    }
    assert report_id is not None
    return q


def time_queries(path: Path, runs: int = 7) -> dict[str, dict]:
    """Median and max latency (ms) of each query over `runs` runs on a read-only connection (after a
    warm-up run: the page cache is warm, as on a server that is in use)."""
    from archive.schema import connect

    out = {}
    for name, (sql, params) in queries(path).items():
        db = connect(path, readonly=True)
        t = time.perf_counter()
        rows = len(db.execute(sql, params).fetchall())
        slow = time.perf_counter() - t > 1.0  # a query of seconds: 3 runs are enough to tell
        times = []
        for _ in range(3 if slow else runs):
            t = time.perf_counter()
            db.execute(sql, params).fetchall()
            times.append((time.perf_counter() - t) * 1000)
        db.conn.close()
        out[name] = {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2), "rows": rows}
    for name, base in BASELINES.items():
        out[name]["baseline"] = base
    return out


if __name__ == "__main__":
    import json
    import sys

    p = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/synth.db")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    print(build(p, n))
    print(json.dumps(time_queries(p), indent=1, ensure_ascii=False))
