"""Publication and history rules: they look at the whole archive (`ArchiveContext`), not one report."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipeline.checks.model import Finding, ReportRecord, Rule, cite, finding, num, same

TEXT_DIFF_LINES = 40


@dataclass
class ArchiveContext:
    """What the archive-wide rules read: current reports, every version, expectations, the check date."""

    reports: list[ReportRecord]
    versions: list[ReportRecord]
    expectations: Any
    as_of: date
    _by_id: dict[str, ReportRecord] = field(default_factory=dict, repr=False)

    def by_id(self, id: str) -> ReportRecord | None:
        if not self._by_id:
            self._by_id = {r.id: r for r in self.versions}
        return self._by_id.get(id)


def _countable(r: ReportRecord) -> bool:
    """A report that exists as a report of its publisher (an attachment copy does not count twice)."""
    return (r.kind != "not_report" and r.role != "attachment" and r.parent_id is None
            and bool(r.publisher) and r.year is not None)


def check_missing(rule: Rule, ctx: ArchiveContext) -> Iterator[Finding]:
    """An expected publisher has no report for year Y after its deadline (+ grace)."""
    if ctx.expectations is None:
        return
    have = {(ctx.expectations.canonical(r.publisher), r.year) for r in ctx.reports if _countable(r)}
    for e in ctx.expectations.expected(ctx.as_of):
        if (e.publisher, e.year) in have:
            continue
        yield Finding(rule=rule.id, severity=rule.severity, subject=f"{e.publisher}/{e.year}", cells=(),
                      message=f"{e.publisher}: no {e.year} report archived; due {e.deadline.isoformat()}"
                              + (f" (+{ctx.expectations.grace_days} days grace)" if ctx.expectations.grace_days else ""),
                      evidence={"publisher": e.publisher, "year": e.year, "deadline": e.deadline.isoformat(),
                                "grace_days": ctx.expectations.grace_days, "as_of": ctx.as_of.isoformat()},
                      publisher=e.publisher, year=e.year, site=e.site)


def check_late(rule: Rule, ctx: ArchiveContext) -> Iterator[Finding]:
    """The report was published after its deadline."""
    if ctx.expectations is None:
        return
    for r in ctx.reports:
        if not _countable(r) or not r.published:
            continue
        try:
            published = date.fromisoformat(r.published[:10])
        except ValueError:
            continue
        dl = ctx.expectations.deadline(r.publisher, r.year)
        if published > dl:
            yield finding(rule, r, ["published"],
                          f"{r.publisher} {r.year} report published {published.isoformat()}, "
                          f"{(published - dl).days} days after the deadline {dl.isoformat()}",
                          {"deadline": dl.isoformat(), "published": published.isoformat(),
                           "days_late": (published - dl).days})


def check_duplicate(rule: Rule, ctx: ArchiveContext) -> Iterator[Finding]:
    """Two different reports for one publisher and year whose numbers differ (reposts agree)."""
    groups: dict[tuple[str, int], list[ReportRecord]] = defaultdict(list)
    for r in ctx.reports:
        if _countable(r) and r.kind == "report":
            groups[(normalise_pub(ctx, r.publisher), r.year)].append(r)
    for (pub, year), rs in groups.items():
        rs = sorted(rs, key=lambda r: r.subject)
        for i, a in enumerate(rs):
            for b in rs[i + 1:]:
                if a.subject == b.subject:
                    continue
                diff = {k: {"a": num(a.metrics[k]), "b": num(b.metrics[k])}
                        for k in sorted(set(a.metrics) & set(b.metrics)) if not same(a.metrics[k], b.metrics[k])}
                if diff:
                    yield finding(rule, a, (), f"{pub} has two {year} reports whose numbers differ "
                                               f"({len(diff)} value(s), e.g. {next(iter(diff))})",
                                  {"a": {"report": a.subject, "url": a.url, "title": a.title, "published": a.published},
                                   "b": {"report": b.subject, "url": b.url, "title": b.title, "published": b.published},
                                   "differences": diff},
                                  subject=f"{a.subject}, {b.subject}")


def normalise_pub(ctx: ArchiveContext, name: str | None) -> str:
    return ctx.expectations.canonical(name) if ctx.expectations is not None else re.sub(r"\s+", "", name or "")


def _norm_text(t: str) -> str:
    return re.sub(r"\s+", "", t or "")


def text_diff(old: str, new: str, limit: int = TEXT_DIFF_LINES) -> list[str]:
    """A short line diff of two texts (lines that changed only)."""
    lines = [ln for ln in difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(), lineterm="", n=0)
             if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    return lines[:limit] + ([f"… {len(lines) - limit} more changed lines"] if len(lines) > limit else [])


def _change(first: ReportRecord, current: ReportRecord) -> tuple[dict[str, Any], bool] | None:
    """Value changes and whether the text changed between two versions; None when nothing did."""
    if first is current or (first.content_hash and current.content_hash and first.content_hash == current.content_hash):
        return None
    changes = {k: {"old": num(first.metrics[k]) if k in first.metrics else None,
                   "new": num(current.metrics[k]) if k in current.metrics else None}
               for k in sorted(set(first.metrics) | set(current.metrics))
               if k not in first.metrics or k not in current.metrics or not same(first.metrics[k], current.metrics[k])}
    text_changed = _norm_text(first.text) != _norm_text(current.text)
    return (changes, text_changed) if changes or text_changed else None


def check_changed(rule: Rule, ctx: ArchiveContext) -> Iterator[Finding]:
    """A report changed after first capture (silent edit): first captured version vs current one.

    When both captures carry a content hash and it is equal, the change came from the parser, not the site.
    An attachment edited together with its page is reported in the page's finding, not separately.
    """
    pages: dict[str, list[ReportRecord]] = defaultdict(list)
    for r in ctx.versions:
        pages[r.subject].append(r)
    found: dict[str, tuple[ReportRecord, ReportRecord, dict[str, Any], bool]] = {}
    for subject, vs in pages.items():
        if len(vs) < 2:
            continue
        vs.sort(key=lambda r: (r.version or 0, r.first_captured or ""))
        first, current = vs[0], next((r for r in reversed(vs) if r.is_current), vs[-1])
        change = _change(first, current)
        if change:
            found[subject] = (first, current, *change)
    folded: dict[str, list[str]] = defaultdict(list)  # page subject -> its changed attachments
    skip: set[str] = set()
    for subject, (_, current, _, _) in found.items():
        parent = ctx.by_id(current.parent_id) if current.parent_id else None
        if current.role == "attachment" and parent is not None and parent.subject in found:
            folded[parent.subject].append(current.url or subject)
            skip.add(subject)
    for subject, (first, current, changes, text_changed) in found.items():
        if subject in skip:
            continue
        what = ", ".join(filter(None, [f"{len(changes)} value(s)" if changes else "",
                                       "the text" if text_changed else "",
                                       f"{len(folded[subject])} attachment(s)" if folded.get(subject) else ""]))
        evidence = {"old": {"version": first.version, "captured": first.first_captured},
                    "new": {"version": current.version, "captured": current.first_captured},
                    "values": changes, "text_diff": text_diff(first.text, current.text) if text_changed else []}
        if folded.get(subject):
            evidence["attachments_changed"] = sorted(folded[subject])
        yield finding(rule, current, (), f"report changed since it was first archived (version {first.version} → "
                                         f"{current.version}): {what}", evidence)


def check_attachment(rule: Rule, ctx: ArchiveContext) -> Iterator[Finding]:
    """A number in an attached document (PDF/DOC/XLS) differs from the same number on the page."""
    for att in ctx.reports:
        if att.role != "attachment" and att.parent_id is None:
            continue
        page = ctx.by_id(att.parent_id)
        if page is None:
            continue
        if not page.is_current:  # the page was re-parsed since: compare with its current record
            page = next((r for r in ctx.reports if r.subject == page.subject), page)
        for k in sorted(set(att.metrics) & set(page.metrics)):
            a, p = att.metrics[k], page.metrics[k]
            if a is None or p is None or same(a, p):
                continue
            yield finding(rule, page, [k], f"{k}: the page says {num(p)}, the attachment ({att.url}) says {num(a)}",
                          {"expected": num(p), "found": num(a),
                           "page": {"report": page.subject, **cite(page, k)},
                           "attachment": {"report": att.subject, "url": att.url, **cite(att, k)}},
                          subject=f"{page.subject}, {att.subject}")
