"""The sandbox of `gongkai sql` as a library: what it allows, what it refuses and why, and a time
limit that counts time inside SQLite only (a slow reader of the output is not a runaway query)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from archive.opendb import readonly_connection
from archive.sqlbox import Sandbox, SqlRefused, SqlTimeout, first_keyword


@pytest.fixture
def box(tmp_path):
    path = tmp_path / "g.db"
    c = sqlite3.connect(path)
    c.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, title TEXT)")
    c.executemany("INSERT INTO reports (title) VALUES (?)", [(f"报告{i}",) for i in range(5)])
    c.commit()
    c.close()
    with readonly_connection(path) as conn:
        yield Sandbox(conn, time_limit=0.5)


def rows(box, sql):
    cols, it = box.execute(sql)
    return cols, list(it)


def test_first_keyword_skips_comments():
    assert first_keyword("  -- a\n /* b */ /*c*/ AtTach 'x' as y") == "attach"
    assert first_keyword("/* unterminated") == ""
    assert first_keyword("(select 1)") == ""


def test_reads_are_allowed(box):
    assert rows(box, "SELECT count(*) AS n FROM reports") == (["n"], [(5,)])
    assert rows(box, "WITH t AS (SELECT title FROM reports WHERE id = 1) SELECT * FROM t")[1] == [("报告0",)]
    assert [r[1] for r in rows(box, "PRAGMA table_info(reports)")[1]] == ["id", "title"]
    assert rows(box, "PRAGMA user_version")[1] == [(0,)]
    assert rows(box, "SELECT name FROM pragma_table_info('reports')")[1] == [("id",), ("title",)]
    assert rows(box, "VALUES (1), (2)")[1] == [(1,), (2,)]


@pytest.mark.parametrize("sql, why", [
    ("ATTACH '/tmp/gongkai-never.db' AS x", "refused: ATTACH"),
    ("SELECT 1; ATTACH '/tmp/gongkai-never.db' AS x", None),  # one statement at a time (sqlite3)
    ("PRAGMA writable_schema = ON", "PRAGMA writable_schema=ON"),
    ("PRAGMA journal_mode = WAL", "PRAGMA journal_mode=WAL"),
    ("PRAGMA query_only = 0", "PRAGMA query_only=0"),
    ("PRAGMA temp_store_directory = '/tmp'", "PRAGMA temp_store_directory"),
    ("SELECT load_extension('x')", "the function load_extension()"),
    ("SELECT fts3_tokenizer('simple')", "the function fts3_tokenizer()"),
    ("  insert into reports (title) values ('x')", "refused: INSERT"),
])
def test_refusals_say_what_was_refused(box, sql, why):
    if why is None:
        with pytest.raises(sqlite3.ProgrammingError):
            rows(box, sql)
        return
    with pytest.raises(SqlRefused) as exc:
        rows(box, sql)
    assert why in str(exc.value)


def test_time_limit_stops_a_runaway_query(box):
    t0 = time.monotonic()
    with pytest.raises(SqlTimeout, match="stopped after 0.5 s"):
        rows(box, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
    assert time.monotonic() - t0 < 5


def test_time_writing_output_does_not_count(box):
    cols, it = box.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 600) SELECT x FROM c")
    got = []
    for i, r in enumerate(it):
        got.append(r[0])
        if i in (0, 300):
            time.sleep(0.4)  # a slow reader: 0.8 s in all, past the 0.5 s limit
    assert got == list(range(1, 601))
