"""User mistakes end in one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: the installed console script (exit codes as a shell sees them); the same main() if it is missing
_SCRIPT = Path(sys.executable).parent / "gongkai"
GONGKAI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-c", "from archive.cli import main; main()"]


def run(*args, env=None, cwd=None):
    return subprocess.run([*GONGKAI, *args], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          cwd=cwd, timeout=120)


@pytest.mark.parametrize("args, needle", [
    (["crawl", "--no-such-flag"], "No such option"),
    (["nosuchcommand"], "No such command"),
    (["crawl", "--sites", "/nonexistent/sites.toml"], "registry file not found"),
    (["sql", "--db", "/nonexistent/g.db", "SELECT 1"], "no archive at"),
])
def test_one_line_errors(args, needle, tmp_path):
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in out.stderr


def test_unwritable_archive_path(tmp_path):
    if os.geteuid() == 0:
        target = "/proc/gongkai/g.db"  # not writable even for root
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        target = str(ro / "sub" / "g.db")
    reg = tmp_path / "sites.toml"
    reg.write_text('[[sites]]\nid="a"\nname="A"\nstyle="trs"\nstart_urls=["http://a.gov.test/"]\n', encoding="utf-8")
    out = run("crawl", "--sites", str(reg), "--db", target, cwd=tmp_path)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0], out.stderr


def test_bad_sql_is_one_line(tmp_path):
    import sqlite3

    db = sqlite3.connect(tmp_path / "g.db")
    db.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY)")  # a (tiny) gongkai archive
    db.commit()
    db.close()
    out = run("sql", "--db", str(tmp_path / "g.db"), "SELEC nonsense")
    assert out.returncode == 2 and out.stderr.startswith("gongkai: SQL error")
    out = run("sql", "--db", str(tmp_path / "g.db"), "DELETE FROM reports")
    assert out.returncode == 2 and "refused: DELETE" in out.stderr
