"""Site registry (TOML) describing a SampleWeb, in the schema the crawler reads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .model import listing_urls

if TYPE_CHECKING:
    from .web import SampleWeb


def _s(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)


def registry_toml(web: SampleWeb, proxy_url: str | None = None) -> str:
    """TOML registry of all sites as served on night 1 (the registry does not change by night)."""
    lines = [f"# gongkai sample web: seed={web.seed} scale={web.scale}", ""]
    if proxy_url:
        lines += [f"proxy = {_s(proxy_url)}", ""]
    # the sample web answers on loopback: no politeness delay needed (real registries keep theirs)
    lines += ["[crawl]", "download_delay = 0", "autothrottle = false", "concurrency_per_domain = 8",
              "retry_times = 1", ""]
    for site in web.sites(night=1):
        starts = [listing_urls(site, c)[0] for c in site.columns]
        lines += ["[[sites]]", f"id = {_s(site.id)}", f"name = {_s(site.name)}", f"style = {_s(site.style)}",
                  "start_urls = [" + ", ".join(_s(u) for u in starts) + "]",
                  f"allowed_hosts = [{_s(site.host)}]", "enabled = true", "timeout = 5", ""]
        for p in site.publishers:
            lines += ["[[sites.publishers]]", f"name = {_s(p.name)}", f"kind = {_s(p.kind)}", f"first_year = {p.first_year}"]
            if p.deadline:
                lines.append(f"deadline = {_s(p.deadline)}")
            lines.append("")
    return "\n".join(lines)
