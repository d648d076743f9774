"""The discover spider: from a portal's pages to its report columns, within the given hosts, bounded.

It walks menus best-first (links whose text or URL looks like the way to a 年报 column first), judges
every page with scraper.discover, and pages through each column it finds so the years and publishers are
complete. Bounds are Scrapy's own (DEPTH_LIMIT, CLOSESPIDER_PAGECOUNT, CLOSESPIDER_TIMEOUT) plus two of its
own against traps: links taken per page, and query-string variants per path (an endless calendar).
Nothing is archived: discovery proposes registry entries, the nightly crawl archives.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from urllib.parse import urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import FormRequest, Request

from scraper import discover as D
from scraper import navigation as nav
from scraper import urlguard
from scraper.spiders.reports import decode_body


def host_of(url: str) -> str:
    return (urlsplit(url).netloc or "").lower()


def allowed(url: str, hosts: set[str]) -> bool:
    """The crawler's one URL guard (scraper/urlguard.py), with the given hosts as the registry."""
    return urlguard.check(url, hosts) is None


class DiscoverGuardMiddleware:
    """Every request, redirects included, stays on the given hosts over http(s); refusals are counted."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        spider = spider or self.crawler.spider
        refusal = urlguard.check(request.url, spider.hosts)
        if refusal is not None:
            spider.refused[request.url] = refusal.message
            raise IgnoreRequest(refusal.message)
        if spider.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = spider.proxy
        return None


class DiscoverSpider(scrapy.Spider):
    name = "discover"

    def __init__(self, urls: list[str], proxy: str | None = None, max_links_per_page: int = 300,
                 max_variants_per_path: int = 5, max_column_pages: int = 30, follow: bool = True,
                 max_requests: int = 500, **kwargs) -> None:
        super().__init__(**kwargs)
        # `scrapy crawl discover -a urls=URL,URL` (or Scrapyd) hands a string
        self.urls = [u for u in urls.split(",") if u] if isinstance(urls, str) else list(urls)
        self.hosts = {k for u in self.urls for k in urlguard.host_keys(u)}
        self.proxy = proxy
        self.max_links_per_page = max_links_per_page
        self.max_variants_per_path = max_variants_per_path
        self.max_column_pages = max_column_pages
        #: requests this spider makes at most (Scrapy's page count closes the spider only after the requests
        #: in flight are answered: this bound holds exactly)
        self.max_requests = max_requests
        self._requested = 0
        #: False for `registry check`: judge the given listings only, follow no menu links
        self.follow = follow
        #: url -> Column found
        self.columns: dict[str, D.Column] = {}
        #: url -> why it is not a column (only pages that looked promising: a refused decoy, say)
        self.rejected: dict[str, str] = {}
        #: url -> reason a request was refused (off-host, scheme)
        self.refused: dict[str, str] = {}
        #: url -> error of a failed fetch (HTTP status, timeout)
        self.failed: dict[str, str] = {}
        self.site_names: dict[str, str] = {}
        self.counts: Counter = Counter()
        self._variants: dict[str, set[str]] = defaultdict(set)
        self._scheduled: set[str] = set()

    async def start(self):
        for url in self.urls:
            if not allowed(url, self.hosts):
                self.refused[url] = "not http(s)"
                continue
            self._requested += 1
            self._scheduled.add(url)
            yield Request(url, callback=self.parse_page, errback=self.on_error, priority=100,
                          meta={"discover_home": True})

    # -- pages --------------------------------------------------------------------------------
    def parse_page(self, response):
        self.counts["pages"] += 1
        if not isinstance(response, scrapy.http.TextResponse):
            return
        text = decode_body(response)
        if response.meta.get("discover_home"):
            self.site_names.setdefault(host_of(response.url), D.site_name(text))
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        col, why = D.analyse_listing(text, response.url, response.body, ctype)
        links = D.listing_links(text, response.url)
        if col is not None:
            self.columns[response.url] = col
            yield from self._page_through(col, text, links, response)
            return
        if why.startswith("年报 of bodies") or not self.follow:
            self.rejected[response.url] = why
        if self.follow:
            yield from self._follow_links(links, response)

    def _follow_links(self, links, response):
        ranked = []
        for url, text in links:
            url = url.split("#", 1)[0]
            if not allowed(url, self.hosts):
                if urlsplit(url).scheme in ("http", "https"):
                    self.counts["offsite_links"] += 1
                continue
            score = D.link_priority(text, url)
            if score == 0 or D.is_report_title(text):
                continue  # a report page is not a column: its column is found through the listing
            ranked.append((score, url))
        ranked.sort(key=lambda p: -p[0])
        if len(ranked) > self.max_links_per_page:
            self.counts["links_cut"] += len(ranked) - self.max_links_per_page
            ranked = ranked[:self.max_links_per_page]
        for score, url in ranked:
            if not self._schedule(url):
                continue
            yield Request(url, callback=self.parse_page, errback=self.on_error, priority=score)

    def _budget(self) -> bool:
        """Take one request from the budget; False (and counted) when it is spent."""
        if self._requested >= self.max_requests:
            self.counts["budget_cut"] += 1
            return False
        self._requested += 1
        return True

    def _schedule(self, url: str) -> bool:
        """False for a URL already scheduled, or one more query variant of a path that has had enough."""
        if url in self._scheduled:
            return False
        parts = urlsplit(url)
        key = f"{parts.netloc}{parts.path}"
        variants = self._variants[key]
        if parts.query and len(variants) >= self.max_variants_per_path:
            self.counts["variants_cut"] += 1
            return False
        if not self._budget():
            return False
        variants.add(parts.query)
        self._scheduled.add(url)
        return True

    # -- columns: page through to see every year and publisher ---------------------------------
    def _page_through(self, col: D.Column, text: str, links, response):
        follows = D.pagination(text, response.url, links)[: self.max_column_pages]
        if len(follows) >= self.max_column_pages:
            col.evidence.append(f"only the first {self.max_column_pages} listing pages were read")
        for f in follows:
            if not allowed(f.url, self.hosts):
                continue
            meta = {"column": col.url, "list_kind": f.kind}
            key = f.url + "|" + "&".join(f"{k}={v}" for k, v in sorted(f.formdata.items()))
            if key in self._scheduled or not self._budget():
                continue
            self._scheduled.add(key)
            if f.method == "POST":
                yield FormRequest(f.url, formdata=f.formdata, callback=self.parse_column_page,
                                  errback=self.on_error, meta=meta, priority=60, dont_filter=True)
            else:
                self._scheduled.add(f.url)
                yield Request(f.url, callback=self.parse_column_page, errback=self.on_error, meta=meta,
                              priority=60)

    def parse_column_page(self, response):
        self.counts["pages"] += 1
        col = self.columns.get(response.meta["column"])
        if col is None:
            return
        kind = response.meta.get("list_kind", "html")
        if kind == "json":
            items = [(urljoin(response.url, u), t) for u, t in nav.json_items(response.body)]
        else:
            text = decode_body(response)
            if kind == "hanweb-xml":
                items = []
                for snippet in nav.hanweb_records(text):
                    items += D._anchors(Selector(text=snippet), response.url)
            else:
                items = D.listing_links(text, response.url)
        col.links.update(u for u, _ in items)
        for url, title in items:
            if D.is_report_title(title) and url not in col.reports and not nav.is_attachment(url):
                col.reports[url] = title
                if nav.is_list_item(url, col.url) or "/art/" in url:
                    col.own += 1
        col.pages_read += 1

    def on_error(self, failure):
        request = failure.request
        response = getattr(failure.value, "response", None)
        if response is not None:
            self.failed[request.url] = f"HTTP {response.status}"
        elif failure.check(IgnoreRequest):
            return
        else:
            self.failed[request.url] = type(failure.value).__name__


def discover_settings(max_pages: int, max_depth: int, max_seconds: float, delay: float, timeout: float = 20):
    """scraper/settings.py's politeness (robots.txt, per-domain concurrency, AutoThrottle), the discover
    guard instead of the archive's capture, and Scrapy's own bounds on pages, depth and time."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.set("DOWNLOADER_MIDDLEWARES", {"scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
                                            "scraper.spiders.discover.DiscoverGuardMiddleware": 50}, priority="cmdline")
    settings.set("USER_AGENT", settings.get("USER_AGENT") + " discover", priority="cmdline")
    settings.set("DEPTH_LIMIT", max_depth, priority="cmdline")
    settings.set("CLOSESPIDER_PAGECOUNT", max_pages, priority="cmdline")
    settings.set("CLOSESPIDER_TIMEOUT", max_seconds, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", delay > 0, priority="cmdline")
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 2 if delay > 0 else 8, priority="cmdline")
    settings.set("DOWNLOAD_TIMEOUT", timeout, priority="cmdline")
    settings.set("RETRY_TIMES", 0, priority="cmdline")
    settings.set("DOWNLOAD_MAXSIZE", 8 * 1024 * 1024, priority="cmdline")
    return settings


def run_discovery(urls: list[str], *, proxy: str | None = None, max_pages: int = 500, max_depth: int = 6,
                  max_seconds: float = 300, delay: float = 0.5, follow: bool = True,
                  max_links_per_page: int = 300) -> tuple[DiscoverSpider, dict]:
    """Run the discover spider once in this process; (the spider with its findings, Scrapy's stats)."""
    from scrapy.crawler import CrawlerProcess

    settings = discover_settings(max_pages, max_depth, max_seconds, delay)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DiscoverSpider)
    process.crawl(crawler, urls=urls, proxy=proxy, follow=follow, max_links_per_page=max_links_per_page,
                  max_requests=max_pages)
    process.start()
    return crawler.spider, crawler.stats.get_stats()
