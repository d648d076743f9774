"""The archive explains itself: `rules` and `metric_keys` generated from the code, docs/metrics.md in step."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from archive.reference import metrics_markdown
from archive.schema import ensure_schema
from pipeline import formats

DOCS = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


def test_docs_metrics_md_is_generated_from_the_model():
    assert DOCS.read_text(encoding="utf-8") == metrics_markdown(), (
        "docs/metrics.md is out of date: regenerate it (see its header)")


def test_metric_keys_table_says_what_each_key_is_in_the_reports_words():
    db = sqlite_utils.Database(memory=True)
    ensure_schema(db)
    rows = {r["key"]: r for r in db["metric_keys"].rows}
    assert set(rows) == {g["key"] for g in formats.glossary()}
    new = rows["apps.new.natural_person"]
    assert new["label_zh"] == "表三 / 一、本年新收政府信息公开申请数量 / 自然人"
    assert (new["table_id"], new["formats"], new["unit"]) == ("三", "2019 / 2021", "件")
    assert "natural persons" in new["meaning"]
    assert rows["proactive.licensing.decisions"]["formats"] == "2019 / 2021"
    # a second schema check rewrites nothing
    before = db.execute("SELECT total_changes()").fetchone()[0]
    ensure_schema(db)
    assert db.execute("SELECT total_changes()").fetchone()[0] == before


def test_a_metric_joins_to_its_description():
    db = sqlite_utils.Database(memory=True)
    ensure_schema(db)
    db["metrics"].insert({"report_id": 1, "key": "review.total", "value": 3})
    (label,) = db.execute("SELECT k.label_zh FROM metrics m JOIN metric_keys k ON k.key = m.key").fetchone()
    assert label.startswith("表四") and "行政复议" in label
