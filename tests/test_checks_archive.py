"""Cross-report rules on plain records: across years, publication (with a registry), history."""

from __future__ import annotations

from datetime import date

from archive.checking import registry_publishers
from pipeline.checks import run_archive_rules
from pipeline.checks.expectations import Expectations, guess_kind, legal_deadline
from pipeline.checks.model import ReportRecord


def R(id, year, metrics=None, publisher="测试县", **kw) -> ReportRecord:
    base = dict(id=id, key=f"u{id}", publisher=publisher, year=year, format="2021" if year >= 2021 else
                "2019" if year >= 2019 else "legacy", published=f"{year + 1}-01-15", metrics=dict(metrics or {}),
                site="ceshi")
    base.update(kw)
    return ReportRecord(**base)


def run(reports, as_of=date(2024, 1, 20), expectations=None, rule=None):
    fs = run_archive_rules(reports, expectations, as_of, within=False)
    return [f for f in fs if rule is None or f.rule == rule]


def test_x_change_pct():
    prev = R("1", 2017, {"proactive.total": 100})
    ok = R("2", 2018, {"proactive.total": 102, "proactive.total_change_pct": 2.0})
    bad = R("2", 2018, {"proactive.total": 110, "proactive.total_change_pct": 2.0})
    assert run([prev, ok], rule="X-CHANGE-PCT") == []
    fs = run([prev, bad], rule="X-CHANGE-PCT")
    assert [(f.cells, f.evidence["expected"], f.evidence["found"], f.subject) for f in fs] == [
        (("proactive.total_change_pct",), 10.0, 2, "u2 vs u1")]
    assert run([R("1", 2017, {}), bad], rule="X-CHANGE-PCT") == []  # last year's value unknown


def test_x_in_force_and_missing_inputs():
    prev = R("1", 2021, {"proactive.rules.in_force": 5})
    cur = R("2", 2022, {"proactive.rules.in_force": 6, "proactive.rules.issued": 2, "proactive.rules.repealed": 1})
    assert run([prev, cur], rule="X-IN-FORCE") == []
    cur.metrics["proactive.rules.in_force"] = 9
    assert [f.evidence["expected"] for f in run([prev, cur], rule="X-IN-FORCE")] == [6]
    del cur.metrics["proactive.rules.repealed"]
    assert run([prev, cur], rule="X-IN-FORCE") == []


def test_x_carry_only_from_2020_and_only_same_publisher():
    a = R("1", 2019, {"apps.carried_out.total": 2})
    b = R("2", 2020, {"apps.carried_in.total": 1})
    other = R("3", 2020, {"apps.carried_in.total": 7}, publisher="别的局")
    fs = run([a, b, other], rule="X-CARRY")
    assert [(f.subject, f.evidence["expected"], f.evidence["found"]) for f in fs] == [("u2 vs u1", 2, 1)]
    assert run([R("1", 2018, {"apps.carried_out.total": 2}), R("2", 2019, {"apps.carried_in.total": 0})],
               rule="X-CARRY") == []


def test_missing_from_registry_with_override_grace_and_gap_years(tmp_path):
    reg = tmp_path / "sites.toml"
    reg.write_text("""
[[sites]]
id = "ceshi"
name = "测试县"
start_urls = ["http://ceshi.gov.test/"]
[[sites.publishers]]
name = "测试县"
kind = "government"
first_year = 2021
[[sites.publishers]]
name = "测试县教育局"
kind = "department"
first_year = 2022
[[sites.publishers]]
name = "某某镇"
kind = "government"
first_year = 2022
deadline = "02-20"
""", encoding="utf-8")
    reports = [R("1", 2021, published="2022-03-01"), R("9", 2019, publisher="旧局", published="2020-01-10")]
    exp = Expectations.build(registry_publishers(reg), reports, grace_days=10)
    assert exp.deadline("某某镇", 2022) == date(2023, 2, 20)
    assert exp.deadline("测试县教育局", 2022) == date(2023, 1, 31)
    fs = run(reports, as_of=date(2023, 2, 15), expectations=exp, rule="MISSING")
    # 教育局 2022 due 31 Jan + 10 days grace = 10 Feb < 15 Feb; 某某镇 due 20 Feb; 测试县 2022 due 31 March;
    # 旧局 (seen in the archive, guessed a department) misses 2020, 2021 and 2022
    assert {f.subject for f in fs} == {"旧局/2020", "旧局/2021", "旧局/2022", "测试县教育局/2022"}
    f = next(f for f in fs if f.subject == "测试县教育局/2022")
    assert f.evidence == {"publisher": "测试县教育局", "year": 2022, "deadline": "2023-01-31", "grace_days": 10,
                          "as_of": "2023-02-15"}
    assert (f.severity, f.site, f.year) == ("error", "ceshi", 2022)
    fs = run(reports, as_of=date(2023, 4, 10), expectations=exp, rule="MISSING")  # 测试县: due 31 March + 10 days
    assert {f.subject for f in fs} == {"旧局/2020", "旧局/2021", "旧局/2022", "测试县教育局/2022", "某某镇/2022"}
    fs = run(reports, as_of=date(2023, 4, 11), expectations=exp, rule="MISSING")
    assert "测试县/2022" in {f.subject for f in fs}


def test_late_uses_publisher_kind_and_year():
    assert legal_deadline(2018, "department") == date(2019, 3, 31)
    assert legal_deadline(2019, "department") == date(2020, 1, 31)
    assert (guess_kind("沭阳县发展和改革局"), guess_kind("上海市人民政府办公厅"), guess_kind("平潭综合实验区"),
            guess_kind("阜阳市人民政府")) == ("department", "department", "government", "government")
    on_time = R("1", 2018, publisher="某局", published="2019-03-30")
    late = R("2", 2019, publisher="某局", published="2020-02-03")
    fs = run([on_time, late], rule="LATE")
    assert [(f.subject, f.evidence) for f in fs] == [
        ("u2", {"deadline": "2020-01-31", "published": "2020-02-03", "days_late": 3})]


def test_duplicate_only_when_numbers_differ():
    a = R("1", 2022, {"apps.new.total": 5, "review.total": 1})
    repost = R("2", 2022, {"apps.new.total": 5})
    assert run([a, repost], rule="DUPLICATE") == []
    other = R("3", 2022, {"apps.new.total": 6})
    fs = run([a, other], rule="DUPLICATE")
    assert [(f.subject, f.evidence["differences"]) for f in fs] == [("u1, u3", {"apps.new.total": {"a": 5, "b": 6}})]


def test_changed_compares_first_capture_with_current_unless_the_bytes_are_equal():
    v1 = R("1", 2022, {"apps.new.total": 5}, key="http://t/a", version=1, is_current=False, content_hash="h1",
           first_captured="2023-01-10", text="收到申请5件。")
    v2 = R("2", 2022, {"apps.new.total": 4}, key="http://t/a", version=2, content_hash="h2",
           first_captured="2023-01-10", text="收到申请4件。")
    fs = run([v1, v2], rule="CHANGED")
    assert len(fs) == 1 and fs[0].subject == "http://t/a" and fs[0].report_id == "2"
    assert fs[0].evidence["values"] == {"apps.new.total": {"old": 5, "new": 4}}
    assert fs[0].evidence["text_diff"] == ["-收到申请5件。", "+收到申请4件。"]
    v2.content_hash = "h1"  # same capture, re-parsed: a parser change, not a silent edit
    assert run([v1, v2], rule="CHANGED") == []
    v2.content_hash, v2.metrics, v2.text = "h2", {"apps.new.total": 5}, "收到申请5件。"
    assert run([v1, v2], rule="CHANGED") == []  # new bytes, same content


def test_attachment_mismatch():
    page = R("1", 2022, {"apps.new.total": 5, "review.total": 1},
             provenance={"apps.new.total": {"source": "table", "where": "表三 一 / 总计", "raw": "5"}})
    att = R("2", 2022, {"apps.new.total": 6, "review.total": 1}, key="http://t/a.pdf", url="http://t/a.pdf",
            role="attachment", parent_id="1")
    fs = run([page, att], rule="ATTACHMENT-MISMATCH")
    assert [(f.cells, f.subject, f.evidence["expected"], f.evidence["found"]) for f in fs] == [
        (("apps.new.total",), "u1, http://t/a.pdf", 5, 6)]
    assert fs[0].evidence["page"]["where"] == "表三 一 / 总计"
    # an attachment is not a second report: no DUPLICATE, and it does not count for MISSING
    assert run([page, att], rule="DUPLICATE") == []


def test_changed_attachment_edited_with_its_page_is_one_finding():
    p1 = R("1", 2022, {"apps.new.total": 5}, key="http://t/a", version=1, is_current=False, content_hash="p1")
    a1 = R("2", 2022, {}, key="http://t/a.pdf", url="http://t/a.pdf", role="attachment", parent_id="1", version=1,
           is_current=False, content_hash="a1", text="收到申请5件。")
    p2 = R("3", 2022, {"apps.new.total": 6}, key="http://t/a", version=2, content_hash="p2")
    a2 = R("4", 2022, {}, key="http://t/a.pdf", url="http://t/a.pdf", role="attachment", parent_id="3", version=2,
           content_hash="a2", text="收到申请6件。")
    fs = run([p1, a1, p2, a2], rule="CHANGED")
    assert [(f.subject, f.evidence.get("attachments_changed")) for f in fs] == [("http://t/a", ["http://t/a.pdf"])]
    assert "1 attachment(s)" in fs[0].message
    # an attachment edited alone is a silent edit of its own
    fs = run([p1, a1, R("3", 2022, {"apps.new.total": 5}, key="http://t/a", version=2, content_hash="p1"), a2],
             rule="CHANGED")
    assert [f.subject for f in fs] == ["http://t/a.pdf"]
