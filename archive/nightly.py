"""The nightly job: lock, crawl every enabled site, extract new and changed reports, run the checks,
and summarise the run. Resumes an interrupted run instead of starting over."""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from archive.checking import run_checks
from archive.config import Paths, resolve_paths, scrapy_settings
from archive.extracting import extract_pending
from archive.lock import CrawlLock
from archive.revisit import RevisitPolicy, record_run
from archive.runreport import add_not_due, run_summary
from archive.store import Archive, now_iso
from scraper.context import CrawlContext
from scraper.registry import Registry, load_registry
from scraper.spiders.reports import ReportsSpider


@dataclass
class RunResult:
    run_id: int
    resumed: bool
    status: str
    summary: dict = field(default_factory=dict)


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
    sites = registry.enabled(tuple(only or ()))
    archive = Archive(paths)
    archive.upsert_sites(sites)
    run_id, resumed = archive.start_run(str(registry.path or ""), [s.id for s in sites])
    done = archive.done_in_run(run_id) if resumed else {}
    policy = RevisitPolicy(archive.db, as_of or date.today(), full=full)
    return CrawlContext(archive=archive, run_id=run_id, registry=registry, sites=sites, done=done, resumed=resumed,
                        due=policy, known_links=policy.links)


def open_spider_run(args: dict):
    """A run for a spider started without `gongkai crawl` (Scrapyd, `scrapy crawl reports -a sites=FILE
    -a db=PATH`): the spider finds this function by its dotted path (GONGKAI_RUN_OPENER in
    scraper/settings.py). Takes the crawl lock and opens the run; returns the context and a closer that
    closes the run (its summary) and releases the lock."""
    registry = load_registry(args["sites"])
    if args.get("proxy"):
        registry = replace(registry, proxy=args["proxy"])
    paths = resolve_paths(args.get("db"), args.get("archive"))
    lock = CrawlLock(paths.lock_file)
    lock.acquire()
    only = [s for s in (args.get("only") or "").split(",") if s]
    ctx = open_run(paths, registry, only)

    def close() -> dict:
        try:
            return close_run(ctx)
        finally:
            lock.release()

    return ctx, close


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
    """Run the rules over the archive (pipeline/checks + archive/flags) for the publishers this run changed."""
    return run_checks(db, registry.path, as_of or date.today(), run_id=run_id, changed_in_run=True)


