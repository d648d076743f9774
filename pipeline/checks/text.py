"""Prose against tables (2019+): counts and percentages stated in the text must match the tables.

Claims come from extraction (`Extraction.text_claims`), one dict per stated number:
  count:      {"key": "apps.new.total", "value": 70, "sentence": "…收到70件…"}
              (or "keys": [...] when the sentence names a sum, e.g. 予以公开及部分公开42件)
  percentage: {"kind": "pct", "value": 51.85, "numerator": [keys], "denominator": [keys], "sentence": …}

A row's 总计 cell printed blank (上海 2019 leaves the 总计 column of the detail rows of table 三 empty)
is read as the sum of its six applicant cells when all six are printed: the table still states the
row's value (T3-ROW-SUM), so a text that contradicts it is still caught.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pipeline.checks.model import Finding, ReportRecord, Rule, cite, finding, num, same
from pipeline.checks.table3 import APPLICANT_COLS

PCT_TOLERANCE = 0.05


def _keys(claim: dict[str, Any], *names: str) -> list[str]:
    for name in names:
        v = claim.get(name)
        if v:
            return [v] if isinstance(v, str) else list(v)
    return []


def _row_total(rec: ReportRecord, key: str) -> float | int | None:
    """A table value; a blank apps.<row>.total is the sum of the row's six applicant cells (all printed)."""
    v = rec.metrics.get(key)
    if v is not None or not (key.startswith("apps.") and key.endswith(".total")):
        return v
    parts = [rec.metrics.get(f"{key[:-len('total')]}{col}") for col in APPLICANT_COLS]
    return None if any(p is None for p in parts) else sum(parts)


def values(rec: ReportRecord, keys: list[str]) -> list[float | int] | None:
    """The table values of `keys` (blank row totals summed from their columns), None when any is unknown."""
    out = [_row_total(rec, k) for k in keys]
    return None if any(v is None for v in out) else out


def _cite(rec: ReportRecord, key: str) -> dict[str, Any]:
    out = cite(rec, key)
    if out["value"] is None and _row_total(rec, key) is not None:
        out["value"] = _row_total(rec, key)
        out["where"] = "sum of the row's applicant columns (总计 cell blank)"
    return out


def _is_pct(claim: dict[str, Any]) -> bool:
    return claim.get("kind") == "pct" or "denominator" in claim


def _applies(rec: ReportRecord) -> bool:
    return rec.kind == "report" and rec.format in ("2019", "2021") and bool(rec.text_claims)


def check_text_table(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """A count in the prose equals the table value it names.

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
        v = values(rec, keys) if keys else None
        if v is None:
            continue
        table = sum(v)
        accepted = [table]
        carried_in = _row_total(rec, "apps.carried_in.total")
        if keys == ["apps.new.total"] and carried_in is not None:
            accepted.append(table + carried_in)
        if not any(same(claim["value"], a) for a in accepted):
            by_cells.setdefault(tuple(keys), []).append({"stated": num(claim["value"]), "table": num(table),
                                                         "sentence": claim.get("sentence", "")})
    for keys, bad in by_cells.items():
        first = bad[0]
        yield finding(rule, rec, keys,
                      f"the text states {first['stated']} but the table gives {first['table']} for {' + '.join(keys)}",
                      {"expected": first["table"], "found": first["stated"], "claims": bad,
                       "values": [_cite(rec, k) for k in keys]})


def check_text_pct(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """A percentage in the prose equals the ratio of the counts it names (±0.05 points)."""
    if not _applies(rec):
        return
    for claim in rec.text_claims or []:
        if not _is_pct(claim) or claim.get("value") is None:
            continue
        nk, dk = _keys(claim, "numerator", "num"), _keys(claim, "denominator", "den")
        n, d = (values(rec, nk) if nk else None), (values(rec, dk) if dk else None)
        if n is None or d is None or sum(d) == 0:
            continue
        ratio = 100.0 * sum(n) / sum(d)
        if abs(ratio - claim["value"]) > PCT_TOLERANCE + 1e-9:
            yield finding(rule, rec, (*nk, "/", *dk),
                          f"the text states {num(claim['value'])}% but {num(sum(n))}/{num(sum(d))} = {ratio:.2f}%",
                          {"expected": round(ratio, 2), "found": num(claim["value"]), "tolerance": PCT_TOLERANCE,
                           "sentence": claim.get("sentence", ""),
                           "numerator": [_cite(rec, k) for k in nk], "denominator": [_cite(rec, k) for k in dk]})
