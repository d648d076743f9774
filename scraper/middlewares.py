"""Downloader middlewares of the crawler itself: the URL guard and the registry's proxy.

The raw capture into the archive is the archive's middleware (archive/capture.py), wired by its dotted path
in DOWNLOADER_MIDDLEWARES: the crawler never imports the archive."""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest

log = logging.getLogger(__name__)


def run_context(crawler):
    spider = getattr(crawler, "spider", None)
    return getattr(spider, "context", None)


class WithCrawler:
    """Keeps the crawler: the run's context hangs on its spider (Scrapy no longer passes the spider)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class HostGuardMiddleware(WithCrawler):
    """The URL guard where Scrapy checks offsite requests: every request (start, listing, entry,
    attachment, image, robots.txt, and each redirect, which re-enters the chain) must be http(s) on
    a registry host (scraper/urlguard.py). A refusal is recorded with its reason. Also the per-site
    request cap: past GONGKAI_MAX_SITE_REQUESTS the site's night ends and its pending requests drop."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.max_site_requests = crawler.settings.getint("GONGKAI_MAX_SITE_REQUESTS")

    def process_request(self, request, spider=None):
        ctx = run_context(self.crawler)
        if ctx is None:
            return None
        refusal = ctx.refusal(request.url)
        if refusal is not None:
            self.crawler.stats.inc_value(f"gongkai/refused/{refusal.reason}")
            chain = request.meta.get("redirect_urls") or []
            via = f"redirect from {chain[-1]}" if chain else request.meta.get("gongkai_referrer")
            ctx.record_refusal(refusal, request.meta.get("gongkai_site"), request.method, via=via)
            request.meta["gongkai_error_recorded"] = True
            raise IgnoreRequest(refusal.message)
        site = ctx.site_for(request.url)
        site_id = site.id if site else request.meta.get("gongkai_site")
        if site_id in ctx.capped:
            ctx.counts[site_id]["dropped"] += 1
            request.meta["gongkai_error_recorded"] = True
            raise IgnoreRequest(f"dropped: the night of site {site_id} ended ({ctx.capped[site_id]})")
        ctx.counts[site_id]["requests"] += 1
        if self.max_site_requests and ctx.counts[site_id]["requests"] > self.max_site_requests:
            ctx.end_site_night(site_id, request.url, request.method, "crawl_cap",
                               f"request cap reached: more than {self.max_site_requests} requests to site {site_id} "
                               "in one night (GONGKAI_MAX_SITE_REQUESTS / [crawl] max_site_requests); "
                               "the site's night ended, its pending requests were dropped")
            request.meta["gongkai_error_recorded"] = True
            raise IgnoreRequest(f"dropped: request cap of site {site_id} reached")
        return None


class RegistryProxyMiddleware(WithCrawler):
    """Routes requests through the registry's proxy (how the sample web is reached)."""

    def process_request(self, request, spider=None):
        ctx = run_context(self.crawler)
        proxy = ctx.registry.proxy if ctx is not None else None
        if proxy and "proxy" not in request.meta:
            request.meta["proxy"] = proxy
        return None
