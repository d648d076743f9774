"""Crawl-side commands: `crawl`, `demo`, `web`, `reparse` (`sql` is in cli_sql.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from archive import queries
from archive.checking import run_checks
from archive.cli_distributed import crawl_with_workers
from archive.cli_options import archive_option, as_of_date, db_option, paths_from
from archive.config import sites_path
from archive.errors import GongkaiError
from archive.extracting import reparse
from archive.health import exit_code, run_report
from archive.lock import CrawlLock, LockBusy
from archive.opendb import require_archive
from archive.runreport import print_report, print_summary, summary_json
from archive.schema import connect, ensure_schema
from scraper.registry import RegistryError, load_registry
from scraper.sampleweb.cli import web_command


def _registry(path: str | None):
    path = sites_path(path)
    try:
        return load_registry(path)
    except RegistryError as exc:
        hint = "" if Path(path).exists() else " (pass --sites FILE; the bundled registries are in scraper/registries/)"
        raise GongkaiError(f"{exc}{hint}") from None


def _writable(paths) -> None:
    for d in (paths.db.parent, paths.warc_dir):
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GongkaiError(f"cannot write to {d}: {exc.strerror or exc}") from None
        if not os.access(d, os.W_OK):
            raise GongkaiError(f"cannot write to {d}: permission denied")


@click.command("crawl")
@click.option("--sites", "sites_file", metavar="FILE", help="Site registry (TOML); default $GONGKAI_SITES or ./sites.toml.")
@click.option("--only", multiple=True, metavar="SITE", help="Crawl only these site ids (repeatable).")
@click.option("--proxy", metavar="URL", help="Send every request through this HTTP proxy (overrides the registry).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.option("--progress/--no-progress", default=None, help="Live progress line (default: on a terminal).")
@click.option("--workers", "workers_url", metavar="URL", help="Crawl with `gongkai worker` processes sharing the "
              "frontier on this Redis (redis://HOST:PORT/DB); this process seeds and archives.")
@click.option("--share", default=1, show_default=True, metavar="N", help="With --workers: split each site's "
              "politeness budget across N workers.")
@click.option("--lease", "lease_seconds", default=30.0, show_default=True, metavar="SECONDS",
              help="With --workers: a dead worker's requests return to the frontier after this.")
@click.option("--full", is_flag=True, help="Revalidate every URL tonight, ignoring the revisit policy's back-off.")
@click.option("--as-of", "as_of", metavar="DATE", help="The night's date for the revisit policy (default today).")
@db_option
@archive_option
def crawl_command(sites_file, only, proxy, as_json, progress, workers_url, share, lease_seconds, full, as_of,
                  db, archive_dir):
    """The nightly job: crawl, archive raw responses, extract new/changed reports, run the checks."""
    from dataclasses import replace

    from archive.nightly import crawl_sites  # lazy: Scrapy and Twisted load for this command only

    paths = paths_from(db, archive_dir)
    night = as_of_date(as_of)
    registry = _registry(sites_file)
    if proxy:
        registry = replace(registry, proxy=proxy)
    require_archive(paths.db, new_ok=True)  # before any lock or WARC folder is made
    _writable(paths)
    progress = sys.stderr.isatty() if progress is None else progress
    try:
        if workers_url:
            summary = crawl_with_workers(paths, registry, workers_url, list(only), share, lease_seconds, progress,
                                         full=full, as_of=night)
        else:
            summary = crawl_sites(paths, registry, list(only), progress=progress, full=full, as_of=night).summary
    except LockBusy as exc:
        raise GongkaiError(str(exc)) from None
    except RegistryError as exc:
        raise GongkaiError(str(exc)) from None
    dbh = connect(paths.db, readonly=True)
    report = run_report(dbh, summary["run_id"])
    dbh.conn.close()
    if as_json:
        click.echo(summary_json({**summary, "report": report}))
    else:
        print_summary(summary)
        print_report(report)
    # 1 = a person is needed (new error flags, a broken or failing site): what a cron wrapper mails on
    sys.exit(exit_code(report))


@click.command("reparse")
@click.option("--since", metavar="DATE", help="Only pages captured on or after this date (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True)
@db_option
@archive_option
def reparse_command(since, as_json, db, archive_dir):
    """Re-extract reports from the raw captures (after a parser change) and list the values that changed."""
    paths = paths_from(db, archive_dir)
    require_archive(paths.db)
    try:
        with CrawlLock(paths.lock_file):
            dbh = connect(paths.db)
            ensure_schema(dbh)
            stats = reparse(dbh, paths.warc_dir, since)
            checks = _recheck(dbh) if stats.changed_values else None
    except LockBusy as exc:
        raise GongkaiError(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"reparsed": stats.extracted, "changed": stats.changed_values, "checks": checks},
                              ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"re-extracted {stats.extracted} reports; values changed in {len(stats.changed_values)}"
               + (f"; checks re-run: {checks.get('reopened', 0)} flag(s) re-opened, "
                  f"{checks.get('resolved', 0)} resolved" if checks else ""))
    for item in stats.changed_values:
        click.echo(f"  {item['url']}")
        for key, (old, new) in item["changes"].items():
            click.echo(f"    {key}: {old} -> {new}")


def _recheck(dbh) -> dict:
    """Run the rules again after values changed (a flag whose evidence changed re-opens and says so)."""
    registry = queries.last_run_registry(dbh)
    return run_checks(dbh, registry if registry and Path(registry).exists() else None)


@click.command("demo")
@click.option("--dir", "workdir", default="demo", show_default=True, help="Folder for the demo archive.")
@click.option("--seed", default=1, show_default=True)
@click.option("--scale", default=1, show_default=True)
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty archive.")
def demo_command(workdir, seed, scale, fresh):
    """Serve the bundled sample government web on 127.0.0.1, crawl it, extract, check, and summarise."""
    from archive.demo import run_demo  # lazy: Scrapy and Twisted load for this command only

    run_demo(Path(workdir), seed=seed, scale=scale, fresh=fresh)


COMMANDS = [crawl_command, reparse_command, demo_command, web_command]
