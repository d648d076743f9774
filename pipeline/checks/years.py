"""Across years of one publisher: each function gets the year-Y report and its year-(Y−1) predecessor."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.checks.model import Finding, ReportRecord, Rule, cite_in, finding, num, same
from pipeline.checks.table3 import COLS
from pipeline.formats import table2

PREV_ITEMS_LABEL = table2.PREV_ITEMS.label

CHANGE_PCT_TOLERANCE = 0.5
PREV_ITEMS_ROWS: tuple[str, ...] = ("licensing", "other_services", "penalty", "coercion", "fees")
IN_FORCE_ROWS: tuple[str, ...] = ("rules", "normative")
REPEAT_THRESHOLD = 0.5


def pair_subject(cur: ReportRecord, prev: ReportRecord) -> str:
    return f"{cur.subject} vs {prev.subject}"


def _get(rec: ReportRecord, key: str):
    return rec.metrics.get(key)


def check_carry(rule: Rule, cur: ReportRecord, prev: ReportRecord) -> Iterator[Finding]:
    """上年结转 (Y) = 结转下年度继续办理 (Y−1): the same applications, counted twice."""
    if cur.year is None or cur.year < 2020:
        return
    for c in COLS:
        ki, ko = f"apps.carried_in.{c}", f"apps.carried_out.{c}"
        a, b = _get(cur, ki), _get(prev, ko)
        if a is None or b is None or same(a, b):
            continue
        yield finding(rule, cur, [ki, f"{prev.year}:{ko}"],
                      f"{cur.year} 上年结转 ({c}) {num(a)} ≠ {prev.year} 结转下年度 {num(b)}",
                      {"expected": num(b), "found": num(a), "values": [cite_in(cur, ki), cite_in(prev, ko)]},
                      subject=pair_subject(cur, prev))


def check_change_pct(rule: Rule, cur: ReportRecord, prev: ReportRecord) -> Iterator[Finding]:
    """A stated year-on-year change agrees with last year's archived value (±0.5 points)."""
    for k in sorted(cur.metrics):
        if not k.endswith("_change_pct"):
            continue
        base = k[: -len("_change_pct")]
        stated, now, before = cur.metrics[k], _get(cur, base), _get(prev, base)
        if stated is None or now is None or before is None or before == 0:
            continue
        actual = 100.0 * (now - before) / before
        if abs(actual - stated) > CHANGE_PCT_TOLERANCE + 1e-9:
            yield finding(rule, cur, [k],
                          f"stated change of {base} {num(stated)}% but {num(before)} → {num(now)} is {actual:+.2f}%",
                          {"expected": round(actual, 2), "found": num(stated), "tolerance": CHANGE_PCT_TOLERANCE,
                           "values": [cite_in(cur, k), cite_in(cur, base), cite_in(prev, base)]},
                          subject=pair_subject(cur, prev))


def check_prev_items(rule: Rule, cur: ReportRecord, prev: ReportRecord) -> Iterator[Finding]:
    """2019 format: 上一年项目数量 (Y) = 上一年项目数量 (Y−1) + 本年增/减 (Y−1)."""
    if cur.format != "2019" or prev.format != "2019":
        return
    for row in PREV_ITEMS_ROWS:
        kp, kc = f"proactive.{row}.prev_items", f"proactive.{row}.change"
        now, before, change = _get(cur, kp), _get(prev, kp), _get(prev, kc)
        if now is None or before is None or change is None or same(now, before + change):
            continue
        yield finding(rule, cur, [kp], f"{row}: {PREV_ITEMS_LABEL} {num(now)} ≠ {prev.year}'s {num(before)} + 增减 {num(change)}",
                      {"expected": num(before + change), "found": num(now),
                       "values": [cite_in(cur, kp), cite_in(prev, kp), cite_in(prev, kc)]},
                      subject=pair_subject(cur, prev))


def check_in_force(rule: Rule, cur: ReportRecord, prev: ReportRecord) -> Iterator[Finding]:
    """2021 format: 现行有效件数 (Y) = 现行有效 (Y−1) + 本年制发 (Y) − 本年废止 (Y); a 清理 breaks it."""
    if cur.format != "2021":
        return
    for row in IN_FORCE_ROWS:
        kf, ki, kr = (f"proactive.{row}.{c}" for c in ("in_force", "issued", "repealed"))
        now, before, issued, repealed = _get(cur, kf), _get(prev, kf), _get(cur, ki), _get(cur, kr)
        if None in (now, before, issued, repealed):
            continue
        expected = before + issued - repealed
        if not same(now, expected):
            yield finding(rule, cur, [kf],
                          f"{row}: 现行有效 {num(now)} ≠ {prev.year}'s {num(before)} + 制发 {num(issued)} − 废止 "
                          f"{num(repealed)} = {num(expected)}",
                          {"expected": num(expected), "found": num(now),
                           "values": [cite_in(cur, kf), cite_in(prev, kf), cite_in(cur, ki), cite_in(cur, kr)]},
                          subject=pair_subject(cur, prev))


_SENTENCE = re.compile(r"[^。！？!?\n]*[。！？!?]")
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9０-９.]+")
#: the intro every report of the national format repeats by design: its repetition is not 雷同
_BOILERPLATE = re.compile(r"^(本报告(是)?根据|本报告(中)?所列数据|全文包括|如对本报告有任何疑问|统计期限)")


def prose_sentences(text: str) -> list[str]:
    """Sentences of the prose (ending in 。！？), whitespace removed and numbers masked: table cells never end so.

    Headings and the format's fixed intro sentences are left out.
    """
    out = []
    for s in _SENTENCE.findall(text or ""):
        s = _DIGITS.sub("#", _SPACE.sub("", s))
        if len(s) >= 12 and not _BOILERPLATE.match(s):
            out.append(s)
    return out


def repeat_share(text: str, prev_text: str) -> tuple[float, list[str]]:
    """Share of this year's prose (by characters) in sentences that repeat last year's word for word."""
    cur = prose_sentences(text)
    before = set(prose_sentences(prev_text))
    total = sum(len(s) for s in cur)
    if not total:
        return 0.0, []
    repeated = [s for s in cur if s in before]
    return sum(len(s) for s in repeated) / total, repeated


def check_repeat(rule: Rule, cur: ReportRecord, prev: ReportRecord) -> Iterator[Finding]:
    """内容雷同: more than half of the prose repeats last year's (numbers aside)."""
    if not cur.text or not prev.text:
        return
    share, repeated = repeat_share(cur.text, prev.text)
    if share > REPEAT_THRESHOLD:
        yield finding(rule, cur, (), f"{share:.0%} of the prose repeats the {prev.year} report (内容雷同)",
                      {"expected": f"≤ {REPEAT_THRESHOLD:.0%}", "found": round(share, 3),
                       "repeated_sentences": len(repeated), "sentences": len(prose_sentences(cur.text)),
                       "examples": repeated[:5], "previous": prev.subject},
                      subject=pair_subject(cur, prev))
