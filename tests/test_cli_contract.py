"""The CLI's promises, through the installed `gongkai` script (subprocess): exit codes, a --db that is
not an archive refused with one line and the file system untouched, read-only commands that
change nothing, and the `gongkai sql` sandbox (each escape refused, no file created)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.test_flags import make_archive

SCRIPT = Path(sys.executable).parent / "gongkai"


@pytest.fixture(scope="module")
def gongkai_bin() -> str:
    if not SCRIPT.exists():
        pytest.skip(f"the installed gongkai script is missing ({SCRIPT}): run make install")
    return str(SCRIPT)


def run(bin_: str, *args: str, cwd=None, env=None, timeout=120) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    return subprocess.run([bin_, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**environ, "USER": "tester", **(env or {})})


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under root with its kind, size, mtime and content: equal snapshot = nothing changed."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(root))] = ("dir",) if p.is_dir() else (st.st_size, st.st_mtime_ns, p.read_bytes())
    return out


@pytest.fixture
def archive_db(tmp_path) -> Path:
    path = tmp_path / "g.db"
    d = make_archive(str(path))
    d.close()
    return path


# ----------------------------------------------------------------------------- exit codes


def test_check_fail_on_error_exits_1_through_the_script(gongkai_bin, archive_db):
    ok = run(gongkai_bin, "check", "--db", str(archive_db), "--as-of", "2024-06-01")
    assert ok.returncode == 0, ok.stderr
    bad = run(gongkai_bin, "check", "--db", str(archive_db), "--as-of", "2024-06-01", "--fail-on", "error")
    assert bad.returncode == 1, (bad.stdout, bad.stderr)
    assert "open flag(s) at or above error" in bad.stderr
    flags = json.loads(run(gongkai_bin, "flags", "--db", str(archive_db), "--json").stdout)
    for f in flags:
        if f["severity"] == "error":
            r = run(gongkai_bin, "flag", "dismiss", str(f["id"]), "--note", "known", "--db", str(archive_db))
            assert r.returncode == 0, r.stderr
    assert run(gongkai_bin, "check", "--db", str(archive_db), "--as-of", "2024-06-01",
               "--fail-on", "error").returncode == 0
    assert run(gongkai_bin, "check", "--db", str(archive_db), "--as-of", "2024-06-01",
               "--fail-on", "warning").returncode == 1


def test_usage_and_input_errors_exit_2(gongkai_bin, archive_db):
    for args, needle in ((["check", "--no-such"], "No such option"), (["nosuch"], "No such command"),
                         (["flag", "show", "999", "--db", str(archive_db)], "no flag with id 999"),
                         (["flag", "confirm", "abc", "--db", str(archive_db)], "not a valid integer"),
                         (["check", "--as-of", "x", "--db", str(archive_db)], "--as-of must be a date")):
        r = run(gongkai_bin, *args)
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr, (args, r.stderr)


def test_version_and_help_exit_0(gongkai_bin):
    assert run(gongkai_bin, "--version").returncode == 0
    assert run(gongkai_bin, "sql", "--help").returncode == 0


# ----------------------------------------------------------------------------- bad --db

HTML = b"<!DOCTYPE html><html><head><title>404</title></head><body>not here</body></html>\n"
BINARY = bytes(range(256)) * 40


def _make_bad(root: Path, kind: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    target = root / {"empty": "empty.html", "html": "page.html", "binary": "binary.bin", "folder": "folder",
                     "missing": "missing.db", "foreign": "other.sqlite"}[kind]
    if kind == "empty":
        target.write_bytes(b"")
    elif kind == "html":
        target.write_bytes(HTML)
    elif kind == "binary":
        target.write_bytes(BINARY)
    elif kind == "folder":
        target.mkdir()
        (target / "inside.txt").write_text("x")
    elif kind == "foreign":
        import sqlite3

        c = sqlite3.connect(target)
        c.execute("CREATE TABLE notes (x)")
        c.commit()
        c.close()
    return target


READ_COMMANDS = [["status"], ["flags"], ["flag", "show", "1"], ["sql", "SELECT 1"], ["health"]]
WRITE_COMMANDS = [["check"], ["flag", "confirm", "1", "--note", "x"]]
#: also refused, checked on one kind of bad file only (each run of the script costs a second)
MORE_COMMANDS = [["reparse"], ["serve", "--port", "1"], ["flags", "--json"]]


@pytest.mark.parametrize("kind", ["empty", "html", "binary", "folder", "missing", "foreign"])
def test_bad_db_is_one_line_exit_2_and_nothing_changes(gongkai_bin, tmp_path, kind):
    root = tmp_path / "w"
    target = _make_bad(root, kind)
    sites = tmp_path / "sites.toml"
    sites.write_text('[[sites]]\nid="a"\nname="A"\nstyle="trs"\nstart_urls=["http://a.gov.test/"]\n', encoding="utf-8")
    commands = READ_COMMANDS + WRITE_COMMANDS + (MORE_COMMANDS if kind == "binary" else [])
    if kind != "missing":  # a crawl creates a missing archive; anything else that is not one is refused
        commands = [*commands, ["crawl", "--sites", str(sites)]]
    before = snapshot(root)

    def one(args):
        return args, run(gongkai_bin, *args, "--db", str(target), cwd=root)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, commands))
    for args, r in results:
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert len(lines) == 1 and "Traceback" not in r.stderr, (args, r.stderr)
        assert str(target) in lines[0] and ("not a gongkai archive" in lines[0] or "no archive at" in lines[0]
                                            or "is a folder" in lines[0]), (args, lines[0])
    assert snapshot(root) == before  # no lock, no WARC folder, no -wal/-shm, the file as it was


def test_read_only_commands_change_nothing(gongkai_bin, archive_db):
    run(gongkai_bin, "check", "--db", str(archive_db), "--as-of", "2024-06-01")
    root = archive_db.parent
    before = snapshot(root)
    for args in READ_COMMANDS + [["flags", "--csv"], ["status", "--json"], ["sql", "SELECT count(*) FROM flags"]]:
        r = run(gongkai_bin, *args, "--db", str(archive_db))
        assert r.returncode == 0, (args, r.stderr)
    assert snapshot(root) == before


def test_read_commands_on_an_archive_never_checked(gongkai_bin, tmp_path):
    """No flags table yet: status/flags answer from what is there and do not add it."""
    import sqlite3

    db = tmp_path / "new.db"
    c = sqlite3.connect(db)
    c.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, title TEXT)")
    c.commit()
    c.close()
    before = snapshot(tmp_path)
    assert json.loads(run(gongkai_bin, "flags", "--json", "--db", str(db)).stdout) == []
    s = run(gongkai_bin, "status", "--json", "--db", str(db))
    assert s.returncode == 0 and json.loads(s.stdout)["open_by_rule"] == {}
    r = run(gongkai_bin, "flag", "show", "1", "--db", str(db))
    assert r.returncode == 2 and "no flag with id 1" in r.stderr
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------- the SQL sandbox

ESCAPES = [
    ("ATTACH DATABASE '{out}/attached.db' AS x", "ATTACH"),
    ("VACUUM INTO '{out}/copy.db'", "VACUUM"),
    ("VACUUM", "VACUUM"),
    ("  /* hidden */ ATTACH '{out}/a2.db' AS y", "ATTACH"),
    ("WITH x AS (SELECT 1) SELECT * FROM x; ATTACH '{out}/a3.db' AS z", ""),
    ("PRAGMA writable_schema=1", "PRAGMA writable_schema=1"),
    ("PRAGMA journal_mode=DELETE", "PRAGMA journal_mode=DELETE"),
    ("PRAGMA user_version=7", "PRAGMA user_version=7"),
    ("SELECT load_extension('{out}/evil.so')", "load_extension"),
    ("DELETE FROM flags", "DELETE"),
    ("UPDATE flags SET status='dismissed'", "UPDATE"),
    ("CREATE TEMP TABLE t AS SELECT 1", "CREATE"),
    ("DETACH main", "DETACH"),
    ("BEGIN IMMEDIATE", "BEGIN"),
]


@pytest.mark.parametrize("sql, needle", ESCAPES)
def test_sql_escapes_are_refused_and_create_no_file(gongkai_bin, archive_db, tmp_path, sql, needle):
    out = tmp_path / "out"
    out.mkdir()
    before, root_before = snapshot(out), snapshot(archive_db.parent)
    r = run(gongkai_bin, "sql", "--db", str(archive_db), sql.format(out=out))
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert needle in lines[0] and ("refused" in lines[0] or "SQL error" in lines[0]), lines[0]
    assert snapshot(out) == before and snapshot(archive_db.parent) == root_before


def test_sql_read_only_pragmas_still_work(gongkai_bin, archive_db):
    r = run(gongkai_bin, "sql", "--db", str(archive_db), "--json", "PRAGMA table_info(reports)")
    assert r.returncode == 0, r.stderr
    assert "publisher" in {c["name"] for c in json.loads(r.stdout)}
    r = run(gongkai_bin, "sql", "--db", str(archive_db), "--json", "SELECT name FROM pragma_table_info('metrics')")
    assert {c["name"] for c in json.loads(r.stdout)} >= {"report_id", "key", "value"}


def test_sql_runaway_query_is_stopped_at_the_time_limit(gongkai_bin, archive_db):
    q = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    r = run(gongkai_bin, "sql", "--db", str(archive_db), "--time-limit", "0.5", q, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == "gongkai: query stopped after 0.5 s (the time limit; see --time-limit)"


COUNT_50 = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 50) SELECT x FROM c"


def test_sql_terminal_table_says_how_many_rows_were_cut(gongkai_bin, archive_db):
    r = run(gongkai_bin, "sql", "--db", str(archive_db), "--max-rows", "10", COUNT_50, env={"COLUMNS": "100"})
    assert r.returncode == 0
    assert "│ 10 │" in r.stdout and "│ 11 │" not in r.stdout
    assert r.stderr.strip() == "10 of 50 row(s) shown (--max-rows 10; --json or --csv give all)"
    js = run(gongkai_bin, "sql", "--db", str(archive_db), "--json", "--max-rows", "10", COUNT_50)
    assert [row["x"] for row in json.loads(js.stdout)] == list(range(1, 51))
    cs = run(gongkai_bin, "sql", "--db", str(archive_db), "--csv", COUNT_50)
    assert cs.stdout.splitlines() == ["x", *map(str, range(1, 51))]


def test_sql_wide_rows_are_shown_record_by_record_never_cut(gongkai_bin, archive_db):
    long = "本年新收政府信息公开申请七十件" * 12
    q = f"SELECT 1 AS id, '{long}' AS text, 'tail-value' AS last"
    r = run(gongkai_bin, "sql", "--db", str(archive_db), q, env={"COLUMNS": "60"})
    assert r.returncode == 0, r.stderr
    assert "-[ RECORD 1 ]" in r.stdout and "…" not in r.stdout
    assert long in "".join(line.rstrip() for line in r.stdout.splitlines()).replace("|", "").replace(" ", "")
    assert "tail-value" in r.stdout
    narrow = run(gongkai_bin, "sql", "--db", str(archive_db), "SELECT 1 AS id, 'short' AS v", env={"COLUMNS": "60"})
    assert "RECORD" not in narrow.stdout and "│ short │" in narrow.stdout
    forced = run(gongkai_bin, "sql", "--db", str(archive_db), "-x", "SELECT 1 AS id", env={"COLUMNS": "60"})
    assert "-[ RECORD 1 ]" in forced.stdout


def test_sql_values_are_text_not_markup(gongkai_bin, archive_db):
    r = run(gongkai_bin, "sql", "--db", str(archive_db), "SELECT '[bold]x[/bold] [/oops]' AS m, x'00ff' AS b",
            env={"COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    assert "[bold]x[/bold] [/oops]" in r.stdout and "X'00FF'" in r.stdout



def test_sql_output_closed_early_is_not_an_error(gongkai_bin, archive_db):
    """`gongkai sql --csv … | head -1`: exit 0 and nothing on stderr (click alone would exit 1)."""
    q = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 500000) SELECT x FROM c"
    proc = subprocess.Popen([gongkai_bin, "sql", "--db", str(archive_db), "--csv", q], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"x\n"
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0 and err == b""
