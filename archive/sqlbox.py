"""The sandbox of `gongkai sql`: typed SQL may read the archive and nothing else.

Four layers, each enough on its own for what it covers: the file is opened `mode=ro` with
`query_only`; statements starting ATTACH, VACUUM, INSERT, CREATE, BEGIN… are refused by their
first word (the rest are SELECT, WITH, VALUES, EXPLAIN, PRAGMA or a syntax error); SQLite's
authorizer denies every other action (ATTACH and so VACUUM INTO, DETACH, writes, DDL, transactions,
load_extension, PRAGMAs outside a read-only list) and says which one it refused; a progress
handler stops a query after its time limit (time spent writing output does not count).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

DEFAULT_TIME_LIMIT = 5.0
FETCH = 256  # rows per fetchmany: output streams, memory stays flat
PROGRESS_OPS = 1000  # VM instructions between two looks at the clock

#: PRAGMAs that only read, also with an argument (a table or index name, a row count)
PRAGMAS_WITH_ARGUMENT = frozenset({
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    "foreign_key_check", "integrity_check", "quick_check",
})
#: PRAGMAs that read a setting, allowed only without a value (with one they would change it)
PRAGMAS_READ_ONLY = frozenset({
    "collation_list", "function_list", "module_list", "pragma_list", "database_list", "compile_options",
    "user_version", "schema_version", "application_id", "data_version", "page_count", "page_size",
    "freelist_count", "encoding", "journal_mode", "foreign_keys",
})
DENIED_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"})
#: statements refused by their first word (anything else unknown goes to SQLite for its syntax error)
REFUSED_STATEMENTS = frozenset({"attach", "detach", "vacuum", "insert", "replace", "update", "delete", "create",
                                "drop", "alter", "reindex", "analyze", "begin", "commit", "end", "rollback",
                                "savepoint", "release"})

_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
#: SQLite authorizes these UPDATEs when it instantiates an eponymous virtual table (pragma_table_info()):
#: a real write there is impossible anyway (mode=ro, query_only, writable_schema refused, statement guard)
_SCHEMA_TABLES = {"sqlite_master", "sqlite_temp_master", "sqlite_schema", "sqlite_temp_schema"}
_WORDS = {
    sqlite3.SQLITE_ATTACH: "ATTACH (and VACUUM, which attaches its target)", sqlite3.SQLITE_DETACH: "DETACH",
    sqlite3.SQLITE_INSERT: "INSERT", sqlite3.SQLITE_UPDATE: "UPDATE", sqlite3.SQLITE_DELETE: "DELETE",
    sqlite3.SQLITE_TRANSACTION: "transactions", sqlite3.SQLITE_SAVEPOINT: "savepoints",
    sqlite3.SQLITE_ALTER_TABLE: "ALTER TABLE", sqlite3.SQLITE_REINDEX: "REINDEX", sqlite3.SQLITE_ANALYZE: "ANALYZE",
    sqlite3.SQLITE_CREATE_VTABLE: "CREATE VIRTUAL TABLE", sqlite3.SQLITE_DROP_VTABLE: "DROP VIRTUAL TABLE",
}


class SqlRefused(Exception):
    """The sandbox refused the statement; the message says what and why."""


class SqlTimeout(Exception):
    """The query ran past its time limit and was stopped."""


def first_keyword(sql: str) -> str:
    """The statement's first word, after whitespace and comments."""
    rest = sql
    while True:
        rest = rest.lstrip()
        if rest.startswith("--"):
            rest = rest.partition("\n")[2]
        elif rest.startswith("/*"):
            end = rest.find("*/")
            rest = "" if end < 0 else rest[end + 2:]
        else:
            break
    m = re.match(r"[A-Za-z_]+", rest)
    return m.group(0).lower() if m else ""


class Sandbox:
    """Authorizer and time limit on one read-only connection."""

    def __init__(self, conn: sqlite3.Connection, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
        self.conn = conn
        self.time_limit = time_limit
        self.refused: str | None = None
        self._spent = 0.0  # seconds inside SQLite so far
        self._since: float | None = None  # start of the running fetch
        self.timed_out = False
        conn.execute("PRAGMA query_only = 1")
        conn.set_authorizer(self._authorize)
        conn.set_progress_handler(self._progress, PROGRESS_OPS)

    # -- callbacks (must never raise: SQLite would print the traceback)

    def _deny(self, what: str) -> int:
        if self.refused is None:
            self.refused = what
        return sqlite3.SQLITE_DENY

    def _authorize(self, action: int, arg1: str | None, arg2: str | None, dbname: str | None,
                   source: str | None) -> int:
        if action in _ALLOWED:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION:
            name = (arg2 or "").lower()
            return self._deny(f"the function {name}()") if name in DENIED_FUNCTIONS else sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA:
            name = (arg1 or "").lower()
            if name in PRAGMAS_WITH_ARGUMENT or (name in PRAGMAS_READ_ONLY and arg2 is None):
                return sqlite3.SQLITE_OK
            return self._deny(f"PRAGMA {name}" + ("" if arg2 is None else f"={arg2}")
                              + " (allowed: read-only PRAGMAs such as table_info, index_list, user_version)")
        if action == sqlite3.SQLITE_UPDATE and (arg1 or "").lower() in _SCHEMA_TABLES:
            return sqlite3.SQLITE_OK
        return self._deny(_WORDS.get(action, "creating or dropping tables, indexes, views or triggers"))

    def _elapsed(self) -> float:
        return self._spent + (0.0 if self._since is None else time.monotonic() - self._since)

    def _progress(self) -> int:
        if self._elapsed() > self.time_limit:
            self.timed_out = True
            return 1
        return 0

    # -- running

    def _timed(self, fn, *args):
        self._since = time.monotonic()
        try:
            return fn(*args)
        except sqlite3.Error as exc:
            raise self._explain(exc) from None
        finally:
            self._spent += time.monotonic() - self._since
            self._since = None

    def _explain(self, exc: sqlite3.Error) -> Exception:
        if self.timed_out:
            return SqlTimeout(f"query stopped after {self.time_limit:g} s (the time limit; see --time-limit)")
        if self.refused is not None:
            return SqlRefused(f"refused: {self.refused} — gongkai sql only reads the archive")
        return exc

    def execute(self, sql: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """Columns and a row iterator; raises SqlRefused, SqlTimeout or sqlite3.Error."""
        word = first_keyword(sql)
        if word in REFUSED_STATEMENTS or not word:
            raise SqlRefused(f"refused: {word.upper() or 'an empty statement'} — gongkai sql runs only "
                             "SELECT, WITH, VALUES, EXPLAIN and read-only PRAGMAs")
        self.refused, self.timed_out = None, False
        cur = self._timed(self.conn.execute, sql)
        cols = [d[0] for d in cur.description or []]

        def rows() -> Iterator[tuple[Any, ...]]:
            while True:
                chunk = self._timed(cur.fetchmany, FETCH)
                if not chunk:
                    return
                yield from chunk

        return cols, rows()
