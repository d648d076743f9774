"""OCR-IDENTITY: a table read by OCR whose identities fail, with the page and box of each cell involved.

OCR digits can be wrong (a blurred 8 read as 3), so when values read from a scan break T3-BALANCE,
T3-RESULT-SUM, T3-ROW-SUM or T4-SUM the finding is not the publisher's arithmetic but a question for a
person: the flag names the cells, and its evidence carries each cell's page, box and confidence so the
flag page can show the crop of the archived scan beside the values. The identity rule's own finding on
those cells is replaced by this one (never blame the publisher for the reader).
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.checks.model import Finding, ReportRecord, Rule, cite, finding
from pipeline.extract.ocrcells import parse_where

#: the rules whose findings on OCR values become OCR-IDENTITY
IDENTITY_RULES: tuple[str, ...] = ("T3-BALANCE", "T3-RESULT-SUM", "T3-ROW-SUM", "T4-SUM")


def _ocr_keys(rec: ReportRecord) -> set[str]:
    return {k for k, p in rec.provenance.items() if (p or {}).get("source") == "ocr"}


def _involved(f: Finding) -> list[str]:
    """Every cell an identity finding compares (its evidence cites them), not only the total it names."""
    keys = list(f.cells)
    for item in (f.evidence.get("values") or []) + (f.evidence.get("rows") or []) + [f.evidence.get("total") or {}]:
        if isinstance(item, dict) and item.get("key") and item["key"] not in keys:
            keys.append(item["key"])
    return keys


def cell_evidence(rec: ReportRecord, key: str) -> dict:
    """A value with its OCR page (1-based), box and confidence when it was traced to a recognised word."""
    out = cite(rec, key)
    cell = parse_where((rec.provenance.get(key) or {}).get("where"))
    if cell is not None:
        out.update(page=cell.page + 1, box=list(cell.box), conf=cell.conf)
    return out


def identity_findings(rec: ReportRecord) -> list[Finding]:
    """The identity rules' findings that involve at least one OCR value."""
    from pipeline.checks import RULES_BY_ID  # lazy: pipeline.checks imports this module to build its rules

    ocr = _ocr_keys(rec)
    if not ocr:
        return []
    out = []
    for rid in IDENTITY_RULES:
        rule = RULES_BY_ID[rid]
        out.extend(f for f in rule.check(rule, rec) if ocr.intersection(_involved(f)))
    return out


def check_ocr_identity(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    for f in identity_findings(rec):
        keys = _involved(f)
        cells = [cell_evidence(rec, k) for k in keys]
        unsure = [c["key"] for c in cells if c.get("source") == "ocr"]
        yield finding(rule, rec, f.cells,
                      f"values read by OCR break {f.rule}: {f.message} — check {len(unsure)} OCR cell(s) on the scan",
                      {"identity": f.rule, "formula": f.evidence.get("formula"), "expected": f.evidence.get("expected"),
                       "found": f.evidence.get("found"), "cells": cells, "url": rec.url})


def without_replaced(findings: list[Finding], rec: ReportRecord) -> list[Finding]:
    """Drop the identity findings that OCR-IDENTITY reports instead (same rule, same cells)."""
    replaced = {(f.rule, f.cells) for f in identity_findings(rec)} if _ocr_keys(rec) else set()
    return [f for f in findings if (f.rule, f.cells) not in replaced]
