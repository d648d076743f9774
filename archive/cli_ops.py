"""Operation commands: `schedule` (nightly crontab entry / systemd timer) and `health` (per-site health)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from archive.cli import GongkaiError, db_option, paths_from

DEFAULT_SITES = "sites.toml"


@click.command("schedule")
@click.option("--at", "at", default="03:00", show_default=True, metavar="HH:MM", help="Local time to crawl every night.")
@click.option("--systemd", "mode", flag_value="systemd", help="A systemd user timer + service.")
@click.option("--cron", "mode", flag_value="cron", help="A crontab entry (the default).")
@click.option("--install", is_flag=True, help="Install it (crontab, or ~/.config/systemd/user).")
@click.option("--uninstall", is_flag=True, help="Remove exactly what --install added.")
@click.option("--sites", "sites_file", metavar="FILE", help="Site registry (default $GONGKAI_SITES or ./sites.toml).")
@click.option("--log", "log_file", metavar="FILE", help="Append the crawl's output here (default gongkai-crawl.log beside the db).")
@db_option
def schedule_command(at, mode, install, uninstall, sites_file, log_file, db):
    """Print (or --install) the nightly crontab entry / systemd timer for `gongkai crawl`."""
    from archive import schedule as sch

    if install and uninstall:
        raise GongkaiError("--install and --uninstall exclude each other")
    try:
        if uninstall:
            _uninstall(mode)
            return
        sites = Path(sites_file or os.environ.get("GONGKAI_SITES") or DEFAULT_SITES)
        job = sch.make_job(at, sites, paths_from(db, None).db, log_file)
        if not job.sites.is_file():
            if install:
                raise GongkaiError(f"no site registry at {job.sites} (pass --sites FILE)")
            click.echo(f"gongkai: warning: no site registry at {job.sites} yet", err=True)
        if not job.gongkai.exists():
            click.echo(f"gongkai: warning: {job.gongkai} does not exist (is the project installed in this "
                       "virtualenv?)", err=True)
        if (mode or "cron") == "cron":
            if install:
                click.echo(sch.install_cron(job), nl=False)
                click.echo("installed into your crontab (see `crontab -l`)", err=True)
            else:
                click.echo(sch.cron_entry(job), nl=False)
            return
        if install:
            for path in sch.install_systemd(job):
                click.echo(f"wrote {path}")
            click.echo(f"now run: {sch.ENABLE_HINT}")
            return
        for name, text in sch.systemd_units(job).items():
            click.echo(f"# {sch.systemd_dir() / name}\n{text}")
        click.echo(f"# then: {sch.ENABLE_HINT}")
    except sch.ScheduleError as exc:
        raise GongkaiError(str(exc)) from None


def _uninstall(mode: str | None) -> None:
    import shutil

    from archive import schedule as sch

    found = False
    if mode in (None, "cron") and (mode == "cron" or shutil.which("crontab")):
        if sch.uninstall_cron():
            found = True
            click.echo("removed the gongkai entry from your crontab")
    if mode in (None, "systemd"):
        removed = sch.uninstall_systemd()
        if removed:
            found = True
            click.echo(f"first stop the timer: {sch.DISABLE_HINT}")
            for path in removed:
                click.echo(f"removed {path}")
    if not found:
        click.echo("nothing to remove: no gongkai schedule is installed", err=True)


@click.command("health")
@click.option("--json", "as_json", is_flag=True, help="One object per site.")
@db_option
def health_command(as_json, db):
    """Per-site health: is each site's listing reachable, does it still list reports, do they still parse?"""
    from archive.health import site_health
    from archive.schema import connect

    paths = paths_from(db, None)
    if not paths.db.exists():
        raise GongkaiError(f"no archive at {paths.db}")
    rows = site_health(connect(paths.db, readonly=True))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("site", "health", "last run", "report pages", "last good run", "first bad run", "problem")
    for r in rows:
        table.add_row(r["site"], "[red]broken[/red]" if r["status"] == "broken" else r["status"],
                      str(r["last_run"] or ""), str(r["report_captures"]), str(r["last_good_run"] or ""),
                      str(r["first_bad_run"] or ""), r["problem"] or "")
    Console(highlight=False).print(table)


COMMANDS = [schedule_command, health_command]
