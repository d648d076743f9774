"""Saved inputs with their expected output (web-poet's fixtures style), and scoring against answer keys.

A case is a folder `tests/cases/<name>/` with one input file (`input.html`, `input.txt`, `input.pdf`, … — its
extension is the document's kind) and `expected.json`, a subset of `gongkai parse --json`:

    {"about": "what the case shows",
     "url": "http://…/page.html"          (optional: the URL the input is extracted as)
     "fields": {"title": …, "year": …},   report fields that must equal
     "metrics": {"apps.new.total": 3},    metrics that must equal (value and int/float type)
     "exact_metrics": true,               no other metric outside extra.* may be extracted
     "absent": ["proactive.fees.prev_items"],  metrics that must not be extracted
     "tables": ["二", "三", "四"], "unread_tables": ["三"], "blank_cells": […], "kind": "report",
     "flags": ["EXTRACT-FAILED"], "no_flags": ["FORMAT-YEAR"],
     "content_type": "text/plain",        (optional: the content type it is served with; "url": "" for none)
     "errors": [],                        the extraction's errors, exactly
     "text_claims": [{"key": …, "value": …}]}  the prose's count claims in order (each a subset)

`score(ex, key)` compares an Extraction with an answer key (the ../shared/fixtures/real/*.key.json shape:
report fields + "metrics") cell by cell: right, wrong, missing, spurious. The PDF engineer's tests and the
real-fixture runner share it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.extract import extract
from pipeline.extract.model import FIELD_NAMES

CASES = Path(__file__).resolve().parent / "cases"
#: metric key prefixes that tables 二/三/四 print (the rest are prose / legacy statistics)
TABLE_PREFIXES = ("apps.", "review.", "suit.", "proactive.rules.", "proactive.normative.", "proactive.licensing.",
                  "proactive.other_services.", "proactive.penalty.", "proactive.coercion.", "proactive.fees.",
                  "proactive.procurement.")
_CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain", ".md": "text/markdown",
                  ".pdf": "application/pdf"}


def _same(a: Any, b: Any) -> bool:
    return a == b and type(a) is type(b)


@dataclass
class Score:
    """How an extraction compares with an answer key, per kind of value."""

    name: str = ""
    cells_right: int = 0
    cells_total: int = 0
    prose_right: int = 0
    prose_total: int = 0
    fields_right: int = 0
    fields_total: int = 0
    wrong: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    fields_wrong: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.wrong or self.missing or self.spurious or self.fields_wrong)

    def line(self) -> str:
        pct = 100.0 * self.cells_right / self.cells_total if self.cells_total else 100.0
        return (f"{self.name}: table cells {self.cells_right}/{self.cells_total} ({pct:.1f}%), prose "
                f"{self.prose_right}/{self.prose_total}, fields {self.fields_right}/{self.fields_total}, "
                f"wrong {len(self.wrong)}, spurious {len(self.spurious)}")


def score(ex: Any, key: dict[str, Any], name: str = "") -> Score:
    """Cell-by-cell comparison of an Extraction with an answer key (fields + "metrics")."""
    s = Score(name=name)
    expected = key.get("metrics", {})
    for k, v in expected.items():
        got = ex.metrics.get(k)
        table = k.startswith(TABLE_PREFIXES)
        s.cells_total += table
        s.prose_total += not table
        if got is None:
            s.missing.append(k)
        elif _same(got, v):
            s.cells_right += table
            s.prose_right += not table
        else:
            s.wrong.append(f"{k}: key={v!r} got={got!r}")
    s.spurious = [f"{k}={v!r}" for k, v in ex.metrics.items() if k not in expected and not k.startswith("extra.")]
    for f in FIELD_NAMES:
        if f in key:
            s.fields_total += 1
            if ex.fields.get(f) == key[f]:
                s.fields_right += 1
            else:
                s.fields_wrong.append(f"{f}: key={key[f]!r} got={ex.fields.get(f)!r}")
    return s


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "expected.json").exists()) if CASES.exists() else []


def case_input(folder: Path) -> Path:
    inputs = sorted(folder.glob("input.*"))
    if len(inputs) != 1:
        raise ValueError(f"case {folder.name}: expected one input.* file, found {len(inputs)}")
    return inputs[0]


def run_case(folder: Path) -> tuple[Any, list[dict[str, Any]], dict[str, Any]]:
    """(Extraction, flags as JSON, expected) of one case folder."""
    from pipeline.checks import run_report_rules

    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    path = case_input(folder)
    url = expected["url"] if "url" in expected else f"http://cases.test/{folder.name}/{path.name}"
    ex = extract(path.read_bytes(), url, expected.get("content_type") or _CONTENT_TYPES.get(path.suffix))
    flags = [f.to_json() for f in run_report_rules(ex)]
    return ex, flags, expected


def case_diffs(ex: Any, flags: list[dict[str, Any]], expected: dict[str, Any]) -> list[str]:
    """Every way the extraction differs from what the case expects ([] = the case passes)."""
    diffs = []
    for f, v in expected.get("fields", {}).items():
        if ex.fields.get(f) != v:
            diffs.append(f"field {f}: expected {v!r} got {ex.fields.get(f)!r}")
    for k, v in expected.get("metrics", {}).items():
        if not _same(ex.metrics.get(k), v):
            diffs.append(f"metric {k}: expected {v!r} got {ex.metrics.get(k)!r}")
    if expected.get("exact_metrics"):
        diffs += [f"extra metric {k}={v!r}" for k, v in ex.metrics.items()
                  if k not in expected.get("metrics", {}) and not k.startswith("extra.")]
    diffs += [f"metric {k} should be absent, got {ex.metrics[k]!r}" for k in expected.get("absent", [])
              if k in ex.metrics]
    for attr in ("tables", "unread_tables", "kind", "blank_cells"):
        if attr in expected:
            got = getattr(ex, attr)
            want = expected[attr]
            if (sorted(got) if isinstance(want, list) else got) != (sorted(want) if isinstance(want, list) else want):
                diffs.append(f"{attr}: expected {want!r} got {got!r}")
    rules = {f["rule"] for f in flags}
    diffs += [f"flag {r} expected" for r in expected.get("flags", []) if r not in rules]
    diffs += [f"flag {r} not expected" for r in expected.get("no_flags", []) if r in rules]
    if "errors" in expected and list(ex.errors) != expected["errors"]:
        diffs.append(f"errors: expected {expected['errors']!r} got {ex.errors!r}")
    if "text_claims" in expected:  # each expected count claim a subset of the extracted one, in order
        counts = [c for c in ex.text_claims if c.get("kind") == "count"]
        want = expected["text_claims"]
        got = [{k: c.get(k) for k in w} for c, w in zip(counts, want, strict=False)]
        if got != want or len(counts) != len(want):
            diffs.append(f"text_claims: expected {want!r} got {counts!r}")
    for n in expected.get("notes_contain", []):
        if not any(n in note for note in ex.notes):
            diffs.append(f"no note contains {n!r} (notes: {ex.notes})")
    return diffs
