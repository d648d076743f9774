"""Downloader middlewares: host guard, registry proxy, and raw capture into the archive."""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

log = logging.getLogger(__name__)


def _context(crawler):
    spider = getattr(crawler, "spider", None)
    return getattr(spider, "context", None)


def header_list(headers: Headers) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        k = key.decode("latin-1")
        for v in values:
            out.append((k, v.decode("latin-1")))
    return out


class _WithCrawler:
    """Keeps the crawler: the run's context hangs on its spider (Scrapy no longer passes the spider)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class HostGuardMiddleware(_WithCrawler):
    """The URL guard where Scrapy checks offsite requests: every request (start, listing, entry,
    attachment, image, robots.txt, and each redirect, which re-enters the chain) must be http(s) on
    a registry host (scraper/urlguard.py). A refusal is recorded with its reason. Also the per-site
    request cap: past GONGKAI_MAX_SITE_REQUESTS the site's night ends and its pending requests drop."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.max_site_requests = crawler.settings.getint("GONGKAI_MAX_SITE_REQUESTS")

    def process_request(self, request, spider=None):
        ctx = _context(self.crawler)
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


class RegistryProxyMiddleware(_WithCrawler):
    """Routes requests through the registry's proxy (how the sample web is reached)."""

    def process_request(self, request, spider=None):
        ctx = _context(self.crawler)
        proxy = ctx.registry.proxy if ctx is not None else None
        if proxy and "proxy" not in request.meta:
            request.meta["proxy"] = proxy
        return None


class CaptureMiddleware(_WithCrawler):
    """Archives every response byte-for-byte (before decompression and redirects) and makes the
    crawl incremental: conditional requests, revisits for unchanged pages, and, when resuming an
    interrupted run, answers for URLs already captured in it straight from the archive."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.fingerprinter = crawler.request_fingerprinter
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_closed(self, spider=None):
        ctx = _context(self.crawler)
        if ctx is not None:
            ctx.archive.flush()

    def _stored(self, ctx, url: str, warc_file: str, offset: int, request):
        rec = ctx.archive.read_capture(warc_file, offset)
        headers = Headers(rec.headers)
        cls = responsetypes.from_args(headers=headers, url=url, body=rec.body)
        return cls(url=url, status=rec.status, headers=headers, body=rec.body, request=request, flags=["archived"])

    def process_request(self, request, spider=None):
        ctx = _context(self.crawler)
        if ctx is None:
            return None
        fp = self.fingerprinter.fingerprint(request).hex()
        request.meta["gongkai_fp"] = fp
        done = ctx.done.get(fp)
        if done is not None:
            site = ctx.site_for(request.url)
            ctx.counts[site.id if site else "-"]["resumed"] += 1
            request.meta["gongkai_outcome"] = "resumed"
            return self._stored(ctx, request.url, done.warc_file, done.warc_offset, request)
        if request.method == "GET":
            latest = ctx.archive.latest(request.url)
            if latest is not None and latest.status == 200:
                if latest.etag and b"If-None-Match" not in request.headers:
                    request.headers[b"If-None-Match"] = latest.etag
                if latest.last_modified and b"If-Modified-Since" not in request.headers:
                    request.headers[b"If-Modified-Since"] = latest.last_modified
        return None

    def process_response(self, request, response, spider=None):
        ctx = _context(self.crawler)
        if ctx is None or "archived" in response.flags:
            return response
        site = ctx.site_for(response.url)
        site_id = site.id if site else None
        role = request.meta.get("gongkai_role", "other")
        fp = request.meta.get("gongkai_fp") or self.fingerprinter.fingerprint(request).hex()
        reason = ""
        if "dataloss" in response.flags:
            ctx.archive.record_error(run_id=ctx.run_id, site_id=site_id, url=request.url, method=request.method,
                                     fingerprint=fp, kind="truncated", status=response.status,
                                     message=f"truncated body: got {len(response.body)} bytes, fewer than announced")
            ctx.counts[site_id or "-"]["failed"] += 1
            request.meta["gongkai_error_recorded"] = True
            raise IgnoreRequest(f"truncated response from {request.url}")
        outcome, page = ctx.archive.record_response(
            run_id=ctx.run_id, site_id=site_id, role=role, url=request.url, method=request.method,
            fingerprint=fp, status=response.status, reason=reason, headers=header_list(response.headers),
            body=response.body, request_headers=header_list(request.headers), request_body=request.body or b"",
            referrer=request.meta.get("gongkai_referrer"))
        request.meta["gongkai_outcome"] = outcome
        if response.status < 300 or response.status == 304:
            ctx.counts[site_id or "-"][outcome] += 1
        if response.status == 304:
            # the spider still needs the page to navigate: hand it the archived copy
            return self._stored(ctx, request.url, page.warc_file, page.warc_offset, request)
        if 300 <= response.status < 400 and b"Location" in response.headers:
            target = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
            chain = [*request.meta.get("redirect_urls", []), request.url]
            refusal = ctx.refusal(target)
            if refusal is not None:
                # Scrapy would hand a redirect to file:// back as a plain 3xx: refuse (and record) it here
                ctx.record_refusal(refusal, request.meta.get("gongkai_site") or site_id, request.method,
                                   via=f"redirect from {request.url}")
                request.meta["gongkai_error_recorded"] = True
                raise IgnoreRequest(refusal.message)
            if target in chain:
                ctx.archive.record_error(run_id=ctx.run_id, site_id=site_id, url=chain[0], method=request.method,
                                         fingerprint=fp, kind="redirect_loop", status=response.status,
                                         message="redirect loop: " + " -> ".join([*chain, target]))
                ctx.counts[site_id or "-"]["failed"] += 1
                request.meta["gongkai_error_recorded"] = True
                raise IgnoreRequest(f"redirect loop at {request.url}")
        return response
