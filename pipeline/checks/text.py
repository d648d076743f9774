"""Prose against tables (2019+): counts and percentages stated in the text must match the tables.

Claims come from extraction (`Extraction.text_claims`), one dict per stated number:
  count:      {"key": "apps.new.total", "value": 70, "sentence": "…收到70件…"}
              (or "keys": [...] when the sentence names a sum, e.g. 予以公开及部分公开42件)
  percentage: {"kind": "pct", "value": 51.85, "numerator": [keys], "denominator": [keys], "sentence": …}

A row's 总计 cell printed blank (上海 2019 leaves the 总计 column of table 三's detail rows empty, and
some organisation cells too) still bounds the row: blank cells are unknown but never negative, so
the row is at least the sum of its printed applicant cells. With all six printed that sum is the
value (T3-ROW-SUM); with some blank, a text stating less than the printed cells already give
contradicts the table (上海 2019: 予以公开及部分公开258件 where the printed cells give 272 + 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from pipeline.checks.model import Finding, ReportRecord, Rule, cite, finding, num, same
from pipeline.checks.table3 import APPLICANT_COLS

PCT_TOLERANCE = 0.05


class Bound(NamedTuple):
    """What the table says of a sum of cells: its value if `exact`, else a lower bound (blank cells left out)."""

    value: float | int
    exact: bool


def _keys(claim: dict[str, Any], *names: str) -> list[str]:
    for name in names:
        v = claim.get(name)
        if v:
            return [v] if isinstance(v, str) else list(v)
    return []


def _row(rec: ReportRecord, key: str) -> Bound | None:
    """A table value; a blank apps.<row>.total is bounded by the row's printed applicant cells."""
    v = rec.metrics.get(key)
    if v is not None:
        return Bound(v, True)
    if not (key.startswith("apps.") and key.endswith(".total")):
        return None
    parts = [rec.metrics.get(f"{key[:-len('total')]}{col}") for col in APPLICANT_COLS]
    printed = [p for p in parts if p is not None]
    return Bound(sum(printed), len(printed) == len(parts)) if printed else None


def table_sum(rec: ReportRecord, keys: list[str]) -> Bound | None:
    """The table's sum of `keys`, None when any of them is not printed at all."""
    rows = [r for k in keys if (r := _row(rec, k)) is not None]
    if len(rows) < len(keys):
        return None
    return Bound(sum(r.value for r in rows), all(r.exact for r in rows))


def _agrees(stated: float, table: Bound) -> bool:
    return same(stated, table.value) if table.exact else stated >= table.value - 1e-6


def _cite(rec: ReportRecord, key: str) -> dict[str, Any]:
    out = cite(rec, key)
    row = _row(rec, key)
    if out["value"] is None and row is not None:
        out["value"] = row.value
        out["where"] = ("sum of the row's applicant cells (总计 cell blank)" if row.exact else
                        "sum of the row's printed applicant cells, a lower bound (总计 and some cells blank)")
    return out


def _is_pct(claim: dict[str, Any]) -> bool:
    return claim.get("kind") == "pct" or "denominator" in claim


def _applies(rec: ReportRecord) -> bool:
    return rec.kind == "report" and rec.format in ("2019", "2021") and bool(rec.text_claims)


def check_text_table(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """A count in the prose equals the table value it names (or, where cells are blank, is not below
    what the printed cells already give).

    Texts often count 上年结转 in with 收到 (domain.md TX-1), so for apps.new.total the sum
    new + carried_in is accepted too.
    """
    if not _applies(rec):
        return
    by_cells: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for claim in rec.text_claims or []:
        if _is_pct(claim) or claim.get("value") is None:
            continue
        keys = _keys(claim, "keys", "key")
        table = table_sum(rec, keys) if keys else None
        if table is None:
            continue
        accepted = [table]
        with_carried = table_sum(rec, [*keys, "apps.carried_in.total"])
        if keys == ["apps.new.total"] and with_carried is not None:
            accepted.append(with_carried)
        if not any(_agrees(claim["value"], a) for a in accepted):
            by_cells.setdefault(tuple(keys), []).append({
                "stated": num(claim["value"]), "table": num(table.value), "exact": table.exact,
                "sentence": claim.get("sentence", "")})
    for keys, bad in by_cells.items():
        first = bad[0]
        gives = "gives" if first["exact"] else "already gives at least (blank cells not counted)"
        yield finding(rule, rec, keys,
                      f"the text states {first['stated']} but the table {gives} {first['table']} for {' + '.join(keys)}",
                      {"expected": first["table"], "found": first["stated"], "exact": first["exact"], "claims": bad,
                       "values": [_cite(rec, k) for k in keys]})


def check_text_pct(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """A percentage in the prose equals the ratio of the counts it names (±0.05 points)."""
    if not _applies(rec):
        return
    for claim in rec.text_claims or []:
        if not _is_pct(claim) or claim.get("value") is None:
            continue
        nk, dk = _keys(claim, "numerator", "num"), _keys(claim, "denominator", "den")
        n, d = (table_sum(rec, nk) if nk else None), (table_sum(rec, dk) if dk else None)
        if n is None or d is None or not (n.exact and d.exact) or d.value == 0:
            continue
        ratio = 100.0 * n.value / d.value
        if abs(ratio - claim["value"]) > PCT_TOLERANCE + 1e-9:
            yield finding(rule, rec, (*nk, "/", *dk),
                          f"the text states {num(claim['value'])}% but {num(n.value)}/{num(d.value)} = {ratio:.2f}%",
                          {"expected": round(ratio, 2), "found": num(claim["value"]), "tolerance": PCT_TOLERANCE,
                           "sentence": claim.get("sentence", ""),
                           "numerator": [_cite(rec, k) for k in nk], "denominator": [_cite(rec, k) for k in dk]})
