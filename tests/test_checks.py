"""Within-report rules on small hand-made reports: fire on a violation, quiet on consistent or missing data."""

from __future__ import annotations

import pytest

from pipeline.checks import RULES, RULES_BY_ID, run_record_rules, run_report_rules
from pipeline.checks.model import ReportRecord
from pipeline.checks.table3 import APPLICANT_COLS, LEAVES_COMMON, OTHER_2021
from pipeline.extract.model import Extraction, Provenance


def table3(new=(3, 1, 0, 0, 0, 0), carried_in=(1, 0, 0, 0, 0, 0), disclosed=(2, 1, 0, 0, 0, 0),
           not_held=(1, 0, 0, 0, 0, 0), carried_out=(1, 0, 0, 0, 0, 0), fmt="2021") -> dict[str, int]:
    """A consistent table 三: every identity holds."""
    m: dict[str, int] = {}

    def row(name, vals):
        for c, v in zip(APPLICANT_COLS, vals, strict=True):
            m[f"apps.{name}.{c}"] = v
        m[f"apps.{name}.total"] = sum(vals)

    leaves = (*LEAVES_COMMON, *(OTHER_2021 if fmt == "2021" else ("other",)))
    row("new", new)
    row("carried_in", carried_in)
    for leaf in leaves:
        row(f"result.{leaf}", {"disclosed": disclosed, "unable.not_held": not_held}.get(leaf, (0,) * 6))
    row("result.total", tuple(a + b for a, b in zip(disclosed, not_held, strict=True)))
    row("carried_out", carried_out)
    return m


def rec(metrics=None, **kw) -> ReportRecord:
    base = dict(id="r1", key="page:1", publisher="测试县", year=2023, format="2021", published="2024-01-20",
                metrics=dict(metrics or {}))
    base.update(kw)
    return ReportRecord(**base)


def fired(rule_id: str, r: ReportRecord):
    rule = RULES_BY_ID[rule_id]
    return list(rule.check(rule, r))


def test_rules_are_data_for_every_rule_of_the_spec():
    ids = {r.id for r in RULES}
    assert ids == {"T3-BALANCE", "T3-RESULT-SUM", "T3-ROW-SUM", "T3-BLANK", "T3-NEGATIVE", "T4-SUM", "T2-RANGE",
                   "FORMAT-YEAR", "SECTIONS", "TEXT-TABLE", "TEXT-PCT", "L-ANSWER-SUM", "L-REVIEW-SUM",
                   "L-STAFF-SUM", "L-CHANNEL-SUM", "L-RATE", "X-CARRY", "X-CHANGE-PCT", "X-PREV-ITEMS",
                   "X-IN-FORCE", "X-REPEAT", "MISSING", "LATE", "DUPLICATE", "CHANGED", "ATTACHMENT-MISMATCH",
                   "IMAGE-ONLY", "YEAR-MISMATCH", "EXTRACT-FAILED", "OCR-IDENTITY", "SITE-BROKEN"}
    assert all(r.severity in ("error", "warning") and r.reads and r.description for r in RULES)


def test_consistent_table3_fires_nothing():
    assert run_record_rules(rec(table3())) == []
    assert run_record_rules(rec(table3(fmt="2019"), format="2019", year=2020, published="2021-01-20")) == []


def test_balance_fires_per_column_with_cells_and_evidence():
    m = table3()
    m["apps.carried_out.natural_person"] = 2
    m["apps.carried_out.total"] = 2
    fs = fired("T3-BALANCE", rec(m, provenance={"apps.new.total": {"source": "table", "where": "表三 一 / 总计",
                                                                   "raw": "4"}}))
    assert [f.cells for f in fs] == [
        ("apps.new.natural_person", "apps.carried_in.natural_person", "apps.result.total.natural_person",
         "apps.carried_out.natural_person"),
        ("apps.new.total", "apps.carried_in.total", "apps.result.total.total", "apps.carried_out.total")]
    f = fs[1]
    assert (f.rule, f.severity, f.subject) == ("T3-BALANCE", "error", "page:1")
    assert f.evidence["expected"] == 5 and f.evidence["found"] == 6
    assert f.evidence["values"][0] == {"key": "apps.new.total", "value": 4, "source": "table",
                                       "where": "表三 一 / 总计", "raw": "4"}


def test_balance_quiet_when_a_cell_is_missing():
    m = table3()
    m["apps.carried_out.total"] = 9
    del m["apps.carried_in.total"]
    assert fired("T3-BALANCE", rec(m)) == []


def test_result_sum_uses_the_three_other_rows_in_2021():
    m = table3()
    m["apps.result.other.misc.natural_person"] = 1
    m["apps.result.other.misc.total"] = 1
    fs = fired("T3-RESULT-SUM", rec(m))
    assert [f.cells for f in fs] == [("apps.result.total.natural_person",), ("apps.result.total.total",)]
    assert fs[1].evidence["expected"] == 5 and fs[1].evidence["found"] == 4
    # the 2019 format has one (六) row: the 2021 sub-rows are not part of its sum
    m19 = table3(fmt="2019")
    m19["apps.result.other.natural_person"] = 2
    m19["apps.result.other.total"] = 2
    fs = fired("T3-RESULT-SUM", rec(m19, format="2019", year=2020))
    assert fs[-1].evidence["found"] == 4 and fs[-1].evidence["expected"] == 6


def test_result_sum_quiet_when_a_row_is_blank():
    m = table3()
    m["apps.result.total.total"] = 99
    del m["apps.result.partial.total"]
    assert fired("T3-RESULT-SUM", rec(m)) == []


def test_row_sum_and_org_subtotal():
    m = table3()
    m["apps.new.total"] = 5
    m["apps.new.org_subtotal"] = 2          # business 1 + others 0 = 1
    fs = fired("T3-ROW-SUM", rec(m))
    assert [(f.cells, f.evidence["expected"], f.evidence["found"]) for f in fs] == [
        (("apps.new.total",), 4, 5), (("apps.new.org_subtotal",), 1, 2)]
    del m["apps.new.org_research"]
    assert fired("T3-ROW-SUM", rec(m)) == []


def test_blank_fires_from_blank_cells_only():
    assert fired("T3-BLANK", rec(table3())) == []
    fs = fired("T3-BLANK", rec({}, blank_cells=["apps.new.org_legal", "apps.new.org_other"]))
    assert len(fs) == 1 and fs[0].severity == "warning"
    assert fs[0].evidence == {"blank_cells": ["apps.new.org_legal", "apps.new.org_other"], "count": 2}


def test_negative_and_fractional_counts():
    fs = fired("T3-NEGATIVE", rec({"apps.new.total": -1, "apps.carried_in.total": 1.5, "apps.new.total_change_pct": -32}))
    assert sorted(f.cells for f in fs) == [("apps.carried_in.total",), ("apps.new.total",)]
    assert fired("T3-NEGATIVE", rec(table3())) == []


def test_t4_sum():
    m = {"review.upheld": 1, "review.corrected": 1, "review.other": 0, "review.pending": 0, "review.total": 3,
         "suit.direct.upheld": 4, "suit.direct.corrected": 0, "suit.direct.other": 0, "suit.direct.pending": 1,
         "suit.direct.total": 5}
    fs = fired("T4-SUM", rec(m))
    assert [(f.cells, f.evidence["expected"], f.evidence["found"]) for f in fs] == [(("review.total",), 2, 3)]
    del m["review.other"]
    assert fired("T4-SUM", rec(m)) == []


def test_t2_range_allows_2019_change():
    fs = fired("T2-RANGE", rec({"proactive.normative.in_force": -2, "proactive.penalty.change": -18,
                                "proactive.total_change_pct": -5, "proactive.rules.issued": 0}))
    assert [f.cells for f in fs] == [("proactive.normative.in_force",)]


def test_format_year():
    assert fired("FORMAT-YEAR", rec({}, tables=["二", "三", "四"])) == []
    fs = fired("FORMAT-YEAR", rec({}, format="2019", year=2022, tables=["二", "三"]))
    assert [(f.cells, f.evidence["expected"], f.evidence["found"]) for f in fs] == [
        (("format",), "2021", "2019"), (("tables",), ["二", "三", "四"], ["二", "三"])]
    assert fired("FORMAT-YEAR", rec({}, format="legacy", year=2018)) == []
    assert fired("FORMAT-YEAR", rec({}, format=None, tables=None)) == []


def test_a_table_printed_but_not_read_is_the_readers_failure_not_the_publishers():
    r = rec({}, format="2021", year=2023, tables=["二", "四"], unread_tables=["三"])
    assert fired("FORMAT-YEAR", r) == []  # the report does print table 三
    (f,) = fired("EXTRACT-FAILED", r)
    assert f.severity == "warning" and f.cells == ("table 三",)
    assert f.evidence["unread_tables"] == ["三"] and f.evidence["read_tables"] == ["二", "四"]
    assert "could not be read" in f.message
    # a table neither read nor printed is still the publisher's
    (fy,) = fired("FORMAT-YEAR", rec({}, format="2021", year=2023, tables=["二", "四"], unread_tables=[]))
    assert fy.evidence["missing"] == ["三"]
    assert fired("EXTRACT-FAILED", rec({}, tables=["二", "三", "四"], unread_tables=[])) == []
    assert fired("EXTRACT-FAILED", rec({}, kind="not_report", unread_tables=["三"])) == []


def test_sections():
    six = list("一二三四五六")
    assert fired("SECTIONS", rec({}, sections=six)) == []
    assert fired("SECTIONS", rec({}, sections=None)) == []
    assert fired("SECTIONS", rec({}, year=2018, format="legacy", sections=[])) == []
    fs = fired("SECTIONS", rec({}, sections=six[:4]))
    assert fs[0].evidence["missing"] == ["五", "六"]


def test_text_table():
    m = table3()  # new.total 4, carried_in.total 1, result.total 4, carried_out 1
    claims = [{"key": "apps.new.total", "value": 4, "sentence": "收到4件"},
              {"key": "apps.new.total", "value": 5, "sentence": "共收到5件（含上年结转）"},
              {"key": "apps.result.total.total", "value": 3, "sentence": "办结3件"},
              {"keys": ["apps.result.disclosed.total", "apps.result.partial.total"], "value": 3, "sentence": "予以公开及部分公开3件"},
              {"key": "review.total", "value": 2, "sentence": "行政复议2件"}]  # not in the table: quiet
    fs = fired("TEXT-TABLE", rec(m, text_claims=claims))
    assert [(f.cells, f.evidence["expected"], f.evidence["found"]) for f in fs] == [
        (("apps.result.total.total",), 4, 3)]
    assert fs[0].evidence["claims"][0]["sentence"] == "办结3件"
    assert fired("TEXT-TABLE", rec(m, text_claims=claims[:2] + claims[3:])) == []


def test_text_pct():
    m = {"apps.result.disclosed.total": 42, "apps.new.total": 81}
    ok = {"kind": "pct", "value": 51.85, "numerator": ["apps.result.disclosed.total"], "denominator": ["apps.new.total"]}
    bad = {**ok, "value": 52.0, "sentence": "占52%"}
    assert fired("TEXT-PCT", rec(m, text_claims=[ok])) == []
    fs = fired("TEXT-PCT", rec(m, text_claims=[ok, bad]))
    assert len(fs) == 1 and fs[0].evidence["expected"] == 51.85 and fs[0].evidence["found"] == 52
    assert fired("TEXT-PCT", rec({"apps.new.total": 81}, text_claims=[bad])) == []


LEGACY = dict(format="legacy", year=2018, published="2019-03-20")


def test_legacy_answer_sum():
    m = {"legacy.answers.total": 10, "legacy.answers.disclosed": 5, "legacy.answers.partial": 2,
         "legacy.answers.refused": 1, "legacy.answers.other": 2}
    assert fired("L-ANSWER-SUM", rec(m, **LEGACY)) == []
    fs = fired("L-ANSWER-SUM", rec({**m, "legacy.answers.total": 11}, **LEGACY))
    assert fs[0].evidence["expected"] == 10 and fs[0].evidence["found"] == 11 and fs[0].evidence["complete"]
    incomplete = {k: v for k, v in m.items() if k != "legacy.answers.other"}
    assert fired("L-ANSWER-SUM", rec({**incomplete, "legacy.answers.total": 11}, **LEGACY)) == []
    # stated parts exceeding the total is wrong whatever is missing
    fs = fired("L-ANSWER-SUM", rec({**incomplete, "legacy.answers.total": 7}, **LEGACY))
    assert fs[0].evidence["expected"] == 8 and not fs[0].evidence["complete"]
    # the eight categories of the 2014 national scheme are complete without an "other"
    scheme = {f"legacy.answers.{c}": 1 for c in ("already_public", "disclosed", "partial", "refused",
                                                   "not_this_agency", "not_exist", "amend", "other_channel")}
    assert fired("L-ANSWER-SUM", rec({**scheme, "legacy.answers.total": 8}, **LEGACY)) == []
    fs = fired("L-ANSWER-SUM", rec({**scheme, "legacy.answers.total": 13}, **LEGACY))
    assert (fs[0].evidence["expected"], fs[0].evidence["found"], fs[0].evidence["complete"]) == (8, 13, True)


def test_legacy_review_sum():
    m = {"review.total": 72, "review.upheld": 51, "review.corrected": 8, "review.other": 13,
         "suit.total": 50, "suit.upheld": 40, "suit.corrected": 2, "suit.other": 7}
    fs = fired("L-REVIEW-SUM", rec(m, **LEGACY))
    assert [(f.cells, f.evidence["expected"]) for f in fs] == [(("suit.total",), 49)]
    assert fired("L-REVIEW-SUM", rec({"review.total": 3, "review.upheld": 1}, **LEGACY)) == []


def test_legacy_staff_channel_rate():
    assert [f.evidence["expected"] for f in fired("L-STAFF-SUM", rec(
        {"staff.total": 5, "staff.full_time": 2, "staff.part_time": 2}, **LEGACY))] == [4]
    assert fired("L-STAFF-SUM", rec({"staff.total": 5, "staff.full_time": 2}, **LEGACY)) == []
    channels = {f"legacy.apps.{c}": 1 for c in ("in_person", "fax", "email", "online", "letter", "other")}
    assert fired("L-CHANNEL-SUM", rec({**channels, "apps.new.total": 6}, **LEGACY)) == []
    assert fired("L-CHANNEL-SUM", rec({**channels, "apps.new.total": 7}, **LEGACY))[0].evidence["expected"] == 6
    assert fired("L-CHANNEL-SUM", rec({"legacy.apps.online": 1, "apps.new.total": 7}, **LEGACY)) == []
    rate = {"legacy.answers.rate_pct": 100, "legacy.answers.total": 546, "apps.new.total": 546}
    assert fired("L-RATE", rec(rate, **LEGACY)) == []
    fs = fired("L-RATE", rec({**rate, "legacy.answers.total": 500}, **LEGACY))
    assert fs[0].evidence["expected"] == pytest.approx(91.58, abs=0.01)
    assert fired("L-RATE", rec({**rate, "apps.new.total": 0}, **LEGACY)) == []


def test_image_only_and_not_report():
    fs = fired("IMAGE-ONLY", rec({}, kind="image_only", url="http://x/1.htm"))
    assert fs[0].subject == "page:1" and fs[0].evidence["kind"] == "image_only"
    assert fired("IMAGE-ONLY", rec({})) == []
    bad = table3()
    bad["apps.new.total"] = 99
    assert run_record_rules(rec(bad, kind="not_report")) == []


def test_year_mismatch():
    text = "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。"
    assert fired("YEAR-MISMATCH", rec({}, title="测试县2023年政府信息公开工作年度报告", text=text)) == []
    fs = fired("YEAR-MISMATCH", rec({}, title="测试县2023年政府信息公开工作年度报告",
                                    text=text.replace("2023", "2022"), published="2023-12-01"))
    assert [f.cells for f in fs] == [("title", "统计期限"), ("published",)]
    assert fs[0].evidence["title_year"] == 2023 and fs[0].evidence["period_year"] == 2022
    assert fired("YEAR-MISMATCH", rec({}, title=None, text="", published=None)) == []


def test_run_report_rules_on_an_extraction_gives_json_flags():
    ex = Extraction()
    ex.fields.update(title="测试县2023年政府信息公开工作年度报告", year=2023, format="2021", publisher="测试县",
                     published="2024-01-10", url="http://example.gov.cn/nb/2023.html")
    for k, v in table3().items():
        ex.set(k, v, Provenance("table", f"表三 {k}", str(v)))
    ex.set("review.total", 3, Provenance("table", "表四 行政复议 / 总计", "3"))
    for k in ("upheld", "corrected", "other", "pending"):
        ex.set(f"review.{k}", 1 if k != "pending" else 1, Provenance("table", f"表四 {k}", "1"))
    flags = [f.to_json() for f in run_report_rules(ex)]
    assert [(f["rule"], f["severity"], f["cells"]) for f in flags] == [("T4-SUM", "error", ["review.total"])]
    assert flags[0]["subject"] == "http://example.gov.cn/nb/2023.html"
    assert flags[0]["evidence"]["values"][0] == {"key": "review.total", "value": 3, "source": "table",
                                                 "where": "表四 行政复议 / 总计", "raw": "3"}
    assert set(flags[0]) == {"rule", "severity", "message", "evidence", "subject", "cells"}


def test_x_repeat_counts_prose_only_and_ignores_the_format_intro():
    from pipeline.checks import RULES_BY_ID as R
    from pipeline.checks.years import repeat_share

    intro = "本报告根据《中华人民共和国政府信息公开条例》要求编制。本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。"
    prev_text = intro + "2022年，本局认真贯彻落实条例要求，持续提升公开质量。全年主动公开政府信息120条，较上年有所增加。\n一、总体情况\n"
    same = intro.replace("2022", "2023") + "2023年，本局认真贯彻落实条例要求，持续提升公开质量。全年主动公开政府信息150条，较上年有所增加。"
    new = intro + "围绕优化营商环境，新设政策解读专栏并上线问答库。依申请公开实行台账管理，答复时限平均缩短三天。"
    assert repeat_share(same, prev_text)[0] == 1.0
    assert repeat_share(new, prev_text)[0] == 0.0
    prev = rec({}, id="r0", key="page:0", year=2022, text=prev_text)
    rule = R["X-REPEAT"]
    fs = list(rule.check(rule, rec({}, text=same), prev))
    assert len(fs) == 1 and fs[0].subject == "page:1 vs page:0" and fs[0].evidence["found"] == 1.0
    assert fs[0].evidence["repeated_sentences"] == 2
    assert list(rule.check(rule, rec({}, text=new), prev)) == []
    assert list(rule.check(rule, rec({}, text=""), prev)) == []
