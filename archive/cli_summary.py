"""`gongkai summary`: the per-key totals (metric_summary, annual_choice) rebuilt from scratch, for an archive
whose reports were written around the archive writer (a bulk load, a restored copy); the library is
archive/summary.py. `--check` only compares them with the from-scratch aggregate (read-only)."""

from __future__ import annotations

import json
import sqlite3

import click

from archive import queries, summary
from archive.cli_options import db_option, paths_from
from archive.errors import GongkaiError
from archive.schema import connect


@click.command("summary")
@click.option("--check", is_flag=True, help="Only compare with the from-scratch aggregate (read-only; exit 1 if stale).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@db_option
def summary_command(check, as_json, db):
    """Rebuild the per-key totals per year (metric_summary) from the annual_reports view."""
    paths = paths_from(db, None)
    if not paths.db.is_file():
        raise GongkaiError(f"no archive at {paths.db}")
    try:
        dbh = connect(paths.db, readonly=check)
        if check:
            out = queries.summary_staleness(dbh)
        else:
            out = summary.rebuild(dbh)
    except sqlite3.DatabaseError as exc:
        raise GongkaiError(f"{paths.db} is not a usable gongkai archive: {exc}") from None
    finally:
        if "dbh" in locals():
            dbh.conn.close()
    click.echo(json.dumps(out) if as_json else ", ".join(f"{k}: {v}" for k, v in out.items()))
    if check and not out["equal"]:
        raise click.exceptions.Exit(1)


COMMANDS = [summary_command]
