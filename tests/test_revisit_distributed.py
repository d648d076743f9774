"""The distributed crawl (Redis frontier, `gongkai worker`) applies the revisit policy as one process
does: from the same archive on the same night, the same URLs are held back and the same totals come out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from sampleweb_helpers import GONGKAI, crawl, write_registry
from test_distributed import REDIS_SERVER, redis_url  # noqa: F401  (the throwaway redis-server fixture)

from scraper.sampleweb import SampleWeb, serve_in_thread

pytest.importorskip("redis", reason="the distributed extra is not installed (pip install -e '.[dev]')")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server)")

D = date(2026, 6, 1)  # outside the reporting season
COUNTS = ("new", "changed", "unchanged", "failed", "not_due")


def test_workers_hold_back_what_one_process_holds_back(tmp_path, redis_url):  # noqa: F811
    server = serve_in_thread(SampleWeb(seed=1, scale=1, night=1), port=0)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs: list[subprocess.Popen] = []
    try:
        one, many = tmp_path / "one", tmp_path / "many"
        one.mkdir()
        reg = write_registry(SampleWeb(seed=1, scale=1, night=1), server.url, tmp_path / "sites.toml")
        for day in (D, D + timedelta(days=1)):  # two visits: the unchanged pages now wait 2 days
            crawl(reg, one / "g.db", "--as-of", day.isoformat(), full=False)
        shutil.copytree(one, many)
        night = (D + timedelta(days=2)).isoformat()
        single = crawl(reg, one / "g.db", "--as-of", night, full=False)

        coordinator = subprocess.Popen(
            [*GONGKAI, "crawl", "--workers", redis_url, "--share", "2", "--sites", str(reg), "--db",
             str(many / "g.db"), "--as-of", night, "--json", "--no-progress"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        procs.append(coordinator)
        procs += [subprocess.Popen([*GONGKAI, "worker", "--redis", redis_url, "--wait", "30"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                  for _ in range(2)]
        out, err = coordinator.communicate(timeout=180)
        assert coordinator.returncode in (0, 1), err[-3000:]
        dist = json.loads(out)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(timeout=30)
        server.stop()

    assert single["totals"]["not_due"] > 0
    assert {k: dist["totals"][k] for k in COUNTS} == {k: single["totals"][k] for k in COUNTS}
    assert {s: c["not_due"] for s, c in dist["sites"].items()} == {s: c["not_due"] for s, c in single["sites"].items()}
