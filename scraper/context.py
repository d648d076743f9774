"""What one crawl run shares between the spider and the middlewares: the store, the run, the sites.

The crawler never imports the archive: it is handed a store (archive.store.Archive, or a distributed
worker's RemoteArchive) that has the methods of `CaptureStore` below.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from scraper import urlguard
from scraper.registry import Registry, Site


class Capture(Protocol):
    """Where a capture is archived: a WARC file and offset (the store's PageState / Done)."""

    status: int
    warc_file: str
    warc_offset: int


class StoredCapture(Protocol):
    """An archived response read back: what a 304 or a resumed request is answered with."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class CaptureStore(Protocol):
    """What the crawler needs of the archive: record what it fetched or refused, read a capture back,
    the latest version of a URL (for conditional requests), and flush at the end."""

    def record_response(self, **kwargs: Any) -> tuple[str, Capture]: ...
    def record_error(self, **kwargs: Any) -> None: ...
    def record_refusal(self, **kwargs: Any) -> None: ...
    def record_attachment(self, **kwargs: Any) -> None: ...
    def latest(self, url: str) -> Any: ...
    def read_capture(self, warc_file: str, offset: int) -> StoredCapture: ...
    def flush(self) -> None: ...


@dataclass
class CrawlContext:
    archive: CaptureStore
    run_id: int
    registry: Registry
    sites: list[Site]
    #: captures this run made before it was interrupted (fingerprint -> where), served from the archive
    done: dict[str, Capture] = field(default_factory=dict)
    resumed: bool = False
    #: per site: new / changed / unchanged / failed / resumed counts, for progress and the summary
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    #: sites whose night ended early (a crawl cap was reached): site id -> the record's message
    capped: dict[str, str] = field(default_factory=dict)
    #: URLs refused this run (recorded once each)
    refused: set[str] = field(default_factory=set)
    #: the revisit policy, wired in by the archive: (url, role, listing title) -> due tonight? None: all due
    due: Callable[[str, str, str | None], bool] | None = None
    #: what an archived URL led to last time, as (url, role): asked when the URL itself is not due
    known_links: Callable[[str], list[tuple[str, str]]] | None = None
    _by_host: dict[str, Site] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for site in self.sites:
            for host in site.allowed_hosts:
                self._by_host.setdefault(host, site)

    def refusal(self, url: str) -> urlguard.Refusal | None:
        """Why url must not be fetched (scheme, off-host), or None: the URL guard over the run's hosts."""
        return urlguard.check(url, self._by_host)

    def site_for(self, url: str) -> Site | None:
        """The enabled site url belongs to, or None (then it must not be fetched): http(s) on an allowed host."""
        if urlguard.check(url, self._by_host) is not None:
            return None
        return next((self._by_host[k] for k in urlguard.host_keys(url) if k in self._by_host), None)

    def record_refusal(self, refusal: urlguard.Refusal, site_id: str | None, method: str = "GET",
                       fingerprint: str = "", via: str | None = None) -> bool:
        """Record a refused URL once per run (outcome 'refused', error_kind = the reason); True when new."""
        key = f"{refusal.reason} {refusal.url}"
        if key in self.refused:
            return False
        self.refused.add(key)
        self.counts[site_id or "-"][f"refused_{refusal.reason}"] += 1
        message = refusal.message + (f" (via {via})" if via else "")
        self.archive.record_refusal(run_id=self.run_id, site_id=site_id, url=refusal.url[:2000], method=method,
                                    fingerprint=fingerprint, kind=refusal.reason, message=message)
        return True

    def end_site_night(self, site_id: str, url: str, method: str, kind: str, message: str) -> None:
        """A crawl cap was reached: record it once (an error capture of `kind`) and end the site's night:
        the guard drops its pending requests, the spider makes no new ones."""
        if site_id in self.capped:
            return
        self.capped[site_id] = message
        self.counts[site_id]["failed"] += 1
        self.archive.record_error(run_id=self.run_id, site_id=site_id, url=url, method=method, fingerprint="",
                                  kind=kind, message=message)
