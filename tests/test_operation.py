"""Safety under operation, against the sample web served in this process on 127.0.0.1 and
`gongkai crawl` run as a real subprocess: one crawl at a time (lock), read-only SQL during a crawl
(WAL: never an error, never blocking the writer), and site health across nights (SITE-BROKEN)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sampleweb_helpers import write_registry

from archive import health
from archive.schema import connect

sampleweb = pytest.importorskip("scraper.sampleweb")

GONGKAI = [sys.executable, "-c", "from archive.cli import main; main()"]


@pytest.fixture
def web(tmp_path):
    """The sample web (night 1) on a free 127.0.0.1 port, and a registry pointing at it."""
    sw = sampleweb.SampleWeb(seed=1, scale=1, night=1)
    handle = sampleweb.serve_in_thread(sw, port=0)
    reg = tmp_path / "sites.toml"
    write_registry(sw, handle.url, reg)
    yield sw, handle, reg
    handle.stop()


def workdir(tmp_path: Path) -> Path:
    """A cwd without an `archive/` folder: `python -c` puts the cwd first on sys.path, and the
    archive's default raw-capture folder `archive/` would shadow the `archive` package."""
    d = tmp_path / "cwd"
    d.mkdir(exist_ok=True)
    return d


def gongkai(args: list[str], tmp_path: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(GONGKAI + args, capture_output=True, text=True, cwd=workdir(tmp_path), timeout=300, **kw)


def start_crawl(reg: Path, db: Path, tmp_path: Path) -> subprocess.Popen:
    return subprocess.Popen(GONGKAI + ["crawl", "--sites", str(reg), "--db", str(db), "--json", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=workdir(tmp_path))


def wait_running(db: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the crawl holds the lock and has opened its run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if db.exists():
            try:
                rows = connect(db, readonly=True).execute(
                    "SELECT count(*) FROM crawl_runs WHERE status = 'running'").fetchone()
            except Exception:  # noqa: BLE001 - schema not there yet
                rows = (0,)
            if rows[0]:
                return
        time.sleep(0.1)
    raise AssertionError("the crawl did not start")


def test_second_crawl_exits_at_once_with_the_lock_message(web, tmp_path):
    _, _, reg = web
    db = tmp_path / "data" / "g.db"
    first = start_crawl(reg, db, tmp_path)
    try:
        wait_running(db, first)
        t0 = time.monotonic()
        second = gongkai(["crawl", "--sites", str(reg), "--db", str(db)], tmp_path)
        elapsed = time.monotonic() - t0
        assert second.returncode == 2
        assert second.stderr.strip() == (f"gongkai: another crawl (pid {first.pid}) is running on this archive "
                                         f"({db}.lock); try again when it ends")
        assert second.stdout == ""
        assert elapsed < 15
        assert first.poll() is None  # the running crawl is untouched
    finally:
        out, err = first.communicate(timeout=300)
    assert first.returncode in (0, 1), err
    summary = json.loads(out)
    assert summary["run_id"] == 1 and summary["totals"]["new"] > 300
    runs = list(connect(db, readonly=True).query("SELECT id, status FROM crawl_runs"))
    assert runs == [{"id": 1, "status": "finished"}]  # the refused crawl opened no run


def test_read_only_sql_during_a_crawl(web, tmp_path):
    _, _, reg = web
    db = tmp_path / "data" / "g.db"
    crawl = start_crawl(reg, db, tmp_path)
    counts, slowest = [], 0.0
    try:
        wait_running(db, crawl)
        while crawl.poll() is None:
            t0 = time.monotonic()
            r = gongkai(["sql", "SELECT count(*) AS n FROM captures", "--db", str(db), "--json"], tmp_path)
            slowest = max(slowest, time.monotonic() - t0)
            assert r.returncode == 0, r.stderr
            assert r.stderr == ""
            counts.append(json.loads(r.stdout)[0]["n"])
    finally:
        out, err = crawl.communicate(timeout=300)
    assert crawl.returncode in (0, 1), err
    assert len(counts) >= 5, counts
    assert counts == sorted(counts)  # readers see committed batches grow, never a torn state
    assert len(set(counts)) >= 2, counts  # ... while the writer keeps writing
    assert slowest < 10
    final = connect(db, readonly=True)
    assert final.execute("SELECT status FROM crawl_runs WHERE id = 1").fetchone()[0] == "finished"
    assert final.execute("SELECT count(*) FROM captures").fetchone()[0] >= counts[-1]


def crawl_night(handle, night: int, reg: Path, db: Path, tmp_path: Path) -> tuple[int, dict]:
    handle.set_night(night)
    # --full: these nights follow each other on one calendar day; each means a whole recrawl
    r = gongkai(["crawl", "--sites", str(reg), "--db", str(db), "--json", "--no-progress", "--full"], tmp_path)
    assert r.returncode in (0, 1), r.stderr
    run_id = json.loads(r.stdout)["run_id"]
    dbh = connect(db)
    health.sync_site_health(dbh, run_id)  # until run_checks includes the archive rules itself
    return run_id, health.run_report(dbh, run_id)


def test_site_broken_on_night_3_and_resolved_when_it_comes_back(web, tmp_path):
    sw, handle, reg = web
    db = tmp_path / "data" / "g.db"
    sw.set_night(3)
    expected = sorted(a["site"] for a in sw.truth()["anomalies"] if a["rule"] == "SITE-BROKEN")
    sw.set_night(1)
    assert len(expected) == 1

    r1, rep1 = crawl_night(handle, 1, reg, db, tmp_path)
    assert rep1["sites_broken"] == []
    assert len(rep1["new_reports"]) > 200
    assert all(h["status"] == "ok" for h in health.site_health(connect(db, readonly=True)))

    r3, rep3 = crawl_night(handle, 3, reg, db, tmp_path)
    assert [(s["site"], s["problem"], s["last_good_run"], s["first_bad_run"]) for s in rep3["sites_broken"]] == [
        (expected[0], health.LISTING, r1, r3)]
    assert health.exit_code(rep3) == 1
    flag = connect(db, readonly=True).execute(
        "SELECT status, site, evidence FROM flags WHERE rule = 'SITE-BROKEN'").fetchall()
    assert [(s, site) for s, site, _ in flag] == [("open", expected[0])]
    ev = json.loads(flag[0][2])
    assert ev["last_good"]["run"] == r1 and ev["first_bad"]["run"] == r3
    assert {f["status"] for f in ev["first_bad"]["failed"]} == {404}

    r4, rep4 = crawl_night(handle, 1, reg, db, tmp_path)
    assert rep4["sites_broken"] == []
    assert [h["status"] for h in health.site_health(connect(db, readonly=True))] == ["ok"] * len(sw.sites())
    status = connect(db, readonly=True).execute("SELECT status FROM flags WHERE rule = 'SITE-BROKEN'").fetchall()
    assert status == [("resolved",)]
