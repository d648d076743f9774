"""Tables 三/四 from flattened text: the real PDF text sample and text flattened from known tables."""

import pytest

from conftest import real_fixture, real_key
from pipeline.extract.document import Document
from pipeline.extract.model import Extraction, Provenance
from pipeline.extract.textfallback import COLUMNS, segmentations, solve_tables

#: official labels as printed, in order; None marks where a group label is printed
PRINTED_2021 = [
    ("new", "一、本年新收政府信息公开申请数量"), ("carried_in", "二、上年结转政府信息公开申请数量"),
    (None, "三、本年度办理结果"),
    ("result.disclosed", "（一）予以公开"), ("result.partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    (None, "（三）不予公开"),
    ("result.withheld.state_secret", "1.属于国家秘密"), ("result.withheld.law_forbidden", "2.其他法律行政法规禁止公开"),
    ("result.withheld.security_stability", "3.危及“三安全一稳定”"), ("result.withheld.third_party", "4.保护第三方合法权益"),
    ("result.withheld.internal_affairs", "5.属于三类内部事务信息"), ("result.withheld.process_info", "6.属于四类过程性信息"),
    ("result.withheld.enforcement_file", "7.属于行政执法案卷"), ("result.withheld.query_matter", "8.属于行政查询事项"),
    (None, "（四）无法提供"),
    ("result.unable.not_held", "1.本机关不掌握相关政府信息"), ("result.unable.needs_creation", "2.没有现成信息需要另行制作"),
    ("result.unable.unclear", "3.补正后申请内容仍不明确"),
    (None, "（五）不予处理"),
    ("result.ignored.petition", "1.信访举报投诉类申请"), ("result.ignored.repeat", "2.重复申请"),
    ("result.ignored.publication", "3.要求提供公开出版物"), ("result.ignored.excessive", "4.无正当理由大量反复申请"),
    ("result.ignored.reconfirm", "5.要求行政机关确认或重新出具已获取信息"),
    (None, "（六）其他处理"),
    ("result.other.no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("result.other.no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("result.other.misc", "3.其他"), ("result.total", "（七）总计"), ("carried_out", "四、结转下年度继续办理"),
]
T4_HEADER = ("四、政府信息公开行政复议、行政诉讼情况\n行政复议行政诉讼\n结果维持结果纠正其他结果尚未审结总计"
             "未经复议直接起诉复议后起诉\n结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计\n")


def flatten(metrics: dict, sep: str = "") -> str:
    """Tables 三 and 四 as a careless text extractor prints them: cells run together."""
    out = ["三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
           "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"]
    for key, label in PRINTED_2021:
        values = "" if key is None else sep.join(str(metrics[f"apps.{key}.{c}"]) for c in COLUMNS)
        out.append(label + values)
    t4 = [metrics[f"{p}.{o}"] for p in ("review", "suit.direct", "suit.after_review")
          for o in ("upheld", "corrected", "other", "pending", "total")]
    return "".join(out) + "\n" + T4_HEADER + sep.join(map(str, t4)) + "\n五、存在的主要问题及改进情况"


def _solve(text: str, source: str = "pdf") -> Extraction:
    ex = Extraction()
    solve_tables(Document(source=source, text=text), ex)
    return ex


def test_real_pdf_text_labels_split_and_vertical_row_label():
    ex = _solve(real_fixture("pdf_text_section3_2024.txt").read_text(encoding="utf-8"))
    rows = {k: [ex.metrics[f"apps.{k}.{c}"] for c in COLUMNS] for k in (
        "new", "carried_in", "result.disclosed", "result.partial", "result.withheld.state_secret",
        "result.withheld.law_forbidden", "result.withheld.internal_affairs", "result.withheld.query_matter",
        "result.unable.not_held")}
    assert rows == {
        "new": [3001, 53, 0, 0, 61, 4, 3119], "carried_in": [34, 0, 0, 0, 0, 0, 34],
        "result.disclosed": [1288, 21, 0, 0, 50, 3, 1362], "result.partial": [447, 7, 0, 0, 0, 0, 454],
        "result.withheld.state_secret": [2, 0, 0, 0, 0, 0, 2], "result.withheld.law_forbidden": [30, 1, 0, 0, 0, 0, 31],
        "result.withheld.internal_affairs": [7, 1, 0, 0, 0, 0, 8], "result.withheld.query_matter": [105, 0, 0, 0, 0, 0, 105],
        "result.unable.not_held": [746, 12, 0, 0, 10, 1, 769],
    }
    assert len(ex.metrics) == 13 * 7  # the sample stops after （四）1.
    prov = ex.provenance["apps.new.total"]
    # the lines keep their cells apart, so the cell reader takes them (the solver would agree: same values)
    assert prov.source == "attachment" and prov.where.startswith("table 三 read from text lines")


@pytest.mark.parametrize("name", ["pingtan_2021", "pingtan_2023"])
def test_tables_flattened_without_any_separator_are_recovered(name):
    truth = real_key(f"{name}.key.json")["metrics"]
    ex = _solve(flatten(truth), source="text")
    expected = {k: v for k, v in truth.items()
                if k.startswith(("apps.", "review.", "suit.")) and not k.endswith("_change_pct")}
    assert {k: ex.metrics.get(k) for k in expected} == expected
    assert set(ex.metrics) == set(expected)
    assert ex.provenance["review.total"].source == "text"
    assert "三" in ex.tables and "四" in ex.tables


def test_domain_example_table4_run():
    text = T4_HEADER + "21317000001324019\n五、存在的主要问题"
    ex = _solve(text)
    assert [ex.metrics[f"review.{o}"] for o in ("upheld", "corrected", "other", "pending", "total")] == [2, 1, 3, 1, 7]
    assert ex.metrics["suit.after_review.total"] == 19 and ex.metrics["suit.total"] == 19


def test_stuck_numbering_stripped_and_ambiguity_resolved_by_balance():
    # "2200003252." = 22,0,0,0,0,3,25 + the next row's "2."; alone it could also be 2,20,0,0,0,3,25
    assert segmentations(["220000325"], 7, lambda v: sum(v[:6]) == v[6]) == [
        [2, 20, 0, 0, 0, 3, 25], [22, 0, 0, 0, 0, 3, 25]]
    text = ("一、本年新收政府信息公开申请数量220000325二、上年结转政府信息公开申请数量0000000"
            "三、本年度办理结果（一）予以公开0000000（四）无法提供1.本机关不掌握相关政府信息3001530061431192.没有现成信息需要另行制作"
            "0000000（七）总计22 0 0 0 0 3 25四、结转下年度继续办理0000000")
    ex = _solve(text)
    assert [ex.metrics[f"apps.new.{c}"] for c in COLUMNS] == [22, 0, 0, 0, 0, 3, 25]
    assert [ex.metrics[f"apps.result.unable.not_held.{c}"] for c in COLUMNS] == [3001, 53, 0, 0, 61, 4, 3119]
    assert not any("ambiguous" in n for n in ex.notes)


def test_ambiguous_row_is_left_out_with_a_note():
    text = "一、本年新收政府信息公开申请数量270020130二、上年结转政府信息公开申请数量0000000（一）予以公开0000000"
    ex = _solve(text)
    assert "apps.new.total" not in ex.metrics
    assert ex.metrics["apps.carried_in.total"] == 0
    assert any("row new: ambiguous" in n for n in ex.notes)


def test_table_values_already_read_win():
    truth = real_key("pingtan_2021.key.json")["metrics"]
    ex = Extraction()
    ex.set("apps.new.total", 999, Provenance("table", "cell", "999"))
    solve_tables(Document(source="html", text=flatten(truth, sep=" ")), ex)
    assert ex.metrics["apps.new.total"] == 999
    assert ex.metrics["apps.new.natural_person"] == truth["apps.new.natural_person"]


def test_no_table_text_does_nothing():
    ex = _solve("2018年全区主动公开政府信息2069条。")
    assert ex.metrics == {} and ex.notes == []
