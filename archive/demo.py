"""`gongkai demo`: the offline main job, end to end, on the bundled sample government web."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from archive import flags
from archive.config import resolve_paths
from archive.nightly import crawl_sites
from archive.runreport import print_summary
from archive.schema import connect
from scraper.registry import parse_registry
from scraper.sampleweb import SampleWeb, serve_in_thread

#: the sample web answers at loopback speed: no need for the politeness delays of real sites
FAST_LOCAL = {"LOG_LEVEL": "CRITICAL", "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
              "DOWNLOAD_TIMEOUT": 3, "RETRY_TIMES": 1}


#: the SQL of "What to try next": over `annual_reports` (one row per publisher and year), so a sum is right
TRY_NEXT_SQL: list[str] = [
    "SELECT publisher, year, format, published, role, other_report_ids FROM annual_reports ORDER BY publisher, year",
    "SELECT a.publisher, a.year, m.value AS applications FROM annual_reports a JOIN metrics m "
    "ON m.report_id = a.report_id WHERE m.key = 'apps.new.total' ORDER BY 1, 2",
    "SELECT a.year, count(*) AS reports, sum(m.value) AS applications FROM annual_reports a JOIN metrics m "
    "ON m.report_id = a.report_id WHERE m.key = 'apps.new.total' GROUP BY a.year ORDER BY a.year",
    "SELECT id, severity, description FROM rules ORDER BY id",
]


def run_demo(workdir: Path, seed: int = 1, scale: int = 1, fresh: bool = True) -> dict:
    workdir = workdir.absolute()
    aside, decisions = None, []
    if fresh and workdir.exists():
        aside, decisions = set_aside(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    web = SampleWeb(seed=seed, scale=scale, night=1, scans=1)  # one report published as a scan (read by OCR)
    server = serve_in_thread(web, port=0)
    try:
        registry_path = workdir / "sites.toml"
        registry_path.write_text(web.registry_toml(server.url), encoding="utf-8")
        registry = parse_registry(registry_path.read_text(encoding="utf-8"), registry_path)
        click.echo(f"sample government web: {len(registry.sites)} sites served on {server.url} (seed {seed})")
        paths = resolve_paths(workdir / "gongkai.db", workdir / "archive")
        result = crawl_sites(paths, registry, progress=sys.stderr.isatty(), settings_overrides=FAST_LOCAL)
    finally:
        server.stop()
    print_summary(result.summary)
    if aside is not None:
        kept = carry_decisions(paths.db, decisions)
        click.echo(f"kept {kept} of {len(decisions)} review decision(s) of the previous demo "
                   f"(the others' evidence changed); the previous demo archive is in {aside}")
    _print_scans(paths.db)
    _print_flags(paths.db)
    db = paths.db
    rel = db.relative_to(Path.cwd()) if db.is_relative_to(Path.cwd()) else db
    try_next = "\n".join(f'  gongkai sql --db {rel} "{q}"' for q in TRY_NEXT_SQL)
    click.echo(f"""
archive: {rel} (raw captures in {paths.warc_dir})

Review the flags:
  gongkai flags --db {rel} --rule T3-BALANCE       # the list (also --site, --year, --json, --csv)
  gongkai flag show --db {rel} ID                  # the evidence beside the report's values
  gongkai flag dismiss --db {rel} ID --note "..."  # or confirm: your decision survives later runs
  GONGKAI_REVIEW_PASSWORD=... gongkai serve --db {rel}   # the review queue in a browser

What to try next:
  gongkai status --db {rel}
{try_next}
  gongkai export --db {rel} --format xlsx --chinese-headers   # one row per publisher-year, one column per metric
""")
    return result.summary


def _decisions(db: Path) -> list[dict]:
    """The reviewers' decisions in an archive (read-only; none when it is not one)."""
    import sqlite3

    if not db.is_file():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute(
                "SELECT identity, evidence_hash, status, note, decided_by FROM flags "
                "WHERE status IN ('confirmed', 'dismissed') AND decided_by IS NOT NULL ORDER BY id")]
        finally:
            con.close()
    except sqlite3.Error:
        return []


def set_aside(workdir: Path) -> tuple[Path | None, list[dict]]:
    """Make room for a fresh demo without losing a reviewer's work: a folder holding decisions is moved
    aside (demo.YYYYMMDD-HHMMSS, returned) and its decisions returned; one without any is removed."""
    from datetime import datetime

    decisions = _decisions(workdir / "gongkai.db")
    if not decisions:
        shutil.rmtree(workdir)
        return None, []
    aside = workdir.with_name(f"{workdir.name}.{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    n = 1
    while aside.exists():
        aside = aside.with_name(f"{workdir.name}.{datetime.now().strftime('%Y%m%d-%H%M%S')}-{n}")
        n += 1
    workdir.rename(aside)
    return aside, decisions


def carry_decisions(db: Path, decisions: list[dict]) -> int:
    """Re-apply decisions to the new archive's flags of the same identity whose evidence is unchanged
    (a decision about other values would not be the reviewer's); returns how many were kept."""
    if not decisions:
        return 0
    dbh = connect(db)
    kept = 0
    try:
        for d in decisions:
            row = dbh.execute("SELECT id FROM flags WHERE identity = ? AND evidence_hash IS ? AND status = 'open'",
                              [d["identity"], d["evidence_hash"]]).fetchone()
            if row is None:
                continue
            decide = flags.confirm if d["status"] == "confirmed" else flags.dismiss
            decide(dbh, row[0], note=d["note"], who=d["decided_by"])
            kept += 1
    finally:
        dbh.conn.close()
    return kept


def _print_scans(db: Path) -> None:
    """The scans read by OCR: which document, how many values, how many of them approximate."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT r.url, count(*), sum(m.approximate) FROM metrics m JOIN reports r ON r.id = m.report_id "
                           "WHERE m.source = 'ocr' AND r.is_current = 1 AND r.role = 'attachment' GROUP BY r.id").fetchall()
    except sqlite3.Error:
        return
    finally:
        con.close()
    for url, n, approx in rows:
        click.echo(f"scan read by OCR: {url}: {n} values ({approx or 0} approximate: low recogniser confidence)")


def _print_flags(db: Path) -> None:
    """The flags found, by rule: what a reviewer will want to look at first."""
    import sqlite3

    from rich.console import Console
    from rich.table import Table

    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT rule, severity, count(*) FROM flags WHERE status = 'open' "
                           "GROUP BY rule, severity ORDER BY severity = 'warning', count(*) DESC, rule").fetchall()
    except sqlite3.Error:
        return
    finally:
        con.close()
    table = Table(title="open flags by rule")
    for col in ("rule", "severity", "flags"):
        table.add_column(col, justify="right" if col == "flags" else "left")
    for rule, severity, n in rows:
        table.add_row(rule, severity, str(n))
    Console(highlight=False).print(table)
