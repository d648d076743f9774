"""The archive's downloader middleware: every response archived byte-for-byte as Scrapy receives it.

Wired into the crawler by its dotted path (scraper/settings.py DOWNLOADER_MIDDLEWARES, last before the
network, so it sees raw bytes before decompression and redirects). It writes through the run's store
(the CrawlContext the spider carries): archive.store.Archive, or a distributed worker's RemoteArchive.
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from scraper.middlewares import WithCrawler, run_context


def header_list(headers: Headers) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        k = key.decode("latin-1")
        for v in values:
            out.append((k, v.decode("latin-1")))
    return out



class CaptureMiddleware(WithCrawler):
    """Archives every response byte-for-byte (before decompression and redirects) and makes the
    crawl incremental: conditional requests, revisits for unchanged pages, and, when resuming an
    interrupted run, answers for URLs already captured in it straight from the archive."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.fingerprinter = crawler.request_fingerprinter
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_closed(self, spider=None):
        ctx = run_context(self.crawler)
        if ctx is not None:
            ctx.archive.flush()

    def _stored(self, ctx, url: str, warc_file: str, offset: int, request):
        rec = ctx.archive.read_capture(warc_file, offset)
        headers = Headers(rec.headers)
        cls = responsetypes.from_args(headers=headers, url=url, body=rec.body)
        return cls(url=url, status=rec.status, headers=headers, body=rec.body, request=request, flags=["archived"])

    def process_request(self, request, spider=None):
        ctx = run_context(self.crawler)
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
        ctx = run_context(self.crawler)
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
