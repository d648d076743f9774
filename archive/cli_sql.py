"""`gongkai sql`: read-only SQL over the archive, in the sandbox of archive/sqlbox.py.

The terminal table shows at most --max-rows rows and says how many it left out; --json and --csv
stream every row. A result too wide for the terminal is shown one record at a time (psql's
expanded mode), values wrapped, never cut.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import click

from archive.cli_options import db_option, paths_from
from archive.errors import GongkaiError
from archive.sqlbox import DEFAULT_TIME_LIMIT, Sandbox, SqlRefused, SqlTimeout

DEFAULT_MAX_ROWS = 1000


def cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bytes):
        return f"X'{v.hex().upper()}'"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def json_value(v: Any) -> Any:
    return f"X'{v.hex().upper()}'" if isinstance(v, bytes) else v


def stream_json(cols: list[str], rows: Iterable[tuple], out) -> int:
    n = 0
    out.write("[")
    for r in rows:
        out.write(",\n  " if n else "\n  ")
        out.write(json.dumps({c: json_value(v) for c, v in zip(cols, r, strict=True)}, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def stream_csv(cols: list[str], rows: Iterable[tuple], out) -> int:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)
    n = 0
    for r in rows:
        w.writerow([json_value(v) for v in r])
        n += 1
    return n


def _natural_width(cols: list[str], rows: list[list[str]]) -> int:
    """Width of the table with every value on its lines, unwrapped (rich's box: 3 per column + 1)."""
    from rich.cells import cell_len

    widths = [cell_len(c) for c in cols]
    for r in rows:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], max((cell_len(line) for line in v.split("\n")), default=0))
    return sum(widths) + 3 * len(cols) + 1


def render_terminal(console, cols: list[str], rows: list[list[str]], vertical: bool | None = None) -> str:
    """Print rows as a table, or record by record when they do not fit; returns the layout used."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    if vertical is None:
        vertical = bool(rows) and _natural_width(cols, rows) > console.width
    if not vertical:
        table = Table(*cols, box=box.SQUARE)
        for col in table.columns:
            col.overflow = "fold"
        for r in rows:
            table.add_row(*(Text(v, overflow="fold") for v in r))
        console.print(table)
        return "table"
    from rich.cells import cell_len

    name_width = max((cell_len(c) for c in cols), default=1)
    for i, r in enumerate(rows, 1):
        console.print(Text(f"-[ RECORD {i} ]" + "-" * max(0, min(console.width, 60) - 14 - len(str(i)))))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=name_width, no_wrap=True)
        grid.add_column(overflow="fold")
        for c, v in zip(cols, r, strict=True):
            grid.add_row(Text(c, style="bold"), Text("|"), Text(v, overflow="fold"))
        console.print(grid)
    return "vertical"


def _take(rows: Iterator[tuple], n: int) -> list[tuple]:
    out = []
    for r in rows:
        out.append(r)
        if len(out) >= n:
            break
    return out


@click.command("sql")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Every row as a JSON array of objects (streamed).")
@click.option("--csv", "as_csv", is_flag=True, help="Every row as CSV with a header (streamed).")
@click.option("--time-limit", default=DEFAULT_TIME_LIMIT, show_default=True, type=click.FloatRange(0.01, 86400),
              metavar="SECONDS", help="Stop the query after this long inside SQLite.")
@click.option("--max-rows", default=DEFAULT_MAX_ROWS, show_default=True, type=click.IntRange(1),
              help="Rows shown in the terminal table (the rest are counted; --json/--csv give all).")
@click.option("-x", "--vertical", "vertical", flag_value=True, default=None,
              help="One record at a time (as psql's expanded mode); default when rows are too wide.")
@db_option
def sql_command(query, as_json, as_csv, time_limit, max_rows, vertical, db):
    """Read-only SQL over the archive.

    Only SELECT, WITH, VALUES, EXPLAIN and read-only PRAGMAs run: ATTACH, VACUUM, writes, schema
    changes and extensions are refused. Exit 2 with one line for an SQL error, a refused statement,
    or a query stopped at --time-limit.
    """
    from archive.opendb import open_readonly  # lazy: sqlite-utils loads for this command only

    dbh = open_readonly(paths_from(db, None).db)
    box = Sandbox(dbh.conn, time_limit=time_limit)
    try:
        cols, rows = box.execute(query)
        if as_json:
            stream_json(cols, rows, sys.stdout)
        elif as_csv:
            stream_csv(cols, rows, sys.stdout)
        else:
            _print_table(cols, rows, max_rows, vertical)
    except BrokenPipeError:
        _quiet_stdout()  # `gongkai sql --csv … | head`: the reader has had enough, not an error
    except (SqlRefused, SqlTimeout) as exc:
        raise GongkaiError(str(exc)) from None
    except sqlite3.Error as exc:
        raise GongkaiError(f"SQL error: {exc}") from None


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not fail again (Python docs, SIGPIPE)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _print_table(cols: list[str], rows: Iterator[tuple], max_rows: int, vertical: bool | None) -> None:
    from rich.console import Console

    shown = _take(rows, max_rows)
    more = 0
    stopped = False
    try:
        for _ in rows:  # count what is not shown, within the same time limit
            more += 1
    except SqlTimeout:
        stopped = True
    if cols:
        render_terminal(Console(highlight=False, soft_wrap=False), cols,
                        [[cell_text(v) for v in r] for r in shown], vertical)
    total = len(shown) + more
    if more or stopped:
        how_many = f"at least {total} (counting stopped at the time limit)" if stopped else str(total)
        click.echo(f"{len(shown)} of {how_many} row(s) shown (--max-rows {max_rows}; --json or --csv give all)",
                   err=True)
    else:
        click.echo(f"{total} row(s)", err=True)


COMMANDS = [sql_command]
