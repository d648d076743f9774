"""Prose and legacy-table rules, one own fixture per format rule (tests/fixtures/prose/)."""

from pathlib import Path

from pipeline.extract.document import Cell, Document, Table
from pipeline.extract.model import Extraction, Provenance
from pipeline.extract.prose import extract_prose

FIX = Path(__file__).parent / "fixtures" / "prose"


def run(name: str, year: int | None = 2017, **kw) -> Extraction:
    ex = Extraction()
    ex.fields["year"] = year
    extract_prose(Document(source="text", text=(FIX / name).read_text(encoding="utf-8"), **kw), ex)
    return ex


def test_chinese_numerals_and_pct_in_words():
    ex = run("cn_numerals.txt")
    assert ex.metrics == {
        "proactive.total": 320, "proactive.total_change_pct": 10,
        "apps.new.total": 15, "legacy.answers.total": 15, "legacy.answers.rate_pct": 100,
        "legacy.answers.disclosed": 12, "legacy.answers.partial": 2, "legacy.answers.refused": 1,
    }
    assert ex.provenance["proactive.total"].raw == "三百二十"
    assert ex.provenance["proactive.total"].source == "text"


def test_wan_multiplier_negative_change_and_commas():
    ex = run("wan_negative.txt", 2016)
    assert ex.metrics == {
        "proactive.total": 35000, "proactive.total_change_pct": -5.2,
        "apps.new.total": 1228, "apps.new.total_change_pct": -12,
    }
    assert not ex.approximate


def test_approximate_values_and_single_event_is_not_the_total():
    ex = run("approx_training.txt")
    assert ex.metrics == {"proactive.total": 12000, "training.sessions": 10, "training.trainees": 800}
    assert ex.approximate == {"proactive.total", "training.sessions", "training.trainees"}
    assert "约300人" not in ex.provenance["training.trainees"].where


def test_none_statements_give_zero():
    ex = run("none_zero.txt")
    assert ex.metrics == {"apps.new.total": 0, "review.total": 0, "suit.total": 0,
                          "fees.collected_yuan": 0, "complaints.total": 0}


def test_channels():
    ex = run("channels.txt")
    assert ex.metrics == {
        "apps.new.total": 20, "legacy.apps.in_person": 5, "legacy.apps.online": 10, "legacy.apps.letter": 3,
        "legacy.apps.fax": 1, "legacy.apps.email": 1, "legacy.answers.rate_pct": 100,
    }


def test_staff_budget_fees():
    ex = run("staff_budget.txt")
    assert ex.metrics == {"staff.total": 45, "staff.full_time": 12, "staff.part_time": 33,
                          "budget.amount_10k_yuan": 8.5, "fees.collected_yuan": 120.5}


def test_review_and_suit_outcomes_stay_with_their_own_total():
    ex = run("review_suit.txt")
    assert ex.metrics == {"review.total": 3, "review.upheld": 2, "review.corrected": 1,
                          "suit.total": 2, "suit.other": 2, "complaints.total": 4}


def _tsv_table(name: str) -> Table:
    rows = [line.split("\t") for line in (FIX / name).read_text(encoding="utf-8").splitlines()]
    return Table(rows=[[Cell(c) for c in row] for row in rows])


def test_national_style_statistics_table():
    ex = run("none_zero.txt", tables=[_tsv_table("national_table.tsv")])
    assert ex.metrics == {
        "proactive.total": 4521, "apps.new.total": 37,
        "legacy.apps.in_person": 10, "legacy.apps.fax": 0, "legacy.apps.online": 25, "legacy.apps.letter": 2,
        "legacy.answers.total": 37, "legacy.answers.already_public": 8, "legacy.answers.disclosed": 20,
        "legacy.answers.partial": 3, "legacy.answers.refused": 2, "legacy.answers.not_this_agency": 2,
        "legacy.answers.not_exist": 1, "legacy.answers.amend": 1, "legacy.answers.other_channel": 0,
        "review.total": 3, "review.upheld": 2, "review.corrected": 1, "review.other": 0,
        "suit.total": 1, "suit.upheld": 1, "suit.corrected": 0, "suit.other": 0,
        "complaints.total": 0, "fees.collected_yuan": 120, "staff.total": 6, "staff.full_time": 2,
        "staff.part_time": 4, "budget.amount_10k_yuan": 5.5, "training.sessions": 3, "training.trainees": 150,
    }
    assert ex.provenance["review.upheld"] == Provenance("table", "（一）维持具体行政行为数", "2")
    # the table wins over the prose "未收到…申请" (0)
    assert ex.provenance["apps.new.total"].source == "table"


def test_fujian_table_takes_the_year_column_not_the_cumulative():
    table = Table(rows=[[Cell(c) for c in r] for r in [
        ["指标名称", "计量单位", "2011年度", "历年累计"],
        ["主动公开信息数", "条", "425", "1516"],
        ["其中：1.网站公开", "条", "418", "1509"],
        ["受理依申请公开信息总数", "条", "3", "12"],
        ["其中：1.当面申请数", "条", "1", "5"],
        ["6.其它形式申请数", "条", "2", "7"],
        ["行政申诉数", "件", "/", "0"],
    ]])
    ex = Extraction()
    extract_prose(Document(source="html", tables=[table]), ex)
    assert ex.metrics == {"proactive.total": 425, "apps.new.total": 3, "legacy.apps.in_person": 1,
                          "legacy.apps.other": 2}


def test_keys_set_by_tables_are_not_overwritten():
    ex = Extraction()
    ex.fields["year"] = 2017
    ex.set("proactive.total", 999, Provenance("table", "主动公开信息数", "999"))
    extract_prose(Document(source="text", text="全年主动公开政府信息1000条。"), ex)
    assert ex.metrics["proactive.total"] == 999


def test_modern_report_text_claims_and_prose_metrics():
    ex = run("claims_2021.txt", 2021)
    assert ex.metrics == {"proactive.total": 1024, "fees.collected_yuan": 0}
    claims = [(c["key"], c["value"], c["kind"], c["of"]) for c in ex.text_claims]
    assert claims == [
        ("apps.new.total", 55, "count", ["apps.new.total", "apps.carried_in.total"]),
        ("apps.carried_in.total", 3, "count", ["apps.carried_in.total"]),
        ("apps.result.total.total", 53, "count", ["apps.result.total.total"]),
        ("apps.result.disclosed.total", 30, "count", ["apps.result.disclosed.total"]),
        ("apps.result.disclosed.total", 56.6, "pct", ["apps.result.total.total"]),
        ("apps.result.partial.total", 5, "count", ["apps.result.partial.total"]),
        ("apps.result.unable.*", 12, "count", ["apps.result.unable.not_held.total",
                                              "apps.result.unable.needs_creation.total",
                                              "apps.result.unable.unclear.total"]),
        ("apps.result.ignored.*", 6, "count", [f"apps.result.ignored.{leaf}.total" for leaf in
                                              ("petition", "repeat", "publication", "excessive", "reconfirm")]),
        ("apps.carried_out.total", 2, "count", ["apps.carried_out.total"]),
        ("review.total", 1, "count", ["review.total"]),
        ("suit.total", 2, "count", ["suit.total"]),
    ]
    assert ex.text_claims[4]["num"] == ["apps.result.disclosed.total"]
