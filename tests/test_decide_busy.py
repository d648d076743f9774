"""Decisions wait for the writer (issue 10 item 6): while another process keeps taking the write
lock (as a crawl's extraction does), confirm/dismiss from the library, the installed script and the
web all succeed; a lock held past the wait is one line and exit 1 (web: 503), never a traceback."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlite_utils

from archive import flags
from archive.schema import connect, ensure_schema
from pipeline.checks import Finding

N_FLAGS = 40
SCRIPT = Path(sys.executable).parent / "gongkai"

#: another process writing like extraction: write transactions of `hold` s, back to back
WRITER = """
import sqlite3, sys, time
db, hold, stop = sys.argv[1], float(sys.argv[2]), sys.argv[3]
import os
c = sqlite3.connect(db, timeout=60, isolation_level=None)
c.execute("PRAGMA busy_timeout = 60000")
print("ready", flush=True)
i = 0
while not os.path.exists(stop):
    c.execute("BEGIN IMMEDIATE")
    c.execute("INSERT INTO extraction_errors (url, at, error) VALUES (?, ?, ?)", (f"w{i}", "now", "busy"))
    time.sleep(hold)
    c.execute("COMMIT")
    i += 1
    time.sleep(0.005)
print(i, flush=True)
"""


def make_flags(path: Path) -> None:
    db = connect(path)
    ensure_schema(db)
    findings = [Finding(rule="T3-RESULT-SUM", severity="error", subject=f"http://x.gov.cn/{i}.htm", cells=("a",),
                        message=f"finding {i}", evidence={"expected": i, "found": i + 1}) for i in range(N_FLAGS)]
    flags.sync_findings(db, findings, now="2024-01-01T00:00:00+00:00")
    db.conn.close()


def start_writer(path: Path, stop: Path, hold: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(hold), str(stop)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def stop_writer(proc: subprocess.Popen, stop: Path) -> int:
    stop.write_text("stop")
    out, _ = proc.communicate(timeout=60)
    return int(out.strip())


def test_forty_decisions_during_a_writer_all_succeed(tmp_path):
    if not SCRIPT.exists():
        pytest.skip(f"the installed gongkai script is missing ({SCRIPT}): run make install")
    path, stop = tmp_path / "g.db", tmp_path / "stop"
    make_flags(path)
    ids = [r["id"] for r in sqlite_utils.Database(path).query("SELECT id FROM flags ORDER BY id")]

    def library(flag_id: int) -> str:
        db = connect(path)
        try:
            action = flags.confirm if flag_id % 2 else flags.dismiss
            return action(db, flag_id, note=f"note {flag_id}", who=f"r{flag_id}")["status"]
        finally:
            db.conn.close()

    def script(flag_id: int) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), "flag", "confirm", str(flag_id), "--note", "cli", "--by", "cli",
                               "--db", str(path)], capture_output=True, text=True, timeout=120)

    writer = start_writer(path, stop, hold=0.05)
    try:
        with ThreadPoolExecutor(6) as pool:
            cli = pool.map(script, ids[:4])
            lib = pool.map(library, ids[4:])
            cli, lib = list(cli), list(lib)
    finally:
        writes = stop_writer(writer, stop)
    assert writes > 5  # the writer really was writing all along
    for r in cli:
        assert r.returncode == 0 and "confirmed by cli" in r.stdout, r.stderr
    assert len(lib) == N_FLAGS - 4 and set(lib) == {"confirmed", "dismissed"}
    db = sqlite_utils.Database(path)
    assert db.execute("SELECT count(*) FROM flags WHERE status IN ('confirmed', 'dismissed')").fetchone()[0] == N_FLAGS
    assert db.execute("SELECT count(*) FROM flag_events WHERE event IN ('confirmed', 'dismissed')").fetchone()[0] == N_FLAGS


def test_a_lock_held_past_the_wait_is_one_line_exit_1(tmp_path):
    if not SCRIPT.exists():
        pytest.skip(f"the installed gongkai script is missing ({SCRIPT}): run make install")
    path, stop = tmp_path / "g.db", tmp_path / "stop"
    make_flags(path)
    writer = start_writer(path, stop, hold=8.0)
    try:
        time.sleep(0.2)
        r = subprocess.run([str(SCRIPT), "flag", "dismiss", "1", "--note", "x", "--wait", "0.5", "--db", str(path)],
                           capture_output=True, text=True, timeout=60)
    finally:
        stop_writer(writer, stop)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "not dismissed" in lines[0] and "locked" in lines[0] and "--wait" in lines[0]
    assert sqlite_utils.Database(path)["flags"].get(1)["status"] == "open"


def test_web_decide_waits_for_the_writer_and_answers_503_when_it_cannot(tmp_path, monkeypatch):
    from test_serve_security import login

    from archive.config import resolve_paths
    from archive.serve import make_datasette
    from archive.web import views

    paths = resolve_paths(tmp_path / "g.db", tmp_path / "archive")
    make_flags(paths.db)
    ds = make_datasette(paths, password="s3cret-审阅-pw", secret="s")
    asyncio.run(ds.invoke_startup())
    r, csrf = login(ds)
    cookies = {"ds_csrftoken": csrf, "ds_actor": r.cookies["ds_actor"]}

    def decide(flag_id):
        return asyncio.run(ds.client.post(f"/-/gongkai/flag/{flag_id}/decide", cookies=cookies,
                                          data={"action": "confirm", "note": "web", "csrftoken": csrf}))

    stop = tmp_path / "stop"
    writer = start_writer(paths.db, stop, hold=0.05)
    try:
        assert [decide(i).status_code for i in (1, 2, 3)] == [302, 302, 302]
    finally:
        stop_writer(writer, stop)
    stop.unlink()
    monkeypatch.setattr(views, "DECIDE_WAIT_MS", 300)  # the wait is a setting; shortened so the test is quick
    writer = start_writer(paths.db, stop, hold=6.0)
    try:
        time.sleep(0.2)
        busy = decide(4)
    finally:
        stop_writer(writer, stop)
    assert busy.status_code == 503 and "not confirmed" in busy.text and "locked" in busy.text
    db = sqlite_utils.Database(paths.db)
    assert [db["flags"].get(i)["status"] for i in (1, 2, 3, 4)] == ["confirmed"] * 3 + ["open"]
