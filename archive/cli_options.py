"""The options every command shares: where the archive is (--db, --archive; archive/config.py resolves them)."""

from __future__ import annotations

from datetime import date

import click

from archive.config import resolve_paths
from archive.errors import GongkaiError

db_option = click.option("--db", "db", envvar="GONGKAI_DB", default=None, metavar="PATH",
                         help="SQLite archive (default gongkai.db, env GONGKAI_DB).")
archive_option = click.option("--archive", "archive_dir", envvar="GONGKAI_ARCHIVE", default=None, metavar="DIR",
                              help="Raw captures folder (default archive/ beside the db, env GONGKAI_ARCHIVE).")


def paths_from(db: str | None, archive_dir: str | None):
    return resolve_paths(db, archive_dir)


def redis_url_option(required: bool, help: str = "Redis of the run, redis://HOST:PORT/DB (env GONGKAI_REDIS)."):
    """--redis (env GONGKAI_REDIS): the frontier of a crawl spread over several machines."""
    return click.option("--redis", "redis_url", envvar="GONGKAI_REDIS", required=required, default=None,
                        metavar="URL", help=help)


def as_of_date(value: str | None) -> date:
    """--as-of YYYY-MM-DD (default today): the night the crawl's revisit policy and the checks take as today."""
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise GongkaiError(f"--as-of must be a date YYYY-MM-DD, got {value!r}") from None
