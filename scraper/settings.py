"""Scrapy settings: the one place for politeness, timeouts and the middleware order."""

from pipeline.limits import LIMITS as _LIMITS

BOT_NAME = "gongkai"
SPIDER_MODULES = ["scraper.spiders"]
NEWSPIDER_MODULE = "scraper.spiders"

# Identify the crawler and obey robots.txt.
USER_AGENT = "gongkai/0.1 (+https://github.com/gongkai/gongkai; transparency research archive)"
ROBOTSTXT_OBEY = True

# Politeness: few parallel requests per site, a delay, and AutoThrottle backing off when a site slows.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% around DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Bad input must end as a recorded error, not a hung or crashed run.
DOWNLOAD_TIMEOUT = 30
# a response past LIMITS.max_bytes is cancelled and recorded as a too_large error capture; Scrapy applies the
# same cap to a decompressed body, so no gzip bomb reaches the spider's parser
DOWNLOAD_MAXSIZE = _LIMITS.max_bytes
DOWNLOAD_WARNSIZE = _LIMITS.max_bytes // 4
DOWNLOAD_FAIL_ON_DATALOSS = False  # keep truncated bytes (archived, flagged) instead of dropping them
RETRY_ENABLED = True
RETRY_TIMES = 1
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
# Crawls that end: caps for every pagination style ([crawl] max_listing_pages / max_site_requests in
# the registry override them). Past the listing cap a listing stops (recorded, kind listing_cap); past
# the site cap the site's night ends, its pending requests dropped (recorded, kind crawl_cap).
GONGKAI_MAX_LISTING_PAGES = 1000  # pages of one listing (TRS, Hanweb ranges, JSON pages, 下一页 chains)
GONGKAI_MAX_SITE_REQUESTS = 50_000  # requests to one site in one night (all roles, retries, redirects)
# A spider started by Scrapyd or `scrapy crawl reports -a sites=FILE` opens its run with this function
# (dotted path: the crawler never imports the archive that stores what it fetches)
GONGKAI_RUN_OPENER = "archive.nightly.open_spider_run"
METAREFRESH_ENABLED = False  # the spider follows meta-refresh and JS stubs itself, as report links

# the seen set on disk (SQLite), not a Python set that grows with the crawl: scraper/dupefilter.py
DUPEFILTER_CLASS = "scraper.dupefilter.SQLiteDupeFilter"

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "ERROR"  # failures are in the run summary; the log keeps errors only
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

# Defence in depth behind the URL guard: only http(s) can be downloaded at all.
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}

DOWNLOADER_MIDDLEWARES = {
    # first, in the place of Scrapy's OffsiteMiddleware (redirects re-enter here): the URL guard
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scraper.middlewares.HostGuardMiddleware": 50,
    # the sample web (and any site behind a proxy) is reached through the registry's proxy
    "scraper.middlewares.RegistryProxyMiddleware": 90,
    # last before the network: the archive's capture of raw bytes, before decompression and redirects
    "archive.capture.CaptureMiddleware": 950,
}

# Speed of the crawl phase (issue 15 item 4; profiled with bench/profile.py): Scrapy starts CONCURRENT_ITEMS
# asyncio tasks for the output of *every* response (default 100) — our callbacks yield a few requests and
# captures each, so 100 tasks per page were 15% of the crawl's CPU; and its generator-return check
# parses the callback's source with `ast` on every response (the cache misses on bound methods): 4%.
CONCURRENT_ITEMS = 8
WARN_ON_GENERATOR_RETURN_VALUE = False
