"""The nightly job: lock, crawl every enabled site, extract new and changed reports, run the checks,
and summarise the run. Resumes an interrupted run instead of starting over."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from archive.config import Paths
from archive.extracting import extract_pending
from archive.lock import CrawlLock
from archive.revisit import record_run
from archive.store import Archive, now_iso
from scraper.registry import Registry


@dataclass
class RunResult:
    run_id: int
    resumed: bool
    status: str
    summary: dict = field(default_factory=dict)


def scrapy_settings(registry: Registry, overrides: dict | None = None):
    """Scrapy settings from scraper/settings.py, adjusted by the registry's [crawl] table."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    crawl = registry.extra.get("crawl", {})
    mapping = {"download_delay": "DOWNLOAD_DELAY", "concurrency_per_domain": "CONCURRENT_REQUESTS_PER_DOMAIN",
               "concurrency": "CONCURRENT_REQUESTS", "autothrottle": "AUTOTHROTTLE_ENABLED",
               "timeout": "DOWNLOAD_TIMEOUT", "retry_times": "RETRY_TIMES", "max_size": "DOWNLOAD_MAXSIZE",
               "max_listing_pages": "GONGKAI_MAX_LISTING_PAGES", "max_site_requests": "GONGKAI_MAX_SITE_REQUESTS"}
    for key, value in crawl.items():
        if key in mapping:
            settings.set(mapping[key], value, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


class _Progress:
    """A one-line live count on a terminal (nothing when output is not a terminal)."""

    def __init__(self, ctx, enabled: bool) -> None:
        self.ctx = ctx
        self.enabled = enabled
        self._last = 0.0

    def tick(self, *args, **kwargs) -> None:
        if not self.enabled or time.monotonic() - self._last < 0.25:
            return
        self._last = time.monotonic()
        total = Counter()
        for c in self.ctx.counts.values():
            total.update(c)
        line = (f"\rcrawling {len(self.ctx.sites)} site(s): {total['new']} new, {total['changed']} changed, "
                f"{total['unchanged']} unchanged, {total['failed']} failed ")
        sys.stderr.write(line)
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def open_run(paths: Paths, registry: Registry, only: list[str] | None = None, full: bool = False,
             as_of: date | None = None):
    """Open the archive and a run (resuming an interrupted one): the context the spider works in, with
    the revisit policy (archive/revisit.py) as its due check; `full` asks for every URL."""
    from archive.revisit import RevisitPolicy
    from scraper.context import CrawlContext

    sites = registry.enabled(tuple(only or ()))
    archive = Archive(paths)
    archive.upsert_sites(sites)
    run_id, resumed = archive.start_run(str(registry.path or ""), [s.id for s in sites])
    done = archive.done_in_run(run_id) if resumed else {}
    policy = RevisitPolicy(archive.db, as_of or date.today(), full=full)
    return CrawlContext(archive=archive, run_id=run_id, registry=registry, sites=sites, done=done, resumed=resumed,
                        due=policy, known_links=policy.links)


def close_run(ctx, crawl_seconds: float | None = None) -> dict:
    """After the crawl: extract what is new, run the checks, summarise and close the run."""
    ctx.archive.flush()
    t0 = time.monotonic()
    stats = extract_pending(ctx.archive.db, ctx.archive.paths.warc_dir)
    extract_seconds = time.monotonic() - t0
    checks = run_checks_if_available(ctx.archive.db, ctx.registry, ctx.archive.paths, run_id=ctx.run_id)
    as_of = getattr(ctx.due, "as_of", None) or date.today()
    record_run(ctx.archive.db, ctx.run_id, as_of)
    summary = run_summary(ctx.archive.db, ctx.run_id)
    add_not_due(summary, ctx.counts, full=getattr(ctx.due, "full", False))
    summary.update({"resumed": ctx.resumed, "crawl_seconds": round(crawl_seconds or 0.0, 2),
                    "extract_seconds": round(extract_seconds, 2), "extracted": stats.extracted,
                    "reports_extracted": stats.reports, "extraction_errors": stats.errors,
                    "checks": checks})
    ctx.archive.finish_run(ctx.run_id, "finished", summary)
    with ctx.archive.db.conn:
        ctx.archive.db.execute(
            f"UPDATE sites SET last_crawled = ? WHERE id IN ({','.join('?' * len(ctx.sites))})",
            [now_iso(), *[s.id for s in ctx.sites]])
        ctx.archive.db.execute("UPDATE crawl_runs SET as_of = ? WHERE id = ?", [as_of.isoformat(), ctx.run_id])
    ctx.archive.close()
    return summary


def crawl_sites(paths: Paths, registry: Registry, only: list[str] | None = None, progress: bool = False,
                settings_overrides: dict | None = None, full: bool = False, as_of: date | None = None) -> RunResult:
    """Crawl (under the lock), then extract what is new. Raises LockBusy when another crawl runs."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from scraper.spiders.reports import ReportsSpider

    with CrawlLock(paths.lock_file):
        ctx = open_run(paths, registry, only, full=full, as_of=as_of)
        process = CrawlerProcess(scrapy_settings(registry, settings_overrides))
        crawler = process.create_crawler(ReportsSpider)
        prog = _Progress(ctx, progress)
        crawler.signals.connect(prog.tick, signal=signals.response_received)
        started = time.monotonic()
        process.crawl(crawler, context=ctx)
        process.start()
        prog.done()
        summary = close_run(ctx, time.monotonic() - started)
    return RunResult(run_id=ctx.run_id, resumed=ctx.resumed, status="finished", summary=summary)


def run_checks_if_available(db, registry: Registry, paths: Paths, as_of: date | None = None,
                            run_id: int | None = None) -> dict | None:
    """Run the rules over the archive (pipeline/checks + archive/flags), when they are installed."""
    try:
        from archive.checking import run_checks
    except ImportError:
        return None
    return run_checks(db, registry.path, as_of or date.today(), run_id=run_id, changed_in_run=True)


def run_summary(db, run_id: int) -> dict:
    """Pages new / changed / unchanged / failed per site for one run, errors by kind, and the URLs the
    guard refused per site by reason (scheme, off-host, robots)."""
    per_site: dict[str, Counter] = {}
    for row in db.query("SELECT site_id, outcome, status, count(*) AS n FROM captures WHERE run_id = ? "
                        "AND status < 400 GROUP BY site_id, outcome", [run_id]):
        site = row["site_id"] or "-"
        c = per_site.setdefault(site, Counter())
        if row["outcome"] == "error":
            continue
        c[row["outcome"]] += row["n"]
    for row in db.query("SELECT site_id, count(DISTINCT url) AS n FROM captures WHERE run_id = ? AND outcome = 'error' "
                        "GROUP BY site_id", [run_id]):
        per_site.setdefault(row["site_id"] or "-", Counter())["failed"] = row["n"]
    errors = {r["error_kind"]: r["n"] for r in db.query(
        "SELECT error_kind, count(DISTINCT url) AS n FROM captures WHERE run_id = ? AND outcome = 'error' "
        "GROUP BY error_kind", [run_id])}
    refused: dict[str, dict[str, int]] = {}
    for row in db.query("SELECT site_id, error_kind, count(DISTINCT url) AS n FROM captures WHERE run_id = ? "
                        "AND outcome = 'refused' GROUP BY site_id, error_kind ORDER BY site_id, error_kind", [run_id]):
        refused.setdefault(row["site_id"] or "-", {})[row["error_kind"]] = row["n"]
    totals = Counter()
    for c in per_site.values():
        totals.update(c)
    return {"run_id": run_id,
            "refused": refused,
            "totals": {k: totals.get(k, 0) for k in ("new", "changed", "unchanged", "failed")},
            "sites": {s: {k: c.get(k, 0) for k in ("new", "changed", "unchanged", "failed")}
                      for s, c in sorted(per_site.items())},
            "errors": errors}


def add_not_due(summary: dict, counts: dict, full: bool = False) -> None:
    """The URLs the revisit policy held back this run, per site and in total (0 with --full)."""
    total = 0
    for site, c in counts.items():
        n = c.get("not_due", 0)
        total += n
        if n:
            summary["sites"].setdefault(site, {k: 0 for k in ("new", "changed", "unchanged", "failed")})["not_due"] = n
    for c in summary["sites"].values():
        c.setdefault("not_due", 0)
    summary["totals"]["not_due"] = total
    summary["full"] = full


def summary_json(summary: dict) -> str:
    return json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True)
