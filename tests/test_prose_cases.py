"""Saved inputs with their expected output: tests/cases/prose-*/ and fields-*/ (input.txt + expected.json).

A case runs the whole extraction over its input (a text capture unless expected.json names another
content type) and compares what expected.json lists: `fields` and `metrics` exactly, `absent` keys not
extracted, `kind`, and `text_claims` in order (each expected claim a subset of the extracted one).
A new real-world wording is a new folder. (Until the shared runner tests/test_cases.py lands.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.extract import extract

CASES = Path(__file__).parent / "cases"
NAMES = sorted(p.name for pattern in ("prose-*", "fields-*") for p in CASES.glob(pattern) if p.is_dir())


def _run(name: str):
    case = CASES / name
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    body = (case / "input.txt").read_bytes()
    return extract(body, expected.get("url", ""), expected.get("content_type", "text/plain")), expected


def test_cases_exist():
    assert len([n for n in NAMES if n.startswith("prose-")]) >= 10
    assert len([n for n in NAMES if n.startswith("fields-")]) >= 4


@pytest.mark.parametrize("name", NAMES)
def test_case(name):
    ex, expected = _run(name)
    assert ex.errors == []
    if "kind" in expected:
        assert ex.kind == expected["kind"]
    assert {k: ex.fields.get(k) for k in expected.get("fields", {})} == expected.get("fields", {})
    assert {k: ex.metrics.get(k) for k in expected.get("metrics", {})} == expected.get("metrics", {})
    assert [k for k in expected.get("absent", []) if k in ex.metrics] == []
    if "text_claims" in expected:
        counts = [c for c in ex.text_claims if c["kind"] == "count"]
        got = [{k: c.get(k) for k in want} for c, want in zip(counts, expected["text_claims"], strict=False)]
        assert got == expected["text_claims"]
        assert len(counts) == len(expected["text_claims"])
