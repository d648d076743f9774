"""Ground truth of a SampleWeb, computed from the generator's own values (never parsed back)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import pages as P
from .model import AS_OF, listing_urls
from .office import CONTENT_TYPES
from .pages import api_pages

if TYPE_CHECKING:
    from .web import SampleWeb

NIGHT_SITES = 5  # only the fixed-plan sites change between nights


def build_truth(web: SampleWeb) -> dict:
    t: dict = {"seed": web.seed, "scale": web.scale, "night": web.night, "as_of": AS_OF, "sites": [],
               "listing_pages": [], "reports": [], "attachments": [], "non_reports": [], "redirect_stubs": [],
               "disallowed": [], "offsite": [], "errors": [], "anomalies": [], "changed": {}}
    for site in web.sites():
        starts = [listing_urls(site, c)[0] for c in site.columns]
        t["sites"].append({"id": site.id, "name": site.name, "style": site.style, "hosts": [site.host],
                           "start_urls": starts, "broken": site.broken, "publishers": [
                               {"name": p.name, "kind": p.kind, "first_year": p.first_year, "deadline": p.deadline}
                               for p in site.publishers]})
        if not site.broken:
            for col in site.columns:
                n = 1 if site.style in ("hanweb", "jsonapi") else col.n_pages(site.style)
                t["listing_pages"] += [{"site": site.id, "method": "GET", "url": u} for u in listing_urls(site, col)[:n]]
            t["listing_pages"] += api_pages(site)
        for rep in site.reports:
            t["reports"].append({"url": rep.url, "site": site.id, "publisher": rep.publisher.name, "year": rep.year,
                                 "format": rep.fmt, "kind": rep.kind, "fields": P.report_fields(site, rep),
                                 "metrics": rep.visible_metrics(), "approximate": list(rep.approximate),
                                 "attachments": [a.url for a in rep.attachments], "stats_in": rep.stats_in,
                                 "repost_of": rep.repost_of, "published": rep.published,
                                 "linked_via": next((s for s, tg in site.stubs.items() if tg == rep.url), None)})
            t["attachments"] += [{"url": a.url, "report_url": rep.url, "format": a.fmt,
                                  "content_type": CONTENT_TYPES[a.fmt],
                                  # what the document prints: the page's values but for a planted mismatch
                                  "metrics": {**rep.visible_metrics(), **a.metrics}} for a in rep.attachments]
        t["non_reports"] += [u for u, it in site.pages.items() if it.kind == "non_report" and u not in site.disallowed]
        t["redirect_stubs"] += [{"url": u, "target": tg, "kind": site.pages[u].kind} for u, tg in site.stubs.items()]
        t["disallowed"] += site.disallowed
        t["offsite"] += site.offsite
        t["errors"] += [{"url": u, "kind": k} for u, k in site.errors.items()]
        t["anomalies"] += site.anomalies
    t["changed"] = changed_urls(web)
    return t


def _resources(web: SampleWeb, idx: int, night: int) -> dict[str, bytes]:
    site = web.site(idx, night)
    out = {}
    for path, route in web.routes(idx, night).items():
        if route[0] in ("error", "portal"):
            continue
        out[site.base + path] = web.get_bytes(site.base + path, night)[1]
    for p in api_pages(site):
        out[p["get_url"]] = web.get_bytes(p["get_url"], night)[1]
    return out


def changed_urls(web: SampleWeb) -> dict[str, list[str]]:
    """For nights 2–4: URLs whose bytes differ from the previous night (absent = empty bytes)."""
    out: dict[str, list[str]] = {}
    memo: dict[tuple[int, int], dict[str, bytes]] = {}

    def res(idx: int, night: int) -> dict[str, bytes]:
        if (idx, night) not in memo:
            memo[(idx, night)] = _resources(web, idx, night)
        return memo[(idx, night)]
    for n in (2, 3, 4):
        urls: list[str] = []
        for idx in range(min(NIGHT_SITES, web.n_sites)):
            a, b = res(idx, n - 1), res(idx, n)
            urls += sorted(u for u in set(a) | set(b) if a.get(u) != b.get(u))
        out[str(n)] = urls
    return out
