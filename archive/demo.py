"""`gongkai demo`: the offline main job, end to end, on the bundled sample government web."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from archive.config import resolve_paths

#: the sample web answers at loopback speed: no need for the politeness delays of real sites
FAST_LOCAL = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
              "DOWNLOAD_TIMEOUT": 3, "RETRY_TIMES": 1}


def run_demo(workdir: Path, seed: int = 1, scale: int = 1, fresh: bool = True) -> dict:
    from archive.cli_crawl import print_summary
    from archive.nightly import crawl_sites
    from scraper.registry import parse_registry
    from scraper.sampleweb import SampleWeb, serve_in_thread

    workdir = workdir.absolute()
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    web = SampleWeb(seed=seed, scale=scale, night=1)
    server = serve_in_thread(web, port=0)
    try:
        registry_path = workdir / "sites.toml"
        registry_path.write_text(web.registry_toml(server.url), encoding="utf-8")
        registry = parse_registry(registry_path.read_text(encoding="utf-8"), registry_path)
        click.echo(f"sample government web: {len(registry.sites)} sites served on {server.url} (seed {seed})")
        paths = resolve_paths(workdir / "gongkai.db", workdir / "archive")
        result = crawl_sites(paths, registry, progress=sys.stderr.isatty(), settings_overrides=FAST_LOCAL)
    finally:
        server.stop()
    print_summary(result.summary)
    db = paths.db
    rel = db.relative_to(Path.cwd()) if db.is_relative_to(Path.cwd()) else db
    click.echo(f"""
archive: {rel} (raw captures in {paths.warc_dir})

What to try next:
  gongkai status --db {rel}
  gongkai flags --db {rel} --status open
  gongkai sql --db {rel} "SELECT publisher, year, format, published FROM reports WHERE role='page' AND kind='report' ORDER BY publisher, year"
  gongkai sql --db {rel} "SELECT r.publisher, r.year, m.value FROM metrics m JOIN reports r ON r.id = m.report_id WHERE m.key = 'apps.new.total' ORDER BY 1, 2"
  gongkai serve --db {rel}        # the archive and the review queue in a browser
""")
    return result.summary
