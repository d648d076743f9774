"""Prose against tables (2019+): counts and percentages stated in the text must match the tables.

Claims come from extraction (`Extraction.text_claims`), one dict per stated number:
  count:      {"key": "apps.new.total", "value": 70, "sentence": "…收到70件…"}
              (or "keys": [...] when the sentence names a sum, e.g. 予以公开及部分公开42件)
  percentage: {"kind": "pct", "value": 51.85, "numerator": [keys], "denominator": [keys], "sentence": …}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pipeline.checks.model import Finding, ReportRecord, Rule, cite, finding, num, same, values

PCT_TOLERANCE = 0.05


def _keys(claim: dict[str, Any], *names: str) -> list[str]:
    for name in names:
        v = claim.get(name)
        if v:
            return [v] if isinstance(v, str) else list(v)
    return []


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
        if keys == ["apps.new.total"] and rec.metrics.get("apps.carried_in.total") is not None:
            accepted.append(table + rec.metrics["apps.carried_in.total"])
        if not any(same(claim["value"], a) for a in accepted):
            by_cells.setdefault(tuple(keys), []).append({"stated": num(claim["value"]), "table": num(table),
                                                         "sentence": claim.get("sentence", "")})
    for keys, bad in by_cells.items():
        first = bad[0]
        yield finding(rule, rec, keys,
                      f"the text states {first['stated']} but the table gives {first['table']} for {' + '.join(keys)}",
                      {"expected": first["table"], "found": first["stated"], "claims": bad,
                       "values": [cite(rec, k) for k in keys]})


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
                           "numerator": [cite(rec, k) for k in nk], "denominator": [cite(rec, k) for k in dk]})
