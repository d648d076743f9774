"""Prose extraction on the real pages of ../shared/fixtures/real (skipped when ../shared is absent)."""


import pytest

from conftest import real_fixture, real_key
from pipeline.extract.document import Document
from pipeline.extract.documents import load_document
from pipeline.extract.html import load_html
from pipeline.extract.model import Extraction
from pipeline.extract.prose import extract_prose


def _html_document(name: str) -> Document:
    """The page as the HTML loader sees it."""
    return load_html(real_fixture(name).read_bytes(), "", "text/html")


def _diff(expected: dict, got: dict) -> list[str]:
    return [f"{k}: expected {expected.get(k)!r}, got {got.get(k)!r}"
            for k in sorted(set(expected) | set(got))
            if not k.startswith("extra.") and expected.get(k) != got.get(k)]


def test_fuyang_2018_text_capture_metric_by_metric():
    key = real_key("fuyang_2018.key.json")
    doc = load_document(real_fixture("fuyang_2018.txt").read_bytes(), "http://www.fy.gov.cn/openness/a.txt", "text/plain")
    ex = Extraction()
    ex.fields["year"] = key["year"]
    extract_prose(doc, ex)
    assert _diff(key["metrics"], ex.metrics) == []
    assert ex.approximate == {"training.trainees"}  # 3500余人次
    assert "3500余" in ex.provenance["training.trainees"].raw
    assert ex.provenance["legacy.answers.other"].source == "text"
    assert "其他情况48件" in ex.provenance["legacy.answers.other"].where


def test_pingtan_2018_page_with_statistics_table_metric_by_metric():
    key = real_key("pingtan_2018.key.json")
    doc = _html_document("pingtan_2018.html")
    ex = Extraction()
    ex.fields["year"] = key["year"]
    extract_prose(doc, ex)
    assert _diff(key["metrics"], ex.metrics) == []
    assert not ex.approximate
    assert ex.provenance["legacy.apps.online"].source == "table"


def test_pingtan_2018_prose_alone_agrees_with_the_table():
    doc = _html_document("pingtan_2018.html")
    doc.tables = []
    ex = Extraction()
    ex.fields["year"] = 2018
    extract_prose(doc, ex)
    assert ex.metrics == {"proactive.total": 2069, "apps.new.total": 0, "review.total": 0, "suit.total": 0}


@pytest.mark.parametrize("name", ["pingtan_2019", "pingtan_2021", "pingtan_2023", "shuyang_fgj_2023"])
def test_modern_reports_prose_metrics(name):
    key = real_key(f"{name}.key.json")
    ex = Extraction()
    ex.fields["year"] = key["year"]
    extract_prose(_html_document(f"{name}.html"), ex)
    for k in ("proactive.total", "fees.collected_yuan"):
        assert ex.metrics.get(k) == key["metrics"].get(k), k
    # nothing the key does not have: no legacy keys, no stray prose numbers
    assert {k: v for k, v in ex.metrics.items() if key["metrics"].get(k) != v} == {}


def test_pingtan_2023_text_claims():
    ex = Extraction()
    ex.fields["year"] = 2023
    extract_prose(_html_document("pingtan_2023.html"), ex)
    counts = {c["key"]: c["value"] for c in ex.text_claims if c["kind"] == "count"}
    # "接收通过邮寄、网络提交的各类政府信息公开申请共计81件" (the key's note: agrees with table 三)
    assert counts == {"apps.new.total": 81, "apps.result.total.total": 81, "apps.result.disclosed.total": 42,
                      "apps.result.withheld.*": 5, "apps.result.unable.*": 31, "apps.result.ignored.*": 1,
                      "apps.result.other*": 2, "review.total": 2, "suit.total": 7}
    pcts = [(c["value"], c["of"]) for c in ex.text_claims if c["kind"] == "pct"]
    assert [p for p, _ in pcts] == [51.85, 6.17, 38.27, 1.23, 2.47]
    assert all(of == ["apps.result.total.total"] for _, of in pcts)
