"""The `gongkai` command (contract: shared/spec/cli.md).

Commands live in small modules next to this one; this file only assembles them and turns user
mistakes into one clear line on stderr with exit status 2 (never a traceback).
"""

from __future__ import annotations

import sqlite3
import sys

import click

from archive import (
    cli_crawl,
    cli_discover,
    cli_distributed,
    cli_export,
    cli_ops,
    cli_parse,
    cli_review,
    cli_serve,
    cli_sql,
    cli_summary,
)
from archive.errors import GongkaiError  # noqa: F401 - the name users of the library knew it by


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongkai")
def cli() -> None:
    """gongkai 公开: archive, extract and check government information-disclosure annual reports."""


def _register() -> None:
    for module in (cli_crawl, cli_ops, cli_parse, cli_review, cli_serve, cli_distributed, cli_sql, cli_discover,
                   cli_export, cli_summary):
        for command in module.COMMANDS:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: usage errors exit 2 with one line, never a traceback.

    With standalone_mode=False click *returns* the code of a `click.exceptions.Exit` (e.g. `check
    --fail-on error` raising Exit(1)) instead of exiting, so that code is passed on here.
    """
    _register()
    try:
        code = cli.main(args=argv, prog_name="gongkai", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("gongkai: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError):
            msg = exc.format_message().splitlines()[-1] if exc.format_message() else "bad usage"
            click.echo(f"gongkai: {msg} (see gongkai --help)", err=True)
            sys.exit(2)
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        where = getattr(exc, "filename", None) or ""
        click.echo(f"gongkai: {exc.strerror or exc}: {where}".rstrip(": "), err=True)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(0)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        # a write that waited its whole busy timeout for another writer (a crawl): try again later
        click.echo(f"gongkai: the archive stayed locked by another writer (a crawl?): {exc}; try again", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
