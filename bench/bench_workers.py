"""Crawl throughput of 1, 2 and 3 `gongkai worker` processes on one Redis frontier (this machine).

The sample web (SampleWeb(seed=1, scale=20)) runs in its own process, as does redis-server and each
worker; this process seeds the run and is its archiver. Measured: captures archived per second from the
seeding to the last capture in SQLite (extraction and checks are left out: they do not depend on the
number of workers), and the same up to 90 % of the captures (the sample web's slow pages make a fixed
tail). Writes bench/results_workers.json.

    .venv/bin/python bench/bench_workers.py [--scale 20] [--workers 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GONGKAI = [sys.executable, "-c", "from archive.cli import main; main()"]
LOCAL_CRAWL = "\n[crawl]\ndownload_delay = 0\nautothrottle = false\nconcurrency_per_domain = 8\nretry_times = 1\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(n: int, registry: Path, redis_url: str, workdir: Path, share: int, web_pid: int, redis_pid: int) -> dict:
    """Seed + archive in this process, n workers as processes; returns the run's numbers."""
    from archive import distributed as dist
    from archive.archiver import _run_config, consume, open_distributed_run, publish_latest
    from archive.config import resolve_paths
    from archive.worker import seed
    from scraper.registry import load_registry

    r = dist.connect(redis_url)
    r.flushdb()
    paths = resolve_paths(workdir / "g.db")
    reg = load_registry(registry)
    ctx = open_distributed_run(paths, reg)
    keys = dist.RunKeys(ctx.run_id)
    publish_latest(r, keys, ctx.archive)
    dist.announce_run(r, ctx.run_id, _run_config(ctx, paths, [], share, 30.0, None))
    cpu0 = (cpu_seconds(web_pid), cpu_seconds(redis_pid), time.process_time(),
            resource.getrusage(resource.RUSAGE_CHILDREN))
    started = time.monotonic()
    seed(r, keys, ctx)
    workers = [subprocess.Popen([*GONGKAI, "worker", "--redis", redis_url, "--wait", "30"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(n)]
    marks: list[tuple[float, int]] = []
    archived = consume(r, keys, ctx.archive, lambda total: marks.append((time.monotonic() - started, total)))
    seconds = time.monotonic() - started
    # the last captures wait for the sample web's slow pages (5 s timeout + a retry): a fixed tail that no
    # number of workers shortens, so the rate up to 90 % of the captures is the comparable figure
    t90 = next(t for t, total in marks if total >= 0.9 * archived)
    dist.finish_announcement(r, keys)
    per_worker = [json.loads(w.communicate(timeout=60)[0] or "{}").get("fetched", 0) for w in workers]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {"sample_web": cpu_seconds(web_pid) - cpu0[0], "redis": cpu_seconds(redis_pid) - cpu0[1],
           "archiver": time.process_time() - cpu0[2],
           "workers": children.ru_utime + children.ru_stime - cpu0[3].ru_utime - cpu0[3].ru_stime}
    ctx.archive.close()
    return {"workers": n, "seconds": round(seconds, 2), "captures": archived,
            "captures_per_second": round(archived / seconds, 1), "seconds_to_90pct": round(t90, 2),
            "captures_per_second_to_90pct": round(0.9 * archived / t90, 1), "fetched_per_worker": per_worker,
            "share": share, "cpu_seconds": {k: round(v, 1) for k, v in cpu.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=20)
    ap.add_argument("--workers", default="1,2,3")
    ap.add_argument("--share", choices=("n", "1"), default="n",
                    help="n: each of n workers gets 1/n of a site's budget (the polite setting); 1: each the whole")
    ap.add_argument("--repeat", type=int, default=2, help="runs per worker count; the fastest is kept")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results_workers.json"))
    args = ap.parse_args()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    tmp = Path(tempfile.mkdtemp(prefix="gongkai-bench-workers-"))
    web_port, redis_port = free_port(), free_port()
    procs = [
        subprocess.Popen([*GONGKAI, "web", "--port", str(web_port), "--seed", "1", "--scale", str(args.scale)],
                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL),
    ]
    try:
        text = wait_http(f"http://127.0.0.1:{web_port}/_registry.toml").decode("utf-8")
        registry = tmp / "sites.toml"
        registry.write_text(text + ("" if "[crawl]" in text else LOCAL_CRAWL), encoding="utf-8")
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        runs = []
        for n in (int(x) for x in args.workers.split(",")):
            tries = []
            for k in range(args.repeat):
                workdir = tmp / f"w{n}-{k}"
                workdir.mkdir()
                share = n if args.share == "n" else 1
                tries.append(one_run(n, registry, redis_url, workdir, share, procs[0].pid, procs[1].pid))
                print(json.dumps(tries[-1]), flush=True)
            runs.append(min(tries, key=lambda t: t["seconds_to_90pct"]))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    base, base90 = runs[0]["captures_per_second"], runs[0]["captures_per_second_to_90pct"]
    for run in runs:
        run["ratio_to_one"] = round(run["captures_per_second"] / base, 2)
        run["ratio_to_one_to_90pct"] = round(run["captures_per_second_to_90pct"] / base90, 2)
    result = {"scale": args.scale, "cpus": os.cpu_count(), "repeat": args.repeat,
              "load_average_after": os.getloadavg()[0], "runs": runs}
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
