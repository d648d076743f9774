"""SITE-BROKEN: a rule over the crawl itself, not over a report.

A 改版 moves the disclosure column (the start listing fails), rebuilds the listing (no report links),
or re-templates the report pages (no statistics): none of that is wrong in one report, it shows only
by comparing a site's runs. archive/health.py makes that comparison from the archive and hands each
site's health here as plain dicts; this rule turns a broken site into one finding. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.checks.model import Finding, Rule

#: the three ways a site breaks (site health's `problem`)
LISTING, LINKS, STATS = "listing unreachable", "no report links", "no statistics"


def check_site_broken(rule: Rule, sites: Iterable[dict[str, Any]]) -> list[Finding]:
    """One finding per site whose latest run is bad; `sites` are site-health rows (status, problem,
    evidence with the first bad and the last good run)."""
    out = []
    for h in sites:
        if h["status"] != "broken":
            continue
        ev = h["evidence"]
        fb = ev["first_bad"]
        what = {LISTING: "its start listing cannot be fetched ("
                + ", ".join(f"{f['url']}: {f.get('error') or f.get('status')}" for f in fb.get("failed", [])[:3]) + ")",
                LINKS: f"its listing yields no report links (had {fb.get('before')})",
                STATS: "its report pages no longer yield statistics (template changed?)"}[ev["problem"]]
        good = ev["last_good"]
        since = f"since run {fb['run']} ({fb['at']})"
        last = f"last good run {good['run']} ({good['at']})" if good else "never worked"
        out.append(Finding(rule=rule.id, severity=rule.severity, subject=f"site:{h['site']}", cells=("site",),
                           message=f"site {h['site']} ({h['name']}) is broken: {what}, {since}; {last}",
                           evidence=ev, site=h["site"]))
    return out
