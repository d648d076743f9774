"""A crawl killed with SIGKILL midway, then restarted, ends with the same archive as an uninterrupted one:
no duplicate versions, no lost captures."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

from sampleweb_helpers import GONGKAI, crawl, write_registry

from scraper.sampleweb import SampleWeb, serve_in_thread


def _rows(db, sql, params=()):
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_sigkill_then_resume(tmp_path):
    web = SampleWeb(seed=1, scale=1, night=1)
    server = serve_in_thread(web, port=0)
    try:
        registry = write_registry(web, server.url, tmp_path / "sites.toml")
        reference = tmp_path / "ref.db"
        crawl(registry, reference)

        db = tmp_path / "g.db"
        proc = subprocess.Popen([*GONGKAI, "crawl", "--sites", str(registry), "--db", str(db), "--no-progress"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        captured = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    captured = _rows(db, "SELECT count(*) FROM captures")[0][0]
                except sqlite3.OperationalError:
                    captured = 0
                if captured >= 20:
                    break
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        total_reference = _rows(reference, "SELECT count(*) FROM pages")[0][0]
        assert 0 < captured and _rows(db, "SELECT count(*) FROM pages")[0][0] < total_reference
        assert _rows(db, "SELECT status FROM crawl_runs") == [("running",)]

        summary = crawl(registry, db)
        assert summary["resumed"] is True
    finally:
        server.stop()
    # one run, finished; no URL has two versions; the same (url, bytes) as the uninterrupted crawl
    assert _rows(db, "SELECT count(*), min(status) FROM crawl_runs") == [(1, "finished")]
    assert _rows(db, "SELECT url FROM pages GROUP BY url HAVING count(*) > 1") == []
    assert set(_rows(db, "SELECT url, sha256 FROM pages")) == set(_rows(reference, "SELECT url, sha256 FROM pages"))
    # and no capture was made twice in the run for a URL that had been archived before the kill
    dupes = _rows(db, "SELECT fingerprint FROM captures WHERE outcome IN ('new', 'changed') "
                      "GROUP BY run_id, fingerprint HAVING count(*) > 1")
    assert dupes == []
