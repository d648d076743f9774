"""Flag lifecycle in the archive: upsert by identity, decisions survive, evidence change re-opens, history kept."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlite_utils

from archive.checking import run_checks
from archive.flags import (
    confirm,
    dismiss,
    ensure_flag_tables,
    evidence_hash,
    load_report_records,
    sync_findings,
)
from pipeline.checks import Finding


def F(rule="T4-SUM", subject="http://x/1", cells=("review.total",), found=3, **kw) -> Finding:
    return Finding(rule=rule, severity=kw.pop("severity", "error"), subject=subject, cells=cells,
                   message=f"总计 {found} ≠ 2", evidence={"expected": 2, "found": found}, report_id="7",
                   publisher="测试县", year=2023, site="ceshi", **kw)


@pytest.fixture
def db():
    d = sqlite_utils.Database(memory=True)
    ensure_flag_tables(d)
    return d


def events(db, flag_id=None):
    rows = db.query("SELECT * FROM flag_events" + (" WHERE flag_id = ?" if flag_id else "") + " ORDER BY id",
                    [flag_id] if flag_id else [])
    return [r["event"] for r in rows]


def test_tables_are_idempotent(db):
    ensure_flag_tables(db)
    ensure_flag_tables(db)
    assert {"flags", "flag_events"} <= set(db.table_names())
    assert {"identity", "status", "evidence_hash", "decided_by", "note"} <= set(db["flags"].columns_dict)


def test_rerun_never_duplicates(db):
    c1 = sync_findings(db, [F(), F(cells=("suit.direct.total",))], now="t1")
    c2 = sync_findings(db, [F(), F(cells=("suit.direct.total",)), F()], now="t2")
    assert c1["opened"] == 2 and c2["opened"] == 0 and c2["unchanged"] == 2
    assert db["flags"].count == 2
    row = next(db["flags"].rows_where("cells = ?", ['["review.total"]']))
    assert (row["status"], row["first_seen"], row["last_seen"]) == ("open", "t1", "t2")
    assert json.loads(row["evidence"]) == {"expected": 2, "found": 3}
    assert row["evidence_hash"] == evidence_hash({"found": 3, "expected": 2})
    assert (row["publisher"], row["year"], row["site"], row["report_id"]) == ("测试县", 2023, "ceshi", "7")
    assert events(db) == ["opened", "opened"]


def test_dismissed_stays_dismissed_and_confirmed_stays_confirmed(db):
    sync_findings(db, [F(), F(cells=("x",))], now="t1")
    a, b = (r["id"] for r in db["flags"].rows)
    dismiss(db, a, note="text explains it", who="li", now="t2")
    confirm(db, b, note="real error", who="wang", now="t2")
    sync_findings(db, [F(), F(cells=("x",))], now="t3")
    ra, rb = db["flags"].get(a), db["flags"].get(b)
    assert (ra["status"], ra["decided_by"], ra["note"], ra["decided_at"]) == ("dismissed", "li", "text explains it", "t2")
    assert (rb["status"], rb["decided_by"]) == ("confirmed", "wang")
    assert events(db, a) == ["opened", "dismissed"]


def test_a_dismissed_missing_flag_stays_dismissed_on_later_days(db):
    """MISSING's evidence says when it was checked (as_of): a later day is not new evidence."""
    def missing(as_of: str) -> Finding:
        return Finding(rule="MISSING", severity="error", subject="测试县/2023", cells=(), message="no 2023 report",
                       evidence={"publisher": "测试县", "year": 2023, "deadline": "2024-03-31", "grace_days": 0,
                                 "as_of": as_of}, publisher="测试县", year=2023)
    sync_findings(db, [missing("2024-06-01")], now="t1")
    flag = next(db["flags"].rows)
    dismiss(db, flag["id"], note="abolished in 2023", who="li", now="t2")
    counts = sync_findings(db, [missing("2024-06-02")], now="t3")
    row = db["flags"].get(flag["id"])
    assert counts["unchanged"] == 1 and counts["evidence_changed"] == 0
    assert row["status"] == "dismissed" and json.loads(row["evidence"])["as_of"] == "2024-06-02"
    assert events(db, flag["id"]) == ["opened", "dismissed"]


def test_evidence_change_reopens_with_an_event_keeping_the_old_evidence(db):
    sync_findings(db, [F(found=3)], now="t1")
    fid = next(db["flags"].rows)["id"]
    dismiss(db, fid, note="ok", who="li", now="t2")
    counts = sync_findings(db, [F(found=4)], now="t3")
    assert counts["evidence_changed"] == 1
    row = db["flags"].get(fid)
    assert row["status"] == "open" and json.loads(row["evidence"])["found"] == 4
    assert row["decided_by"] is None and row["note"] is None
    ev = list(db.query("SELECT * FROM flag_events WHERE flag_id = ? ORDER BY id", [fid]))
    assert [e["event"] for e in ev] == ["opened", "dismissed", "evidence_changed"]
    assert json.loads(ev[-1]["evidence"])["found"] == 3
    assert "evidence changed" in ev[-1]["note"] and "dismissed" in ev[-1]["note"]
    assert (ev[1]["who"], ev[1]["note"]) == ("li", "ok")


def test_vanished_finding_resolves_and_comes_back_reopened(db):
    sync_findings(db, [F(), F(rule="LATE", cells=("published",))], now="t1")
    counts = sync_findings(db, [F()], now="t2")
    assert counts["resolved"] == 1 and db["flags"].count == 2
    late = next(db["flags"].rows_where("rule = 'LATE'"))
    assert late["status"] == "resolved"
    assert sync_findings(db, [F()], now="t3")["resolved"] == 0  # resolved once
    counts = sync_findings(db, [F(), F(rule="LATE", cells=("published",))], now="t4")
    assert counts["reopened"] == 1
    assert db["flags"].get(late["id"])["status"] == "open"
    assert events(db, late["id"]) == ["opened", "resolved", "reopened"]


def test_partial_sync_resolves_only_within_its_scope(db):
    sync_findings(db, [F(subject="a"), F(subject="b")], now="t1")
    sync_findings(db, [], subjects={"a"}, now="t2")
    assert {r["subject"]: r["status"] for r in db["flags"].rows} == {"a": "resolved", "b": "open"}
    sync_findings(db, [], rules={"LATE"}, now="t3")
    assert {r["subject"]: r["status"] for r in db["flags"].rows} == {"a": "resolved", "b": "open"}


def test_decide_unknown_flag(db):
    with pytest.raises(KeyError):
        confirm(db, 999, note="x", who="me")


# --- reading the archive -------------------------------------------------------------------------

def make_archive(path=None) -> sqlite_utils.Database:
    """A small archive with the tables the schema owner writes (reports, metrics, pages)."""
    d = sqlite_utils.Database(path) if path else sqlite_utils.Database(memory=True)
    d["pages"].insert_all([{"id": 1, "url": "http://t/2022.htm", "version": 1, "sha256": "aa"},
                           {"id": 2, "url": "http://t/2023.htm", "version": 1, "sha256": "bb"},
                           {"id": 3, "url": "http://t/2023.htm", "version": 2, "sha256": "cc"}], pk="id")
    base = {"site_id": "ceshi", "publisher": "测试县", "format": "2021", "kind": "report", "role": "page",
            "parent_report_id": None}
    d["reports"].insert_all([
        {**base, "id": 1, "page_id": 1, "url": "http://t/2022.htm", "year": 2022, "published": "2023-02-01",
         "title": "测试县2022年政府信息公开工作年度报告", "version": 1, "is_current": 1,
         "first_captured": "2023-02-02", "text": "一、总体情况。"},
        {**base, "id": 2, "page_id": 2, "url": "http://t/2023.htm", "year": 2023, "published": "2024-04-02",
         "title": "测试县2023年政府信息公开工作年度报告", "version": 1, "is_current": 0,
         "first_captured": "2024-03-02", "text": "本年度共收到申请5件。"},
        {**base, "id": 3, "page_id": 3, "url": "http://t/2023.htm", "year": 2023, "published": "2024-04-02",
         "title": "测试县2023年政府信息公开工作年度报告", "version": 2, "is_current": 1,
         "first_captured": "2024-03-02", "text": "本年度共收到申请6件。"},
    ], pk="id")
    rows = [(1, "apps.carried_out.total", 1), (1, "proactive.normative.in_force", 10),
            (2, "apps.carried_in.total", 1), (2, "review.total", 2),
            (3, "apps.carried_in.total", 0), (3, "review.total", 3), (3, "review.upheld", 1),
            (3, "review.corrected", 1), (3, "review.other", 0), (3, "review.pending", 0),
            (3, "proactive.normative.in_force", 12), (3, "proactive.normative.issued", 2),
            (3, "proactive.normative.repealed", 0)]
    d["metrics"].insert_all([{"report_id": r, "key": k, "value": float(v), "approximate": 0, "source": "table",
                              "where_": f"where {k}", "raw": str(v)} for r, k, v in rows], pk=("report_id", "key"))
    return d


def test_load_report_records():
    recs = load_report_records(make_archive())
    assert [(r.id, r.key, r.version, r.is_current, r.content_hash) for r in recs] == [
        ("1", "http://t/2022.htm", 1, True, "aa"), ("2", "http://t/2023.htm", 1, False, "bb"),
        ("3", "http://t/2023.htm", 2, True, "cc")]
    r3 = recs[2]
    assert r3.metrics["review.total"] == 3 and isinstance(r3.metrics["review.total"], int)
    assert r3.provenance["review.total"] == {"source": "table", "where": "where review.total", "raw": "3"}
    assert (r3.site, r3.publisher, r3.year, r3.blank_cells) == ("ceshi", "测试县", 2023, None)
    assert load_report_records(sqlite_utils.Database(memory=True)) == []


def test_run_checks_over_an_archive_and_rerun():
    d = make_archive()
    summary = run_checks(d, None, as_of=date(2024, 6, 1))
    # T4-SUM (3 ≠ 1+1+0+0), X-CARRY (2023 carried_in 0 vs 2022 carried_out 1), CHANGED (2023 v1 → v2), LATE
    assert summary["by_rule"] == {"CHANGED": 1, "LATE": 1, "T4-SUM": 1, "X-CARRY": 1}
    assert summary["by_severity"] == {"error": 2, "warning": 2}
    assert summary["opened"] == 4 and summary["reports"] == 2
    assert summary["open_by_rule"] == {"CHANGED": 1, "LATE": 1, "T4-SUM": 1, "X-CARRY": 1}
    changed = next(d["flags"].rows_where("rule = 'CHANGED'"))
    ev = json.loads(changed["evidence"])
    assert ev["values"] == {"apps.carried_in.total": {"old": 1, "new": 0}, "review.total": {"old": 2, "new": 3},
                            **{k: {"old": None, "new": v} for k, v in (
                                ("proactive.normative.in_force", 12), ("proactive.normative.issued", 2),
                                ("proactive.normative.repealed", 0), ("review.corrected", 1), ("review.other", 0),
                                ("review.pending", 0), ("review.upheld", 1))}}
    assert ev["text_diff"] == ["-本年度共收到申请5件。", "+本年度共收到申请6件。"]
    assert changed["subject"] == "http://t/2023.htm" and changed["site"] == "ceshi"
    late = next(d["flags"].rows_where("rule = 'LATE'"))  # 测试县 is guessed a government: due 31 March
    assert json.loads(late["evidence"]) == {"deadline": "2024-03-31", "published": "2024-04-02", "days_late": 2}
    assert (late["year"], late["cells"], late["report_id"]) == (2023, '["published"]', "3")
    again = run_checks(d, None, as_of=date(2024, 6, 1))
    assert again["opened"] == 0 and again["unchanged"] == 4 and d["flags"].count == 4
