"""Crawl-side commands: `crawl`, `demo`, `web`, `reparse` (`sql` is in cli_sql.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from archive.cli import GongkaiError, archive_option, db_option, paths_from
from archive.lock import CrawlLock, LockBusy
from scraper.registry import RegistryError, load_registry

DEFAULT_SITES = "sites.toml"


def _registry(path: str | None):
    path = path or os.environ.get("GONGKAI_SITES") or DEFAULT_SITES
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


def print_summary(summary: dict, file=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file or sys.stdout, highlight=False)
    table = Table(title=f"crawl run {summary.get('run_id')}" + (" (resumed)" if summary.get("resumed") else ""))
    refused = {s: sum(r.values()) for s, r in summary.get("refused", {}).items()}
    for col in ("site", "new", "changed", "unchanged", "failed", "refused"):
        table.add_column(col, justify="right" if col != "site" else "left")
    for site, c in summary.get("sites", {}).items():
        table.add_row(site, *(str(c[k]) for k in ("new", "changed", "unchanged", "failed")), str(refused.get(site, 0)))
    t = summary.get("totals", {})
    table.add_row("[b]total[/b]", *(f"[b]{t.get(k, 0)}[/b]" for k in ("new", "changed", "unchanged", "failed")),
                  f"[b]{sum(refused.values())}[/b]")
    console.print(table)
    if "not_due" in t:
        console.print(f"not due (revisit policy): {t['not_due']}" + (" (--full: every URL asked)" if summary.get("full")
                                                                      else ""))
    if summary.get("errors"):
        console.print("errors by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["errors"].items())))
    console.print(f"reports extracted: {summary.get('reports_extracted', 0)} "
                  f"(of {summary.get('extracted', 0)} documents; {summary.get('extraction_errors', 0)} with errors)")
    checks = summary.get("checks")
    if checks and file is not None:
        by_rule = checks.get("open_by_rule") or checks.get("by_rule") or {}
        if by_rule:
            console.print("open flags by rule: " + ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))


def print_report(report: dict) -> None:
    """The morning report: what is new, and what needs a person."""
    new, changed = report.get("new_reports", []), report.get("changed_reports", [])
    flags = report.get("new_flags", {})
    lines = [f"new reports: {len(new)}, changed reports: {len(changed)}"]
    if flags.get("by_rule"):
        lines.append("new flags: " + ", ".join(f"{k} {v}" for k, v in sorted(flags["by_rule"].items())))
    for s in report.get("sites_broken", []):
        lines.append(f"SITE BROKEN: {s if isinstance(s, str) else s.get('site')}")
    for s in report.get("sites_failing", []):
        lines.append(f"site failing: {s if isinstance(s, str) else s.get('site')}")
    for s in report.get("sites_capped", []):
        lines.append(f"site capped: {s.get('site')}: {s.get('message')}")
    refused = {}
    for reasons in report.get("refused", {}).values():
        for reason, n in reasons.items():
            refused[reason] = refused.get(reason, 0) + n
    if refused:
        lines.append("refused URLs: " + ", ".join(f"{k} {v}" for k, v in sorted(refused.items())))
    if report.get("truncated"):
        lines.append(f"truncated bodies: {len(report['truncated'])} (first: {report['truncated'][0]['url']})")
    click.echo("\n".join(lines))


def _night(value: str | None):
    from datetime import date

    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise GongkaiError(f"--as-of must be a date YYYY-MM-DD, got {value!r}") from None


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

    from archive.nightly import crawl_sites, summary_json
    from archive.opendb import require_archive

    paths = paths_from(db, archive_dir)
    night = _night(as_of)
    registry = _registry(sites_file)
    if proxy:
        registry = replace(registry, proxy=proxy)
    require_archive(paths.db, new_ok=True)  # before any lock or WARC folder is made
    _writable(paths)
    progress = sys.stderr.isatty() if progress is None else progress
    try:
        if workers_url:
            from archive.cli_distributed import crawl_with_workers

            summary = crawl_with_workers(paths, registry, workers_url, list(only), share, lease_seconds, progress,
                                         full=full, as_of=night)
        else:
            summary = crawl_sites(paths, registry, list(only), progress=progress, full=full, as_of=night).summary
    except LockBusy as exc:
        raise GongkaiError(str(exc)) from None
    except RegistryError as exc:
        raise GongkaiError(str(exc)) from None
    from archive.health import exit_code, run_report
    from archive.schema import connect

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
    from archive.extracting import reparse
    from archive.opendb import require_archive
    from archive.schema import connect, ensure_schema

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
    from pathlib import Path as _P

    from archive.checking import run_checks

    row = next(dbh.query("SELECT registry FROM crawl_runs WHERE registry != '' ORDER BY id DESC LIMIT 1"), None)
    registry = row["registry"] if row and _P(row["registry"]).exists() else None
    return run_checks(dbh, registry)


def _web_command():
    try:
        from scraper.sampleweb.cli import web_command
    except ImportError:
        return None
    return web_command


@click.command("demo")
@click.option("--dir", "workdir", default="demo", show_default=True, help="Folder for the demo archive.")
@click.option("--seed", default=1, show_default=True)
@click.option("--scale", default=1, show_default=True)
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty archive.")
def demo_command(workdir, seed, scale, fresh):
    """Serve the bundled sample government web on 127.0.0.1, crawl it, extract, check, and summarise."""
    from archive.demo import run_demo

    run_demo(Path(workdir), seed=seed, scale=scale, fresh=fresh)


COMMANDS = [c for c in (crawl_command, reparse_command, demo_command, _web_command()) if c is not None]
