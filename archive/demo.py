"""`gongkai demo`: the offline main job, end to end, on the bundled sample government web."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from archive.config import resolve_paths

#: the sample web answers at loopback speed: no need for the politeness delays of real sites
FAST_LOCAL = {"LOG_LEVEL": "CRITICAL", "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
              "DOWNLOAD_TIMEOUT": 3, "RETRY_TIMES": 1}


def run_demo(workdir: Path, seed: int = 1, scale: int = 1, fresh: bool = True) -> dict:
    from archive.cli_crawl import print_summary
    from archive.nightly import crawl_sites
    from scraper.registry import parse_registry
    from scraper.sampleweb import SampleWeb, serve_in_thread

    workdir = workdir.absolute()
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
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
    _print_scans(paths.db)
    _print_flags(paths.db)
    db = paths.db
    rel = db.relative_to(Path.cwd()) if db.is_relative_to(Path.cwd()) else db
    click.echo(f"""
archive: {rel} (raw captures in {paths.warc_dir})

Review the flags:
  gongkai flags --db {rel} --rule T3-BALANCE       # the list (also --site, --year, --json, --csv)
  gongkai flag show --db {rel} ID                  # the evidence beside the report's values
  gongkai flag dismiss --db {rel} ID --note "..."  # or confirm: your decision survives later runs
  GONGKAI_REVIEW_PASSWORD=... gongkai serve --db {rel}   # the review queue in a browser

What to try next:
  gongkai status --db {rel}
  gongkai sql --db {rel} "SELECT publisher, year, format, published FROM reports WHERE role='page' AND kind='report' ORDER BY publisher, year"
  gongkai sql --db {rel} "SELECT r.publisher, r.year, m.value FROM metrics m JOIN reports r ON r.id = m.report_id WHERE m.key = 'apps.new.total' ORDER BY 1, 2"
""")
    return result.summary


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
