"""Operation commands: `schedule` (nightly crontab entry / systemd timer), `health` (per-site health)
and `egg` (the project packed for Scrapyd)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from archive import queries
from archive import schedule as sch
from archive.cli_options import db_option, paths_from
from archive.config import sites_path
from archive.errors import GongkaiError
from archive.opendb import open_readonly


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
    if install and uninstall:
        raise GongkaiError("--install and --uninstall exclude each other")
    try:
        if uninstall:
            _uninstall(mode)
            return
        sites = sites_path(sites_file)
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
    rows = queries.health(open_readonly(paths_from(db, None).db))
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


PACKAGES = ("archive", "scraper", "pipeline")


def build_egg(dest: str | os.PathLike, version: str | None = None) -> Path:
    """Pack the installed packages into a Scrapyd egg (zip + EGG-INFO with the `scrapy` settings entry
    point). Done by hand because `scrapyd-deploy` writes a setup.py into the project and this
    project is configured by pyproject.toml only."""
    import importlib
    import importlib.metadata
    import sys
    import zipfile

    version = version or importlib.metadata.version("gongkai")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    egg = dest / f"gongkai-{version}-py{sys.version_info.major}.{sys.version_info.minor}.egg"
    with zipfile.ZipFile(egg, "w", zipfile.ZIP_DEFLATED) as z:
        for name in PACKAGES:
            root = Path(importlib.import_module(name).__file__).parent
            for path in sorted(root.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    z.write(path, f"{name}/{path.relative_to(root).as_posix()}")
        z.writestr("EGG-INFO/PKG-INFO", f"Metadata-Version: 1.1\nName: gongkai\nVersion: {version}\n")
        z.writestr("EGG-INFO/entry_points.txt", "[scrapy]\nsettings = scraper.settings\n")
        z.writestr("EGG-INFO/top_level.txt", "\n".join(PACKAGES) + "\n")
        z.writestr("EGG-INFO/zip-safe", "\n")
    return egg


@click.command("egg")
@click.option("--out", "out_dir", default="dist", show_default=True, metavar="DIR", help="Where to write the egg.")
@click.option("--version", "version", metavar="V", help="Egg version (default: the installed gongkai version).")
def egg_command(out_dir, version):
    """Pack the project as a Scrapyd egg (deploy it with `scrapyd-deploy TARGET --egg FILE`)."""
    click.echo(build_egg(out_dir, version))


COMMANDS = [schedule_command, health_command, egg_command]
