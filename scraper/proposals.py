"""From the columns discover found to registry entries, merged into a registry file without duplicates.

The registry is the user's file: tomlkit keeps its comments and layout; an entry discover proposed is
`verified = false` with its evidence as comments, and re-running discover only adds what is new (a start
URL, a publisher) to the entry that already holds the host and style.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import tomlkit
from tomlkit.items import AoT, Table

from pipeline.titles import title_publisher, title_year
from scraper import discover as D


@dataclass
class Proposal:
    """One registry site proposed by discover."""

    id: str
    name: str
    style: str
    host: str
    start_urls: list[str]
    #: (name, kind, first year seen)
    publishers: list[tuple[str, str, int]]
    evidence: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)


def proposals(columns: list[D.Column], site_names: dict[str, str] | None = None) -> tuple[list[Proposal], list[str]]:
    """Registry entries for the columns (grouped by host and style) and notes on what was set aside."""
    site_names = site_names or {}
    notes: list[str] = []
    later_pages = set().union(*(c.page_urls for c in columns)) if columns else set()
    columns = [c for c in columns if c.url not in later_pages]
    own = [c for c in columns if not c.is_collection]
    covered = set().union(*(c.links for c in own)) if own else set()
    owners = {c.publisher for c in own}
    for c in columns:
        if c.is_collection:
            seen = sum(1 for u in c.reports if u in covered)
            orphans = sorted(p for p, n in c.publishers.items() if p not in owners)
            if not orphans and seen >= 0.8 * len(c.reports):
                notes.append(f"{c.url}: a collection of {len(c.reports)} reports of {len(c.publishers)} publishers, "
                             "each of which has its own column found (not crawled twice)")
            else:
                c.evidence.append("a collection (年报汇总) with publishers that have no column found: "
                                  + "、".join(orphans[:5]))
                own.append(c)
    groups: dict[tuple[str, str], list[D.Column]] = defaultdict(list)
    for c in own:
        groups[(urlsplit(c.url).netloc.lower(), c.style)].append(c)
    out = []
    styles_per_host = defaultdict(set)
    for host, style in groups:
        styles_per_host[host].add(style)
    for (host, style), cols in sorted(groups.items()):
        sid = D.site_id_for(host) + (f"-{style}" if len(styles_per_host[host]) > 1 else "")
        pubs: dict[str, tuple[str, int]] = {}
        years: set[int] = set()
        evidence = []
        for c in sorted(cols, key=lambda c: c.url):
            years |= set(c.years)
            main = c.publisher
            for title in c.reports.values():
                p = title_publisher(title)
                y = title_year(title)
                if p == main and y:
                    kind = D.publisher_kind(p) or "department"
                    first = min(pubs[p][1], y) if p in pubs else y
                    pubs[p] = (kind, first)
            others = {p: n for p, n in c.publishers.items() if p != main}
            extra = f"; also {', '.join(f'{p} ×{n}' for p, n in others.items())}" if others else ""
            evidence.append(f"{c.url}: {c.name or '?'} — {main} ({D.publisher_kind(main or '') or '?'}), "
                            f"{len(c.reports)} reports {min(c.years, default='?')}–{max(c.years, default='?')}, "
                            f"{c.pages} listing page(s); {c.style_evidence}{extra}")
        out.append(Proposal(id=sid, name=site_names.get(host) or host, style=style, host=host,
                            start_urls=sorted(c.url for c in cols),
                            publishers=sorted((p, k, y) for p, (k, y) in pubs.items()),
                            evidence=evidence, years=sorted(years)))
    return out, notes


def merge(existing: str, found: list[Proposal], proxy: str | None = None, today: str | None = None) -> tuple[str, dict]:
    """The registry text with the proposals merged in, and what changed: {"added_sites", "added_urls", …}."""
    today = today or dt.date.today().isoformat()
    doc = tomlkit.parse(existing) if existing.strip() else tomlkit.document()
    if not existing.strip():
        doc.add(tomlkit.comment("gongkai registry written by `gongkai discover`: check each entry, then "
                                "`gongkai registry check --verify`"))
        if proxy:
            doc.add("proxy", proxy)
    sites = doc.get("sites")
    if sites is None:
        sites = tomlkit.aot()
        doc.append("sites", sites)
    changes = {"added_sites": [], "added_urls": 0, "added_publishers": 0, "unchanged_sites": []}
    for prop in found:
        entry = _match(sites, prop)
        if entry is None:
            sites.append(_new_entry(prop, today))
            changes["added_sites"].append(prop.id)
            continue
        urls = entry.setdefault("start_urls", tomlkit.array())
        new_urls = [u for u in prop.start_urls if u not in list(urls)]
        for u in new_urls:
            urls.append(u)
        have = {str(p.get("name")) for p in entry.get("publishers", [])}
        new_pubs = [p for p in prop.publishers if p[0] not in have]
        if new_pubs:
            pubs = entry.get("publishers")
            if pubs is None:
                pubs = tomlkit.aot()
                entry.append("publishers", pubs)
            for name, kind, first in new_pubs:
                pubs.append(_publisher(name, kind, first))
        changes["added_urls"] += len(new_urls)
        changes["added_publishers"] += len(new_pubs)
        if not new_urls and not new_pubs:
            changes["unchanged_sites"].append(str(entry.get("id")))
    return tomlkit.dumps(doc), changes


def _match(sites: AoT, prop: Proposal) -> Table | None:
    for entry in sites:
        hosts = {str(h).lower() for h in entry.get("allowed_hosts", [])} or {
            urlsplit(str(u)).netloc.lower() for u in entry.get("start_urls", [])}
        if str(entry.get("id")) == prop.id or (prop.host in hosts and str(entry.get("style", "generic")) == prop.style):
            return entry
    return None


def _publisher(name: str, kind: str, first: int) -> Table:
    t = tomlkit.table()
    t.add("name", name)
    t.add("kind", kind)
    t.add("first_year", first)
    t.add(tomlkit.comment("first_year = the earliest report seen: set the legal first year if it is earlier"))
    return t


def _new_entry(prop: Proposal, today: str) -> Table:
    t = tomlkit.table()
    t.add(tomlkit.comment(f"found by gongkai discover on {today}; years seen {prop.years[0] if prop.years else '?'}"
                          f"–{prop.years[-1] if prop.years else '?'}"))
    for line in prop.evidence:
        t.add(tomlkit.comment(line))
    t.add("id", prop.id)
    t.add("name", prop.name)
    t.add("style", prop.style)
    urls = tomlkit.array()
    urls.multiline(True)
    for u in prop.start_urls:
        urls.append(u)
    t.add("start_urls", urls)
    t.add("allowed_hosts", [prop.host])
    t.add("verified", False)
    pubs = tomlkit.aot()
    for name, kind, first in prop.publishers:
        pubs.append(_publisher(name, kind, first))
    t.add("publishers", pubs)
    return t


def set_verified(text: str, site_ids: list[str]) -> str:
    """The registry text with `verified = true` on the given sites (comments and layout kept)."""
    doc = tomlkit.parse(text)
    for entry in doc.get("sites", []):
        if str(entry.get("id")) in site_ids:
            entry["verified"] = True
    return tomlkit.dumps(doc)
