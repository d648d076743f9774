"""What one crawl run shares between the spider and the middlewares: the archive, the run, the sites."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive.store import Archive, Done
from scraper.registry import Registry, Site


@dataclass
class CrawlContext:
    archive: Archive
    run_id: int
    registry: Registry
    sites: list[Site]
    #: captures this run made before it was interrupted (fingerprint -> where), served from the archive
    done: dict[str, Done] = field(default_factory=dict)
    resumed: bool = False
    #: per site: new / changed / unchanged / failed / resumed counts, for progress and the summary
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    _by_host: dict[str, Site] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for site in self.sites:
            for host in site.allowed_hosts:
                self._by_host.setdefault(host, site)

    def site_for(self, url: str) -> Site | None:
        """The enabled site whose allowed hosts include url's host, or None (then it must not be fetched)."""
        parts = urlsplit(url)
        return self._by_host.get(parts.netloc.lower()) or self._by_host.get((parts.hostname or "").lower())
