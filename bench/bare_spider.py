"""The baseline of the crawl figure: a bare Scrapy spider that fetches a given list of requests from the
same proxy with the same concurrency and timeouts as `gongkai crawl`, and stores nothing.

Usage: python bench/bare_spider.py REQUESTS.json --proxy URL [--concurrency 32] [--per-domain 8]
       [--timeout 5] [--retry-times 1]
REQUESTS.json is a list of {"url", "method", "body"} (what a gongkai run fetched). Prints one JSON object:
pages (responses received), failed, seconds (Scrapy start to finish), response_bytes, peak_rss_kb.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Request


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings: dict = {}

    def __init__(self, requests: list[dict], proxy: str, timeout: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.todo, self.proxy, self.timeout = requests, proxy, timeout
        self.pages = 0
        self.failed = 0

    async def start(self):
        for r in self.todo:
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if r["method"] == "POST" else {}
            yield Request(r["url"], method=r["method"], body=(r.get("body") or "").encode(), headers=headers,
                          callback=self.parse, errback=self.on_error, dont_filter=True,
                          meta={"proxy": self.proxy, "download_timeout": self.timeout,
                                "handle_httpstatus_all": True})

    def parse(self, response):
        self.pages += 1  # nothing parsed, nothing stored

    def on_error(self, failure):
        self.failed += 1


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("requests")
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--per-domain", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--retry-times", type=int, default=1)
    args = ap.parse_args(argv)
    with open(args.requests, encoding="utf-8") as f:
        todo = json.load(f)
    settings = {
        "CONCURRENT_REQUESTS": args.concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": args.per_domain,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
        "RETRY_ENABLED": True, "RETRY_TIMES": args.retry_times, "REDIRECT_ENABLED": False,
        "METAREFRESH_ENABLED": False, "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
        "DOWNLOAD_FAIL_ON_DATALOSS": False, "LOG_LEVEL": "ERROR",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    started = time.monotonic()
    process.crawl(crawler, requests=todo, proxy=args.proxy, timeout=args.timeout)
    process.start()
    seconds = time.monotonic() - started
    spider = crawler.spider
    out = {"pages": spider.pages, "failed": spider.failed, "seconds": round(seconds, 3),
           "response_bytes": crawler.stats.get_value("downloader/response_bytes", 0),
           "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
