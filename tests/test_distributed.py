"""Several crawl workers on one Redis frontier, one of them killed with SIGKILL midway, end with the archive
of a single-process crawl: the same captures, reports, metrics and flags; no URL fetched twice except the
requests the killed worker held (at-least-once: they go back to the frontier when its lease expires)."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sampleweb_helpers import GONGKAI, crawl, write_registry

from scraper.sampleweb import SampleWeb, serve_in_thread

redis = pytest.importorskip("redis", reason="the distributed extra is not installed (pip install -e '.[dev]')")
pytest.importorskip("scrapy_redis", reason="the distributed extra is not installed (pip install -e '.[dev]')")
REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server)")

WORKERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server on 127.0.0.1 (no persistence), stopped after the test."""
    port = _free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _results(db: Path) -> dict[str, set]:
    """What must not depend on how the crawl was spread: captures, reports, metrics, flags (no ids)."""
    return {
        "pages": set(_rows(db, "SELECT url, sha256, status, role, site_id FROM pages")),
        "captures": set(_rows(db, "SELECT url, status, outcome, coalesce(error_kind, '') FROM captures")),
        "attachments": set(_rows(db, "SELECT report_url, url FROM attachments")),
        "reports": set(_rows(db, "SELECT url, role, kind, title, year, publisher, format FROM reports")),
        "metrics": set(_rows(db, "SELECT r.url, r.role, m.key, m.value FROM metrics m JOIN reports r ON r.id = m.report_id")),
        "flags": set(_rows(db, "SELECT rule, identity, subject, cells, status FROM flags")),
    }


def _differences(db: Path, ref_db: Path, client=None, run_id: int | None = None) -> str:
    """What differs between the two archives, URL by URL (captures and pages), for the failure message;
    for a URL missing from the distributed archive, whether the run's duplicate filter had seen it."""
    from scrapy import Request
    from scrapy.utils.request import fingerprint

    sql = ("SELECT c.url, c.status, c.outcome, coalesce(c.error_kind, ''), count(*) FROM captures c "
           "GROUP BY c.url, c.status, c.outcome, c.error_kind")
    got, want = Counter({r[:4]: r[4] for r in _rows(db, sql)}), Counter({r[:4]: r[4] for r in _rows(ref_db, sql)})
    def seen(url: str) -> str:
        if client is None or run_id is None or "__wb_post_data=" in url:
            return ""
        hit = client.sismember(f"gongkai:run:{run_id}:dupefilter", fingerprint(Request(url)).hex())
        return " (its fingerprint is in the duplicate filter)" if hit else " (never seen by the duplicate filter)"

    lines = [f"  missing from the distributed archive: {k} x{n}{seen(k[0])}"
             for k, n in sorted((want - got).items())]
    lines += [f"  extra in the distributed archive: {k} x{n}" for k, n in sorted((got - want).items())]
    pages = "SELECT url, sha256, status FROM pages"
    gp, wp = set(_rows(db, pages)), set(_rows(ref_db, pages))
    lines += [f"  page missing: {p}" for p in sorted(wp - gp)] + [f"  page extra: {p}" for p in sorted(gp - wp)]
    return "\n".join(lines) or "  (no capture or page differs)"


def _request_key(entry: dict) -> tuple[str, str, str, str]:
    """One request as the server saw it: a POST listing is the same URL with a different body per page."""
    return entry["method"], entry["host"], entry["path"], entry.get("body", "")


def _leased_urls(client, wid: str) -> set[tuple[str, str]]:
    """The requests (URL, body) a worker held leases on (taken and not finished)."""
    run = int(client.get("gongkai:run"))
    out = set()
    for lease, data in client.hgetall(f"gongkai:run:{run}:leased").items():
        if lease.decode().startswith(wid + ":"):
            req = pickle.loads(data)
            body = req.get("body") or b""
            out.add((req["url"], body.decode("latin-1") if isinstance(body, bytes) else body))
    return out


def _kill_a_busy_worker(client, workers: list[subprocess.Popen], min_archived: int = 60) -> tuple[str, set[str]]:
    """SIGKILL a worker that holds leases once the run is well under way; returns its id and leased URLs."""
    pids = {w.pid: w for w in workers}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = client.get("gongkai:run")
        archived = int(client.hget(f"gongkai:run:{int(run)}:stats", "archived") or 0) if run else 0
        if archived >= min_archived:
            for key in client.keys("gongkai:workers:*"):
                beat = json.loads(client.get(key) or "{}")
                pid = int(beat.get("worker", "x:0:x").split(":")[1])
                if pid in pids and beat.get("leases", 0) > 0 and _leased_urls(client, beat["worker"]):
                    os.kill(pid, signal.SIGKILL)
                    pids[pid].wait()
                    return beat["worker"], _leased_urls(client, beat["worker"])
        time.sleep(0.02)
    pytest.fail("no worker held a lease once the run was under way")


def test_three_workers_one_killed_give_the_single_process_archive(tmp_path, redis_url):
    web = SampleWeb(seed=1, scale=1, night=1)
    # the reference: one process, its own server (so each server's log is one crawl's requests)
    ref_server = serve_in_thread(web, port=0)
    try:
        ref_db = tmp_path / "ref" / "g.db"
        ref_db.parent.mkdir()
        reference = crawl(write_registry(web, ref_server.url, tmp_path / "ref" / "sites.toml"), ref_db)
        ref_log = Counter(_request_key(e) for e in ref_server.log())
    finally:
        ref_server.stop()

    server = serve_in_thread(SampleWeb(seed=1, scale=1, night=1), port=0)
    client = redis.Redis.from_url(redis_url)
    db = tmp_path / "dist" / "g.db"
    db.parent.mkdir()
    registry = write_registry(web, server.url, tmp_path / "dist" / "sites.toml")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs: list[subprocess.Popen] = []
    try:
        coordinator = subprocess.Popen(
            [*GONGKAI, "crawl", "--workers", redis_url, "--share", str(WORKERS), "--lease", "10", "--sites",
             str(registry), "--db", str(db), "--json", "--no-progress"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        procs.append(coordinator)
        workers = [subprocess.Popen([*GONGKAI, "worker", "--redis", redis_url, "--wait", "30"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
                   for _ in range(WORKERS)]
        procs += workers
        killed, in_flight = _kill_a_busy_worker(client, workers)
        out, err = coordinator.communicate(timeout=120)
        assert coordinator.returncode in (0, 1), err[-3000:]
        summary = json.loads(out)
        survivors = [w for w in workers if w.poll() != -signal.SIGKILL]
        assert len(survivors) == WORKERS - 1
        done = [json.loads(w.communicate(timeout=30)[0]) for w in survivors]
        log = Counter(_request_key(e) for e in server.log())
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        server.stop()

    # the survivors did the work between them, and the killed worker's requests were taken over
    assert all(d["run"] == summary["run_id"] and d["fetched"] > 0 for d in done)
    assert in_flight, "the killed worker held no request: the test proves nothing"
    # nothing lost: the same totals, pages (url, bytes), captures, reports, metrics and flags
    why = f"killed {killed} holding {len(in_flight)} lease(s): {sorted(in_flight)}\n{_differences(db, ref_db, client, summary['run_id'])}"
    assert summary["totals"] == reference["totals"], why
    assert summary["errors"] == reference["errors"], why
    got, want = _results(db), _results(ref_db)
    for key in want:
        assert got[key] == want[key], f"{key}: missing {sorted(want[key] - got[key])[:20]}, " \
                                      f"extra {sorted(got[key] - want[key])[:20]}\n{why}"
    assert _rows(db, "SELECT url FROM pages GROUP BY url HAVING count(*) > 1") == [], why
    assert _rows(db, "SELECT count(*), min(status) FROM crawl_runs") == [(1, "finished")]
    # no URL fetched twice: the one exception is what the killed worker held (fetched again, once)
    assert set(log) == set(ref_log), f"not fetched: {sorted(set(ref_log) - set(log))}, " \
                                     f"not in the reference: {sorted(set(log) - set(ref_log))}"
    extra = log - ref_log
    fetched = f"fetched more often than by one process: {sorted(extra.items())}\n{why}"
    assert all(n == 1 for n in extra.values()), fetched
    assert {(f"http://{host}{path}", body) for _, host, path, body in extra} <= in_flight, fetched
    # the run's Redis state is drained and marked done for the workers
    run = summary["run_id"]
    assert client.get(f"gongkai:run:{run}:state") == b"done"
    assert client.zcard(f"gongkai:run:{run}:requests") == 0 and client.zcard(f"gongkai:run:{run}:leases") == 0


def test_status_reports_workers_frontier_and_throughput(redis_url):
    from archive import distributed as dist

    assert dist.distributed_status(redis_url)["run"] is None
    r = dist.connect(redis_url)
    keys = dist.announce_run(r, 7, {"share": 2})
    r.zadd(keys.requests, {b"a": 0, b"b": -1})
    dist.heartbeat(r, "hostA:1:aa", {"run": 7, "fetched": 10, "pushed": 9, "leases": 1, "rate": 2.5})
    dist.heartbeat(r, "hostB:2:bb", {"run": 7, "fetched": 4, "pushed": 4, "leases": 0, "rate": 1.5})
    r.hincrby(keys.stats, "archived", 13)
    status = dist.distributed_status(redis_url)
    assert [w["worker"] for w in status["workers"]] == ["hostA:1:aa", "hostB:2:bb"]
    run = status["run"]
    assert (run["id"], run["state"], run["frontier"], run["in_flight"], run["archived"]) == (7, "crawling", 2, 0, 13)
    assert run["fetched_per_second"] == 4.0 and run["share"] == 2
    # a lease moves a request out of the frontier; expired, it comes back
    assert dist.pop_leased(r, keys, "hostA:1:aa:1", 0.05) == b"b"  # the highest priority first
    assert dist.distributed_status(redis_url)["run"]["in_flight"] == 1
    time.sleep(0.1)
    assert dist.requeue_expired(r, keys) == 1
    assert r.zrange(keys.requests, 0, -1) == [b"b", b"a"] and r.zcard(keys.leases) == 0
    # acknowledged, it is gone for good
    assert dist.pop_leased(r, keys, "hostA:1:aa:2", 30) == b"b"
    dist.acknowledge(r, keys, ["hostA:1:aa:2"])
    assert dist.requeue_expired(r, keys) == 0 and r.zrange(keys.requests, 0, -1) == [b"a"]
    # the CLI shows the same
    out = subprocess.run([*GONGKAI, "workers", "--redis", redis_url, "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["run"]["frontier"] == 1


def test_a_request_is_seen_and_queued_in_one_step_and_takes_its_lease_over(redis_url):
    """No fingerprint in the duplicate filter without its request in the queue (a worker killed between
    the two lost the request for the run); a retry queued acknowledges the lease it came from."""
    from archive import distributed as dist

    r = dist.connect(redis_url)
    keys = dist.announce_run(r, 8, {})
    assert dist.queue_new(r, keys, "fp1", 0, b"req1") is True
    assert dist.queue_new(r, keys, "fp1", 0, b"req1 again") is False  # seen: not queued
    assert r.smembers(keys.dupefilter) == {b"fp1"} and r.zrange(keys.requests, 0, -1) == [b"req1"]
    assert dist.pop_leased(r, keys, "w:1", 30) == b"req1"
    assert dist.queue_new(r, keys, None, 0, b"req1 retry", handover="w:1") is True  # dont_filter
    assert r.zrange(keys.requests, 0, -1) == [b"req1 retry"]
    assert r.zcard(keys.leases) == 0 and r.hlen(keys.leased) == 0 and r.hlen(keys.leased_score) == 0
