"""Writes captures into the archive: WARC records first, then the database rows that point at them.

One writer per archive (the crawl holds a lock). Rows are buffered and committed in batches (one
transaction per batch is ~5x faster than one per page); a batch is committed only after the WARC
bytes it points at were flushed to disk, so a kill can lose at most the last batch of *rows*, which
the resumed run fetches again — never a row pointing at bytes that are not there.
"""

from __future__ import annotations

import json
import os
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from archive.config import Paths
from archive.opendb import transaction
from archive.schema import connect, ensure_schema
from archive.warc import StoredResponse, WarcStore, read_record, sha256_hex, warc_date

FLUSH_ROWS = 200
FLUSH_SECONDS = 2.0
#: latest versions kept in memory (most recently used): the rest are looked up in SQLite, so the crawl's
#: memory does not grow with the archive (a request asks twice: for its conditional headers, then on archiving)
LATEST_CACHE = 2048
_PAGE_STATE = ("SELECT id, url, version, sha256, status, fetched_at, warc_file, warc_offset, etag, last_modified, "
               "content_type FROM pages")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class PageState:
    """The latest archived version of a URL."""

    id: int
    url: str
    version: int
    sha256: str
    status: int
    fetched_at: str
    warc_file: str
    warc_offset: int
    etag: str | None
    last_modified: str | None
    content_type: str | None


@dataclass(frozen=True)
class Done:
    """A capture already made earlier in this run (used to resume after a kill)."""

    page_id: int
    status: int
    warc_file: str
    warc_offset: int


def request_key(url: str, method: str, body: bytes = b"") -> str:
    """The archive's key for a request: the URL for GET; for POST (list APIs) the URL plus the form
    body, as pywb indexes POST captures (`__wb_post_data=`), so pages of one API are distinct."""
    if method.upper() != "POST":
        return url
    data = body.decode("utf-8", "replace")
    return f"{url}{'&' if '?' in url else '?'}__wb_post_data={data}"


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


class DoneInRun:
    """CrawlContext.done of a resumed run: fingerprint -> where this run captured it before it was
    interrupted, asked of SQLite per request (captures(run_id, fingerprint)) instead of loaded whole. Only
    captures made before the resume count, as when this was a dict read at the start."""

    _FROM = ("FROM captures c JOIN pages p ON p.id = c.page_id WHERE c.run_id = ? AND c.id <= ? "
             "AND c.outcome IN ('new','changed','unchanged')")

    def __init__(self, db: sqlite_utils.Database, run_id: int) -> None:
        self.db, self.run_id = db, run_id
        self.before = db.execute("SELECT coalesce(max(id), 0) FROM captures").fetchone()[0]

    def get(self, fingerprint: str, default: Done | None = None) -> Done | None:
        row = self.db.conn.execute(
            f"SELECT c.page_id, c.status, p.warc_file, p.warc_offset {self._FROM} AND c.fingerprint = ? "
            "ORDER BY c.id DESC LIMIT 1", [self.run_id, self.before, fingerprint]).fetchone()
        return Done(*row) if row else default

    def __contains__(self, fingerprint: object) -> bool:
        return isinstance(fingerprint, str) and self.get(fingerprint) is not None

    def __len__(self) -> int:
        return self.db.execute(f"SELECT count(DISTINCT c.fingerprint) {self._FROM}",
                               [self.run_id, self.before]).fetchone()[0]


class Archive:
    """The archive of one crawl process: db + its own WARC files."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        paths.db.parent.mkdir(parents=True, exist_ok=True)
        self.db: sqlite_utils.Database = connect(paths.db)
        ensure_schema(self.db)
        self._warc: WarcStore | None = None
        self._pages: list[dict] = []
        self._captures: list[dict] = []
        self._attachments: list[dict] = []
        self._last_flush = time.monotonic()
        #: the latest versions of the batch not yet committed (by request key); emptied by flush
        self._unflushed: dict[str, PageState] = {}
        #: a bounded cache of latest versions (None: not archived), kept right by this, the one writer
        self._cache: OrderedDict[str, PageState | None] = OrderedDict()
        self._next_page_id = (self.db.execute("SELECT max(id) FROM pages").fetchone()[0] or 0) + 1
        self.closed = False

    # -- runs ---------------------------------------------------------------------------------
    def unfinished_run(self) -> int | None:
        """The last run that never finished (its process was killed): resume it rather than start anew."""
        row = self.db.execute("SELECT id FROM crawl_runs WHERE status = 'running' ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def start_run(self, registry: str, site_ids: list[str], resume: bool = True) -> tuple[int, bool]:
        """Open a run (or re-open an interrupted one); returns (run_id, resumed)."""
        run_id = self.unfinished_run() if resume else None
        if run_id is not None:
            self.db.execute("UPDATE crawl_runs SET pid = ?, processes = coalesce(processes, 1) + 1 WHERE id = ?",
                            [os.getpid(), run_id])
            self.db.conn.commit()
            return run_id, True
        run_id = self.db["crawl_runs"].insert({"started_at": now_iso(), "status": "running", "registry": registry,
                                               "sites": json.dumps(site_ids), "pid": os.getpid(), "processes": 1}).last_pk
        self.db.conn.commit()
        return int(run_id), False

    def finish_run(self, run_id: int, status: str, summary: dict) -> None:
        self.flush()
        self.db["crawl_runs"].update(run_id, {"finished_at": now_iso(), "status": status,
                                              "summary": json.dumps(summary, ensure_ascii=False, sort_keys=True)})
        self.db.conn.commit()

    def upsert_sites(self, sites) -> None:
        rows = [{"id": s.id, "name": s.name, "style": s.style, "start_urls": json.dumps(list(s.start_urls)),
                 "allowed_hosts": json.dumps(list(s.allowed_hosts)), "enabled": int(s.enabled),
                 "verified": int(s.verified)} for s in sites]
        with self.db.conn:
            for row in rows:
                if self.db["sites"].count_where("id = ?", [row["id"]]):
                    self.db["sites"].update(row["id"], row)
                else:
                    self.db["sites"].insert({**row, "first_seen": now_iso()})

    # -- state --------------------------------------------------------------------------------
    def latest(self, url: str) -> PageState | None:
        """The latest archived version of a request key: from the open batch, the cache, else SQLite (the
        unique index on pages(url, version)). Nothing per URL of the archive is held in memory."""
        page = self._unflushed.get(url)
        if page is not None:
            return page
        cache = self._cache
        if url in cache:
            cache.move_to_end(url)
            return cache[url]
        row = self.db.conn.execute(_PAGE_STATE + " WHERE url = ? ORDER BY version DESC LIMIT 1", [url]).fetchone()
        page = PageState(*row) if row else None
        self._cache_latest(url, page)
        return page

    def latest_pages(self) -> Iterator[PageState]:
        """The latest version of every archived page, streamed from SQLite (then the open batch's)."""
        unflushed = dict(self._unflushed)
        # SQLite's bare columns of a max() aggregate come from the row holding the max
        sql = _PAGE_STATE.replace("version,", "max(version),", 1) + " GROUP BY url"
        for row in self.db.conn.execute(sql):
            if row[1] not in unflushed:
                yield PageState(*row)
        yield from unflushed.values()

    def _cache_latest(self, url: str, page: PageState | None) -> None:
        cache = self._cache
        cache[url] = page
        cache.move_to_end(url)
        if len(cache) > LATEST_CACHE:
            cache.popitem(last=False)

    def _new_version(self, url: str, page: PageState) -> None:
        """A version made in this process: the latest from now on (committed with the next flush)."""
        self._unflushed[url] = page
        self._cache_latest(url, page)

    def done_in_run(self, run_id: int) -> DoneInRun:
        """Captures this run already made (fingerprint -> where), so a resumed run does not fetch them
        again: looked up in SQLite (captures(run_id, fingerprint)), not loaded."""
        return DoneInRun(self.db, run_id)

    def read_capture(self, warc_file: str, offset: int) -> StoredResponse:
        """The archived response at (warc_file, offset): what the crawler hands the spider for a 304 or a
        resumed request instead of fetching again."""
        return read_record(self.paths.warc_dir, warc_file, offset)

    # -- writes -------------------------------------------------------------------------------
    @property
    def warc(self) -> WarcStore:
        if self._warc is None:
            self._warc = WarcStore(self.paths.warc_dir)
        return self._warc

    def record_response(self, *, run_id: int, site_id: str | None, role: str, url: str, method: str,
                        fingerprint: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
                        request_headers: list[tuple[str, str]], request_body: bytes = b"",
                        referrer: str | None = None) -> tuple[str, PageState]:
        """Archive one response; returns (outcome, page) with outcome new / changed / unchanged.
        Pages are keyed by request_key (URL, plus the body of a POST); the WARC keeps the real URL."""
        fetched = datetime.now(UTC)
        target = url
        url = request_key(url, method, request_body)
        latest = self.latest(url)
        if status == 304 and latest is not None:
            ref = self.warc.write_revisit(url=target, status=status, reason=reason, headers=headers, sha256=latest.sha256,
                                          refers_to_uri=target, refers_to_date=latest.fetched_at, not_modified=True,
                                          fetched_at=fetched)
            return self._capture(run_id, site_id, url, method, fingerprint, fetched, status, "unchanged", latest, ref)
        digest = sha256_hex(body)
        if latest is not None and latest.sha256 == digest and latest.status == status:
            ref = self.warc.write_revisit(url=target, status=status, reason=reason, headers=headers, sha256=digest,
                                          refers_to_uri=target, refers_to_date=latest.fetched_at, not_modified=False,
                                          fetched_at=fetched)
            return self._capture(run_id, site_id, url, method, fingerprint, fetched, status, "unchanged", latest, ref)
        ref = self.warc.write_capture(url=target, method=method, status=status, reason=reason, headers=headers, body=body,
                                      request_headers=request_headers, request_body=request_body, fetched_at=fetched)
        version = latest.version + 1 if latest else 1
        self.warc.write_metadata(target, {"run_id": run_id, "site": site_id, "role": role, "version": version,
                                          "referrer": referrer, "request_key": url}, concurrent_to=ref.record_id)
        page = PageState(id=self._next_page_id, url=url, version=version, sha256=digest, status=status,
                         fetched_at=warc_date(fetched), warc_file=ref.file, warc_offset=ref.offset,
                         etag=_header(headers, "ETag"), last_modified=_header(headers, "Last-Modified"),
                         content_type=_header(headers, "Content-Type"))
        self._next_page_id += 1
        self._new_version(url, page)
        self._pages.append({"id": page.id, "url": url, "version": version, "site_id": site_id, "role": role,
                            "status": status, "content_type": page.content_type, "sha256": digest, "size": len(body),
                            "fetched_at": page.fetched_at, "run_id": run_id, "warc_file": ref.file,
                            "warc_offset": ref.offset, "warc_length": ref.length, "etag": page.etag,
                            "last_modified": page.last_modified, "referrer": referrer})
        outcome = "new" if version == 1 else "changed"
        return self._capture(run_id, site_id, url, method, fingerprint, fetched, status, outcome, page, ref)

    def _capture(self, run_id, site_id, url, method, fingerprint, fetched, status, outcome, page, ref):
        self._captures.append({"run_id": run_id, "url": url, "method": method, "fingerprint": fingerprint,
                               "site_id": site_id, "fetched_at": warc_date(fetched), "status": status,
                               "outcome": outcome, "page_id": page.id, "warc_file": ref.file,
                               "warc_offset": ref.offset})
        self._maybe_flush()
        return outcome, page

    def record_error(self, *, run_id: int, site_id: str | None, url: str, method: str, fingerprint: str,
                     kind: str, message: str, status: int | None = None) -> None:
        """A fetch that failed for good (after retries): recorded, so the run's summary shows it."""
        self._captures.append({"run_id": run_id, "url": url, "method": method, "fingerprint": fingerprint,
                               "site_id": site_id, "fetched_at": warc_date(), "status": status, "outcome": "error",
                               "error_kind": kind, "error": message[:500]})
        self._maybe_flush()

    def record_refusal(self, *, run_id: int, site_id: str | None, url: str, method: str, fingerprint: str,
                       kind: str, message: str) -> None:
        """A URL the guard refused (scheme, off-host, robots, crawl cap): never fetched, recorded with why
        (outcome 'refused', error_kind the reason), so the run report can count it per site."""
        self._captures.append({"run_id": run_id, "url": url, "method": method, "fingerprint": fingerprint,
                               "site_id": site_id, "fetched_at": warc_date(), "status": None, "outcome": "refused",
                               "error_kind": kind, "error": message[:500]})
        self._maybe_flush()

    def record_attachment(self, *, report_url: str, url: str, name: str, site_id: str | None) -> None:
        # a link already known is dropped on insert (unique attachments(report_url, url), INSERT OR IGNORE)
        self._attachments.append({"report_url": report_url, "url": url, "name": name, "site_id": site_id,
                                  "first_seen": now_iso()})
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if (len(self._captures) + len(self._pages) >= FLUSH_ROWS
                or time.monotonic() - self._last_flush > FLUSH_SECONDS):
            self.flush()

    def flush(self) -> None:
        """Commit buffered rows, after making the WARC bytes they point at durable."""
        self._last_flush = time.monotonic()
        extra = self._extra_rows()
        if self.closed or not (self._pages or self._captures or self._attachments or any(extra.values())):
            return
        if self._warc is not None:
            self._warc.sync()
        with transaction(self.db):
            if self._pages:
                self.db["pages"].insert_all(self._pages)
            if self._captures:
                self.db["captures"].insert_all(self._captures)
            if self._attachments:
                self.db["attachments"].insert_all(self._attachments, ignore=True)
            for table, rows in extra.items():
                if rows:
                    self.db[table].insert_all(rows)
        self._pages, self._captures, self._attachments = [], [], []
        self._unflushed = {}
        self._clear_extra_rows()

    def _extra_rows(self) -> dict[str, list[dict]]:
        """Rows a subclass commits in the same transaction as the captures (table -> rows)."""
        return {}

    def _clear_extra_rows(self) -> None:
        """Forget what _extra_rows returned, once committed."""

    def close(self) -> None:
        if self.closed:
            return
        self.flush()
        if self._warc is not None:
            self._warc.close()
        self.db.conn.close()
        self.closed = True
