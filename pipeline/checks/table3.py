"""Table 三 (formats 2019, 2021): the identities its own header and row definitions state."""

from __future__ import annotations

from collections.abc import Iterator

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

APPLICANT_COLS: tuple[str, ...] = (
    "natural_person", "org_business", "org_research", "org_nonprofit", "org_legal", "org_other",
)
ORG_COLS: tuple[str, ...] = APPLICANT_COLS[1:]
COLS: tuple[str, ...] = (*APPLICANT_COLS, "org_subtotal", "total")

LEAVES_COMMON: tuple[str, ...] = (
    "disclosed", "partial",
    "withheld.state_secret", "withheld.law_forbidden", "withheld.security_stability",
    "withheld.third_party", "withheld.internal_affairs", "withheld.process_info",
    "withheld.enforcement_file", "withheld.query_matter",
    "unable.not_held", "unable.needs_creation", "unable.unclear",
    "ignored.petition", "ignored.repeat", "ignored.publication", "ignored.excessive", "ignored.reconfirm",
)
OTHER_2019: tuple[str, ...] = ("other",)
OTHER_2021: tuple[str, ...] = ("other.no_correction", "other.no_fee", "other.misc")

ROWS: tuple[str, ...] = (
    "new", "carried_in",
    *(f"result.{leaf}" for leaf in (*LEAVES_COMMON, *OTHER_2019, *OTHER_2021)),
    "result.total", "carried_out",
)


def _report_ok(rec: ReportRecord) -> bool:
    return rec.kind != "not_report"


def check_balance(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """一 + 二 = (七) + 四 per column: the table header prints this identity."""
    if not _report_ok(rec):
        return
    for c in COLS:
        keys = [f"apps.{r}.{c}" for r in ("new", "carried_in", "result.total", "carried_out")]
        v = values(rec, keys)
        if v is None:
            continue
        left, right = v[0] + v[1], v[2] + v[3]
        if not same(left, right):
            yield finding(rule, rec, keys,
                          f"表三 {c}: 本年新收 {num(v[0])} + 上年结转 {num(v[1])} = {num(left)}, "
                          f"but 办理结果总计 {num(v[2])} + 结转下年度 {num(v[3])} = {num(right)}",
                          {"formula": "new + carried_in = result.total + carried_out",
                           "expected": num(left), "found": num(right),
                           "values": [cite(rec, k) for k in keys]})


def result_leaves(rec: ReportRecord) -> tuple[str, ...]:
    """The outcome rows summing to (七)总计: (六) is one row in 2019, three in 2021."""
    if rec.format == "2019":
        other = OTHER_2019
    elif rec.format == "2021":
        other = OTHER_2021
    else:
        other = OTHER_2021 if any(k.startswith("apps.result.other.misc") for k in rec.metrics) else OTHER_2019
    return (*LEAVES_COMMON, *other)


def check_result_sum(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """(七)总计 = Σ outcome rows, per column: each application has exactly one outcome."""
    if not _report_ok(rec):
        return
    leaves = result_leaves(rec)
    for c in COLS:
        total_key = f"apps.result.total.{c}"
        keys = [f"apps.result.{leaf}.{c}" for leaf in leaves]
        bad = total_mismatch(rec, total_key, keys)
        if bad:
            found, s = bad
            nonzero = [cite(rec, k) for k in keys if rec.metrics[k]]
            yield finding(rule, rec, [total_key],
                          f"表三 {c}: (七)总计 {num(found)} ≠ sum of the outcome rows {num(s)}",
                          {"formula": "result.total = Σ result.* rows", "expected": num(s),
                           "found": num(found), "total": cite(rec, total_key), "rows": nonzero,
                           "rows_all_zero_omitted": len(keys) - len(nonzero)})


def check_row_sum(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """总计 column = Σ six applicant columns (and 小计 = Σ five org columns where printed)."""
    if not _report_ok(rec):
        return
    for r in ROWS:
        for total_col, parts in (("total", APPLICANT_COLS), ("org_subtotal", ORG_COLS)):
            total_key = f"apps.{r}.{total_col}"
            keys = [f"apps.{r}.{c}" for c in parts]
            bad = total_mismatch(rec, total_key, keys)
            if bad:
                found, s = bad
                yield finding(rule, rec, [total_key],
                              f"表三 row {r}: {total_col} {num(found)} ≠ sum of its columns {num(s)}",
                              {"formula": f"{total_col} = Σ {'/'.join(parts)}", "expected": num(s),
                               "found": num(found), "values": [cite(rec, k) for k in (total_key, *keys)]})


def check_blank(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """Blank table-三 cells are unknown (not 0): one warning per report listing them."""
    blanks = sorted(k for k in (rec.blank_cells or []) if k.startswith("apps."))
    if not blanks or not _report_ok(rec):
        return
    yield finding(rule, rec, (), f"表三 has {len(blanks)} blank cell(s) (\"\", \"/\", \"—\"): unknown, not 0",
                  {"blank_cells": blanks, "count": len(blanks)})


def check_negative(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """Table 三 counts are whole numbers ≥ 0."""
    if not _report_ok(rec):
        return
    for k in sorted(rec.metrics):
        if not k.startswith("apps.") or k.endswith("_pct"):
            continue
        v = rec.metrics[k]
        if v is None:
            continue
        if v < 0 or float(v) != int(v):
            yield finding(rule, rec, [k], f"{k} = {num(v)} is not a whole number ≥ 0",
                          {"expected": "integer ≥ 0", "found": num(v), "values": [cite(rec, k)]})
