"""The run report: what one crawl run fetched, changed, failed and refused, per site, as data and as text.

Read by `gongkai crawl`/`nightly`/`status`, the demo, the distributed archiver and the site-health rules;
it only reads the archive, so every one of them can use it without importing the crawl machinery.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

import click


def run_summary(db, run_id: int) -> dict:
    """Pages new / changed / unchanged / failed per site for one run, errors by kind, and the URLs the
    guard refused per site by reason (scheme, off-host, robots)."""
    per_site: dict[str, Counter] = {}
    for row in db.query("SELECT site_id, outcome, status, count(*) AS n FROM captures WHERE run_id = ? "
                        "AND status < 400 GROUP BY site_id, outcome", [run_id]):
        site = row["site_id"] or "-"
        c = per_site.setdefault(site, Counter())
        if row["outcome"] == "error":
            continue
        c[row["outcome"]] += row["n"]
    for row in db.query("SELECT site_id, count(DISTINCT url) AS n FROM captures WHERE run_id = ? AND outcome = 'error' "
                        "GROUP BY site_id", [run_id]):
        per_site.setdefault(row["site_id"] or "-", Counter())["failed"] = row["n"]
    errors = {r["error_kind"]: r["n"] for r in db.query(
        "SELECT error_kind, count(DISTINCT url) AS n FROM captures WHERE run_id = ? AND outcome = 'error' "
        "GROUP BY error_kind", [run_id])}
    refused: dict[str, dict[str, int]] = {}
    for row in db.query("SELECT site_id, error_kind, count(DISTINCT url) AS n FROM captures WHERE run_id = ? "
                        "AND outcome = 'refused' GROUP BY site_id, error_kind ORDER BY site_id, error_kind", [run_id]):
        refused.setdefault(row["site_id"] or "-", {})[row["error_kind"]] = row["n"]
    totals = Counter()
    for c in per_site.values():
        totals.update(c)
    return {"run_id": run_id,
            "refused": refused,
            "totals": {k: totals.get(k, 0) for k in ("new", "changed", "unchanged", "failed")},
            "sites": {s: {k: c.get(k, 0) for k in ("new", "changed", "unchanged", "failed")}
                      for s, c in sorted(per_site.items())},
            "errors": errors}


def add_not_due(summary: dict, counts: dict, full: bool = False) -> None:
    """The URLs the revisit policy held back this run, per site and in total (0 with --full)."""
    total = 0
    for site, c in counts.items():
        n = c.get("not_due", 0)
        total += n
        if n:
            summary["sites"].setdefault(site, {k: 0 for k in ("new", "changed", "unchanged", "failed")})["not_due"] = n
    for c in summary["sites"].values():
        c.setdefault("not_due", 0)
    summary["totals"]["not_due"] = total
    summary["full"] = full


def summary_json(summary: dict) -> str:
    return json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True)


def print_summary(summary: dict, file=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file or sys.stdout, highlight=False)
    table = Table(title=f"crawl run {summary.get('run_id')}" + (" (resumed)" if summary.get("resumed") else ""))
    refused = {s: sum(r.values()) for s, r in summary.get("refused", {}).items()}
    for col in ("site", "new", "changed", "unchanged", "failed", "refused"):
        table.add_column(col, justify="right" if col != "site" else "left")
    for site, c in summary.get("sites", {}).items():
        table.add_row(site, *(str(c[k]) for k in ("new", "changed", "unchanged", "failed")), str(refused.get(site, 0)))
    t = summary.get("totals", {})
    table.add_row("[b]total[/b]", *(f"[b]{t.get(k, 0)}[/b]" for k in ("new", "changed", "unchanged", "failed")),
                  f"[b]{sum(refused.values())}[/b]")
    console.print(table)
    if "not_due" in t:
        console.print(f"not due (revisit policy): {t['not_due']}" + (" (--full: every URL asked)" if summary.get("full")
                                                                      else ""))
    if summary.get("errors"):
        console.print("errors by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["errors"].items())))
    console.print(f"reports extracted: {summary.get('reports_extracted', 0)} "
                  f"(of {summary.get('extracted', 0)} documents; {summary.get('extraction_errors', 0)} with errors)")
    checks = summary.get("checks")
    if checks and file is not None:
        by_rule = checks.get("open_by_rule") or checks.get("by_rule") or {}
        if by_rule:
            console.print("open flags by rule: " + ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))


def print_report(report: dict) -> None:
    """The morning report: what is new, and what needs a person."""
    new, changed = report.get("new_reports", []), report.get("changed_reports", [])
    flags = report.get("new_flags", {})
    lines = [f"new reports: {len(new)}, changed reports: {len(changed)}"]
    if flags.get("by_rule"):
        lines.append("new flags: " + ", ".join(f"{k} {v}" for k, v in sorted(flags["by_rule"].items())))
    for s in report.get("sites_broken", []):
        lines.append(f"SITE BROKEN: {s if isinstance(s, str) else s.get('site')}")
    for s in report.get("sites_failing", []):
        lines.append(f"site failing: {s if isinstance(s, str) else s.get('site')}")
    for s in report.get("sites_capped", []):
        lines.append(f"site capped: {s.get('site')}: {s.get('message')}")
    refused = {}
    for reasons in report.get("refused", {}).values():
        for reason, n in reasons.items():
            refused[reason] = refused.get(reason, 0) + n
    if refused:
        lines.append("refused URLs: " + ", ".join(f"{k} {v}" for k, v in sorted(refused.items())))
    if report.get("truncated"):
        lines.append(f"truncated bodies: {len(report['truncated'])} (first: {report['truncated'][0]['url']})")
    click.echo("\n".join(lines))
