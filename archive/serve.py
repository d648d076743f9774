"""Build the Datasette that `gongkai serve` runs: the archive read-only, its metadata and the review plugin.

Datasette opens a mutable file with mode=ro (and the plugin adds PRAGMA query_only), so the nightly
crawl can keep writing while people browse; the only write is a reviewer's decision, made by the
plugin on its own connection.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from datasette.app import Datasette
from datasette.plugins import pm

from archive.config import Paths
from archive.schema import TABLES, connect, ensure_schema
from archive.web import errors, plugin
from archive.web.auth import LoginThrottle, Secret
from archive.web.metadata import build_metadata
from archive.web.serveconfig import ServeConfig

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
PLUGIN_NAME = "gongkai-review"

SETTINGS = {
    "truncate_cells_html": 160,  # reports.text is whole reports
    "suggest_facets": False,  # metrics can hold millions of rows
    "default_page_size": 50,
    "sql_time_limit_ms": 5000,  # every query (typed SQL, canned, the review pages) stops after 5 s
}


def register_plugin() -> None:
    """Register the review plugin once per process (pluggy rejects a second registration).

    Datasette's default exception handler is blocked: it prints every error with its locals (the
    password among them) even when another handler answers; ours calls it for other Datasettes.
    """
    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(plugin, name=PLUGIN_NAME)
        if pm.get_plugin(errors.DEFAULT_HANDLER) is not None:
            pm.set_blocked(errors.DEFAULT_HANDLER)


def ensure_archive(paths: Paths) -> None:
    """Create missing tables (e.g. flags before the first `gongkai check`) so every page has its tables.

    An archive that already has them is not opened for writing at all; one that cannot be written
    is served as it is (pages say what is missing).
    """
    import sqlite3


    wanted = {*TABLES, "reports_fts", "flags", "flag_events", "annual_choice", "metric_summary"}
    ro = connect(paths.db, readonly=True)
    try:
        missing = wanted - set(ro.table_names())
    finally:
        ro.conn.close()
    if not missing:
        return
    try:
        db = connect(paths.db)
        try:
            ensure_schema(db)
        finally:
            db.conn.close()
    except sqlite3.DatabaseError as exc:
        import click

        click.echo(f"gongkai serve: cannot add tables {sorted(missing)} ({exc}); serving the archive as it is",
                   err=True)


class GongkaiDatasette(Datasette):
    """Datasette that knows its gongkai config before __init__ builds the app (routes are fixed then)."""

    def __init__(self, *args, gongkai_config: ServeConfig, **kwargs) -> None:
        self.gongkai_config = gongkai_config
        self.gongkai_throttle = LoginThrottle()
        super().__init__(*args, **kwargs)


def make_datasette(paths: Paths, password: str | Secret | None = None, secret: str | None = None,
                   sql_time_limit_ms: int | None = None) -> Datasette:
    """A Datasette over the archive with the review routes; `password` enables reviewer logins.

    `sql_time_limit_ms` (default SETTINGS') bounds every query, typed SQL and the review pages' own.
    """
    register_plugin()
    db_path = str(paths.db)
    name = Path(db_path).stem  # how Datasette names a database file
    if isinstance(password, str):
        password = Secret(password) if password else None
    cfg = ServeConfig(db_name=name, db_path=paths.db, warc_dir=paths.warc_dir, password=password)
    settings = dict(SETTINGS)
    if sql_time_limit_ms is not None:
        settings["sql_time_limit_ms"] = int(sql_time_limit_ms)
    ds = GongkaiDatasette(
        files=[db_path],
        gongkai_config=cfg,
        metadata=build_metadata(name),
        settings=settings,
        template_dir=str(TEMPLATES),
        static_mounts=[("gongkai-static", str(STATIC))],
        secret=secret or secrets.token_hex(32),
    )
    assert name in ds.databases, list(ds.databases)
    return ds
