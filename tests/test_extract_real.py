"""The real pages of ../shared/fixtures/real against their keys: every report field, and for the
2019+ pages every metric (none missing, none different, none extra outside `extra.*`).

Metrics stated only in prose (proactive.total, fees.collected_yuan, and all legacy metrics) come from
pipeline.extract.prose and are checked like the table metrics.
"""

from __future__ import annotations

import pytest

from conftest import real_fixture, real_key
from pipeline.extract import extract

NOT_FIELDS = ("source", "notes", "metrics")


def _run(name: str, ext: str = ".html"):
    body = real_fixture(name + ext).read_bytes()
    return extract(body), real_key(name + ".key.json")


def _field_diffs(ex, key) -> list[str]:
    return [f"field {f}: key={v!r} got={ex.fields.get(f)!r}" for f, v in key.items()
            if f not in NOT_FIELDS and ex.fields.get(f) != v]


def _metric_diffs(ex, key) -> list[str]:
    expected = key["metrics"]
    diffs = []
    for k, v in expected.items():
        got = ex.metrics.get(k)
        if got != v or type(got) is not type(v):
            diffs.append(f"metric {k}: key={v!r} got={got!r}")
    for k, v in ex.metrics.items():
        if k not in expected and not k.startswith("extra."):
            diffs.append(f"extra metric {k}={v!r} (not in the key)")
    return diffs


@pytest.mark.parametrize("name", ["pingtan_2019", "pingtan_2021", "pingtan_2023", "shuyang_fgj_2023"])
def test_modern_report_fields_and_metrics(name):
    ex, key = _run(name)
    diffs = _field_diffs(ex, key) + _metric_diffs(ex, key)
    assert not diffs, "\n".join(diffs)
    assert ex.tables == ["二", "三", "四"]
    assert ex.sections == ["一", "二", "三", "四", "五", "六"]
    assert ex.kind == "report"
    assert ex.errors == []


@pytest.mark.parametrize(("name", "ext"), [("pingtan_2018", ".html"), ("fuyang_2018", ".txt")])
def test_legacy_report_fields(name, ext):
    ex, key = _run(name, ext)
    diffs = _field_diffs(ex, key)
    assert not diffs, "\n".join(diffs)
    assert ex.fields["format"] == "legacy"
    assert ex.tables == []
    assert ex.kind == "report"


def test_shuyang_blank_organisation_columns():
    ex, key = _run("shuyang_fgj_2023")
    note = next(n for n in key["notes"] if n.startswith("blank cells"))
    listed = sorted(k.strip() for k in note.split(":", 1)[1].split(","))
    assert sorted(ex.blank_cells) == listed
    assert len(listed) == 125
    assert ex.fields["index_no"] == "014314799/2024-00002"


def test_pingtan_2021_provenance_and_format():
    ex, _ = _run("pingtan_2021")
    assert ex.fields["format"] == "2021"
    p = ex.provenance["apps.new.total"]
    assert (p.source, p.where, p.raw) == ("table", "表三 一、本年新收政府信息公开申请数量 / 总计", "70")
    assert ex.metrics["proactive.fees.amount_10k_yuan"] == 24252.311082
    assert ex.metrics["suit.total"] == 12


def test_pingtan_2019_format_and_amount():
    ex, _ = _run("pingtan_2019")
    assert ex.fields["format"] == "2019"
    assert ex.metrics["proactive.procurement.amount_yuan"] == 75394432.52
    assert ex.provenance["proactive.procurement.amount_yuan"].raw == "75394432.52元"
