"""The one SQLite writer of a distributed crawl: it announces and seeds the run, consumes the capture
batches workers push to Redis, and at the end extracts and checks exactly as the single-process run.

Why one archiver: SQLite allows one writer, and page versions (new / changed / unchanged) must be
decided against one ordered history. Workers only write WARC files (one file per process, never shared)
and describe each record; the archiver re-applies the versioning rules to those descriptions, so two
workers can never both create "version 2" of a page.

Idempotent: a batch is moved to a processing list before it is applied, its id is stored in the same
SQLite transaction as its rows, and it is removed from Redis only after the commit. An archiver killed
at any point re-reads the processing list on restart and skips the batches already committed.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

from archive import distributed as dist
from archive.config import Paths
from archive.errors import GongkaiError
from archive.lock import CrawlLock
from archive.nightly import close_run
from archive.revisit import RevisitPolicy
from archive.revisit_redis import DUE_CHECK, collect_not_due, publish_revisits
from archive.store import Archive, PageState, now_iso
from archive.worker import load_run_registry, seed
from scraper.context import CrawlContext
from scraper.registry import Registry

BATCHES = "distributed_batches"
#: batches applied per SQLite transaction
GROUP = 50


class IndexingArchive(Archive):
    """Archive that also indexes records other processes wrote (the workers' capture batches)."""

    def __init__(self, paths: Paths) -> None:
        super().__init__(paths)
        self.db[BATCHES].create({"id": str, "run_id": int, "captures": int, "applied_at": str}, pk="id",
                                if_not_exists=True)
        self._batch_rows: list[dict] = []

    def applied(self, batch_id: str) -> bool:
        return bool(self.db[BATCHES].count_where("id = ?", [batch_id])) or any(
            b["id"] == batch_id for b in self._batch_rows)

    def index_batch(self, run_id: int, batch: dict) -> int:
        """Queue a worker batch's rows (committed by flush); returns its number of captures."""
        for c in batch["captures"]:
            self._index(run_id, c)
        # a link already archived is dropped on insert (unique attachments(report_url, url), INSERT OR IGNORE)
        self._attachments.extend(batch.get("attachments", []))
        self._batch_rows.append({"id": batch["id"], "run_id": run_id, "captures": len(batch["captures"]),
                                 "applied_at": now_iso()})
        return len(batch["captures"])

    def _index(self, run_id: int, c: dict) -> None:
        """The versioning rules of Archive.record_response, applied to a record already written."""
        page = c.pop("page", None)
        c = {**c, "run_id": run_id}
        if c["outcome"] in ("error", "refused"):
            self._captures.append(c)
            return
        latest = self.latest(c["url"])
        if page is not None and not (latest and latest.sha256 == page["sha256"] and latest.status == page["status"]):
            version = latest.version + 1 if latest else 1
            state = PageState(id=self._next_page_id, url=c["url"], version=version, sha256=page["sha256"],
                              status=page["status"], fetched_at=page["fetched_at"], warc_file=page["warc_file"],
                              warc_offset=page["warc_offset"], etag=page["etag"], last_modified=page["last_modified"],
                              content_type=page["content_type"])
            self._next_page_id += 1
            self._new_version(c["url"], state)
            self._pages.append({**page, "id": state.id, "version": version, "run_id": run_id})
            c.update(outcome="new" if version == 1 else "changed", page_id=state.id)
        elif latest is not None:
            # a revisit, or the same bytes captured twice in the run (a request retried after a lease expired)
            c.update(outcome="unchanged", page_id=latest.id)
        else:
            c.update(outcome="error", page_id=None, error_kind="orphan_revisit",
                     error="a revisit record of a page the archive does not have")
        self._captures.append(c)

    def _maybe_flush(self) -> None:
        """Never mid-batch: rows are committed with their batch ids (flush), so a batch is all or nothing."""

    def _extra_rows(self) -> dict[str, list[dict]]:
        # the rows and their batch ids in one transaction: a batch is archived all or nothing
        return {BATCHES: self._batch_rows}

    def _clear_extra_rows(self) -> None:
        self._batch_rows = []


def open_distributed_run(paths: Paths, registry: Registry, only: list[str] | None = None, full: bool = False,
                         as_of: date | None = None):
    """archive/nightly.open_run with the indexing archive (resumes an interrupted run likewise); the
    archiver's due policy only seeds and dates the run, the workers decide with RedisDueCheck."""
    sites = registry.enabled(tuple(only or ()))
    archive = IndexingArchive(paths)
    archive.upsert_sites(sites)
    run_id, resumed = archive.start_run(str(registry.path or ""), [s.id for s in sites])
    return CrawlContext(archive=archive, run_id=run_id, registry=registry, sites=sites, resumed=resumed,
                        due=RevisitPolicy(archive.db, as_of or date.today(), full=full))


def publish_latest(r, keys: dist.RunKeys, archive: IndexingArchive) -> int:
    """The latest version of every page, for workers' conditional requests and revisit decisions."""
    pipe = r.pipeline(transaction=False)
    n = 0
    for state in archive.latest_pages():
        pipe.hset(keys.latest, state.url, json.dumps(asdict(state)))
        n += 1
        if n % 1000 == 0:
            pipe.execute()
    pipe.execute()
    return n


def _run_config(ctx, paths: Paths, only, share: int, lease_seconds: float, settings: dict | None) -> dict:
    registry = ctx.registry
    text = Path(registry.path).read_text(encoding="utf-8") if registry.path else ""
    return {"registry_text": text, "registry_path": str(registry.path or ""), "proxy": registry.proxy,
            "archive_dir": str(paths.archive), "only": list(only or []), "share": share,
            "lease_seconds": lease_seconds, "settings": settings or {}, "db": str(paths.db),
            "revisit": {"due_check": DUE_CHECK, "as_of": ctx.due.as_of.isoformat(), "full": ctx.due.full}}


def consume(r, keys: dist.RunKeys, archive: IndexingArchive, on_tick=None) -> int:
    """Archive worker batches until the run has no queued, leased or unarchived work; returns captures."""
    total = 0
    # a previous archiver's batches that were moved but maybe not committed: applied-once check
    total += _apply_processing(r, keys, archive)
    idle_checks = 0
    while True:
        dist.requeue_expired(r, keys)
        moved = 0
        first = r.blmove(keys.captures, keys.processing, 0.2, "RIGHT", "LEFT")
        if first is not None:
            moved = 1
            while moved < GROUP and r.lmove(keys.captures, keys.processing, "RIGHT", "LEFT") is not None:
                moved += 1
            total += _apply_processing(r, keys, archive)
            idle_checks = 0
        if on_tick is not None:
            on_tick(total)
        if moved:
            continue
        work = dist.outstanding(r, keys)
        if work["queued"] == 0 and work["leased"] == 0 and work["captures"] == 0:
            idle_checks += 1
            if idle_checks >= 2:  # twice in a row, 0.2 s apart: nothing in flight anywhere
                return total
        else:
            idle_checks = 0


def _apply_processing(r, keys: dist.RunKeys, archive: IndexingArchive) -> int:
    raw_batches = r.lrange(keys.processing, 0, -1)
    if not raw_batches:
        return 0
    n = 0
    for raw in reversed(raw_batches):  # oldest first
        batch = json.loads(raw)
        if archive.applied(batch["id"]):
            continue
        n += archive.index_batch(keys.run_id, batch)
    archive.flush()
    pipe = r.pipeline(transaction=True)
    pipe.delete(keys.processing)
    pipe.hincrby(keys.stats, "archived", n)
    pipe.execute()
    return n


def crawl_distributed(paths: Paths, registry: Registry, redis_url: str, only: list[str] | None = None,
                      share: int = 1, lease_seconds: float = dist.DEFAULT_LEASE_SECONDS,
                      settings: dict | None = None, progress=None, full: bool = False,
                      as_of: date | None = None) -> dict:
    """`gongkai crawl --workers`: under the archive lock, open (or resume) the run, announce and seed it,
    archive what workers capture until nothing is left, then extract, check and summarise (close_run)."""
    r = dist.connect(redis_url)
    r.ping()
    with CrawlLock(paths.lock_file):
        ctx = open_distributed_run(paths, registry, only, full=full, as_of=as_of)
        keys = dist.RunKeys(ctx.run_id)
        if not ctx.resumed:
            dist.clear_run(r, keys)  # a resumed run keeps its frontier, leases and duplicate filter
        if not r.exists(keys.config):
            publish_latest(r, keys, ctx.archive)
            publish_revisits(r, keys, ctx.archive.db, ctx.due.as_of, ctx.due.full)
        dist.announce_run(r, ctx.run_id, _run_config(ctx, paths, only, share, lease_seconds, settings))
        seed(r, keys, ctx)
        return _archive_and_close(r, keys, ctx, progress)


def archive_announced_run(paths: Paths, redis_url: str, progress=None) -> dict:
    """`gongkai archiver`: take over the announced run (after the crawl process was killed, or to run the
    archiver on another machine than the one that seeded); the db must hold that unfinished run."""
    r = dist.connect(redis_url)
    found = dist.current_run(r)
    if found is None or dist.run_state(r, found[0]) != "crawling":
        raise GongkaiError(f"no crawling run announced on {redis_url} (start one with gongkai crawl --workers)")
    keys, config = found
    registry = load_run_registry(config)
    with CrawlLock(paths.lock_file):
        archive = IndexingArchive(paths)
        if archive.unfinished_run() != keys.run_id:
            archive.close()
            raise GongkaiError(f"run {keys.run_id} announced on Redis is not the unfinished run of {paths.db}")
        sites = registry.enabled(tuple(config.get("only") or ()))
        revisit = config.get("revisit") or {}
        as_of = date.fromisoformat(revisit["as_of"]) if revisit.get("as_of") else date.today()
        ctx = CrawlContext(archive=archive, run_id=keys.run_id, registry=registry, sites=sites, resumed=True,
                           due=RevisitPolicy(archive.db, as_of, full=bool(revisit.get("full"))))
        return _archive_and_close(r, keys, ctx, progress)


def _archive_and_close(r, keys: dist.RunKeys, ctx, progress) -> dict:
    started = time.monotonic()
    consume(r, keys, ctx.archive, progress)
    crawl_seconds = time.monotonic() - started
    dist.finish_announcement(r, keys)  # workers stop now; extraction needs no crawler
    collect_not_due(r, keys, ctx)
    return close_run(ctx, crawl_seconds)
