"""Report fields and prose values of the real pages printed to PDF (../shared/fixtures/real/rendered):
the same as their HTML twins and their keys (skipped when ../shared is absent).

Only fields a printed page carries are compared: the page URL and the <meta> tags (SiteDomain, a
ColumnName of "头部") are not printed; 沭阳's printed page has no 网站标识码 footer.
"""

from __future__ import annotations

from functools import cache

import pytest

from conftest import real_fixture, real_key
from pipeline.extract import extract

PRINTED = ("title", "year", "format", "publisher", "issuer", "published", "index_no", "doc_no", "category",
           "keywords")
PINGTAN_ONLY = ("site_name", "site_id_code", "column_name")
NAMES = ["pingtan_2018", "pingtan_2019", "pingtan_2021", "pingtan_2023", "shuyang_fgj_2023"]


@cache
def _pair(name: str):
    """(HTML, printed PDF) extractions of one page, made once per run (PDF text layers are slow to read)."""
    html = extract(real_fixture(f"{name}.html").read_bytes(), "", "text/html")
    pdf = extract(real_fixture(f"rendered/{name}.pdf").read_bytes(), "", "application/pdf")
    return html, pdf


@pytest.mark.parametrize("name", NAMES)
def test_printed_page_gives_the_fields_of_its_html_twin(name):
    html, pdf = _pair(name)
    fields = PRINTED + (PINGTAN_ONLY if name.startswith("pingtan") else ())
    assert {k: pdf.fields[k] for k in fields} == {k: html.fields[k] for k in fields}
    key = real_key(f"{name}.key.json")
    assert {k: pdf.fields[k] for k in PRINTED if k in key} == {k: key[k] for k in PRINTED if k in key}
    assert pdf.kind == "report"


@pytest.mark.parametrize("name", NAMES)
def test_printed_page_prose_values_match_the_key(name):
    key = real_key(f"{name}.key.json")
    _, pdf = _pair(name)
    prose = ("proactive.total", "proactive.total_change_pct", "fees.collected_yuan")
    assert {k: pdf.metrics.get(k) for k in prose if k in key["metrics"]} == \
        {k: key["metrics"][k] for k in prose if k in key["metrics"]}
    assert {k: v for k in prose if (v := pdf.metrics.get(k)) is not None and k not in key["metrics"]} == {}


def test_fuyang_text_capture_fields_and_all_prose_values():
    key = real_key("fuyang_2018.key.json")
    ex = extract(real_fixture("fuyang_2018.txt").read_bytes(), "", "text/plain")
    fields = [k for k in PRINTED if k in key]
    assert {k: ex.fields[k] for k in fields} == {k: key[k] for k in fields}
    assert {k: ex.metrics.get(k) for k in key["metrics"]} == key["metrics"]


def test_printed_legacy_report_gives_every_keyed_value():
    """平潭 2018 printed: prose and the 统计表 printed as text lines (labels in radical forms, 当⾯申请数)."""
    key = real_key("pingtan_2018.key.json")
    _, pdf = _pair("pingtan_2018")
    assert {k: pdf.metrics.get(k) for k in key["metrics"]} == key["metrics"]
