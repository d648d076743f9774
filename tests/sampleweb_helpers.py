"""Helpers for tests that crawl the sample web: a server on 127.0.0.1 and `gongkai` as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: the installed console script (exit codes as a shell sees them); the same main() if it is missing
_SCRIPT = Path(sys.executable).parent / "gongkai"
GONGKAI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-c", "from archive.cli import main; main()"]

#: loopback speed: no politeness delay needed against our own server
LOCAL_CRAWL = """
[crawl]
download_delay = 0
autothrottle = false
concurrency_per_domain = 8
retry_times = 1
"""


def write_registry(web, server_url: str, path: Path, timeout: float = 2) -> Path:
    """The sample web's registry, with a short download timeout: its slow page still times out, sooner."""
    import re

    text = re.sub(r"(?m)^timeout = .*$", f"timeout = {timeout}", web.registry_toml(server_url))
    if "[crawl]" not in text:
        text += LOCAL_CRAWL
    path.write_text(text, encoding="utf-8")
    return path


def gongkai(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([*GONGKAI, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def crawl(registry: Path, db: Path, *extra: str, full: bool = True) -> dict:
    """`gongkai crawl --json`; full (the default here) revalidates every URL, as these tests recrawl the
    same day and mean a whole recrawl; full=False applies the revisit policy (tests/test_revisit.py)."""
    args = ("--full",) if full else ()
    out = gongkai("crawl", "--sites", str(registry), "--db", str(db), "--json", "--no-progress", *args, *extra)
    assert out.returncode in (0, 1), out.stderr[-3000:]
    return {**json.loads(out.stdout), "exit_status": out.returncode}


def flags_of(db: Path, *args: str) -> list[dict]:
    out = gongkai("flags", "--db", str(db), "--status", "all", "--json", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def run_sample_crawls(tmp: Path) -> dict:
    """The expensive part shared by the crawl and checks tests: night 1, a snapshot and its checks,
    two flags dismissed, an unchanged recrawl, `gongkai check`, then night 2."""
    import sqlite3

    from scraper.sampleweb import SampleWeb, serve_in_thread

    web = SampleWeb(seed=1, scale=1, night=1)
    truth1 = web.truth()
    server = serve_in_thread(web, port=0)
    res: dict = {"web": web, "truth1": truth1, "tmp": tmp, "db": tmp / "g.db"}
    try:
        registry = write_registry(web, server.url, tmp / "sites.toml")
        db = res["db"]
        res["s1"] = crawl(registry, db)
        res["log1"] = server.log()
        res["pages1"] = _count(db, "SELECT count(*) FROM pages")
        snap = tmp / "night1.db"
        src, dst = sqlite3.connect(db), sqlite3.connect(snap)
        src.backup(dst)
        src.close()
        dst.close()
        out = gongkai("check", "--db", str(snap), "--sites", str(registry), "--as-of", truth1["as_of"], "--json")
        assert out.returncode in (0, 1), out.stderr
        res["flags_night1"] = flags_of(snap)
        # a reviewer dismisses two flags: one whose report night 2 edits, one that stays as it is
        flags = flags_of(db)
        bal = next(f for f in flags if f["rule"] == "T3-BALANCE" and "t20220225_10343" in f["subject"])
        t4 = next(f for f in flags if f["rule"] == "T4-SUM")
        for f in (bal, t4):
            out = gongkai("flag", "dismiss", str(f["id"]), "--note", "reviewed: as printed", "--by", "tester", "--db", str(db))
            assert out.returncode == 0, out.stderr
        res["dismissed"] = {"evidence_changes": bal["id"], "stays": t4["id"]}
        res["s2"] = crawl(registry, db)
        res["pages2"] = _count(db, "SELECT count(*) FROM pages")
        res["flags_after_recrawl"] = flags_of(db)
        out = gongkai("check", "--db", str(db), "--sites", str(registry), "--as-of", truth1["as_of"])
        res["flags_after_check"] = flags_of(db)
        server.set_night(2)
        res["truth2"] = web.truth()
        res["s3"] = crawl(registry, db)
        res["flags_night2"] = flags_of(db)
        res["log"] = server.log()
    finally:
        server.stop()
    return res


def _count(db, sql, params=()):
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()
