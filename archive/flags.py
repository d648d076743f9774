"""Flags in the archive: findings made durable, with a reviewer's decisions and their history.

A flag is keyed by its finding's identity (rule + subject + cells), so re-running the checks never
duplicates it and a decision survives re-runs. The evidence hash tells "same finding, same values"
from "same finding, new values" (re-opened, and an event says so). Flags are never deleted: a
finding that stops appearing marks its flag resolved; if it comes back, the flag is re-opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.opendb import transaction
from pipeline.checks import Finding, ReportRecord

STATUSES: tuple[str, ...] = ("open", "confirmed", "dismissed", "resolved")
EVENTS: tuple[str, ...] = ("opened", "confirmed", "dismissed", "resolved", "reopened", "evidence_changed")

FLAGS_COLUMNS: dict[str, type] = {
    "id": int, "rule": str, "severity": str, "subject": str, "cells": str, "identity": str, "status": str,
    "message": str, "evidence": str, "evidence_hash": str, "site": str, "publisher": str, "year": int,
    "report_id": str, "first_seen": str, "last_seen": str, "last_run_id": int, "decided_by": str,
    "decided_at": str, "note": str,
}
EVENTS_COLUMNS: dict[str, type] = {
    "id": int, "flag_id": int, "at": str, "event": str, "who": str, "note": str, "evidence": str, "run_id": int,
}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ensure_flag_tables(db: sqlite_utils.Database) -> None:
    """Create `flags` and `flag_events` (and their indexes) if missing; safe to call every time."""
    if not db["flags"].exists():
        db["flags"].create(FLAGS_COLUMNS, pk="id", not_null={"rule", "identity", "status"})
    if not db["flag_events"].exists():
        db["flag_events"].create(EVENTS_COLUMNS, pk="id", foreign_keys=[("flag_id", "flags", "id")])
    db["flags"].create_index(["identity"], unique=True, if_not_exists=True)
    # covering indexes for the review queue's counts (status filter, then the grouping column)
    for cols in (["status", "rule"], ["status", "site", "severity"], ["status", "year", "severity"],
                 ["status", "severity", "rule"],
                 ["site", "year"], ["publisher", "year"], ["report_id"]):
        db["flags"].create_index(cols, if_not_exists=True)
    # the review queue's order (errors first, then rule, publisher, year, id = rowid): an index on that very
    # expression lets `ORDER BY severity = 'error' DESC, … LIMIT 500` read its first page instead of sorting
    # every open flag
    db.execute("CREATE INDEX IF NOT EXISTS idx_flags_queue ON flags (status, severity = 'error' DESC, rule, "
               "publisher, year)")
    db["flag_events"].create_index(["flag_id", "at"], if_not_exists=True)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


#: evidence keys that say when a finding was checked, not what it found (MISSING's `as_of`): left out of the
#: hash, or a decided MISSING flag would re-open every day
VOLATILE_EVIDENCE: tuple[str, ...] = ("as_of",)


def _full_hash(evidence: dict[str, Any]) -> str:
    return hashlib.sha256(_json(evidence).encode()).hexdigest()[:16]


def evidence_hash(evidence: dict[str, Any]) -> str:
    """Stable hash of the evidence (key order ignored, when-checked keys left out): equal hash = the
    finding did not change."""
    stable = {k: v for k, v in evidence.items() if k not in VOLATILE_EVIDENCE}
    return hashlib.sha256(_json(stable).encode()).hexdigest()[:16]


def _event(db: sqlite_utils.Database, flag_id: int, event: str, at: str, who: str | None = None,
           note: str | None = None, evidence: Any = None, run_id: int | None = None) -> None:
    db["flag_events"].insert({"flag_id": flag_id, "at": at, "event": event, "who": who, "note": note,
                              "evidence": evidence if evidence is None or isinstance(evidence, str) else _json(evidence),
                              "run_id": run_id})


def _context(f: Finding) -> dict[str, Any]:
    return {"severity": f.severity, "message": f.message, "site": f.site, "publisher": f.publisher,
            "year": f.year, "report_id": None if f.report_id is None else str(f.report_id)}


def sync_findings(db: sqlite_utils.Database, findings: Iterable[Finding], run_id: int | None = None,
                  now: str | None = None, rules: Collection[str] | None = None,
                  subjects: Collection[str] | None = None, scope: tuple[str, list] | None = None,
                  seen: set[str] | None = None) -> dict[str, int]:
    """Upsert findings as flags by identity; resolve flags whose finding no longer appears.

    Only flags within `rules` / `subjects` (default: all) can be resolved, so a partial run (one
    report re-parsed) does not resolve everything else. `scope` (an SQL condition on flags and its
    parameters) narrows both what is read and what can be resolved to one slice of the archive (a
    chunk of publishers), so a sync costs what the slice holds, not what the archive holds. `seen`
    collects the identities synced. Returns counts of what happened.
    """
    ensure_flag_tables(db)
    now = now or now_iso()
    counts = Counter({k: 0 for k in ("opened", "reopened", "evidence_changed", "resolved", "unchanged")})
    findings = list(findings)
    if scope is None:
        existing = {row["identity"]: row for row in db["flags"].rows}
    else:
        existing = {row["identity"]: row for row in db.query(f"SELECT * FROM flags WHERE {scope[0]}", scope[1])}
    in_scope = set(existing)
    if scope is not None:
        wanted = sorted({f.identity for f in findings} - set(existing))
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            existing.update((row["identity"], row) for row in db.query(
                f"SELECT * FROM flags WHERE identity IN ({','.join('?' * len(part))})", part))
    if seen is None:
        seen = set()
    synced: set[str] = set()
    with transaction(db):
        for f in findings:
            ident = f.identity
            if ident in synced:
                continue
            synced.add(ident)
            seen.add(ident)
            h = evidence_hash(f.evidence)
            row = existing.get(ident)
            base = {**_context(f), "last_seen": now, "last_run_id": run_id}
            if row is None:
                flag_id = db["flags"].insert({
                    "rule": f.rule, "subject": f.subject, "cells": _json(list(f.cells)), "identity": ident,
                    "status": "open", "evidence": _json(f.evidence), "evidence_hash": h, "first_seen": now,
                    **base}).last_pk
                _event(db, flag_id, "opened", now, evidence=f.evidence, run_id=run_id)
                counts["opened"] += 1
                continue
            # an archive hashed before VOLATILE_EVIDENCE existed: the whole evidence's hash also means "same"
            changed = row["evidence_hash"] not in (h, _full_hash(f.evidence))
            if row["status"] == "resolved" or changed:
                event = "reopened" if row["status"] == "resolved" else "evidence_changed"
                note = (f"re-opened: evidence changed (was {row['status']})" if changed
                        else "re-opened: the finding appears again")
                _event(db, row["id"], event, now, note=note, evidence=row["evidence"], run_id=run_id)
                db["flags"].update(row["id"], {**base, "status": "open", "evidence": _json(f.evidence),
                                               "evidence_hash": h, "decided_by": None, "decided_at": None,
                                               "note": None})
                counts[event] += 1
            else:
                db["flags"].update(row["id"], {**base, "evidence": _json(f.evidence), "evidence_hash": h})
                counts["unchanged"] += 1
        for ident, row in existing.items():
            if ident in synced or row["status"] == "resolved" or ident not in in_scope:
                continue
            if (rules is not None and row["rule"] not in rules) or (subjects is not None and row["subject"] not in subjects):
                continue
            db["flags"].update(row["id"], {"status": "resolved", "last_run_id": run_id})
            _event(db, row["id"], "resolved", now, note=f"the finding no longer appears (was {row['status']})",
                   run_id=run_id)
            counts["resolved"] += 1
    return dict(counts)


class ArchiveBusy(RuntimeError):
    """Another process (a crawl) held the archive's write lock longer than the busy timeout."""


@contextlib.contextmanager
def immediate_transaction(db: sqlite_utils.Database):
    """BEGIN IMMEDIATE: take the write lock first, so SQLite's busy timeout makes a decision wait for
    a crawl's writer. (A deferred transaction that reads first cannot wait when it then writes:
    SQLite answers "database is locked" at once.)"""
    conn = db.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ArchiveBusy("the archive stayed locked by another writer (a crawl?); try again") from None
        raise
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def _decide(db: sqlite_utils.Database, flag_id: int, status: str, note: str | None, who: str | None,
            now: str | None) -> dict[str, Any]:
    if not isinstance(flag_id, int) or not 0 < flag_id < 2**63:
        raise KeyError(f"no flag with id {flag_id}")
    if "flags" not in db.table_names():
        raise KeyError(f"no flag with id {flag_id}")
    now = now or now_iso()
    with immediate_transaction(db):
        try:
            row = db["flags"].get(flag_id)
        except sqlite_utils.db.NotFoundError:
            raise KeyError(f"no flag with id {flag_id}") from None
        db["flags"].update(flag_id, {"status": status, "decided_by": who, "decided_at": now, "note": note})
        _event(db, flag_id, status, now, who=who, note=note, evidence=row["evidence"])
    return db["flags"].get(flag_id)


def confirm(db: sqlite_utils.Database, flag_id: int, note: str | None = None, who: str | None = None,
            now: str | None = None) -> dict[str, Any]:
    """A reviewer agrees: the report is wrong. Kept across re-runs while the evidence stays the same."""
    return _decide(db, flag_id, "confirmed", note, who, now)


def dismiss(db: sqlite_utils.Database, flag_id: int, note: str | None = None, who: str | None = None,
            now: str | None = None) -> dict[str, Any]:
    """A reviewer disagrees (false positive, explained by the text…): stays dismissed until the evidence changes."""
    return _decide(db, flag_id, "dismissed", note, who, now)


def _optional_json(value: Any) -> list | None:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return value
    try:
        out = json.loads(value)
    except (TypeError, ValueError):
        return None
    return out if isinstance(out, list) else None


def _number(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def load_report_records(db: sqlite_utils.Database, where: str | None = None,
                        params: Iterable[Any] = ()) -> list[ReportRecord]:
    """Archived report versions (current and old) as plain records for the checks: every one, or
    those matching `where` (an SQL condition on reports `r`), with their metrics.

    The subject key is the report's URL (stable across versions and re-parses); the content hash is
    the captured page's sha256, when the pages table has it.
    """
    names = set(db.table_names())
    if "reports" not in names:
        return []
    params = list(params)
    cols = set(db["reports"].columns_dict)
    join = "pages" in names and "sha256" in db["pages"].columns_dict and "page_id" in cols
    sql = ("SELECT r.*, p.sha256 AS _content_hash FROM reports r LEFT JOIN pages p ON p.id = r.page_id"
           if join else "SELECT r.*, NULL AS _content_hash FROM reports r")
    cond = f" WHERE {where}" if where else ""
    metrics: dict[Any, dict[str, Any]] = {}
    provenance: dict[Any, dict[str, dict[str, Any]]] = {}
    if "metrics" in names:
        msql = "SELECT * FROM metrics" if not where else (
            f"SELECT m.* FROM metrics m WHERE m.report_id IN (SELECT r.id FROM reports r{cond})")
        for m in db.query(msql, params):
            if m.get("value") is None:
                continue
            metrics.setdefault(m["report_id"], {})[m["key"]] = _number(m["value"])
            provenance.setdefault(m["report_id"], {})[m["key"]] = {
                k: m.get(c) for k, c in (("source", "source"), ("where", "where_"), ("raw", "raw")) if m.get(c) is not None}
    out = []
    for r in db.query(sql + cond + " ORDER BY r.id", params):
        parent = r.get("parent_report_id")
        out.append(ReportRecord(
            id=str(r["id"]), publisher=r.get("publisher"), year=r.get("year"), format=r.get("format"),
            published=r.get("published"), kind=r.get("kind") or "report", metrics=metrics.get(r["id"], {}),
            provenance=provenance.get(r["id"], {}), text=r.get("text") or "", title=r.get("title"),
            url=r.get("url"), site=r.get("site_id"), key=r.get("url") or f"report:{r['id']}",
            first_captured=r.get("first_captured"), version=r.get("version"),
            is_current=bool(r.get("is_current", 1)), content_hash=r.get("_content_hash"),
            role=r.get("role") or "page", parent_id=None if parent is None else str(parent),
            blank_cells=_optional_json(r.get("blank_cells")), sections=_optional_json(r.get("sections")),
            tables=_optional_json(r.get("tables")), unread_tables=_optional_json(r.get("unread_tables")),
            text_claims=_optional_json(r.get("text_claims"))))
    return out


def open_counts(db: sqlite_utils.Database, by: str) -> dict[str, int]:
    """Open flags counted by a column (rule, severity, site)."""
    if by not in ("rule", "severity", "site", "publisher", "year"):
        raise ValueError(by)
    if "flags" not in db.table_names():  # read-only callers (status) on an archive never checked
        return {}
    return {str(r["k"]): r["n"] for r in db.query(
        f"SELECT coalesce({by}, '—') AS k, count(*) AS n FROM flags WHERE status = 'open' GROUP BY k ORDER BY n DESC, k")}


def default_registry() -> Path | None:
    """The project's bundled registry, if there is one (scraper/registries/real.toml)."""
    p = Path(__file__).resolve().parents[1] / "scraper" / "registries" / "real.toml"
    return p if p.exists() else None
