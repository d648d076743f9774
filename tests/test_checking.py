"""The checks job: publisher by publisher, and after a crawl only the publishers whose reports changed."""

from __future__ import annotations

import json
from datetime import date

from test_flags import make_archive

from archive.checking import run_checks
from archive.flags import load_report_records

AS_OF = date(2024, 6, 1)


def _add_publisher(d, run_id: int, page_id: int, report_id: int, publisher: str, carried_in: int) -> None:
    """A second publisher's 2022 and 2023 reports, captured by run `run_id` (pages.run_id)."""
    base = {"site_id": "ceshi", "publisher": publisher, "format": "2021", "kind": "report", "role": "page",
            "parent_report_id": None, "version": 1, "is_current": 1, "text": ""}
    for i, year in enumerate((2022, 2023)):
        url = f"http://t/{publisher}/{year}.htm"
        d["pages"].insert({"id": page_id + i, "url": url, "version": 1, "sha256": f"{publisher}{year}", "run_id": run_id},
                          pk="id", alter=True)
        d["reports"].insert({**base, "id": report_id + i, "page_id": page_id + i, "url": url, "year": year,
                             "published": f"{year + 1}-01-20", "title": f"{publisher}{year}年政府信息公开工作年度报告",
                             "first_captured": f"{year + 1}-01-21"}, pk="id")
    d["metrics"].insert_all([
        {"report_id": report_id, "key": "apps.carried_out.total", "value": 4.0, "approximate": 0, "source": "table",
         "where_": "w", "raw": "4"},
        {"report_id": report_id + 1, "key": "apps.carried_in.total", "value": float(carried_in), "approximate": 0,
         "source": "table", "where_": "w", "raw": str(carried_in)}], pk=("report_id", "key"))


def test_a_full_check_reads_one_publisher_at_a_time_and_gives_the_same_flags():
    d = make_archive()
    _add_publisher(d, run_id=2, page_id=10, report_id=10, publisher="测试县财政局", carried_in=3)
    s = run_checks(d, None, as_of=AS_OF)
    assert s["scope"] == "all" and s["publishers_checked"] == 2
    # 测试县: T4-SUM, X-CARRY, CHANGED, LATE; 测试县财政局: X-CARRY (3 carried in, 4 carried out)
    assert s["by_rule"] == {"CHANGED": 1, "LATE": 1, "T4-SUM": 1, "X-CARRY": 2}
    carry = {r["publisher"]: json.loads(r["evidence"]) for r in d["flags"].rows_where("rule = 'X-CARRY'")}
    assert set(carry) == {"测试县", "测试县财政局"}


def test_after_a_crawl_only_the_publishers_it_changed_are_checked():
    d = make_archive()
    run_checks(d, None, as_of=AS_OF)
    before = {r["identity"]: r["last_seen"] for r in d["flags"].rows}
    d["flags"].update(1, {"last_seen": "untouched"})
    # run 7 captures a new publisher's reports; 测试县's reports are not touched by it
    _add_publisher(d, run_id=7, page_id=20, report_id=20, publisher="测试县财政局", carried_in=3)
    s = run_checks(d, None, as_of=AS_OF, run_id=7, changed_in_run=True)
    assert s["scope"] == "changed in run" and s["publishers_checked"] == 1
    assert s["by_rule"].get("T4-SUM") is None  # 测试县 was not re-evaluated …
    assert d["flags"].get(1)["last_seen"] == "untouched"  # … and its flags were not rewritten
    assert s["opened"] == 1 and s["resolved"] == 0
    new = next(d["flags"].rows_where("publisher = '测试县财政局'"))
    assert new["rule"] == "X-CARRY" and new["status"] == "open" and new["last_run_id"] == 7
    assert len(before) + 1 == d["flags"].count


def test_a_partial_check_resolves_only_within_its_publishers():
    d = make_archive()
    _add_publisher(d, run_id=2, page_id=10, report_id=10, publisher="测试县财政局", carried_in=3)
    run_checks(d, None, as_of=AS_OF)
    # run 8 re-captures the department's 2023 report, now agreeing with 2022 (a new version)
    d["reports"].update(11, {"is_current": 0})
    d["pages"].insert({"id": 30, "url": "http://t/测试县财政局/2023.htm", "version": 2, "sha256": "new", "run_id": 8},
                      pk="id")
    d["reports"].insert({**d["reports"].get(11), "id": 31, "page_id": 30, "version": 2, "is_current": 1}, pk="id")
    d["metrics"].insert({"report_id": 31, "key": "apps.carried_in.total", "value": 4.0, "approximate": 0,
                         "source": "table", "where_": "w", "raw": "4"}, pk=("report_id", "key"))
    s = run_checks(d, None, as_of=AS_OF, run_id=8, changed_in_run=True)
    assert s["publishers_checked"] == 1 and s["resolved"] == 1
    status = {(r["publisher"], r["rule"]): r["status"] for r in d["flags"].rows}
    assert status[("测试县财政局", "X-CARRY")] == "resolved"
    assert status[("测试县", "X-CARRY")] == "open" and status[("测试县", "T4-SUM")] == "open"


def test_missing_is_always_checked_from_compact_facts():
    d = make_archive()
    # a later check date: 测试县's 2024 report is now overdue; the run changed no report at all
    s = run_checks(d, None, as_of=date(2025, 6, 1), run_id=9, changed_in_run=True)
    assert s["publishers_checked"] == 0
    missing = [r for r in d["flags"].rows if r["rule"] == "MISSING"]
    assert [(r["publisher"], r["year"]) for r in missing] == [("测试县", 2024)]


def test_a_full_check_resolves_a_flag_no_publisher_owns_any_more():
    d = make_archive()
    run_checks(d, None, as_of=AS_OF)
    # a flag of a report no longer in the archive under any publisher (e.g. from an older parser's rows)
    d["flags"].insert({**d["flags"].get(1), "id": 99, "identity": "T4-SUM|http://gone/2023.htm|review.total",
                       "subject": "http://gone/2023.htm", "publisher": "已撤销单位", "report_id": "999",
                       "status": "open"}, pk="id")
    partial = run_checks(d, None, as_of=AS_OF, run_id=5, changed_in_run=True)
    assert partial["resolved"] == 0 and d["flags"].get(99)["status"] == "open"
    full = run_checks(d, None, as_of=AS_OF)
    assert full["resolved"] == 1 and d["flags"].get(99)["status"] == "resolved"
    assert {r["status"] for r in d["flags"].rows if r["id"] != 99} == {"open"}
    assert {r.publisher for r in load_report_records(d)} == {"测试县"}


def test_a_table_the_reader_could_not_read_is_flagged_in_the_archive_not_blamed_on_the_publisher():
    d = make_archive()
    d["reports"].add_column("tables", str)
    d["reports"].add_column("unread_tables", str)
    d["reports"].update(3, {"tables": json.dumps(["二", "四"]), "unread_tables": json.dumps(["三"])})
    run_checks(d, None, as_of=AS_OF)
    rules = {r["rule"]: json.loads(r["evidence"]) for r in d["flags"].rows if r["report_id"] == "3"}
    assert rules["EXTRACT-FAILED"]["unread_tables"] == ["三"]
    assert "FORMAT-YEAR" not in rules  # 三 is printed: the report does not lack it
