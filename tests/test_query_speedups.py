"""The fast forms of the review queue and the search return what the slow ones did: the queue's first page
in the same order (now read from an index on its ORDER BY), the search's matches (now ranked, one per
publisher-year, from the choice kept on write) — best first."""

from __future__ import annotations

import random

import pytest
from test_summary import store

from archive.flags import ensure_flag_tables
from archive.schema import connect, ensure_schema
from archive.web.metadata import QUERIES, SEARCH_WINDOW


@pytest.fixture
def db(tmp_path):
    d = connect(tmp_path / "g.db")
    ensure_schema(d)
    yield d
    d.conn.close()


def test_open_flags_first_page_is_the_sorted_open_flags_and_reads_the_queue_index(db):
    ensure_flag_tables(db)
    rng = random.Random(5)
    rows = [{"id": i, "rule": rng.choice(["X-REPEAT", "T3-ROW-SUM", "MISSING", "LATE"]),
             "severity": rng.choice(["error", "warning"]), "identity": f"f{i}",
             "status": rng.choice(["open"] * 4 + ["dismissed"]), "publisher": rng.choice(["甲", "乙", None]),
             "year": rng.choice([2020, 2021, None]), "site": rng.choice(["a", "b"]), "message": "m"}
            for i in range(1, 1500)]
    db["flags"].insert_all(rows)
    db.execute("ANALYZE")
    sql = QUERIES["open_flags"]["sql"]
    got = [r[0] for r in db.execute(sql, {"rule": "", "site": "", "year": ""}).fetchall()]

    def order(r):  # the queue's order, in Python (NULL first, as SQLite sorts it)
        return (r["severity"] != "error", r["rule"], r["publisher"] is not None, r["publisher"] or "",
                r["year"] is not None, r["year"] or 0, r["id"])
    want = [r["id"] for r in sorted((r for r in rows if r["status"] == "open"), key=order)][:500]
    assert got == want and len(got) == 500
    plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN " + sql, {"rule": "", "site": "", "year": ""}))
    assert "idx_flags_queue" in plan and "TEMP B-TREE" not in plan
    site = [r[0] for r in db.execute(sql, {"rule": "LATE", "site": "a", "year": ""}).fetchall()]
    assert site == [r["id"] for r in sorted(rows, key=order)
                    if r["status"] == "open" and r["rule"] == "LATE" and r["site"] == "a"][:500] and site


def search(db, q):
    return [r[0] for r in db.execute(QUERIES["search_reports"]["sql"], {"q": q}).fetchall()]


def test_search_ranks_title_matches_first_and_counts_each_publisher_year_once(db):
    body = store(db, "http://a/1", "甲县", 2021, {}, text="本年度依申请公开信息处理费为零。")
    titled = store(db, "http://a/2", "乙县", 2021, {}, title="乙县2021年信息处理费专项报告", text="正文。")
    page = store(db, "http://a/3", "丙县", 2020, {"apps.new.total": 1}, text="信息处理费")
    store(db, "http://a/3.pdf", None, None, {}, role="attachment", parent_url="http://a/3", text="信息处理费")
    old = store(db, "http://a/4", "丁县", 2019, {}, text="信息处理费")
    new = store(db, "http://a/4", "丁县", 2019, {}, text="信息处理费", version=2)
    store(db, "http://a/5", "戊县", 2019, {}, text="无关")
    hits = search(db, "信息处理费")
    assert hits[0] == titled  # title weighs more than body text
    assert sorted(hits) == sorted([body, titled, page, new])  # the attachment and the old version: not twice
    assert old not in hits
    # the same matches as the annual_reports view gives (what the search read before)
    view = [r[0] for r in db.execute(
        "SELECT report_id FROM annual_reports WHERE report_id IN (SELECT rowid FROM reports_fts "
        "WHERE reports_fts MATCH '\"信息处理费\"')")]
    assert sorted(hits) == sorted(view)
    assert search(db, "处理") == search(db, "处理")  # 1–2 characters: the scan
    assert sorted(search(db, "处理")) == sorted(view)
    assert search(db, "不存在的词") == []


def test_search_ranks_only_the_newest_window_of_a_term_in_every_report(db, monkeypatch):
    assert SEARCH_WINDOW >= 1000
    ids = [store(db, f"http://w/{i}", f"机关{i}", 2021, {}, text="主动公开政府信息") for i in range(30)]
    sql = QUERIES["search_reports"]["sql"].replace(f"OFFSET {SEARCH_WINDOW - 1}", "OFFSET 9")
    hits = [r[0] for r in db.execute(sql, {"q": "主动公开"}).fetchall()]
    assert sorted(hits) == ids[-10:]
