"""`gongkai serve`: the archive in a browser (Datasette) with the review queue."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import TYPE_CHECKING

import click

from archive.cli_options import archive_option, db_option, paths_from
from archive.errors import GongkaiError

if TYPE_CHECKING:
    from archive.web.auth import Secret  # lazy: Datasette loads for this command only

PASSWORD_ENV = "GONGKAI_REVIEW_PASSWORD"


def _read_password(password_file: str | None) -> Secret | None:
    """The review password (a Secret: never printed): --password-file wins over the environment;
    None = reviewing off."""
    from archive.web.auth import Secret  # lazy: Datasette loads for this command only

    if password_file:
        try:
            text = open(password_file, encoding="utf-8").read().strip()  # noqa: SIM115
        except OSError as exc:
            raise GongkaiError(f"cannot read --password-file {password_file}: {exc.strerror or exc}") from None
        if not text:
            raise GongkaiError(f"--password-file {password_file} is empty")
        return Secret(text)
    env = os.environ.get(PASSWORD_ENV)
    return Secret(env) if env else None


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise GongkaiError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (try --port)") from None


@click.command("serve")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 exposes the archive to the network).")
@click.option("--password-file", type=click.Path(dir_okay=False), default=None,
              help=f"File holding the reviewers' password (else env {PASSWORD_ENV}; neither = read-only).")
@db_option
@archive_option
def serve(port: int, host: str, password_file: str | None, db: str | None, archive_dir: str | None) -> None:
    """The archive in a browser: SQL, facets, CSV/JSON, search, and the review queue at /-/gongkai."""
    import uvicorn

    from archive.opendb import require_archive  # lazy: sqlite-utils loads for this command only
    from archive.serve import ensure_archive, make_datasette  # lazy: Datasette loads for this command only

    paths = paths_from(db, archive_dir)
    require_archive(paths.db)
    password = _read_password(password_file)
    ensure_archive(paths)
    _check_port(host, port)
    # a fixed DATASETTE_SECRET keeps reviewers logged in across restarts (else a new one per start)
    ds = make_datasette(paths, password=password, secret=os.environ.get("DATASETTE_SECRET") or None)
    review = "reviewers can log in" if password else f"read-only (set {PASSWORD_ENV} to allow reviewing)"
    click.echo(f"gongkai serve: http://{host}:{port}/  review queue: http://{host}:{port}/-/gongkai  ({review})",
               err=True)

    async def run() -> None:
        await ds.invoke_startup()
        config = uvicorn.Config(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
        await uvicorn.Server(config).serve()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


COMMANDS = [serve]
