"""The project under Scrapyd: a real `scrapyd` on a free 127.0.0.1 port with its own config in a
temp dir, the project deployed as an egg (`gongkai egg` + `scrapyd-deploy --egg`), the `reports`
spider scheduled through POST /schedule.json with sites= and db=, and the archive checked after
the job finished (the spider opened and closed its own run)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sampleweb_helpers import write_registry

from archive.cli_ops import build_egg
from archive.lock import CrawlLock
from archive.schema import connect

sampleweb = pytest.importorskip("scraper.sampleweb")
BIN = Path(sys.executable).absolute().parent
if not (BIN / "scrapyd").exists() or not (BIN / "scrapyd-deploy").exists():
    pytest.skip("scrapyd / scrapyd-client not installed (pip install -e '.[dev]')", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, path: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with urllib.request.urlopen(base + path, data=body, timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A scrapyd of our own: config, eggs, logs and job dbs under tmp_path/scrapyd."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = {home}/eggs\nlogs_dir = {home}/logs\ndbs_dir = {home}/dbs\n"
        "items_dir =\nmax_proc = 1\npoll_interval = 0.5\n")
    env = {**os.environ, "HOME": str(home)}  # no ~/.scrapyd.conf of the machine's user
    log = open(home / "scrapyd.out", "w")
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            if api(base, "daemonstatus.json")["status"] == "ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            raise AssertionError((home / "scrapyd.out").read_text())
        time.sleep(0.2)
    yield base, home
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def web(tmp_path):
    sw = sampleweb.SampleWeb(seed=1, scale=1, night=1)
    handle = sampleweb.serve_in_thread(sw, port=0)
    reg = tmp_path / "sites.toml"
    write_registry(sw, handle.url, reg)
    yield sw, reg
    handle.stop()


def deploy(base: str, tmp_path: Path) -> str:
    """`scrapyd-deploy` from a folder whose scrapy.cfg names this scrapyd as the target."""
    d = tmp_path / "deploy"
    d.mkdir()
    egg = build_egg(d / "dist", "r1")
    (d / "scrapy.cfg").write_text(f"[settings]\ndefault = scraper.settings\n\n[deploy:test]\nurl = {base}\n"
                                  "project = gongkai\n")
    r = subprocess.run([str(BIN / "scrapyd-deploy"), "test", "--egg", str(egg), "--version", "r1"],
                       cwd=d, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def wait_finished(base: str, home: Path, jobid: str, timeout: float = 240) -> str:
    """Poll listjobs.json until the job finished; returns its log."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = api(base, "listjobs.json?project=gongkai")
        if any(j["id"] == jobid for j in jobs["finished"]):
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(1)
    log = home / "logs" / "gongkai" / "reports" / f"{jobid}.log"
    return log.read_text(errors="replace") if log.exists() else ""


def test_reports_spider_under_scrapyd(scrapyd, web, tmp_path):
    base, home = scrapyd
    sw, reg = web
    out = deploy(base, tmp_path)
    assert json.loads(out)["status"] == "ok"
    assert api(base, "listprojects.json")["projects"] == ["gongkai"]
    assert api(base, "listspiders.json?project=gongkai")["spiders"] == ["discover", "reports"]

    db = tmp_path / "data" / "g.db"
    job = api(base, "schedule.json", {"project": "gongkai", "spider": "reports", "sites": str(reg), "db": str(db),
                                      # no politeness delay against our own loopback server
                                      "setting": ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=0",
                                                  "CONCURRENT_REQUESTS_PER_DOMAIN=16"]})
    assert job["status"] == "ok", job
    jobid = job["jobid"]
    log_text = wait_finished(base, home, jobid)
    assert "Traceback" not in log_text, log_text[-3000:]

    dbh = connect(db, readonly=True)
    runs = list(dbh.query("SELECT id, status, registry, summary FROM crawl_runs"))
    assert [(r["id"], r["status"], r["registry"]) for r in runs] == [(1, "finished", str(reg))]
    summary = json.loads(runs[0]["summary"])
    assert summary["totals"]["new"] > 300
    truth = sw.truth()
    captured = {r[0] for r in dbh.execute("SELECT url FROM captures WHERE outcome != 'error' AND status < 400")}
    listings = {p["url"] for p in truth["listing_pages"] if p["method"] == "GET"}
    assert listings <= captured
    starts = {u for s in truth["sites"] for u in s["start_urls"]}
    assert starts <= captured
    report_urls = {r["url"] for r in truth["reports"]}
    assert len(report_urls & captured) >= 0.9 * len(report_urls)
    assert dbh.execute("SELECT count(*) FROM reports").fetchone()[0] >= 0.9 * len(report_urls)
    assert {r[0] for r in dbh.execute("SELECT id FROM sites")} == {s["id"] for s in truth["sites"]}
    # the lock was released when the spider closed its run; a job scheduled while another crawl
    # holds it fails at start and touches nothing
    with CrawlLock(Path(f"{db}.lock")):
        job2 = api(base, "schedule.json", {"project": "gongkai", "spider": "reports", "sites": str(reg),
                                           "db": str(db)})
        log2 = wait_finished(base, home, job2["jobid"], timeout=60)
    assert "another crawl" in log2 and "is running on this archive" in log2
    assert dbh.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 1
