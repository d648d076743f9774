"""The generic report spider: from each registry site's start URLs, follow the listing's pagination
(in the site's CMS style) to its last page, take the links whose titles are report titles, follow
redirect stubs, and download the reports' attachments. Navigation only: captures are archived by
archive.capture.CaptureMiddleware and parsed later by the pipeline."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import FormRequest, Request
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from pipeline.extract.html import decode_html
from pipeline.titles import is_report_title
from scraper import navigation as nav
from scraper import settings, urlguard
from scraper.context import CrawlContext

#: Scrapy's download exceptions (named, so older and newer Scrapy versions map alike)
_ERROR_KINDS = {"DownloadTimeoutError": "timeout", "DownloadConnectionRefusedError": "connection",
                "CannotResolveHostError": "dns", "DownloadCancelledError": "too_large",
                "ResponseDataLossError": "truncated", "DownloadFailedError": "connection",
                "ResponseNeverReceived": "connection", "ResponseFailed": "connection"}
_CHROME_IMG = re.compile(r"(^|/)(images?|img|static|style|css|skin|common)/|logo|banner|icon|qrcode|ewm|jiucuo", re.I)


def decode_body(response) -> str:
    """Page text by the project's one charset decoder (pipeline.extract.html.decode_html: BOM, valid
    UTF-8, the declared charset if the bytes fit it, else GB18030), so the spider reads a page's links
    as extraction later reads its text. The body is bounded by DOWNLOAD_MAXSIZE before it gets here."""
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
    return decode_html(response.body, ctype)[0]


def _links(sel: Selector) -> list[tuple[str, str]]:
    out = []
    for a in sel.css("a[href]"):
        href = a.attrib.get("href", "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        text = a.attrib.get("title") or " ".join(a.css("::text").getall())
        out.append((href, re.sub(r"\s+", "", text)))
    return out


class ReportsSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, context: CrawlContext | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.context = context
        self._owns_run = False
        #: listing root -> the pages of it requested (bounded by the listing cap)
        self._listing_pages: dict[str, set[str]] = {}
        self._capped_listings: set[str] = set()
        #: URLs the revisit policy held back this run (counted once each)
        self._not_due: set[str] = set()

    @property
    def max_listing_pages(self) -> int:
        crawler = getattr(self, "crawler", None)
        if crawler is None:  # a spider made only to list start requests (archive/worker.py seed)
            return settings.GONGKAI_MAX_LISTING_PAGES
        return crawler.settings.getint("GONGKAI_MAX_LISTING_PAGES")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        """Under `gongkai crawl` the run context is handed in; under Scrapyd or `scrapy crawl reports
        -a sites=FILE -a db=PATH` the spider opens (and at the end closes) the run itself."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.context is None and kwargs.get("sites"):
            spider._open_own_run(crawler, kwargs)
        return spider

    def _open_own_run(self, crawler, kwargs) -> None:
        """The run is opened by the function GONGKAI_RUN_OPENER names (the archive's; wired by dotted
        path so the crawler never imports the archive): it returns the context and a closer."""
        opener = load_object(crawler.settings.get("GONGKAI_RUN_OPENER"))
        self.context, self._close_run = opener(kwargs)
        self._owns_run = True
        crawler.signals.connect(self._close_own_run, signal=signals.spider_closed)

    def _close_own_run(self, spider=None, reason=None) -> None:
        summary = self._close_run()
        self.logger.info("run %s finished: %s", self.context.run_id, summary.get("totals"))

    # -- requests --------------------------------------------------------------------------------
    def _refused(self, url: str, site_id: str, referrer: str | None, method: str = "GET") -> bool:
        """True when url must not be requested: refused by the URL guard (recorded with its reason),
        or its site's night has ended (a crawl cap was reached)."""
        ctx = self.context
        if ctx is None:
            return False
        refusal = ctx.refusal(url)
        if refusal is not None:
            ctx.record_refusal(refusal, site_id, method, via=referrer)
            return True
        return site_id in ctx.capped

    def _due(self, url: str, role: str, site_id: str, title: str | None) -> bool:
        """The revisit policy the run was given (context.due): False holds an unchanged page back tonight."""
        due = self.context.due if self.context is not None else None
        if due is None or due(url, role, title):
            return True
        if url not in self._not_due:  # once per URL, however many listings link it
            self._not_due.add(url)
            self.context.counts[site_id]["not_due"] += 1
        return False

    def _held_links(self, url: str, site_id: str, depth: int = 0):
        """Requests for what a held-back URL led to last time that is due itself (checked the same way)."""
        links = self.context.known_links if self.context is not None else None
        if links is None or depth > 3 or url not in self._not_due:
            return
        for link, role in links(url):
            callback = self.parse_attachment if role in ("attachment", "image") else self.parse_report
            req = self._request(link, callback, role, site_id, referrer=url)
            if req is not None:
                yield req
            else:
                yield from self._held_links(link, site_id, depth + 1)

    def _request(self, url: str, callback, role: str, site_id: str, referrer: str | None = None, **meta):
        if self._refused(url, site_id, referrer) or not self._due(url, role, site_id, meta.get("listing_title")):
            return None
        m = {"gongkai_role": role, "gongkai_site": site_id, "gongkai_referrer": referrer, **meta}
        return Request(url, callback=callback, errback=self.on_error, meta=m)

    async def start(self):
        for req in self.start_requests_list():
            yield req

    def start_requests_list(self):
        ctx = self.context
        for site in (ctx.sites if ctx else []):
            for url in site.start_urls:
                req = self._request(url, self.parse_listing, "listing", site.id, style=site.style,
                                    listing_root=url)
                if req is not None:
                    if site.timeout:
                        req.meta["download_timeout"] = site.timeout
                    yield req

    def _follow(self, f: nav.Follow, response, role: str, callback):
        site_id = response.meta["gongkai_site"]
        if self._refused(f.url, site_id, response.url, f.method):
            return None
        if role == "listing_page" and not self._within_listing_cap(f, response, site_id):
            return None
        meta = {k: v for k, v in response.meta.items() if k in ("style", "listing_root", "download_timeout")}
        meta.update({"gongkai_role": role, "gongkai_site": site_id, "gongkai_referrer": response.url,
                     "list_kind": f.kind})
        if f.method == "POST":
            return FormRequest(f.url, formdata=f.formdata, callback=callback, errback=self.on_error, meta=meta)
        return Request(f.url, callback=callback, errback=self.on_error, meta=meta)

    def _within_listing_cap(self, f: nav.Follow, response, site_id: str) -> bool:
        """Pages per listing, whatever the pagination style: past the cap the listing stops, once
        recorded (error kind listing_cap) for the run report."""
        root = response.meta.get("listing_root") or response.url
        pages = self._listing_pages.setdefault(root, {root})
        key = f.url + ("?" + "&".join(f"{k}={v}" for k, v in sorted(f.formdata.items())) if f.formdata else "")
        if key in pages:
            return True
        cap = self.max_listing_pages
        if len(pages) < cap:
            pages.add(key)
            return True
        ctx = self.context
        if ctx is not None and root not in self._capped_listings:
            self._capped_listings.add(root)
            ctx.counts[site_id]["failed"] += 1
            ctx.archive.record_error(run_id=ctx.run_id, site_id=site_id, url=root, method="GET", fingerprint="",
                                     kind="listing_cap",
                                     message=f"listing cap reached: {root} has more than {cap} pages "
                                             "(GONGKAI_MAX_LISTING_PAGES / [crawl] max_listing_pages); "
                                             f"stopped after {cap}")
        return False

    # -- listings --------------------------------------------------------------------------------
    def parse_listing(self, response):
        kind = response.meta.get("list_kind", "html")
        style = response.meta.get("style", "generic")
        if kind == "json":
            items = [(urljoin(response.url, u), t) for u, t in nav.json_items(response.body)]
            yield from self._report_links(response, items, all_items=True)
            return
        text = decode_body(response)
        if kind == "hanweb-xml":
            items = []
            for snippet in nav.hanweb_records(text):
                items += [(urljoin(response.url, h), t) for h, t in _links(Selector(text=snippet))]
            yield from self._report_links(response, items, all_items=True)
            return
        sel = Selector(text=text)
        links = _links(sel)
        items = [(urljoin(response.url, h), t) for h, t in links]
        platforms = nav.platforms_for(style)  # the site's CMS platform, or every one for style generic
        for snippet in (s for p in platforms for s in p.records(text)):
            items += [(urljoin(response.url, h), t) for h, t in _links(Selector(text=snippet))]
        yield from self._report_links(response, items)
        # pagination: only from the column's first page, so each page is requested once
        follows: list[nav.Follow] = []
        if response.meta.get("gongkai_role") == "listing":
            limit = self.max_listing_pages + 1  # one past the cap: the listing cap sees (and records) it
            for platform in platforms:
                follows += platform.pages(text, response.url, limit)
        follows += nav.generic_pages(links, response.url)
        for f in follows:
            req = self._follow(f, response, "listing_page", self.parse_listing)
            if req is not None:
                yield req

    def _report_links(self, response, items, all_items: bool = False):
        """Report-titled links become reports; other entries of the column are archived as items (role
        "item"), so a report with an unusual title is still captured and classified by extraction."""
        site_id = response.meta["gongkai_site"]
        root = response.meta.get("listing_root") or response.url
        seen = set()
        for url, title in items:
            if url in seen:
                continue
            seen.add(url)
            if is_report_title(title):
                role = "report"
            elif all_items or nav.is_list_item(url, root) or nav.is_list_item(url, response.url):
                role = "item"
            else:
                continue
            req = self._request(url, self.parse_report, role, site_id, referrer=response.url,
                                listing_title=title, download_timeout=response.meta.get("download_timeout"))
            if req is not None:
                if req.meta.get("download_timeout") is None:
                    req.meta.pop("download_timeout")
                yield req
            else:
                yield from self._held_links(url, site_id)

    # -- report pages ----------------------------------------------------------------------------
    def parse_report(self, response):
        site_id = response.meta["gongkai_site"]
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if nav.is_attachment(response.url) or not ("html" in ctype or response.body[:200].lstrip().startswith(b"<")):
            return  # a report published directly as a document: archived, nothing to follow
        text = decode_body(response)
        target = nav.redirect_target(text, response.url)
        if target and target != response.url:
            req = self._request(target, self.parse_report, response.meta.get("gongkai_role", "report"), site_id,
                                referrer=response.url,
                                redirect_stub=response.url)
            if req is not None:
                yield req
            return
        sel = Selector(text=text)
        for href, name in _links(sel):
            url = urljoin(response.url, href)
            doc = nav.viewer_target(url) or (url if nav.is_attachment(url) else None)
            if not doc:
                continue
            if self.context is not None and self.context.refusal(doc) is None:
                self.context.archive.record_attachment(report_url=response.url, url=doc, name=name, site_id=site_id)
            req = self._request(doc, self.parse_attachment, "attachment", site_id, referrer=response.url)
            if req is not None:
                yield req
        # string-length in XPath is computed inside lxml: no Python list of every text node per page
        text_len = float(sel.xpath("string-length(normalize-space(//body))").get() or 0)
        if text_len < 400:
            # little text: the report may be published as images — archive them too (not the site's chrome)
            for src in sel.css("img::attr(src)").getall()[:50]:
                if _CHROME_IMG.search(src) or src.lstrip()[:5].lower() == "data:":
                    continue  # site chrome; an inline image is in the archived page already, no request
                req = self._request(urljoin(response.url, src), self.parse_attachment, "image", site_id,
                                    referrer=response.url)
                if req is not None:
                    yield req

    def parse_attachment(self, response):
        return None

    # -- errors ----------------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        ctx = self.context
        if ctx is None or request.meta.get("gongkai_error_recorded"):
            return
        site_id = request.meta.get("gongkai_site")
        exc = failure.value
        status = None
        if failure.check(HttpError):
            status = exc.response.status
            kind, message = f"http_{status}", f"HTTP {status} for {request.url}"
        elif failure.check(TimeoutError, TCPTimedOutError) or _ERROR_KINDS.get(type(exc).__name__) == "timeout":
            kind, message = "timeout", f"timed out after {request.meta.get('download_timeout')} s: {request.url}"
        elif failure.check(DNSLookupError) or type(exc).__name__ in _ERROR_KINDS:
            kind = _ERROR_KINDS.get(type(exc).__name__, "dns")
            message = f"{kind.replace('_', ' ')}: {exc} ({request.url})"
        elif failure.check(ConnectionRefusedError):
            kind, message = "connection", f"connection refused: {request.url}"
        elif failure.check(IgnoreRequest):
            text = str(exc)
            if "robots" in text.lower() or "Forbidden by robots.txt" in text:
                ctx.record_refusal(urlguard.Refusal(urlguard.ROBOTS, request.url,
                                                    f"refused (robots): {request.url} is disallowed by robots.txt"),
                                   site_id, request.method, fingerprint=request.meta.get("gongkai_fp", ""),
                                   via=request.meta.get("gongkai_referrer"))
                return
            # Scrapy's decompression past DOWNLOAD_MAXSIZE (a gzip bomb) is a too-large response too
            kind, message = ("too_large" if "exceeded DOWNLOAD_MAXSIZE" in text else "ignored"), text
        else:
            kind, message = type(exc).__name__.lower(), f"{type(exc).__name__}: {exc} ({request.url})"
            if "maxsize" in message.lower() or "cancelled" in message.lower():
                kind = "too_large"
        ctx.counts[site_id]["failed"] += 1
        ctx.archive.record_error(run_id=ctx.run_id, site_id=site_id, url=request.url, method=request.method,
                                 fingerprint=request.meta.get("gongkai_fp", ""), kind=kind, message=message,
                                 status=status)
