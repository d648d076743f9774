"""`gongkai discover` (portal -> registry entries) and `gongkai registry check` (are the entries right?).

Thin commands over scraper/discover.py, scraper/proposals.py and the discover spider: they read the
options, run one bounded discovery, print what was found and set aside, and write the registry file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from archive.errors import GongkaiError
from scraper.proposals import merge, proposals, set_verified
from scraper.registry import RegistryError, load_registry


def _print_findings(spider, stats: dict, props, notes, out) -> None:
    echo = lambda s="": click.echo(s, err=True)  # noqa: E731 - the summary goes to stderr, TOML to stdout
    echo(f"discover: {spider.counts['pages']} page(s) read on {', '.join(sorted(spider.hosts))}; "
         f"stopped: {stats.get('finish_reason', '?')}")
    for p in props:
        echo(f"  site {p.id} ({p.style}): {len(p.start_urls)} column(s), {len(p.publishers)} publisher(s), "
             f"years {p.years[0] if p.years else '?'}–{p.years[-1] if p.years else '?'}")
        for line in p.evidence:
            echo(f"    {line}")
    for n in notes:
        echo(f"  set aside: {n}")
    for url, why in sorted(spider.rejected.items()):
        echo(f"  not a report column: {url}: {why}")
    for what in _limits_hit(spider, stats):
        echo(f"  could not: {what}")
    for url, why in sorted(spider.failed.items()):
        echo(f"  failed: {url}: {why}")
    if spider.counts["offsite_links"]:
        echo(f"  skipped {spider.counts['offsite_links']} link(s) to other hosts (only the given hosts are read)")
    refused = len(spider.refused)
    if refused:
        echo(f"  refused {refused} request(s) off the given hosts (e.g. {next(iter(sorted(spider.refused)))})")
    if out:
        echo(f"  written: {out}")


def _limits_hit(spider, stats: dict) -> list[str]:
    out = []
    reason = stats.get("finish_reason", "")
    if reason == "closespider_pagecount" or spider.counts["budget_cut"]:
        out.append("read the whole site: the page budget (--max-pages) was reached")
    if reason == "closespider_timeout":
        out.append("read the whole site: the time budget (--max-seconds) was reached")
    if stats.get("request_depth_max", 0) >= spider.settings.getint("DEPTH_LIMIT") > 0:
        out.append(f"follow links deeper than --max-depth {spider.settings.getint('DEPTH_LIMIT')}")
    if spider.counts["links_cut"]:
        out.append(f"follow {spider.counts['links_cut']} link(s) of pages with too many links")
    if spider.counts["variants_cut"]:
        out.append(f"follow {spider.counts['variants_cut']} more query variant(s) of one path (a calendar?)")
    return out


def _as_json(spider, stats, props, notes) -> dict:
    return {"pages": spider.counts["pages"], "finish_reason": stats.get("finish_reason"),
            "sites": [{"id": p.id, "name": p.name, "style": p.style, "host": p.host, "start_urls": p.start_urls,
                       "publishers": [{"name": n, "kind": k, "first_year": y} for n, k, y in p.publishers],
                       "years": p.years, "evidence": p.evidence} for p in props],
            "set_aside": notes, "not_columns": spider.rejected, "failed": spider.failed,
            "refused": spider.refused, "offsite_links": spider.counts["offsite_links"],
            "could_not": _limits_hit(spider, stats)}


@click.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Registry file to write (merged with it if it exists); without it the TOML goes to stdout.")
@click.option("--proxy", default=None, metavar="URL", help="HTTP proxy for every request (the sample web).")
@click.option("--max-pages", default=500, show_default=True, help="Pages read at most.")
@click.option("--max-depth", default=6, show_default=True, help="Links followed from a start URL at most.")
@click.option("--max-seconds", default=300.0, show_default=True, help="Seconds at most.")
@click.option("--delay", default=0.5, show_default=True, help="Seconds between requests to one host.")
@click.option("--json", "as_json", is_flag=True, help="Print what was found as JSON.")
def discover(urls, out, proxy, max_pages, max_depth, max_seconds, delay, as_json):
    """Find the annual-report columns of the sites at URLS and propose registry entries (verified = false)."""
    from scraper.spiders.discover import run_discovery  # lazy: Scrapy loads for this command only

    for u in urls:
        if urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).netloc:
            raise GongkaiError(f"not an http(s) URL: {u}")
    existing = ""
    if out and Path(out).exists():
        try:
            existing = Path(out).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise GongkaiError(f"cannot read {out}: {exc}") from None
    spider, stats = run_discovery(list(urls), proxy=proxy, max_pages=max_pages, max_depth=max_depth,
                                  max_seconds=max_seconds, delay=delay)
    props, notes = proposals(list(spider.columns.values()), spider.site_names)
    try:
        text, _changes = merge(existing, props, proxy=proxy)
    except Exception as exc:  # tomlkit's parse errors have no common base worth naming
        raise GongkaiError(f"{out} is not a registry TOML file: {exc}") from None
    if out:
        Path(out).write_text(text, encoding="utf-8")
    if as_json:
        click.echo(json.dumps(_as_json(spider, stats, props, notes), ensure_ascii=False, indent=2))
    elif not out:
        click.echo(text)
    _print_findings(spider, stats, props, notes, out)
    sys.exit(0 if props else 1)


@click.group()
def registry():
    """Check the entries of a site registry."""


@registry.command("check")
@click.argument("site_ids", nargs=-1)
@click.option("--sites", "sites_file", envvar="GONGKAI_SITES", required=True, type=click.Path(dir_okay=False),
              help="The registry file.")
@click.option("--verify", is_flag=True, help="Set verified = true on the entries that passed.")
@click.option("--delay", default=0.5, show_default=True, help="Seconds between requests to one host.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def registry_check(site_ids, sites_file, verify, delay, as_json):
    """Fetch each entry's listings: pages, reports, years, the style that pages them; exit 1 if one fails."""
    from scraper.spiders.discover import run_discovery  # lazy: Scrapy loads for this command only

    try:
        reg = load_registry(sites_file)
        sites = reg.enabled(list(site_ids)) if site_ids else list(reg.sites)
    except RegistryError as exc:
        raise GongkaiError(str(exc)) from None
    urls = [u for s in sites for u in s.start_urls]
    spider, stats = run_discovery(urls, proxy=reg.proxy, max_pages=50 * max(1, len(urls)), max_depth=2,
                                  max_seconds=600, delay=delay, follow=False)
    results = []
    for site in sites:
        checks = []
        for u in site.start_urls:
            col = spider.columns.get(u)
            if col is None:
                why = spider.failed.get(u) or spider.rejected.get(u) or spider.refused.get(u) or "not fetched"
                checks.append({"url": u, "ok": False, "why": why})
                continue
            style_ok = site.style in ("generic", col.style)
            checks.append({"url": u, "ok": style_ok and bool(col.reports), "reports": len(col.reports),
                           "pages": col.pages, "years": col.years, "style": col.style,
                           "publisher": col.publisher,
                           "why": "" if style_ok else f"pages as {col.style}, registry says {site.style}"})
        results.append({"id": site.id, "ok": all(c["ok"] for c in checks), "listings": checks})
    passed = [r["id"] for r in results if r["ok"]]
    if verify and passed:
        text = Path(sites_file).read_text(encoding="utf-8")
        Path(sites_file).write_text(set_verified(text, passed), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for r in results:
            click.echo(f"{r['id']}: {'ok' if r['ok'] else 'FAILED'}")
            for c in r["listings"]:
                if c.get("reports") is not None:
                    click.echo(f"  {c['url']}: {c['reports']} reports on {c['pages']} page(s), years "
                               f"{c['years'][0] if c['years'] else '?'}–{c['years'][-1] if c['years'] else '?'}, "
                               f"{c['style']}, {c['publisher']} {c['why']}".rstrip())
                else:
                    click.echo(f"  {c['url']}: {c['why']}")
        if verify:
            click.echo(f"verified: {', '.join(passed) or 'none'}")
    sys.exit(0 if len(passed) == len(results) else 1)


COMMANDS = [discover, registry]
