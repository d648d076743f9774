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
from pipeline.formats import identities
from pipeline.formats import table3 as F3

APPLICANT_COLS: tuple[str, ...] = F3.APPLICANT_KEYS
ORG_COLS: tuple[str, ...] = F3.ORG_KEYS
COLS: tuple[str, ...] = F3.ALL_COLUMN_KEYS

LEAVES_COMMON: tuple[str, ...] = tuple(r.key.removeprefix("result.") for r in F3.LEAVES_COMMON)
OTHER_2019: tuple[str, ...] = tuple(r.key.removeprefix("result.") for r in F3.OTHER_2019)
OTHER_2021: tuple[str, ...] = tuple(r.key.removeprefix("result.") for r in F3.OTHER_2021)

#: every row of either format (the identities of the report's own format are checked, see `_format`)
ROWS: tuple[str, ...] = (
    "new", "carried_in",
    *(f"result.{leaf}" for leaf in (*LEAVES_COMMON, *OTHER_2019, *OTHER_2021)),
    "result.total", "carried_out",
)


def _format(rec: ReportRecord) -> str:
    """The report's format for table 三's identities; unknown -> guessed from the （六） rows printed."""
    if rec.format in ("2019", "2021"):
        return rec.format
    return "2021" if any(k.startswith("apps.result.other.misc") for k in rec.metrics) else "2019"


def _report_ok(rec: ReportRecord) -> bool:
    return rec.kind != "not_report"


def check_balance(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """一 + 二 = (七) + 四 per column: the table header prints this identity (pipeline.formats.table3)."""
    if not _report_ok(rec):
        return
    for ident in identities("T3-BALANCE", _format(rec)):
        for b, left_keys, right_keys in ident.instances():
            keys = [*left_keys, *right_keys]
            v = values(rec, keys)
            if v is None:
                continue
            left, right = v[0] + v[1], v[2] + v[3]
            if not same(left, right):
                c = b["c"]
                yield finding(rule, rec, keys,
                              f"表三 {c}: 本年新收 {num(v[0])} + 上年结转 {num(v[1])} = {num(left)}, "
                              f"but 办理结果总计 {num(v[2])} + 结转下年度 {num(v[3])} = {num(right)}",
                              {"formula": "new + carried_in = result.total + carried_out",
                               "expected": num(left), "found": num(right),
                               "values": [cite(rec, k) for k in keys]})


def result_leaves(rec: ReportRecord) -> tuple[str, ...]:
    """The outcome rows summing to (七)总计: (六) is one row in 2019, three in 2021."""
    return tuple(r.key.removeprefix("result.") for r in F3.leaves(_format(rec)))


def check_result_sum(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """(七)总计 = Σ outcome rows, per column: each application has exactly one outcome."""
    if not _report_ok(rec):
        return
    for ident in identities("T3-RESULT-SUM", _format(rec)):
        for b, (total_key,), keys in ident.instances():
            bad = total_mismatch(rec, total_key, keys)
            if bad:
                found, s = bad
                nonzero = [cite(rec, k) for k in keys if rec.metrics[k]]
                yield finding(rule, rec, [total_key],
                              f"表三 {b['c']}: (七)总计 {num(found)} ≠ sum of the outcome rows {num(s)}",
                              {"formula": "result.total = Σ result.* rows", "expected": num(s),
                               "found": num(found), "total": cite(rec, total_key), "rows": nonzero,
                               "rows_all_zero_omitted": len(keys) - len(nonzero)})


def check_row_sum(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """总计 column = Σ six applicant columns (and 小计 = Σ five org columns where printed)."""
    if not _report_ok(rec):
        return
    for ident in identities("T3-ROW-SUM", _format(rec)):
        for b, (total_key,), keys in ident.instances():
            bad = total_mismatch(rec, total_key, keys)
            if bad:
                found, s = bad
                total_col = total_key.rsplit(".", 1)[1]
                parts = [k.rsplit(".", 1)[1] for k in keys]
                yield finding(rule, rec, [total_key],
                              f"表三 row {b['r']}: {total_col} {num(found)} ≠ sum of its columns {num(s)}",
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
