"""Helpers for tests that crawl the sample web: a server on 127.0.0.1 and `gongkai` as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

GONGKAI = [sys.executable, "-c", "from archive.cli import main; main()"]

#: loopback speed: no politeness delay needed against our own server
LOCAL_CRAWL = """
[crawl]
download_delay = 0
autothrottle = false
concurrency_per_domain = 8
retry_times = 1
"""


def write_registry(web, server_url: str, path: Path) -> Path:
    text = web.registry_toml(server_url)
    if "[crawl]" not in text:
        text += LOCAL_CRAWL
    path.write_text(text, encoding="utf-8")
    return path


def gongkai(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([*GONGKAI, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def crawl(registry: Path, db: Path, *extra: str) -> dict:
    out = gongkai("crawl", "--sites", str(registry), "--db", str(db), "--json", "--no-progress", *extra)
    assert out.returncode in (0, 1), out.stderr[-3000:]
    return json.loads(out.stdout)
