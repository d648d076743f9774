"""Review commands: `check`, `flags`, `flag show|confirm|dismiss`, `status`.

They present what archive/queries.py reads (no SQL here); the rules live in pipeline/checks, the lifecycle
in archive/flags.
"""

from __future__ import annotations

import csv
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from archive import flags, queries
from archive.checking import run_checks
from archive.cli_distributed import print_status
from archive.cli_options import archive_option, as_of_date, db_option, paths_from, redis_url_option
from archive.config import sites_path
from archive.distributed import distributed_status
from archive.errors import GongkaiError
from archive.flags import ensure_flag_tables
from archive.opendb import open_readonly, require_archive
from archive.schema import connect
from scraper.registry import RegistryError

SEVERITY_RANK = {"warning": 1, "error": 2}
LIST_COLUMNS = ("id", "status", "severity", "rule", "site", "publisher", "year", "subject", "message")


def _open(db: str | None):
    """The archive at --db for writing (check), with the flag tables; anything that is not a gongkai
    archive (missing, a folder, an HTML or binary file) is one clear line, never a new empty db."""
    paths = paths_from(db, None)
    require_archive(paths.db)
    dbh = connect(paths.db)
    ensure_flag_tables(dbh)
    return dbh


def _read(db: str | None):
    """The archive at --db read-only (flags, flag show, status): the file system stays as it was."""
    return open_readonly(paths_from(db, None).db)


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=max(100, _width()))


def _width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 160


def _registry_path(sites: str | None, dbh) -> str | None:
    """The registry config.sites_path names (--sites, $GONGKAI_SITES, ./sites.toml), else the registry of the
    last crawl run if it still exists; a registry named explicitly must exist."""
    path = sites_path(sites)
    if path.exists():
        return str(path)
    if sites or os.environ.get("GONGKAI_SITES"):
        raise GongkaiError(f"registry file not found: {path}")
    last = queries.last_run_registry(dbh)
    return last if last and Path(last).exists() else None


@click.command("check")
@click.option("--as-of", "as_of", metavar="DATE", help="Judge deadlines as of this date (default today).")
@click.option("--sites", metavar="FILE", help="Site registry (expected publishers, deadlines); env GONGKAI_SITES.")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default=None,
              help="Exit 1 if open flags of this severity (or worse) remain.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@db_option
@archive_option
def check_command(as_of, sites, fail_on, as_json, db, archive_dir):
    """Run every rule over the archive and update the flags (re-runs never duplicate)."""
    dbh = _open(db)
    registry = _registry_path(sites, dbh)
    try:
        summary = run_checks(dbh, registry, as_of_date(as_of))
    except RegistryError as exc:
        raise GongkaiError(str(exc)) from None
    summary["registry"] = registry
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_check(summary)
    if fail_on:
        threshold = SEVERITY_RANK[fail_on]
        bad = sum(n for sev, n in summary["open_by_severity"].items() if SEVERITY_RANK.get(sev, 0) >= threshold)
        if bad:
            click.echo(f"gongkai: {bad} open flag(s) at or above {fail_on}", err=True)
            raise click.exceptions.Exit(1)


def _print_check(s: dict[str, Any]) -> None:
    from rich.table import Table

    con = _console()
    con.print(f"checked {s['reports']} report(s) as of {s['as_of']}"
              + (f" with registry {s['registry']}" if s.get("registry") else " (no site registry: publishers seen only)"))
    con.print(f"findings {s['findings']}: opened {s['opened']}, re-opened {s['reopened']}, "
              f"evidence changed {s['evidence_changed']}, resolved {s['resolved']}, unchanged {s['unchanged']}")
    if s["open_by_rule"]:
        con.print("open flags by rule")
        t = Table("rule", "open")
        for rule, n in s["open_by_rule"].items():
            t.add_row(rule, str(n))
        con.print(t)
    con.print("next: gongkai flags --status open   ·   gongkai flag show ID")


@click.command("flags")
@click.option("--rule", help="Only this rule (e.g. T3-BALANCE).")
@click.option("--status", type=click.Choice(["open", "confirmed", "dismissed", "resolved", "all"]), default="open",
              show_default=True)
@click.option("--site", help="Only flags of this site id.")
@click.option("--year", type=int, help="Only this report year.")
@click.option("--publisher", help="Only this publisher.")
@click.option("--json", "as_json", is_flag=True, help="Flags as a JSON array (evidence included).")
@click.option("--csv", "as_csv", is_flag=True, help="Flags as CSV with a header.")
@db_option
def flags_command(rule, status, site, year, publisher, as_json, as_csv, db):
    """List flags (the review queue)."""
    dbh = _read(db)
    rows = queries.flags(dbh, status, rule=rule, site=site, year=year, publisher=publisher)
    if as_json:
        for r in rows:
            r["evidence"] = json.loads(r["evidence"]) if r["evidence"] else None
            r["cells"] = json.loads(r["cells"]) if r["cells"] else []
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if as_csv:
        w = csv.DictWriter(sys.stdout, fieldnames=queries.flag_columns(dbh), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return
    from rich.table import Table

    t = Table(*LIST_COLUMNS, title=f"flags ({status})")
    for r in rows:
        style = "red" if r["severity"] == "error" else "yellow"
        t.add_row(*(f"[{style}]{r[c]}[/{style}]" if c == "severity" else ("" if r[c] is None else str(r[c]))
                    for c in LIST_COLUMNS))
    con = _console()
    con.print(t)
    click.echo(f"{len(rows)} flag(s)", err=True)


@click.group("flag")
def flag_group() -> None:
    """Review one flag: show, confirm or dismiss it."""


@flag_group.command("show")
@click.argument("flag_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@db_option
def flag_show(flag_id, as_json, db):
    """The flag, its evidence, the report's values side by side, and its history."""
    from rich.table import Table

    f = queries.flag_detail(_read(db), flag_id)
    if f is None:
        raise GongkaiError(f"no flag with id {flag_id} (see gongkai flags --status all)")
    if as_json:
        click.echo(json.dumps(f, ensure_ascii=False, indent=2))
        return
    ev, side, history = f["evidence"], f["values"], f["history"]
    con = _console()
    con.print(f"[b]flag {f['id']}[/b]  {f['rule']} ({f['severity']})  status [b]{f['status']}[/b]")
    con.print(f"subject: {f['subject']}   publisher: {f['publisher'] or '—'}   year: {f['year'] or '—'}   "
              f"site: {f['site'] or '—'}")
    con.print(f"message: {f['message']}")
    if f["decided_by"]:
        con.print(f"decided: {f['status']} by {f['decided_by']} at {f['decided_at']}: {f['note'] or ''}")
    scalars = {k: v for k, v in ev.items() if not isinstance(v, dict | list)}
    if scalars:
        con.print("evidence: " + "   ".join(f"{k} = {v}" for k, v in scalars.items()))
    if side:
        t = Table("report", "cell", "value (evidence)", "value (archive now)", "where", "printed", title="values")
        for c in side:
            now = c["archive_now"]
            mark = "" if now is None or now == c.get("value") else " [red](changed)[/red]"
            t.add_row(str(c.get("report") or f["subject"]), c["key"], str(c.get("value")),
                      ("—" if now is None else str(now)) + mark, str(c.get("where") or ""), str(c.get("raw") or ""))
        con.print(t)
    rest = {k: v for k, v in ev.items() if isinstance(v, dict | list) and k not in ("values",)}
    for k, v in rest.items():
        con.print(f"{k}: " + json.dumps(v, ensure_ascii=False)[:2000])
    t = Table("at", "event", "who", "note", title="history")
    for h in history:
        t.add_row(*(str(h[c] or "") for c in ("at", "event", "who", "note")))
    con.print(t)


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:  # noqa: BLE001
        return "unknown"


def _decide(action: str, flag_id: int, note: str | None, by: str | None, db: str | None, wait: float) -> None:
    """Confirm/dismiss in an immediate transaction that waits up to `wait` s for a crawl's writer;
    still locked after that: one line, exit 1 (the decision was not recorded, try again)."""
    paths = paths_from(db, None)
    require_archive(paths.db)
    dbh = connect(paths.db, busy_ms=int(wait * 1000))
    try:
        row = getattr(flags, action)(dbh, flag_id, note=note, who=_who(by))
    except KeyError:
        raise GongkaiError(f"no flag with id {flag_id} (see gongkai flags --status all)") from None
    except flags.ArchiveBusy as exc:
        click.echo(f"gongkai: flag {flag_id} not {action}ed: {exc} (waited {wait:g} s, see --wait)", err=True)
        raise click.exceptions.Exit(1) from None
    finally:
        dbh.conn.close()
    click.echo(f"flag {flag_id} {row['status']} by {row['decided_by']}" + (f": {note}" if note else ""))


wait_option = click.option("--wait", default=30.0, show_default=True, type=click.FloatRange(0, 3600),
                           metavar="SECONDS", help="How long to wait for a crawl writing the archive "
                           "(exit 1 if it is still locked after that).")


@flag_group.command("confirm")
@click.argument("flag_id", type=int)
@click.option("--note", help="Why (kept with the flag).")
@click.option("--by", help="Reviewer name (default $USER).")
@wait_option
@db_option
def flag_confirm(flag_id, note, by, wait, db):
    """The report really is wrong: keep the flag, with who and why."""
    _decide("confirm", flag_id, note, by, db, wait)


@flag_group.command("dismiss")
@click.argument("flag_id", type=int)
@click.option("--note", required=True, help="Why it is not a problem (required: the next reviewer reads it).")
@click.option("--by", help="Reviewer name (default $USER).")
@wait_option
@db_option
def flag_dismiss(flag_id, note, by, wait, db):
    """Not a problem: the flag stays dismissed until its evidence changes."""
    _decide("dismiss", flag_id, note, by, db, wait)


@click.command("status")
@click.option("--json", "as_json", is_flag=True)
@redis_url_option(required=False,
                  help="Also show the distributed crawl's workers, frontier and throughput (env GONGKAI_REDIS).")
@db_option
def status_command(as_json, db, redis_url):
    """Last crawl runs, per-site health and open flags by rule and by site."""
    from rich.table import Table

    distributed = None
    if redis_url:
        try:
            distributed = distributed_status(redis_url)
        except Exception as exc:  # noqa: BLE001 - an unreachable Redis is a one-line message
            raise GongkaiError(f"cannot read the distributed crawl state at {redis_url}: {exc}") from None

    out = queries.status(_read(db))
    runs, sites = out["runs"], out["sites"]
    if distributed is not None:
        out["distributed"] = distributed
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    con = _console()
    if distributed is not None:
        print_status(distributed)
    if runs:
        cols = [c for c in ("id", "started_at", "finished_at", "status", "as_of") if c in runs[0]]
        t = Table(*cols, title="last crawl runs")
        for r in runs:
            t.add_row(*("" if r[c] is None else str(r[c]) for c in cols))
        con.print(t)
    else:
        con.print("no crawl runs yet")
    if sites:
        t = Table("site", "health", "last crawled", "reports", "latest year", "open flags", title="sites")
        for s in sites:
            health = {"ok": "[green]ok[/green]", "broken": f"[red]broken[/red] {s.get('problem') or ''}"}.get(
                s.get("health") or "", s.get("health") or "")
            t.add_row(s["site"], health, *("" if s[c] is None else str(s[c])
                                          for c in ("last_crawled", "reports", "latest_year", "open_flags")))
        con.print(t)
    for by, counts in (("rule", out["open_by_rule"]), ("site", out["open_by_site"])):
        con.print(f"open flags by {by}" + ("" if counts else ": none"))
        if counts:
            t = Table(by, "open")
            for k, n in counts.items():
                t.add_row(k, str(n))
            con.print(t)


COMMANDS: list = [check_command, flags_command, flag_group, status_command]
