"""The CLI presents, archive/queries.py (and the other library modules) read: no SQL statement in a
string literal of any CLI module (issue 13: a library under the CLI, as sqlite-utils is)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ARCHIVE = Path(__file__).resolve().parents[1] / "archive"
#: the shapes of SQL statements, as this project writes them (upper-case keywords)
SQL = re.compile(r"\bSELECT\b.*\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
                 r"|\bFROM\s+\w+(?:\s+\w+)?\s+(?:WHERE|ORDER\s+BY|GROUP\s+BY|JOIN)\b|\bCREATE\s+(?:TABLE|INDEX|VIEW)\b", re.S)


def _literals(tree: ast.AST):
    """Every string literal, an f-string with its placeholders as {…}, adjacent parts already joined."""
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{…}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            yield node.lineno, node.value


def sql_in(source: str) -> list[tuple[int, str]]:
    return [(line, text[:80]) for line, text in _literals(ast.parse(source)) if SQL.search(text)]


def test_the_detector_finds_sql_in_every_form_it_is_written():
    src = ('a = "SELECT * FROM flags"\n'
           'b = ("SELECT s.id, "\n     "(SELECT count(*) FROM reports r)")\n'
           'c = f"SELECT key FROM {t} ORDER BY key"\n'
           'd = "FROM sites s ORDER BY s.id"\n'
           'e = "UPDATE flags SET status = ?"\n'
           'f = "DELETE FROM flags"\n'
           'g = "INSERT OR REPLACE INTO x VALUES (1)"\n')
    assert [line for line, _ in sql_in(src)] == [1, 2, 4, 5, 6, 7, 8]
    # prose about SQL is not SQL: the `sql` command's help names the statements it allows
    assert sql_in('"""Only SELECT, WITH, VALUES, EXPLAIN and read-only PRAGMAs run."""') == []


def test_cli_modules_hold_no_sql():
    modules = sorted(ARCHIVE.glob("cli*.py"))
    assert len(modules) >= 10, modules  # the glob sees the CLI modules (cli.py, cli_review.py, …)
    found = {p.name: hits for p in modules if (hits := sql_in(p.read_text(encoding="utf-8")))}
    assert found == {}, f"SQL in CLI modules (move it to archive/queries.py): {found}"


def test_the_review_pages_hold_no_sql():
    """The web pages present what archive/queries.py reads, as the CLI does; the canned queries of
    archive/web/metadata.py are SQL shown to users as such (Datasette's canned queries), so they stay there."""
    views = ARCHIVE / "web" / "views.py"
    assert sql_in(views.read_text(encoding="utf-8")) == [], "SQL in archive/web/views.py: move it to archive/queries.py"
