"""A crawl worker on a shared Redis frontier: the ReportsSpider and its middlewares, fed by scrapy-redis.

What scrapy-redis does: the scheduler queue and the duplicate filter live in Redis, so any number of
worker processes share one frontier and never fetch a request twice. What is added here, because
scrapy-redis has no acknowledgement and the archive must lose nothing:

- LeasedQueue pops a request into a lease (archive/distributed.py); the lease is acknowledged only
  after the worker pushed the captures of that request (RemoteArchive.flush), so a killed worker's
  requests return to the queue when their lease expires, and are fetched by another worker.
- LeasedScheduler marks a request seen in the shared duplicate filter and queues it in one step
  (scrapy-redis: two round trips; a worker killed between them lost the request for the run, because the
  worker re-running the callback found it "seen"); a retry or redirect takes over its lease in that step.
- RemoteArchive writes WARC records exactly as the single-process Archive does (same code) into the
  shared archive folder, but sends the rows to Redis for the one archiver instead of to SQLite.
- A request handed out again after its lease expired, whose capture the dead worker had already pushed,
  is answered from the archive (the single-process resume path, CrawlContext.done), not fetched again.
- SharedRobotsTxtMiddleware fetches each host's robots.txt once per run, for all workers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict, deque
from dataclasses import replace
from pathlib import Path

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.request import fingerprint
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from archive import distributed as dist
from archive.config import Paths, scrapy_settings
from archive.store import LATEST_CACHE, Archive, Done, PageState
from archive.warc import WarcStore
from scraper.context import CrawlContext
from scraper.registry import parse_registry
from scraper.spiders.reports import ReportsSpider

log = logging.getLogger(__name__)
LEASE_META = "gongkai_lease"


class Leases:
    """The leases one worker holds: renewed by its heartbeat, acknowledged by its archive flush."""

    def __init__(self, wid: str) -> None:
        self.wid = wid
        self._n = 0
        self._held: set[str] = set()
        self._finished: set[str] = set()

    def new_id(self) -> str:
        self._n += 1
        return f"{self.wid}:{self._n}"

    def take(self, lease: str) -> None:
        self._held.add(lease)

    def drop(self, lease: str) -> None:
        """The lease was acknowledged in Redis (handed over to a queued retry or redirect)."""
        self._held.discard(lease)
        self._finished.discard(lease)

    def finish(self, lease: str | None) -> None:
        """The request's work is done (callback ran, or a follow-up request was queued)."""
        if lease in self._held:
            self._finished.add(lease)

    def pop_finished(self) -> list[str]:
        done = sorted(self._finished)
        self._held -= self._finished
        self._finished = set()
        return done

    def held(self) -> list[str]:
        return sorted(self._held)

    def unfinished(self) -> list[str]:
        return sorted(self._held - self._finished)


class RemoteArchive(Archive):
    """Archive for a worker: WARC files of its own in the shared folder, rows pushed to Redis.

    record_response / record_error / record_attachment are the single-process code unchanged (so a
    capture is written as response or revisit by the same rules); only the state it compares with
    (the run's snapshot of the latest versions, in Redis) and where the rows go differ."""

    def __init__(self, archive_dir: Path, r, keys: dist.RunKeys, leases: Leases, lease_seconds: float) -> None:
        # no super().__init__: a worker has no SQLite file
        self.paths = Paths(db=Path(archive_dir) / "(archiver)", archive=Path(archive_dir))
        self.db = None  # type: ignore[assignment]
        self.r, self.keys, self.leases, self.lease_seconds = r, keys, leases, lease_seconds
        self._warc: WarcStore | None = None
        self._pages: list[dict] = []
        self._captures: list[dict] = []
        self._attachments: list[dict] = []
        self._last_flush = time.monotonic()
        #: versions this worker made in this run, the most recent LATEST_CACHE of them (bounded: past them the
        #: run's snapshot in Redis answers; the archiver decides the real versions against SQLite anyway)
        self._latest: OrderedDict[str, PageState] = OrderedDict()
        self._next_page_id = 1  # local ids: the archiver assigns the real ones
        self._batches = 0
        #: request fingerprint -> the delivery (hash of the leased bytes) it is being fetched under
        self.deliveries: dict[str, str] = {}
        self._delivered: dict[str, str] = {}
        self.pushed = 0
        self.closed = False
        self._recording = False

    @property
    def warc(self) -> WarcStore:
        if self._warc is None:
            # the host in the name: several machines write into one shared folder
            self._warc = WarcStore(self.paths.warc_dir, prefix=f"gongkai-{self.leases.wid.split(':')[0]}")
        return self._warc

    def latest(self, url: str) -> PageState | None:
        if url in self._latest:
            self._latest.move_to_end(url)
            return self._latest[url]
        raw = self.r.hget(self.keys.latest, url)
        return PageState(**json.loads(raw)) if raw else None

    def _new_version(self, url: str, page: PageState) -> None:
        self._latest[url] = page
        self._latest.move_to_end(url)
        if len(self._latest) > LATEST_CACHE:
            self._latest.popitem(last=False)

    def record_response(self, **kwargs) -> tuple[str, PageState]:
        # no flush between the capture and its delivery record: they must reach Redis in one batch (a
        # capture pushed without it, its worker killed, is fetched again and archived twice)
        self._recording = True
        try:
            outcome, page = super().record_response(**kwargs)
        finally:
            self._recording = False
        delivery = self.deliveries.pop(kwargs["fingerprint"], None)
        if delivery is not None:
            self._delivered[delivery] = json.dumps({"page_id": page.id, "status": kwargs["status"],
                                                    "warc_file": page.warc_file, "warc_offset": page.warc_offset})
        self._maybe_flush()
        return outcome, page

    def _maybe_flush(self) -> None:
        if not self._recording:
            super()._maybe_flush()

    def flush(self) -> None:
        """Make the WARC bytes durable, push the rows as one batch, then acknowledge finished leases."""
        self._last_flush = time.monotonic()
        if self.closed:
            return
        done = self.leases.pop_finished()
        if self._pages or self._captures or self._attachments:
            if self._warc is not None:
                self._warc.sync()
            pages = {p["id"]: p for p in self._pages}
            captures = [{**c, "page": pages.get(c.get("page_id")) if c["outcome"] in ("new", "changed") else None}
                        for c in self._captures]
            self._batches += 1
            batch = {"id": f"{self.leases.wid}:{self._batches}", "captures": captures,
                     "attachments": self._attachments}
            pipe = self.r.pipeline(transaction=True)
            pipe.lpush(self.keys.captures, json.dumps(batch, ensure_ascii=False))
            if self._delivered:
                pipe.hset(self.keys.delivered, mapping=self._delivered)
            pipe.execute()
            self.pushed += len(captures)
            self._pages, self._captures, self._attachments, self._delivered = [], [], [], {}
        dist.acknowledge(self.r, self.keys, done)

    def close(self) -> None:
        if self.closed:
            return
        self.flush()
        if self._warc is not None:
            self._warc.close()
        self.closed = True


def _remote(spider) -> RemoteArchive | None:
    ctx = getattr(spider, "context", None)
    archive = getattr(ctx, "archive", None)
    return archive if isinstance(archive, RemoteArchive) else None


class OneShotDone(dict):
    """CrawlContext.done for workers: a redelivered request is answered from the archive once; a retry
    of it (a new delivery) is fetched, as in a single process."""

    def get(self, key, default=None):
        return self.pop(key, default)


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared duplicate filter, with Scrapy's own request fingerprint (the one the
    archive stores), so the set of distinct requests is the single-process crawl's."""

    def request_fingerprint(self, request) -> str:
        return fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        """Keep the set: other workers still use it (the run's keys expire after the run)."""


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop moves the request into a lease (see module doc)."""

    def push_new(self, request, keys: dist.RunKeys, handover: str | None = None) -> bool:
        """Queue the request unless already seen, marking it seen in the same step (dist.queue_new)."""
        fp = None if request.dont_filter else fingerprint(request).hex()
        return dist.queue_new(self.server, keys, fp, -request.priority, self._encode_request(request), handover)

    def pop(self, timeout: int = 0):
        archive = _remote(self.spider)
        if archive is None:
            return super().pop(timeout)
        lease = archive.leases.new_id()
        data = dist.pop_leased(self.server, archive.keys, lease, archive.lease_seconds)
        if data is None:
            return None
        archive.leases.take(lease)
        request = self._decode_request(data)
        request.meta[LEASE_META] = lease
        fp, delivery = fingerprint(request).hex(), hashlib.sha1(data).hexdigest()
        archive.deliveries[fp] = delivery
        earlier = self.server.hget(archive.keys.delivered, delivery)
        if earlier is not None:
            # handed out before to a worker that died after pushing its capture: answer from the archive
            self.spider.context.done[fp] = Done(**json.loads(earlier))
        return request


class LeasedScheduler(Scheduler):
    """scrapy-redis's scheduler, queueing through dist.queue_new (seen and queued at once); a request
    coming back from the downloader (a retry, a redirect) is queued again and hands its lease over to the
    queue entry in the same step, after what the lease captured so far was pushed."""

    def enqueue_request(self, request) -> bool:
        lease = request.meta.pop(LEASE_META, None)
        archive = _remote(self.spider)
        if archive is None:
            return super().enqueue_request(request)
        if lease:
            # what the lease produced so far (the 5xx before a retry, the 3xx before a redirect) goes to
            # Redis first; then queueing the request and acknowledging the lease are one step
            archive.flush()
        queued = self.queue.push_new(request, archive.keys, lease)
        if lease:
            archive.leases.drop(lease)
        if not queued:
            self.df.log(request, self.spider)
        elif self.stats:
            self.stats.inc_value("scheduler/enqueued/redis", spider=self.spider)
        return queued

    def close(self, reason) -> None:
        archive = _remote(self.spider)
        if archive is not None:
            archive.flush()
            dist.release(self.server, archive.keys, archive.leases.unfinished())
        super().close(reason)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt once per host and run for all workers: the first worker to need it fetches it (and
    archives it), the others wait for its body in Redis. A claim expires, so a killed fetcher is replaced."""

    CLAIM_SECONDS = 60

    async def robot_parser(self, request):
        import asyncio

        from twisted.internet.defer import Deferred

        archive = _remote(self.crawler.spider)
        netloc = urlparse_cached(request).netloc
        if archive is None or netloc in self._parsers:
            return await super().robot_parser(request)
        waiting: Deferred = Deferred()
        self._parsers[netloc] = waiting
        key, r = archive.keys.robots(netloc), archive.r
        body: bytes | None = None
        while True:
            raw = r.get(key)
            if raw and raw != b"claimed":
                shared = json.loads(raw)
                body = shared["body"].encode("latin-1") if shared["ok"] else None
                break
            if r.set(key, "claimed", nx=True, ex=self.CLAIM_SECONDS):
                body = await self._fetch(request, archive)
                r.set(key, json.dumps({"ok": body is not None, "body": (body or b"").decode("latin-1")}),
                      ex=dist.KEEP_FINISHED_SECONDS)
                break
            await asyncio.sleep(0.05)
        self._stats.inc_value("robotstxt/shared")
        parser = build_from_crawler(self._parserimpl, self.crawler, body) if body is not None else None
        self._parsers[netloc] = parser
        waiting.callback(parser)
        return parser

    async def _fetch(self, request, archive: RemoteArchive) -> bytes | None:
        url = urlparse_cached(request)
        req = Request(f"{url.scheme}://{url.netloc}/robots.txt", priority=self.DOWNLOAD_PRIORITY,
                      meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
        try:
            response = await self.crawler.engine.download_async(req)
        except Exception:  # noqa: BLE001 - as Scrapy: no robots.txt, no rules
            return None
        finally:
            archive.flush()  # its capture is in Redis before other workers are told it is done
        return response.body


class WorkerSpider(ReportsSpider):
    """ReportsSpider taking its requests from the shared frontier: the coordinator seeds the start
    requests; every callback marks its request's lease finished when its output was queued."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        crawler.signals.connect(spider._received, signal=signals.response_received)
        return spider

    async def start(self):
        return
        yield  # pragma: no cover - an async generator with nothing to start

    def _finishing(self, output, meta):
        try:
            if output is not None:
                yield from output
        finally:
            archive = _remote(self)
            if archive is not None:
                archive.leases.finish(meta.get(LEASE_META))

    def parse_listing(self, response):
        return self._finishing(super().parse_listing(response), response.meta)

    def parse_report(self, response):
        return self._finishing(super().parse_report(response), response.meta)

    def parse_attachment(self, response):
        return self._finishing(super().parse_attachment(response), response.meta)

    def on_error(self, failure):
        try:
            return super().on_error(failure)
        finally:
            archive = _remote(self)
            if archive is not None:
                archive.leases.finish(failure.request.meta.get(LEASE_META))

    # -- the worker's life -----------------------------------------------------------------------
    def _opened(self, spider=None) -> None:
        from twisted.internet import task

        engine = self.crawler.engine
        if hasattr(type(engine), "_SLOT_HEARTBEAT_INTERVAL"):
            # an idle worker asks the shared queue every 0.2 s, not every 5 s (Scrapy's default)
            engine._SLOT_HEARTBEAT_INTERVAL = 0.2
        self._fetched = 0
        self._rates: deque[tuple[float, int]] = deque(maxlen=10)
        self._beat = task.LoopingCall(self._heartbeat)
        self._beat.start(dist.HEARTBEAT_SECONDS, now=True)

    def _received(self, *args, **kwargs) -> None:
        self._fetched += 1

    def _heartbeat(self) -> None:
        archive = _remote(self)
        if archive is None or archive.closed:
            return
        try:
            archive.flush()
            dist.renew(archive.r, archive.keys, archive.leases.held(), archive.lease_seconds)
            dist.requeue_expired(archive.r, archive.keys)
            now = time.monotonic()
            self._rates.append((now, self._fetched))
            t0, n0 = self._rates[0]
            rate = (self._fetched - n0) / (now - t0) if now > t0 else 0.0
            dist.heartbeat(archive.r, archive.leases.wid, {
                "run": archive.keys.run_id, "fetched": self._fetched, "pushed": archive.pushed,
                "leases": len(archive.leases.held()), "rate": round(rate, 2)})
        except Exception as exc:  # noqa: BLE001 - a Redis hiccup must not stop the worker; leases cover it
            log.warning("worker heartbeat failed: %s", exc)

    def _idle(self, spider=None) -> None:
        archive = _remote(self)
        if archive is not None and dist.run_state(archive.r, archive.keys) == "crawling":
            raise DontCloseSpider("the run goes on: other workers may queue more requests")

    def _closed(self, spider=None, reason=None) -> None:
        if getattr(self, "_beat", None) is not None and self._beat.running:
            self._beat.stop()
        archive = _remote(self)
        if archive is not None:
            archive.close()
            archive.r.delete(f"{dist.WORKERS}:{archive.leases.wid}")
            archive.r.srem(dist.WORKERS, archive.leases.wid)


def worker_settings(registry, redis_url: str, keys: dist.RunKeys, config: dict):
    """The single-process settings plus scrapy-redis, and this worker's share of the per-site budget."""
    settings = scrapy_settings(registry, config.get("settings"))
    share = max(1, int(config.get("share") or 1))
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares.update({"scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                        "archive.worker.SharedRobotsTxtMiddleware": 100})
    settings.setdict({
        "SCHEDULER": "archive.worker.LeasedScheduler",
        "SCHEDULER_QUEUE_CLASS": "archive.worker.LeasedQueue",
        "DUPEFILTER_CLASS": "archive.worker.RunDupeFilter",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        # n workers on one site together make at most the requests of one worker
        "CONCURRENT_REQUESTS_PER_DOMAIN": max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") // share),
        "DOWNLOAD_DELAY": settings.getfloat("DOWNLOAD_DELAY") * share,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": max(1.0, settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") / share),
    }, priority="cmdline")
    return settings


def load_run_registry(config: dict):
    """The registry the coordinator announced (text, so workers need no copy of the file)."""
    registry = parse_registry(config["registry_text"], Path(config["registry_path"]) if config.get("registry_path") else None)
    if config.get("proxy"):
        registry = replace(registry, proxy=config["proxy"])
    return registry


def wait_for_run(r, wait_seconds: float) -> tuple[dist.RunKeys, dict] | None:
    """The announced run that is still crawling, waiting up to wait_seconds for one."""
    deadline = time.monotonic() + wait_seconds
    while True:
        found = dist.current_run(r)
        if found is not None and dist.run_state(r, found[0]) == "crawling":
            return found
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def _due_check(r, keys: dist.RunKeys, config: dict):
    """The run's revisit policy, built from the dotted path the archiver put in the config (None: all due)."""
    from scrapy.utils.misc import load_object

    revisit = config.get("revisit")
    return load_object(revisit["due_check"])(r, keys, revisit) if revisit and revisit.get("due_check") else None


def run_worker(redis_url: str, archive_dir: str | Path | None = None, wait_seconds: float = 60.0) -> dict:
    """Join the announced run and crawl from its frontier until the archiver declares it done.
    Returns what this worker did (run id, responses, captures pushed); run=None when no run came."""
    from scrapy.crawler import CrawlerProcess

    r = dist.connect(redis_url)
    found = wait_for_run(r, wait_seconds)
    if found is None:
        return {"run": None, "fetched": 0, "pushed": 0}
    keys, config = found
    registry = load_run_registry(config)
    archive = RemoteArchive(Path(archive_dir or config["archive_dir"]), r, keys, Leases(dist.worker_id()),
                            float(config.get("lease_seconds") or dist.DEFAULT_LEASE_SECONDS))
    sites = registry.enabled(tuple(config.get("only") or ()))
    due = _due_check(r, keys, config)
    ctx = CrawlContext(archive=archive, run_id=keys.run_id, registry=registry, sites=sites, done=OneShotDone(),
                       due=due, known_links=getattr(due, "links", None))
    process = CrawlerProcess(worker_settings(registry, redis_url, keys, config))
    crawler = process.create_crawler(WorkerSpider)
    process.crawl(crawler, context=ctx)
    process.start()
    spider = crawler.spider
    return {"run": keys.run_id, "worker": archive.leases.wid, "fetched": getattr(spider, "_fetched", 0),
            "pushed": archive.pushed}


def seed(r, keys: dist.RunKeys, ctx: CrawlContext) -> int:
    """Push the registry's start requests into the frontier (through the shared duplicate filter,
    so re-seeding a resumed run adds nothing); returns how many were new."""
    spider = WorkerSpider(context=ctx)
    queue = LeasedQueue(server=r, spider=spider, key=keys.requests)
    return sum(queue.push_new(request, keys) for request in spider.start_requests_list())
