"""Legacy reports (≤ 2018): the "其中" structure of the old statistics tables (domain.md §3.6).

A sum over categories is checked when the categories are complete (a catch-all is stated), and
also whenever the stated parts already exceed the total — parts ≥ 0, so that holds whatever is missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pipeline.checks.model import (
    Finding,
    ReportRecord,
    Rule,
    cite,
    finding,
    num,
    same,
    total_mismatch,
    values,
)
from pipeline.formats import identities
from pipeline.formats import legacy as L

ANSWER_CATEGORIES: tuple[str, ...] = L.ANSWER_KEYS
#: sets of categories that cover every answer (pipeline.formats.legacy)
ANSWERS_COMPLETE: tuple[tuple[str, ...], ...] = L.ANSWERS_COMPLETE
CHANNELS: tuple[str, ...] = L.CHANNEL_KEYS
RATE_TOLERANCE = 0.5


def _sum_check(rule: Rule, rec: ReportRecord, total_key: str, parts: Sequence[str],
               complete: Sequence[Sequence[str]], label: str) -> Iterator[Finding]:
    """total = Σ parts when one of the `complete` sets is all stated; parts > total is wrong regardless."""
    total = rec.metrics.get(total_key)
    stated = [k for k in parts if rec.metrics.get(k) is not None]
    if total is None or not stated:
        return
    s = sum(rec.metrics[k] for k in stated)
    is_complete = any(all(rec.metrics.get(k) is not None for k in ks) for ks in complete)
    if (is_complete and not same(s, total)) or s > total + 1e-9:
        why = "sum of its categories" if is_complete else "sum of the stated categories already"
        yield finding(rule, rec, [total_key], f"{label}: total {num(total)} ≠ {why} {num(s)}",
                      {"formula": f"{total_key} = Σ {', '.join(stated)}", "expected": num(s), "found": num(total),
                       "complete": is_complete, "values": [cite(rec, k) for k in (total_key, *stated)]})


def check_answer_sum(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """答复总数 = Σ answer categories (同意公开, 同意部分公开, 不同意公开, …, 其他)."""
    yield from _sum_check(rule, rec, "legacy.answers.total", ANSWER_CATEGORIES, ANSWERS_COMPLETE, "答复")


def check_channel_sum(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """受理申请总数 = Σ 申请方式 (当面, 传真, 电子邮件, 网上, 信函, 其他), when all six are stated."""
    if not any(k in rec.metrics for k in CHANNELS):
        return
    yield from _sum_check(rule, rec, "apps.new.total", CHANNELS, (CHANNELS,), "申请方式")


def check_review_sum(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """复议/诉讼 total = 维持 + 纠错 + 其他情形 (legacy reports; 2019+ have table 四, see T4-SUM)."""
    if rec.format != "legacy":
        return
    instances = [inst for ident in identities("L-REVIEW-SUM") for inst in ident.instances()]
    for b, _, parts in instances:
        g = b["g"]
        keys = list(parts)
        if rec.metrics.get(f"{g}.pending") is not None:
            keys.append(f"{g}.pending")
        bad = total_mismatch(rec, f"{g}.total", keys)
        if bad:
            found, s = bad
            yield finding(rule, rec, [f"{g}.total"], f"{g}: total {num(found)} ≠ 维持+纠错+其他 {num(s)}",
                          {"formula": f"{g}.total = " + " + ".join(keys), "expected": num(s), "found": num(found),
                           "values": [cite(rec, k) for k in (f"{g}.total", *keys)]})


def check_staff_sum(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """工作人员 = 专职 + 兼职."""
    keys = ["staff.total", "staff.full_time", "staff.part_time"]
    v = values(rec, keys)
    if v is not None and not same(v[0], v[1] + v[2]):
        yield finding(rule, rec, ["staff.total"], f"staff: total {num(v[0])} ≠ 专职 {num(v[1])} + 兼职 {num(v[2])}",
                      {"formula": "staff.total = full_time + part_time", "expected": num(v[1] + v[2]),
                       "found": num(v[0]), "values": [cite(rec, k) for k in keys]})


def check_rate(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """答复率 = 答复数 / 申请数 (±0.5 points)."""
    keys = ["legacy.answers.rate_pct", "legacy.answers.total", "apps.new.total"]
    v = values(rec, keys)
    if v is None or v[2] == 0:
        return
    ratio = 100.0 * v[1] / v[2]
    if abs(ratio - v[0]) > RATE_TOLERANCE + 1e-9:
        yield finding(rule, rec, ["legacy.answers.rate_pct"],
                      f"答复率 stated {num(v[0])}% but {num(v[1])}/{num(v[2])} = {ratio:.1f}%",
                      {"expected": round(ratio, 2), "found": num(v[0]), "tolerance": RATE_TOLERANCE,
                       "values": [cite(rec, k) for k in keys]})
