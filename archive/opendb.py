"""Which files are gongkai archives, and opening one for reading without changing the file system.

Every command checks its --db here before touching it: a folder, an empty file, an HTML page or a
binary file is refused with one line (never turned into a database, never given a lock or a WARC
folder). Read-only commands open the archive with a `mode=ro` URI; SQLite then leaves `-wal`/`-shm`
files beside a WAL database, which are tidied away again on close when they were not there before.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import click
import sqlite_utils

from archive.errors import GongkaiError

SQLITE_MAGIC = b"SQLite format 3\x00"
#: a database holding any of these tables is a gongkai archive (older archives lack some)
GONGKAI_TABLES = frozenset({"reports", "pages", "captures", "crawl_runs", "metrics", "flags", "migrations"})
SIDECARS = ("-wal", "-shm")
BUSY_MS = 30_000


class NotAnArchive(ValueError):
    """The path is not a gongkai archive; the message is the one line to show."""


def ro_uri(path: Path) -> str:
    """`file:` URI opening `path` read-only (quoted: a path may hold ? or #)."""
    return Path(path).absolute().as_uri() + "?mode=ro"


def _raw_readonly(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(ro_uri(path), uri=True, timeout=BUSY_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    conn.execute("PRAGMA query_only = 1")
    return conn


def _tidy(path: Path, had: dict[str, bool]) -> None:
    """Remove the -wal/-shm a read-only connection created: the last connection to close deletes
    them, which a read-only one cannot, so a brief ordinary connection closes after it."""
    if all(had[s] or not Path(f"{path}{s}").exists() for s in SIDECARS):
        return
    try:
        conn = sqlite3.connect(str(path), timeout=1)
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # read-only folder or a writer busy: the files are SQLite's and harmless


@contextlib.contextmanager
def readonly_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A raw read-only connection (`mode=ro`, query_only) that leaves the folder as it found it."""
    path = Path(path)
    had = {s: Path(f"{path}{s}").exists() for s in SIDECARS}
    conn = _raw_readonly(path)
    try:
        yield conn
    finally:
        conn.close()
        _tidy(path, had)


@contextlib.contextmanager
def readonly_archive(path: Path) -> Iterator[sqlite_utils.Database]:
    """The checked archive at `path` read-only, as sqlite-utils (raises NotAnArchive)."""
    check_archive(path)
    with readonly_connection(path) as conn:
        yield sqlite_utils.Database(conn)


def _describe(head: bytes) -> str:
    start = head.lstrip()[:64].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<")):
        return "an HTML/XML file"
    if start.startswith((b"%pdf", b"pk\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "a document"
    return "not an SQLite database"


def check_archive(path: Path, *, new_ok: bool = False) -> bool:
    """Raise NotAnArchive unless `path` is a gongkai archive. With new_ok (crawl), a missing path
    or an SQLite file without tables is a new archive: returns True then, False for an existing one."""
    path = Path(path)
    if not path.exists():
        if new_ok and not path.is_symlink():
            return True
        raise NotAnArchive(f"no archive at {path} (run gongkai crawl or gongkai demo first, or pass --db)")
    if path.is_dir():
        raise NotAnArchive(f"{path} is a folder, not a gongkai archive (pass the .db file)")
    if not path.is_file():
        raise NotAnArchive(f"{path} is not a regular file, not a gongkai archive")
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise NotAnArchive(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head:
        raise NotAnArchive(f"{path} is an empty file, not a gongkai archive")
    if not head.startswith(SQLITE_MAGIC):
        raise NotAnArchive(f"{path} is not a gongkai archive ({_describe(head)})")
    try:
        with readonly_connection(path) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        raise NotAnArchive(f"{path} is not a readable gongkai archive ({exc})") from None
    if tables & GONGKAI_TABLES:
        return False
    if new_ok and not tables:
        return True
    raise NotAnArchive(f"{path} is an SQLite database but not a gongkai archive (no reports, pages or flags table)")


# ----------------------------------------------------------------------------- for the CLI


def _fail(exc: NotAnArchive):
    return GongkaiError(str(exc))


def require_archive(path: Path, *, new_ok: bool = False) -> bool:
    """check_archive for a command: a bad --db is one line on stderr, exit 2."""
    try:
        return check_archive(path, new_ok=new_ok)
    except NotAnArchive as exc:
        raise _fail(exc) from None


def open_readonly(path: Path) -> sqlite_utils.Database:
    """The archive read-only for the running command; closed (and tidied) when the command ends."""
    require_archive(path)
    ctx = click.get_current_context()
    return sqlite_utils.Database(ctx.with_resource(readonly_connection(Path(path))))


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database):
    """One transaction for a batch of writes. sqlite-utils 4 commits every statement run outside an
    explicit transaction (execute, insert, insert_all), so `with db.conn:` alone meant a commit per
    statement (five per extracted report); `db.atomic()` opens one. Older sqlite-utils: `db.conn`."""
    atomic = getattr(db, "atomic", None)
    if atomic is None:
        with db.conn:
            yield
    else:
        with atomic():
            yield
