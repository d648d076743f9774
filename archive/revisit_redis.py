"""The revisit policy on the distributed path (`gongkai crawl --workers`), with the same decision as
one process (archive.revisit.is_due).

The archiver publishes the next due day of each URL not yet due tonight into the run's Redis keys
(publish_revisits); each worker builds `RedisDueCheck` from the dotted path in the run config (the
scraper imports nothing of it) and gives it to its CrawlContext as `due`. What workers hold back is
noted in Redis and counted per site into the run report by the archiver (collect_not_due)."""

from __future__ import annotations

import json
from datetime import date

from archive import distributed as dist
from archive.revisit import is_due

#: the dotted path a worker loads its due check from (scrapy.utils.misc.load_object)
DUE_CHECK = "archive.revisit_redis.RedisDueCheck"


def publish_revisits(r, keys: dist.RunKeys, db, as_of: date, full: bool = False) -> dict:
    """Put tonight's held-back candidates (next_due after as_of) in Redis; returns the run config's
    `revisit` entry. With full nothing is published: every URL is asked."""
    r.delete(keys.revisit, keys.revisit_links, keys.not_due)
    if not full:
        pipe = r.pipeline(transaction=False)
        n = 0
        night = [as_of.isoformat()]
        for url, next_due in db.execute("SELECT url, next_due FROM revisits WHERE next_due > ?", night):
            pipe.hset(keys.revisit, url, next_due)
            n += 1
            if n % 1000 == 0:
                pipe.execute()
        # what each held-back URL led to last time, in one pass (RevisitPolicy.links asks per URL)
        links: dict[str, list] = {}
        for referrer, url, role in db.execute(
                "SELECT DISTINCT p.referrer, p.url, coalesce(p.role, 'attachment') FROM pages p "
                "JOIN revisits r ON r.url = p.referrer WHERE r.next_due > ? AND p.url != p.referrer "
                "ORDER BY p.referrer", night):
            if referrer not in links and len(links) >= 1000:  # a referrer's links are never split
                pipe.hset(keys.revisit_links, mapping={k: json.dumps(v) for k, v in links.items()})
                pipe.execute()
                links = {}
            links.setdefault(referrer, []).append([url, role])
        if links:
            pipe.hset(keys.revisit_links, mapping={k: json.dumps(v) for k, v in links.items()})
        pipe.execute()
    return {"due_check": DUE_CHECK, "as_of": as_of.isoformat(), "full": full}


class RedisDueCheck:
    """A worker's due check: (url, role, title) -> due tonight?, over the published next due days."""

    def __init__(self, r, keys: dist.RunKeys, config: dict) -> None:
        self.r, self.keys = r, keys
        self.as_of = date.fromisoformat(config["as_of"])
        self.full = bool(config.get("full"))

    def __call__(self, url: str, role: str, title: str | None = None) -> bool:
        if self.full:
            return True
        raw = self.r.hget(self.keys.revisit, url)
        due = is_due(raw.decode() if isinstance(raw, bytes) else raw, role, title, self.as_of)
        if not due:
            self.r.hsetnx(self.keys.not_due, url, 1)
        return due

    def links(self, url: str) -> list[tuple[str, str]]:
        """What a held-back URL led to last time, as RevisitPolicy.links gives it to one process."""
        raw = self.r.hget(self.keys.revisit_links, url)
        return [tuple(x) for x in json.loads(raw)] if raw else []


def collect_not_due(r, keys: dist.RunKeys, ctx) -> int:
    """Count the URLs workers held back into ctx.counts per site, as the single-process spider does: the
    site is the one the URL was archived under (a held-back URL was visited before), else its host's."""
    n = 0
    for raw in r.hkeys(keys.not_due):
        url = raw.decode() if isinstance(raw, bytes) else raw
        row = ctx.archive.db.execute("SELECT site_id FROM pages WHERE url = ? ORDER BY version DESC LIMIT 1",
                                     [url]).fetchone()
        site = row[0] if row and row[0] else getattr(ctx.site_for(url), "id", None)
        if site is not None:
            ctx.counts[site]["not_due"] += 1
            n += 1
    return n
