"""Site health and the nightly run report.

Sites change under a crawler: a 改版 moves the disclosure column (the start listing 404s), the
listing is rebuilt so no report links are found, or report pages get a new template the extractor
cannot read. None of that is an error in one report, so no report rule sees it; it shows only by
comparing a site's runs. This module makes that comparison (`site_health`); `SITE-BROKEN`, a row of
the rules table (pipeline/checks/crawl.py), turns it into findings that go through the same flags
lifecycle as every other rule: opened with the last good and the first bad capture, resolved when the
site comes back.

`run_report` / `exit_code` turn one run into what an operator reads in the morning and what cron or
systemd sees (0 fine, 1 a person is needed).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from archive.flags import sync_findings
from archive.runreport import run_summary
from pipeline.checks import RULES
from pipeline.checks.crawl import LINKS, LISTING, STATS
from pipeline.checks.model import Finding, Rule

#: metrics whose disappearance means the report template changed (spec/checks.md: tables 二/三)
STAT_PREFIXES = ("apps.", "proactive.")
#: a site whose failed fetches are at least this share of its fetches in a run is "failing"
FAILING_SHARE = 0.5

REPORT_KINDS = ("report", "image_only")


@dataclass
class _RunState:
    """One site in one run."""

    run_id: int
    at: str | None
    problem: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    report_captures: int = 0
    start_ok: dict[str, dict] = field(default_factory=dict)


def _runs(db: sqlite_utils.Database, run_id: int | None) -> list[dict]:
    """Finished runs (and `run_id`, the run being closed): an interrupted run's partial captures
    would look like a broken site."""
    return list(db.query("SELECT id, started_at, finished_at, status, sites FROM crawl_runs "
                         "WHERE status = 'finished' OR id = ? ORDER BY id", [run_id if run_id is not None else -1]))


def _run_sites(run: dict) -> set[str] | None:
    try:
        return set(json.loads(run["sites"] or "null") or [])
    except ValueError:
        return None


def _has_stats_by_page(db: sqlite_utils.Database) -> dict[int, bool]:
    """Report page id -> did its (latest) extraction find apps.*/proactive.* metrics. Pages not
    extracted yet are absent (unknown)."""
    like = " OR ".join("m.key LIKE ?" for _ in STAT_PREFIXES)
    sql = (f"SELECT l.page_id, EXISTS (SELECT 1 FROM metrics m WHERE m.report_id = l.rid AND ({like})) AS s "
           "FROM (SELECT page_id, max(id) AS rid FROM reports WHERE role = 'page' AND page_id IS NOT NULL "
           "GROUP BY page_id) l")
    return {row["page_id"]: bool(row["s"]) for row in db.query(sql, [p + "%" for p in STAT_PREFIXES])}


def _kind_by_page(db: sqlite_utils.Database) -> dict[int, str]:
    """Page id -> what its latest extraction found (report, image_only, not_report, …)."""
    return {r["page_id"]: r["kind"] for r in db.query(
        "SELECT r.page_id, r.kind FROM reports r JOIN (SELECT page_id, max(id) AS rid FROM reports "
        "WHERE role = 'page' AND page_id IS NOT NULL GROUP BY page_id) l ON r.id = l.rid")}


def _evaluate(db: sqlite_utils.Database, run_id: int | None) -> tuple[dict[str, dict], dict[str, list[_RunState]]]:
    """Every site's state in every run that crawled it, oldest first."""
    sites = {r["id"]: r for r in db.query("SELECT id, name, start_urls, enabled FROM sites ORDER BY id")}
    runs = _runs(db, run_id)
    run_ids = [r["id"] for r in runs]
    if not run_ids:
        return sites, {s: [] for s in sites}
    marks = ",".join("?" * len(run_ids))
    start_of: dict[str, str] = {}
    for sid, s in sites.items():
        for url in json.loads(s["start_urls"] or "[]"):
            start_of[url] = sid
    # start listings: a URL is fine in a run when one capture of it got a < 400 answer
    starts: dict[tuple[int, str], dict] = {}
    if start_of:
        umarks = ",".join("?" * len(start_of))
        for c in db.query(f"SELECT run_id, url, status, outcome, error_kind, error, fetched_at FROM captures "
                          f"WHERE run_id IN ({marks}) AND url IN ({umarks}) ORDER BY id", run_ids + list(start_of)):
            ok = c["outcome"] != "error" and c["status"] is not None and c["status"] < 400
            key = (c["run_id"], c["url"])
            prev = starts.get(key)
            if prev is None or (ok and not prev["ok"]) or (not ok and not prev["ok"] and c["error_kind"]):
                starts[key] = {**c, "ok": ok or bool(prev and prev["ok"])}
    report_caps: Counter = Counter()
    changed: dict[tuple[int, str], list[dict]] = defaultdict(list)
    # report pages: report-titled links, and other column entries (role item) extraction found to be reports
    kinds = _kind_by_page(db)
    for c in db.query(f"SELECT c.run_id, p.site_id, c.outcome, p.id AS page_id, p.role, p.url, p.version, c.fetched_at "
                      f"FROM captures c JOIN pages p ON p.id = c.page_id WHERE c.run_id IN ({marks}) "
                      f"AND p.role IN ('report', 'item') AND c.outcome IN ('new','changed','unchanged') AND c.status < 400",
                      run_ids):
        if c["role"] == "item" and kinds.get(c["page_id"]) not in REPORT_KINDS:
            if c["outcome"] in ("new", "changed"):
                changed[(c["run_id"], c["site_id"])].append(c)  # an item may be a report that lost its statistics
            continue
        report_caps[(c["run_id"], c["site_id"])] += 1
        if c["outcome"] in ("new", "changed"):
            changed[(c["run_id"], c["site_id"])].append(c)
    stats = _has_stats_by_page(db)
    prev_page = {(r["url"], r["version"]): r["id"] for r in db.query(
        "SELECT id, url, version FROM pages WHERE role IN ('report', 'item') AND status = 200")}

    history: dict[str, list[_RunState]] = {s: [] for s in sites}
    for run in runs:
        crawled = _run_sites(run)
        for sid, site in sites.items():
            if crawled is not None and sid not in crawled:
                continue
            st = _RunState(run_id=run["id"], at=run["finished_at"] or run["started_at"],
                           report_captures=report_caps[(run["id"], sid)])
            urls = json.loads(site["start_urls"] or "[]")
            bad = []
            for url in urls:
                c = starts.get((run["id"], url))
                if c is not None and c["ok"]:
                    st.start_ok[url] = c
                else:
                    bad.append({"url": url, "status": c and c["status"], "error": c and (c["error_kind"] or c["error"]),
                                "fetched_at": c and c["fetched_at"]} if c else {"url": url, "error": "not fetched"})
            earlier = [h for h in history[sid] if h.problem is None]
            if bad:
                st.problem, st.detail = LISTING, {"failed": bad}
            else:  # lost statistics first: re-templated pages may no longer count as report pages
                st.problem, st.detail = _stats_problem(changed[(run["id"], sid)], stats, prev_page,
                                                       any(stats.get(pid) for pid in _site_pages(history[sid], changed, sid)))
            if st.problem is None and st.report_captures == 0 and any(h.report_captures for h in earlier):
                st.problem, st.detail = LINKS, {"report_captures": 0,
                                                "before": next(h.report_captures for h in reversed(earlier)
                                                               if h.report_captures)}
            history[sid].append(st)
    return sites, history


def _site_pages(history: list[_RunState], changed: dict, sid: str) -> list[int]:
    return [c["page_id"] for h in history for c in changed.get((h.run_id, sid), [])]


def _stats_problem(pages: list[dict], stats: dict[int, bool], prev_page: dict, had_stats: bool):
    """Template changed: report pages captured new/changed in this run yield no statistics although
    earlier versions of those pages (or, for new pages, the site's earlier reports) did."""
    def had(p: dict) -> bool:
        return p["version"] > 1 and bool(stats.get(prev_page.get((p["url"], p["version"] - 1))))

    # column entries that are not report-titled count only when an earlier version had statistics
    known = [p for p in pages if p["page_id"] in stats and (p["role"] == "report" or had(p))]
    if not known or any(stats[p["page_id"]] for p in known):
        return None, {}
    lost = [p for p in known if had(p)]
    new = [p for p in known if p["version"] == 1]
    if lost or (len(new) >= 2 and had_stats):
        sample = (lost or new)[0]
        return STATS, {"pages_without_statistics": len(known), "lost": len(lost),
                       "example": {"url": sample["url"], "version": sample["version"], "fetched_at": sample["fetched_at"]}}
    return None, {}


def site_health(db: sqlite_utils.Database, run_id: int | None = None) -> list[dict[str, Any]]:
    """One dict per site: status ('ok', 'broken', 'not crawled'), the problem, the last run, report
    pages seen in it, and — when broken — the last good and the first bad run (for `gongkai status`)."""
    sites, history = _evaluate(db, run_id)
    out = []
    for sid, site in sites.items():
        runs = history.get(sid, [])
        row: dict[str, Any] = {"site": sid, "name": site["name"], "status": "not crawled", "problem": None,
                               "last_run": None, "last_run_at": None, "report_captures": 0,
                               "last_good_run": None, "last_good_at": None, "first_bad_run": None,
                               "first_bad_at": None, "evidence": {}}
        if runs:
            last = runs[-1]
            good = [h for h in runs if h.problem is None]
            row.update(status="ok" if last.problem is None else "broken", problem=last.problem,
                       last_run=last.run_id, last_run_at=last.at, report_captures=last.report_captures)
            if good:
                row.update(last_good_run=good[-1].run_id, last_good_at=good[-1].at)
            if last.problem is not None:
                first = last
                for h in reversed(runs):
                    if h.problem is None:
                        break
                    first = h
                row.update(first_bad_run=first.run_id, first_bad_at=first.at,
                           evidence=_evidence(first, good[-1] if good else None))
        out.append(row)
    return out


def _evidence(first_bad: _RunState, last_good: _RunState | None) -> dict[str, Any]:
    """Stable while the site stays broken (so a reviewer's decision survives the nightly re-runs)."""
    ev: dict[str, Any] = {"problem": first_bad.problem, "first_bad": {"run": first_bad.run_id, "at": first_bad.at,
                                                                     **first_bad.detail}}
    if last_good is None:
        ev["last_good"] = None
    else:
        url, cap = next(iter(sorted(last_good.start_ok.items())), (None, {}))
        failed = [f["url"] for f in first_bad.detail.get("failed", [])]
        if failed and failed[0] in last_good.start_ok:
            url, cap = failed[0], last_good.start_ok[failed[0]]
        ev["last_good"] = {"run": last_good.run_id, "at": last_good.at, "report_captures": last_good.report_captures,
                           "capture": {"url": url, "status": cap.get("status"), "fetched_at": cap.get("fetched_at")}}
    return ev


#: rules over the crawl itself (scope "crawl", fn(rule, site_health rows)): rows of pipeline.checks.RULES
ARCHIVE_RULES: list[Rule] = [r for r in RULES if r.scope == "crawl"]


def archive_findings(db: sqlite_utils.Database, run_id: int | None = None) -> list[Finding]:
    """Findings of every crawl rule (SITE-BROKEN) over the sites' health."""
    health = site_health(db, run_id)
    return [f for rule in ARCHIVE_RULES for f in rule.check(rule, health)]


def sync_site_health(db: sqlite_utils.Database, run_id: int | None = None) -> dict[str, int]:
    """Sync SITE-BROKEN findings into the flags table alone (only SITE-BROKEN flags can be resolved)."""
    return sync_findings(db, archive_findings(db, run_id), run_id=run_id, rules={r.id for r in ARCHIVE_RULES})


# -- run report ---------------------------------------------------------------------------------------
def _seconds(a: str | None, b: str | None) -> float | None:
    try:
        return round((datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds(), 1)
    except (TypeError, ValueError):
        return None


def _reports_of_run(db: sqlite_utils.Database, run_id: int) -> tuple[list[dict], list[dict]]:
    sql = ("SELECT r.publisher, r.year, p.url, p.site_id AS site, p.version FROM pages p "
           "JOIN reports r ON r.id = (SELECT max(id) FROM reports WHERE page_id = p.id AND role = 'page') "
           "WHERE p.run_id = ? AND p.role IN ('report', 'item') AND r.kind IN ('report', 'image_only') "
           "ORDER BY p.site_id, p.url")
    new, changed = [], []
    for r in db.query(sql, [run_id]):
        (new if r.pop("version") == 1 else changed).append(r)
    return new, changed


def _new_flags(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    """Flags opened (or error flags re-opened) by this run's checks: by the run id their events carry,
    not by timestamps (a run can start in the second the previous one ended)."""
    if "flags" not in db.table_names() or "flag_events" not in db.table_names():
        return {"by_rule": {}, "errors": 0, "warnings": 0, "reopened_errors": 0, "items": []}
    rows = list(db.query("SELECT f.id, f.rule, f.severity, f.site, f.publisher, f.year, f.message FROM flags f "
                         "WHERE f.id IN (SELECT flag_id FROM flag_events WHERE event = 'opened' AND run_id = ?) "
                         "ORDER BY f.rule, f.id", [run_id]))
    reopened = db.execute("SELECT count(DISTINCT e.flag_id) FROM flag_events e JOIN flags f ON f.id = e.flag_id "
                          "WHERE e.event IN ('reopened', 'evidence_changed') AND e.run_id = ? "
                          "AND f.severity = 'error' AND f.status = 'open'", [run_id]).fetchone()[0]
    sev = Counter(r["severity"] for r in rows)
    return {"by_rule": dict(sorted(Counter(r["rule"] for r in rows).items())), "errors": sev.get("error", 0),
            "warnings": sev.get("warning", 0), "reopened_errors": reopened,
            "items": [r for r in rows if r["severity"] == "error"][:50]}


def run_report(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    """What one run did and what needs a person: new and changed reports, flags first seen in the
    run by rule, broken and failing sites, errors by kind, durations."""
    run = db["crawl_runs"].get(run_id)
    saved = json.loads(run.get("summary") or "{}")
    summary = run_summary(db, run_id)
    new, changed = _reports_of_run(db, run_id)
    health = {h["site"]: h for h in site_health(db, run_id)}
    broken = [h for h in health.values() if h["status"] == "broken" and h["last_run"] == run_id]
    fetched = Counter({r["site_id"]: r["n"] for r in db.query(
        "SELECT site_id, count(DISTINCT url) AS n FROM captures WHERE run_id = ? AND outcome != 'refused' "
        "GROUP BY site_id", [run_id])})
    failing = [{"site": s, "failed": c["failed"], "fetched": fetched[s]} for s, c in summary["sites"].items()
               if c["failed"] and c["failed"] >= FAILING_SHARE * max(fetched[s], 1)]
    return {
        "run_id": run_id, "status": run["status"], "started_at": run["started_at"], "finished_at": run.get("finished_at"),
        "resumed": bool(saved.get("resumed")),
        "durations": {"total_seconds": _seconds(run["started_at"], run.get("finished_at")),
                      "crawl_seconds": saved.get("crawl_seconds"), "extract_seconds": saved.get("extract_seconds")},
        "pages": summary["totals"],
        "new_reports": new, "changed_reports": changed,
        "new_flags": _new_flags(db, run_id),
        "sites_broken": [{k: h[k] for k in ("site", "name", "problem", "last_good_run", "last_good_at",
                                             "first_bad_run", "first_bad_at")} for h in broken],
        "sites_failing": failing,
        "sites_capped": _capped(db, run_id),
        "refused": summary.get("refused", {}),
        "refused_examples": _records(db, run_id, "outcome = 'refused'"),
        "truncated": _records(db, run_id, "outcome = 'error' AND error_kind = 'truncated'"),
        "errors": summary["errors"],
    }


#: error kinds of a crawl cap (scraper/settings.py GONGKAI_MAX_*): the site's night ended or a listing stopped
CAP_KINDS = ("crawl_cap", "listing_cap")


def _capped(db: sqlite_utils.Database, run_id: int) -> list[dict[str, Any]]:
    """Sites whose crawl hit a cap in this run, with the recorded message (a trap ends its own night)."""
    marks = ",".join("?" * len(CAP_KINDS))
    return [dict(r) for r in db.query(
        f"SELECT site_id AS site, error_kind AS cap, url, error AS message FROM captures WHERE run_id = ? "
        f"AND outcome = 'error' AND error_kind IN ({marks}) ORDER BY site_id, id", [run_id, *CAP_KINDS])]


def _records(db: sqlite_utils.Database, run_id: int, where: str, limit: int = 50) -> list[dict[str, Any]]:
    """The first captures of the run matching where (a fixed clause), for the report to show."""
    return [dict(r) for r in db.query(
        f"SELECT site_id AS site, url, error_kind AS kind, error AS message FROM captures WHERE run_id = ? "
        f"AND {where} ORDER BY id LIMIT ?", [run_id, limit])]


def exit_code(report: dict[str, Any]) -> int:
    """0: all fine. 1: a person is needed (new or re-opened error flags, a broken, failing or capped site)."""
    flags = report.get("new_flags") or {}
    if flags.get("errors") or flags.get("reopened_errors"):
        return 1
    if report.get("sites_broken") or report.get("sites_failing") or report.get("sites_capped"):
        return 1
    return 0
