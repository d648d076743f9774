"""The data the checks work on and produce: rules, findings and a plain report record.

Rules read `ReportRecord`s (plain data, no DB) so the same rule serves `gongkai parse` on one
Extraction and `gongkai check` over the whole archive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SEVERITIES: tuple[str, ...] = ("error", "warning")

#: scopes: "report" fn(rec); "years" fn(cur, prev) for the same publisher's Y and Y-1;
#: "publication" and "history" fn(ctx: ArchiveContext); "crawl" fn(sites: site-health rows of archive/health.py)
SCOPES: tuple[str, ...] = ("report", "years", "publication", "history", "crawl")


@dataclass(frozen=True)
class Finding:
    """One thing a reviewer should look at. Identity = rule + subject + cells (stable across runs)."""

    rule: str
    severity: str
    subject: str
    cells: tuple[str, ...]
    message: str
    evidence: dict[str, Any]
    #: context for the archive's flag row (not part of the identity)
    report_id: str | None = None
    publisher: str | None = None
    year: int | None = None
    site: str | None = None

    @property
    def identity(self) -> str:
        return f"{self.rule}|{self.subject}|{','.join(self.cells)}"

    def to_json(self) -> dict[str, Any]:
        """The `flags` item of `gongkai parse --json` (spec/cli.md) plus subject and cells."""
        return {"rule": self.rule, "severity": self.severity, "message": self.message,
                "evidence": self.evidence, "subject": self.subject, "cells": list(self.cells)}


@dataclass(frozen=True)
class Rule:
    """A rule of spec/checks.md as data; `check` is its one small function (signature by scope)."""

    id: str
    severity: str
    scope: str
    description: str
    reads: tuple[str, ...]
    check: Callable[..., Iterable[Finding]] = field(repr=False, compare=False)


@dataclass
class ReportRecord:
    """One report as the checks see it, whether it comes from an Extraction or from the archive.

    `key` is the stable subject of its flags (the archived page, not one parse of it), so a
    reviewer's decision survives re-parses and new versions. Lists left as None mean "not known"
    (a rule that needs them does not fire).
    """

    id: str
    publisher: str | None = None
    year: int | None = None
    format: str | None = None
    published: str | None = None
    kind: str = "report"
    metrics: dict[str, float | int] = field(default_factory=dict)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    text: str = ""
    title: str | None = None
    url: str | None = None
    site: str | None = None
    key: str | None = None
    first_captured: str | None = None
    version: int | None = None
    is_current: bool = True
    #: hash of the captured bytes, when known: equal hashes mean a change came from the parser
    content_hash: str | None = None
    #: "page" or "attachment" (a document attached to a report page)
    role: str = "page"
    #: the record (id) of the page this one is an attachment of, for ATTACHMENT-MISMATCH
    parent_id: str | None = None
    blank_cells: list[str] | None = None
    sections: list[str] | None = None
    tables: list[str] | None = None
    #: national tables printed in the document but not read (EXTRACT-FAILED); None = not known
    unread_tables: list[str] | None = None
    text_claims: list[dict[str, Any]] | None = None

    @property
    def subject(self) -> str:
        return self.key or self.url or self.id

    @classmethod
    def from_extraction(cls, ex: Any, id: str | None = None) -> ReportRecord:
        """Wrap an `Extraction`; an empty `sections` list on an empty text means "not looked for"."""
        f = ex.fields
        has_text = bool((ex.text or "").strip())
        return cls(
            id=id or f.get("url") or f.get("title") or "report",
            publisher=f.get("publisher"), year=f.get("year"), format=f.get("format"),
            published=f.get("published"), kind=ex.kind, metrics=dict(ex.metrics),
            provenance={k: p.to_json() for k, p in ex.provenance.items()},
            text=ex.text or "", title=f.get("title"), url=f.get("url"),
            blank_cells=list(ex.blank_cells),
            sections=list(ex.sections) if (ex.sections or has_text) else None,
            tables=list(ex.tables) if (ex.tables or has_text) else None,
            text_claims=list(ex.text_claims),
            unread_tables=list(getattr(ex, "unread_tables", []) or []),
        )


def cite(rec: ReportRecord, key: str) -> dict[str, Any]:
    """A value with where it came from, for evidence: {"key", "value", "source", "where", "raw"}."""
    out: dict[str, Any] = {"key": key, "value": rec.metrics.get(key)}
    prov = rec.provenance.get(key) or {}
    for name in ("source", "where", "raw"):
        if prov.get(name) is not None:
            out[name] = prov[name]
    return out


def cite_in(rec: ReportRecord, key: str) -> dict[str, Any]:
    """`cite` plus which report (subject and year): for rules comparing two reports."""
    return {"report": rec.subject, "year": rec.year, **cite(rec, key)}


def finding(rule: Rule, rec: ReportRecord, cells: Iterable[str], message: str,
            evidence: dict[str, Any], subject: str | None = None) -> Finding:
    """A Finding about `rec` (context columns filled from it)."""
    return Finding(rule=rule.id, severity=rule.severity, subject=subject or rec.subject,
                   cells=tuple(cells), message=message, evidence=evidence, report_id=rec.id,
                   publisher=rec.publisher, year=rec.year, site=rec.site)


def values(rec: ReportRecord, keys: Iterable[str]) -> list[float | int] | None:
    """The values of `keys`, or None when any is missing (missing is unknown, never 0)."""
    out = []
    for k in keys:
        v = rec.metrics.get(k)
        if v is None:
            return None
        out.append(v)
    return out


def same(a: float, b: float, tol: float = 1e-6) -> bool:
    return abs(a - b) <= tol


def total_mismatch(rec: ReportRecord, total_key: str, part_keys: Iterable[str]) -> tuple[float, float] | None:
    """(found total, sum of the parts) when a printed total differs from its parts; None when they agree
    or any input is missing (the shared step of every "total = Σ parts" rule)."""
    v = values(rec, [total_key, *part_keys])
    if v is None:
        return None
    s = sum(v[1:])
    return None if same(v[0], s) else (v[0], s)


def num(v: float | int) -> float | int:
    """Print 3.0 as 3 in messages and evidence."""
    return int(v) if isinstance(v, float) and v.is_integer() else round(v, 6) if isinstance(v, float) else v
