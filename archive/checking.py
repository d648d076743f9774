"""Run the rules over the archive publisher by publisher, so a night costs what changed in it.

A national archive holds about a million reports: the checks never load it whole. The time-driven rule
(MISSING) reads compact facts — which publisher has a report for which year — for everyone; every other
rule reads one slice of publishers at a time (their reports, old versions and attachments, with metrics),
streamed from SQLite, and its flags are synced for that slice alone. After a crawl only the publishers
whose reports changed in the run are re-evaluated (`changed_in_run`); `gongkai check` re-evaluates all.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.flags import load_report_records, open_counts, sync_findings
from archive.health import ARCHIVE_RULES, archive_findings
from archive.schema import ensure_schema
from pipeline.checks import RULES_BY_ID, ReportRecord, run_archive_rules
from pipeline.checks.expectations import Expectations, Publisher, normalise
from pipeline.checks.publication import ArchiveContext
from scraper.registry import load_registry

#: rules that depend on the date of the check, not on a publisher's reports: evaluated from compact facts
TIME_DRIVEN = ("MISSING",)
#: publishers per slice: one read of their records and one flag sync (one transaction) each
SLICE = 100


def registry_publishers(path: str | Path | None) -> list[Publisher]:
    """The publishers of a registry TOML's enabled sites, as the checks expect them (none without a
    registry). `scraper.registry` validates the file and raises RegistryError with one clear line."""
    if not path:
        return []
    return [Publisher(name=normalise(p.name), kind=p.kind, first_year=p.first_year, deadline=p.deadline,
                      site=s.id, from_registry=True)
            for s in load_registry(path).enabled() for p in s.publishers]


def _facts(db: sqlite_utils.Database) -> list[ReportRecord]:
    """One small record per (publisher, year) that has a countable report: what MISSING and the
    expectations read (no text, no metrics)."""
    rows = db.query(
        "SELECT publisher, year, min(site_id) AS site FROM reports WHERE coalesce(is_current, 1) AND coalesce(kind, 'report') != 'not_report' "
        "AND coalesce(role, 'page') != 'attachment' AND parent_report_id IS NULL AND publisher IS NOT NULL "
        "AND year IS NOT NULL GROUP BY publisher, year")
    return [ReportRecord(id=f"fact:{r['publisher']}/{r['year']}", publisher=r["publisher"], year=r["year"],
                         site=r["site"]) for r in rows]


def _publishers_changed_in(db: sqlite_utils.Database, run_id: int) -> set[str | None]:
    """Raw publisher names (None for reports without one) whose reports this run captured anew: the new
    version's, the old versions' of the same URLs, and the parent page's of a changed attachment."""
    names: set[str | None] = set()
    changed = ("SELECT r.id, r.url, r.parent_report_id FROM reports r JOIN pages p ON p.id = r.page_id "
               "WHERE p.run_id = ?")
    for row in db.query(f"SELECT DISTINCT r2.publisher FROM reports r2 WHERE r2.url IN "
                        f"(SELECT url FROM ({changed}))", [run_id]):
        names.add(row["publisher"])
    for row in db.query(f"SELECT DISTINCT publisher FROM reports WHERE id IN "
                        f"(SELECT parent_report_id FROM ({changed}))", [run_id]):
        names.add(row["publisher"])
    return names


def _slice_records(db: sqlite_utils.Database, names: list[str | None]) -> list[ReportRecord]:
    """Every version of the pages these publishers put out, and every attachment of those pages."""
    raw = _json_list(n for n in names if n is not None)
    with_none = " OR publisher IS NULL" if None in names else ""
    pages = (f"SELECT url FROM reports WHERE (publisher IN (SELECT value FROM json_each(?)){with_none}) "
             "AND (coalesce(role, 'page') != 'attachment' OR parent_report_id IS NULL)")
    attachments = f"SELECT url FROM reports WHERE parent_report_id IN (SELECT id FROM reports WHERE url IN ({pages}))"
    return load_report_records(db, f"r.url IN ({pages}) OR r.url IN ({attachments})", [raw, raw])


def _scope(names: list[str | None], records: list[ReportRecord]) -> tuple[str, list]:
    """The flags one slice owns: its publishers' (or its reports'), except the time-driven and crawl rules."""
    raw = [n for n in names if n is not None]
    ids = sorted({r.id for r in records})
    others = list(TIME_DRIVEN) + [r.id for r in ARCHIVE_RULES]
    cond = [f"publisher IN ({','.join('?' * len(raw))})"] if raw else []
    if None in names:
        cond.append("publisher IS NULL")
    if ids:
        cond.append(f"report_id IN ({','.join('?' * len(ids))})")
    if not cond:
        cond = ["0"]
    sql = f"({' OR '.join(cond)}) AND rule NOT IN ({','.join('?' * len(others))})"
    return sql, [*raw, *ids, *others]


def _slices(groups: dict[str, list[str | None]], size: int) -> Iterable[list[str | None]]:
    batch: list[str | None] = []
    for canonical in sorted(groups, key=lambda c: c or ""):
        batch.extend(groups[canonical])
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_checks(db: sqlite_utils.Database, registry_path: str | Path | None = None, as_of: date | None = None,
               run_id: int | None = None, grace_days: int | None = None,
               changed_in_run: bool = False) -> dict[str, Any]:
    """Run every rule and sync the flags; with `changed_in_run`, only for the publishers whose reports
    run `run_id` changed (MISSING and the crawl rules always run, from compact facts)."""
    ensure_schema(db)  # also brings an older archive's tables up to date (additive)
    as_of = as_of or date.today()
    facts = _facts(db)
    kwargs = {} if grace_days is None else {"grace_days": grace_days}
    expectations = Expectations.build(registry_publishers(registry_path), facts, **kwargs)
    groups: dict[str, list[str | None]] = defaultdict(list)
    for row in db.query("SELECT DISTINCT publisher FROM reports"):
        groups[expectations.canonical(row["publisher"]) if row["publisher"] else ""].append(row["publisher"])
    partial = changed_in_run and run_id is not None
    if partial:
        wanted = {expectations.canonical(n) if n else "" for n in _publishers_changed_in(db, run_id)}
        groups = {c: names for c, names in groups.items() if c in wanted}
    counts: Counter = Counter({k: 0 for k in ("opened", "reopened", "evidence_changed", "resolved", "unchanged")})
    by_rule: Counter = Counter()
    by_severity: Counter = Counter()
    seen: set[str] = set()
    n_findings = 0
    for names in _slices(groups, SLICE):
        records = _slice_records(db, names)
        findings = run_archive_rules(records, expectations, as_of, skip=TIME_DRIVEN)
        counts.update(sync_findings(db, findings, run_id=run_id, scope=_scope(names, records), seen=seen))
        n_findings += len(findings)
        by_rule.update(f.rule for f in findings)
        by_severity.update(f.severity for f in findings)
        # let go of this slice before the next is read: else two slices' records (text, metrics and their
        # provenance: ~80 KB a report) are alive at once and the peak is twice a slice's
        del records, findings
    if not partial:
        # a flag no slice owns any more (its report's publisher was renamed by a re-parse): resolved
        others = list(TIME_DRIVEN) + [r.id for r in ARCHIVE_RULES]
        counts.update(sync_findings(db, [], run_id=run_id, seen=seen, scope=(
            f"status != 'resolved' AND rule NOT IN ({','.join('?' * len(others))}) AND identity NOT IN "
            "(SELECT value FROM json_each(?))", [*others, _json_list(seen)])))
    timed = [f for rule_id in TIME_DRIVEN for f in RULES_BY_ID[rule_id].check(
        RULES_BY_ID[rule_id], ArchiveContext(reports=facts, versions=[], expectations=expectations, as_of=as_of))]
    # rules over the crawl itself (SITE-BROKEN): synced on their own, so neither resolves the other's flags
    crawl = archive_findings(db, run_id)
    for group, rules in ((timed, set(TIME_DRIVEN)), (crawl, {r.id for r in ARCHIVE_RULES})):
        counts.update(sync_findings(db, group, run_id=run_id, rules=rules, scope=(
            f"rule IN ({','.join('?' * len(rules))})", sorted(rules))))
        n_findings += len(group)
        by_rule.update(f.rule for f in group)
        by_severity.update(f.severity for f in group)
    current = db.execute("SELECT count(*) FROM reports WHERE coalesce(is_current, 1)").fetchone()[0]
    return {
        "as_of": as_of.isoformat(), "reports": current, "findings": n_findings,
        "publishers_checked": sum(1 for _ in groups) if partial else len(groups),
        "scope": "changed in run" if partial else "all",
        "by_rule": dict(sorted(by_rule.items())), "by_severity": dict(sorted(by_severity.items())),
        **dict(counts),
        "open_by_rule": open_counts(db, "rule"), "open_by_severity": open_counts(db, "severity"),
    }


def _json_list(items: Iterable[str]) -> str:
    return json.dumps(sorted(items), ensure_ascii=False)
