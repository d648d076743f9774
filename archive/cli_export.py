"""`gongkai export`: the wide table (one row per publisher-year, one column per metric) as CSV, XLSX or
Parquet. Read-only on the archive; the library is archive/export.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from archive.cli_options import db_option, paths_from
from archive.errors import GongkaiError
from archive.export import ExportError, export


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "parquet"]), default="csv", show_default=True)
@click.option("--out", "out", metavar="FILE", default=None,
              help="Where to write (default: stdout for csv, annual_reports.xlsx / .parquet here).")
@click.option("--chinese-headers", is_flag=True, help="Headers as the reports print them (表三 … / 自然人).")
@db_option
def export_command(fmt, out, chinese_headers, db):
    """One row per publisher and year (annual_reports), one column per metric key."""
    from archive.schema import connect  # lazy: sqlite-utils loads for this command only

    paths = paths_from(db, None)
    if not paths.db.is_file():
        raise GongkaiError(f"no archive at {paths.db}")
    try:
        dbh = connect(paths.db, readonly=True)
    except sqlite3.Error as exc:
        raise GongkaiError(f"cannot open {paths.db}: {exc}") from None
    try:
        n, where = export(dbh.conn, fmt, Path(out) if out else None, chinese_headers)
    except ExportError as exc:
        raise GongkaiError(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise GongkaiError(f"{paths.db} is not a readable gongkai archive: {exc}") from None
    finally:
        dbh.conn.close()
    if where != "stdout":
        click.echo(f"{n} publisher-years written to {where}", err=True)


COMMANDS = [export_command]
