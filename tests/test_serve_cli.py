"""`gongkai serve` as users start it: one-line errors for bad input, and a real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from test_serve_archive import build_archive

RUN = [sys.executable, "-c", "from archive.cli import main; main()"]


def gongkai(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*RUN, *args], capture_output=True, text=True, timeout=60, env=env)


def test_serve_without_archive_is_a_one_line_error(tmp_path):
    r = gongkai("serve", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 2
    assert r.stderr.startswith("gongkai: no archive at ") and len(r.stderr.strip().splitlines()) == 1


def test_serve_empty_password_file_is_an_error(tmp_path):
    paths = build_archive(tmp_path)
    (tmp_path / "pw").write_text("\n")
    r = gongkai("serve", "--db", str(paths.db), "--password-file", str(tmp_path / "pw"))
    assert r.returncode == 2 and "is empty" in r.stderr and "Traceback" not in r.stderr


def test_serve_port_in_use_is_an_error(tmp_path):
    paths = build_archive(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = gongkai("serve", "--db", str(paths.db), "--port", str(port))
    assert r.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in r.stderr


def test_serve_runs_a_server_on_localhost(tmp_path):
    paths = build_archive(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*RUN, "serve", "--port", str(port), "--db", str(paths.db), "--archive",
                             str(paths.archive)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={k: v for k, v in os.environ.items() if k != "GONGKAI_REVIEW_PASSWORD"})
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/gk/open_flags_by_rule.json?_shape=array",
                                            timeout=2) as resp:
                    body = json.load(resp)
                break
            except OSError:
                time.sleep(0.2)
        assert body is not None, proc.stderr.read() if proc.poll() is not None else "no answer in 30 s"
        assert sum(r["open_flags"] for r in body) == 3
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/gongkai/login", timeout=5) as resp:
            assert "Reviewing is switched off" in resp.read().decode()  # no password given
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "review queue: http://127.0.0.1:" in proc.stderr.read().decode()


def test_ensure_archive_adds_missing_tables_once(tmp_path):
    import sqlite_utils

    from archive.config import resolve_paths
    from archive.serve import ensure_archive

    paths = resolve_paths(tmp_path / "old.db", tmp_path / "archive")
    sqlite_utils.Database(paths.db)["reports"].insert({"id": 1, "title": "旧档案"})
    ensure_archive(paths)
    names = set(sqlite_utils.Database(paths.db).table_names())
    assert {"flags", "flag_events", "reports_fts", "pages"} <= names
    before = paths.db.stat().st_mtime_ns
    ensure_archive(paths)  # complete archive: not written again
    assert paths.db.stat().st_mtime_ns == before
