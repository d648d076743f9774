"""Tables 二/三/四 from HTML cells: one rule of the readers per synthetic page (tests/fixtures/html)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract import extract
from pipeline.extract.document import Cell, Table
from pipeline.extract.labels import parse_number
from pipeline.extract.model import Extraction
from pipeline.extract.tables import detect_format, find_sections, place, read_t3

HTML = Path(__file__).resolve().parent / "fixtures" / "html"
COLS = ("natural_person", "org_business", "org_research", "org_nonprofit", "org_legal", "org_other", "total")

#: table 三 of the synthetic pages (2021 format): row -> the 7 printed values
T3 = {
    "new": (10, 2, 0, 1, 0, 0, 13), "carried_in": (1, 0, 0, 0, 0, 0, 1),
    "result.disclosed": (5, 1, 0, 0, 0, 0, 6), "result.partial": (1, 0, 0, 0, 0, 0, 1),
    "result.withheld.state_secret": (0,) * 7, "result.withheld.law_forbidden": (0,) * 7,
    "result.withheld.security_stability": (0,) * 7, "result.withheld.third_party": (1, 0, 0, 0, 0, 0, 1),
    "result.withheld.internal_affairs": (0,) * 7, "result.withheld.process_info": (0,) * 7,
    "result.withheld.enforcement_file": (0,) * 7, "result.withheld.query_matter": (0,) * 7,
    "result.unable.not_held": (2, 1, 0, 1, 0, 0, 4), "result.unable.needs_creation": (0,) * 7,
    "result.unable.unclear": (0,) * 7, "result.ignored.petition": (0,) * 7,
    "result.ignored.repeat": (1, 0, 0, 0, 0, 0, 1), "result.ignored.publication": (0,) * 7,
    "result.ignored.excessive": (0,) * 7, "result.ignored.reconfirm": (0,) * 7,
    "result.other.no_correction": (0,) * 7, "result.other.no_fee": (0,) * 7, "result.other.misc": (0,) * 7,
    "result.total": (10, 2, 0, 1, 0, 0, 13), "carried_out": (1, 0, 0, 0, 0, 0, 1),
}
T4 = {"review.upheld": 1, "review.corrected": 0, "review.other": 0, "review.pending": 1, "review.total": 2,
      "suit.direct.upheld": 0, "suit.direct.corrected": 1, "suit.direct.other": 0, "suit.direct.pending": 0,
      "suit.direct.total": 1, "suit.after_review.upheld": 0, "suit.after_review.corrected": 0,
      "suit.after_review.other": 0, "suit.after_review.pending": 0, "suit.after_review.total": 0}
T2_2021 = {"proactive.rules.issued": 0, "proactive.rules.repealed": 0, "proactive.rules.in_force": 0,
           "proactive.normative.issued": 5, "proactive.normative.repealed": 1, "proactive.normative.in_force": 20,
           "proactive.licensing.decisions": 120, "proactive.penalty.decisions": 30,
           "proactive.coercion.decisions": 2, "proactive.fees.amount_10k_yuan": 12.5}


def t3_expected(rows=T3, cols=COLS) -> dict[str, int]:
    return {f"apps.{r}.{c}": v for r, vals in rows.items() for c, v in zip(cols, vals, strict=True)}


def run(name: str) -> Extraction:
    return extract((HTML / name).read_bytes(), f"http://www.test.gov.cn/nb/{name}")


def assert_metrics(ex: Extraction, expected: dict) -> None:
    wrong = {k: (v, ex.metrics.get(k)) for k, v in expected.items() if ex.metrics.get(k) != v}
    assert not wrong, f"(expected, got): {wrong}"


def table_metrics(ex: Extraction) -> dict:
    return {k: v for k, v in ex.metrics.items() if k.startswith(("apps.", "review.", "suit.", "proactive."))
            and k not in ("proactive.total", "apps.new.total_change_pct")}


def test_2021_page_all_three_tables():
    ex = run("gbk_wrong_charset.html")
    expected = {**t3_expected(), **T4, **T2_2021, "suit.total": 1}
    assert_metrics(ex, expected)
    assert set(table_metrics(ex)) == set(expected)
    assert ex.tables == ["二", "三", "四"]
    assert ex.fields["format"] == "2021"
    assert ex.sections == ["一", "二", "三", "四", "五", "六"]
    assert ex.blank_cells == []
    assert ex.kind == "report"


def test_provenance_names_table_row_and_column():
    ex = run("gbk_wrong_charset.html")
    p = ex.provenance["apps.new.total"]
    assert (p.source, p.where, p.raw) == ("table", "表三 一、本年新收政府信息公开申请数量 / 总计", "13")
    assert ex.provenance["apps.result.withheld.state_secret.natural_person"].where == \
        "表三 （三）不予公开 1.属于国家秘密 / 自然人"
    assert ex.provenance["review.total"].where == "表四 行政复议 / 总计"
    assert ex.provenance["suit.after_review.upheld"].where == "表四 行政诉讼 复议后起诉 / 结果维持"
    assert ex.provenance["proactive.normative.in_force"].where == "表二 第二十条第（一）项 行政规范性文件 / 现行有效件数"
    assert ex.provenance["proactive.fees.amount_10k_yuan"].raw == "12.5"


def test_numbers_split_across_tags():
    ex = run("split_numbers.html")
    assert_metrics(ex, {**t3_expected(), **T4})
    assert ex.provenance["apps.new.natural_person"].raw == "10"


def test_blank_cells_are_missing_not_zero():
    ex = run("blank_cells.html")
    blanks = ["apps.new.org_business", "apps.new.org_research", "apps.carried_in.org_nonprofit",
              "apps.result.disclosed.total", "apps.result.partial.org_legal"]
    assert ex.blank_cells == blanks
    for key in blanks:
        assert key not in ex.metrics
    expected = {k: v for k, v in t3_expected().items() if k not in blanks}
    assert_metrics(ex, expected)
    assert ex.metrics["apps.new.total"] == 13


def test_table_four_split_into_three_subtables():
    ex = run("t4_split.html")
    assert_metrics(ex, {**T4, "suit.total": 1})
    assert "四" in ex.tables


def test_eight_column_table_three_with_org_subtotal():
    ex = run("t3_8col.html")
    cols = (*COLS[:6], "org_subtotal", "total")
    rows = {r: (*v[:6], sum(v[1:6]), v[6]) for r, v in T3.items()}
    assert_metrics(ex, t3_expected(rows, cols))
    assert ex.metrics["apps.new.org_subtotal"] == 3
    assert ex.provenance["apps.new.org_subtotal"].where.endswith("/ 法人或其他组织小计")


def test_2019_format_negative_changes_and_yuan_amounts():
    ex = run("format2019.html")
    assert ex.fields["format"] == "2019"
    assert ex.fields["title"] == "测试县2019年政府信息公开工作年度报告（图片版）"
    assert ex.fields["publisher"] == "测试县"
    assert_metrics(ex, {
        "proactive.rules.made": 0, "proactive.rules.published": 0, "proactive.rules.published_total": 3,
        "proactive.normative.made": 4, "proactive.normative.published": 4, "proactive.normative.published_total": 50,
        "proactive.licensing.prev_items": 100, "proactive.licensing.change": -5, "proactive.licensing.decisions": 800,
        "proactive.other_services.prev_items": 10, "proactive.other_services.change": 2,
        "proactive.other_services.decisions": 30, "proactive.penalty.prev_items": 20,
        "proactive.penalty.change": -3, "proactive.penalty.decisions": 40, "proactive.coercion.prev_items": 5,
        "proactive.coercion.change": 0, "proactive.coercion.decisions": 6, "proactive.fees.prev_items": 8,
        "proactive.fees.change": -2, "proactive.procurement.items": 12, "proactive.procurement.amount_yuan": 94432.52,
    })
    rows = {k: v for k, v in T3.items() if not k.startswith("result.other.")}
    rows["result.other"] = (0,) * 7
    assert_metrics(ex, t3_expected(rows))
    assert not any(k.startswith("apps.result.other.misc") for k in ex.metrics)
    assert ex.provenance["proactive.procurement.amount_yuan"].raw == "94,432.52元"


def test_label_typos_and_full_width_spaces():
    ex = run("label_typos.html")
    assert_metrics(ex, {**t3_expected(), **T4})
    assert "四" in ex.sections  # heading typo 行政法复议


def test_pingtan_2021_overlapping_colspans_take_last_seven_cells():
    head = [[Cell("（本列数据的勾稽关系为…）", 3, 3), Cell("申请人情况", 1, 8)],
            [Cell("自然人", 1, 2), Cell("法人或其他组织", 1, 5), Cell("总计", 2, 1)],
            [Cell(""), Cell("商业企业", 1, 2), Cell("科研机构"), Cell("社会公益组织"), Cell("法律服务机构"), Cell("其他")]]
    row = [Cell("一、本年新收政府信息公开申请数量", 1, 3), Cell("64"), Cell("0", 1, 2), Cell("0"), Cell("2"),
           Cell("0"), Cell("4"), Cell("70")]
    ex = Extraction()
    assert read_t3([Table(head + [row])], ex)
    assert {k: v for k, v in ex.metrics.items()} == {
        "apps.new.natural_person": 64, "apps.new.org_business": 0, "apps.new.org_research": 0,
        "apps.new.org_nonprofit": 2, "apps.new.org_legal": 0, "apps.new.org_other": 4, "apps.new.total": 70}


def test_grid_places_cells_after_rowspans():
    t = Table([[Cell("a", 2, 1), Cell("b", 1, 2)], [Cell("c"), Cell("d")]])
    assert [[(p.cell.text, p.col) for p in row] for row in place(t)] == [[("a", 0), ("b", 1)], [("c", 1), ("d", 2)]]


@pytest.mark.parametrize(("text", "value"), [
    ("12", 12), (" 1 2 ", 12), ("-18", -18), ("－15", -15), ("−3", -3), ("75394432.52元", 75394432.52),
    ("24252.311082", 24252.311082), ("1,234", 1234), ("３５", 35), ("5件", 5), ("", None), ("/", None),
    ("—", None), ("无", None), ("约5", None),
])
def test_parse_cell_number(text, value):
    assert parse_number(text) == value


def test_sections_ignore_table_rows():
    text = "一、总体情况\n一、本年新收政府信息公开申请数量 10 2 0 1 0 0 13\n二、主动公开政府信息情况\n四、结转下年度继续办理 1"
    assert find_sections(text) == ["一", "二"]


def test_format_from_keys_and_legacy():
    ex = Extraction(text="x" * 300)
    assert detect_format(ex) == "legacy"
    ex.metrics["apps.result.other.total"] = 0
    assert detect_format(ex) == "2019"
    ex.metrics["proactive.rules.issued"] = 0
    assert detect_format(ex) == "2021"


def test_money_units_follow_the_key():
    from pipeline.extract.tables import read_t2

    rows = [[Cell("信息内容"), Cell("本年收费金额（单位：元）", 1, 3)], [Cell("行政事业性收费"), Cell("125000", 1, 3)],
            [Cell("信息内容"), Cell("采购项目数量"), Cell("采购总金额", 1, 2)],
            [Cell("政府集中采购"), Cell("3"), Cell("25.1万元", 1, 2)]]
    ex = Extraction()
    assert read_t2([Table(rows)], ex)
    assert ex.metrics["proactive.fees.amount_10k_yuan"] == 12.5
    assert ex.metrics["proactive.procurement.amount_yuan"] == 251000
    assert ex.metrics["proactive.procurement.items"] == 3


def test_failing_step_becomes_an_error_not_a_crash(monkeypatch):
    import pipeline.extract as extract

    def boom(doc, ex):
        raise RuntimeError("bad table")

    monkeypatch.setattr(extract, "extract_tables", boom)
    ex = run("t4_split.html")
    assert ex.errors == ["tables failed: RuntimeError: bad table"]
    assert ex.fields["title"] == "测试县2021年政府信息公开工作年度报告"


def test_header_like_column_titles_in_a_body_table_are_not_pairs():
    from pipeline.extract.html import load_html

    doc = load_html("<div id='zoom'><p>正文内容足够长的一段文字在这里。</p><table><tr><td>文件名称</td><td>文号</td>"
                    "<td>发布日期</td></tr><tr><td>某文件</td><td>某〔2021〕1号</td><td>2021-01-01</td></tr></table></div>"
                    .encode())
    assert "文件名称" not in doc.header and "文号" not in doc.header
