"""Run the real `gongkai` CLI (same arguments) with a probe that records what the JSON summary does not:
the peak RSS at the end of the crawl phase and of the whole process, and Scrapy's stats (bytes, 304s).

Usage: GONGKAI_BENCH_PROBE=out.json python bench/probe.py crawl --sites ... --db ... --json
With GONGKAI_BENCH_CRAWL_ONLY=1 the run is closed right after the crawl phase (no extraction, no checks):
used for the memory figure of large crawls, whose extraction would not fit the benchmark's time budget.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def status_kb(field: str) -> int:
    """A /proc/self/status figure in kB (VmHWM = peak RSS so far, VmRSS = current)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main(argv: list[str]) -> None:
    from scrapy.crawler import CrawlerProcess

    import archive.nightly as nightly
    import archive.runreport as runreport

    out_path = os.environ["GONGKAI_BENCH_PROBE"]
    crawl_only = os.environ.get("GONGKAI_BENCH_CRAWL_ONLY") == "1"
    record: dict = {"crawl_only": crawl_only}
    crawlers: list = []
    orig_create, orig_close = CrawlerProcess.create_crawler, nightly.close_run

    wire = {"body_bytes": 0}

    def on_bytes(data, request, spider):
        wire["body_bytes"] += len(data)

    def create_crawler(self, *args, **kwargs):
        from scrapy import signals

        crawler = orig_create(self, *args, **kwargs)
        crawlers.append(crawler)
        # bytes as received from the network: Scrapy's downloader/response_bytes is counted after
        # CaptureMiddleware, which hands the spider the archived copy of a 304 (so it would count it)
        crawler.signals.connect(on_bytes, signal=signals.bytes_received)
        return crawler

    def close_run(ctx, crawl_seconds=None):
        record["crawl_seconds"] = crawl_seconds
        record["crawl_peak_rss_kb"] = status_kb("VmHWM")
        record["crawl_end_rss_kb"] = status_kb("VmRSS")
        if crawlers:
            stats = crawlers[-1].stats.get_stats()
            record["scrapy"] = {k: v for k, v in stats.items() if isinstance(v, int | float | str)}
        record["wire_body_bytes"] = wire["body_bytes"]
        t0 = time.monotonic()
        if crawl_only:
            ctx.archive.flush()
            summary = runreport.run_summary(ctx.archive.db, ctx.run_id)
            summary.update({"crawl_seconds": round(crawl_seconds or 0.0, 2), "extracted": 0, "crawl_only": True})
            ctx.archive.finish_run(ctx.run_id, "finished", summary)
            ctx.archive.close()
        else:
            summary = orig_close(ctx, crawl_seconds)
        record["close_seconds"] = time.monotonic() - t0
        return summary

    CrawlerProcess.create_crawler = create_crawler
    nightly.close_run = close_run
    record["start_rss_kb"] = status_kb("VmRSS")
    from archive.cli import main as gongkai_main

    try:
        gongkai_main(argv)
    finally:
        record["peak_rss_kb"] = status_kb("VmHWM")
        Path(out_path).write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
