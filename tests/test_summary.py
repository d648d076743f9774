"""metric_summary / annual_choice (archive/summary.py) kept by the archive writer: after every write they
equal what the `annual_reports` view and a from-scratch GROUP BY give, through inserts, new versions
(is_current flips), attachments taking their page's publisher, a choice moving to another report, and a
removal taking a min or max away."""

from __future__ import annotations

import random

import pytest

from archive import summary
from archive.extracting import _store, _Writer
from archive.schema import connect, ensure_schema
from pipeline.extract.model import Extraction, Provenance


@pytest.fixture
def db(tmp_path):
    d = connect(tmp_path / "g.db")
    ensure_schema(d)
    yield d
    d.conn.close()


_ids = iter(range(1, 10_000))


def store(db, url, publisher, year, metrics, role="page", kind="report", version=1, parent_url=None, **fields):
    """One report written as the archive writer writes it (its own batch)."""
    ex = Extraction(kind=kind, text=fields.pop("text", ""))
    ex.fields.update({"publisher": publisher, "year": year, "title": f"{publisher}{year}年报告", **fields})
    for k, v in metrics.items():
        ex.set(k, v, Provenance("table", "t3", str(v)))
    w = _Writer(db)
    with w.one():
        rid = _store(db, {"id": next(_ids), "url": url, "site_id": "s", "version": version}, ex, role, None, None)
        if parent_url:
            db.execute("UPDATE reports SET parent_report_id = (SELECT id FROM reports WHERE url = ? AND is_current = 1) "
                       "WHERE id = ?", [parent_url, rid])
    w.close()
    return rid


def assert_equal_from_scratch(db):
    choice = db.execute("SELECT publisher, year, report_id FROM annual_choice ORDER BY 1, 2").fetchall()
    view = db.execute("SELECT publisher, year, report_id FROM annual_reports ORDER BY 1, 2").fetchall()
    assert choice == view
    kept = db.execute("SELECT key, year, n, total, min_value, max_value FROM metric_summary ORDER BY key, year").fetchall()
    fresh = db.execute(summary.FROM_SCRATCH_SQL).fetchall()
    assert [r[:3] + r[4:] for r in kept] == [r[:3] + r[4:] for r in fresh]
    assert [r[3] for r in kept] == pytest.approx([r[3] for r in fresh])
    assert kept  # a test that compares two empty tables proves nothing


def test_inserts_versions_attachments_and_moves(db):
    store(db, "http://a/1", "甲县财政局", 2021, {"apps.new.total": 5, "apps.carried_in.total": 1})
    store(db, "http://a/2", "甲县财政局", 2022, {"apps.new.total": 7})
    store(db, "http://b/1", "乙县教育局", 2021, {"apps.new.total": 0, "review.total": 3})
    assert_equal_from_scratch(db)
    assert db.execute("SELECT n, total, min_value, max_value FROM metric_summary WHERE key = 'apps.new.total' "
                      "AND year = 2021").fetchone() == (2, 5.0, 0.0, 5.0)
    # a new version of a page: the old one stops counting (is_current flips), its min value 0 goes away
    store(db, "http://b/1", "乙县教育局", 2021, {"apps.new.total": 9}, version=2)
    assert_equal_from_scratch(db)
    assert db.execute("SELECT n, total, min_value, max_value FROM metric_summary WHERE key = 'apps.new.total' "
                      "AND year = 2021").fetchone() == (2, 14.0, 5.0, 9.0)
    assert db.execute("SELECT count(*) FROM metric_summary WHERE key = 'review.total'").fetchone()[0] == 0
    # an attachment with more numbers than its page, without its own publisher: it takes the page's and wins
    store(db, "http://a/2.pdf", None, None, {"apps.new.total": 8, "review.total": 2}, role="attachment",
          parent_url="http://a/2")
    assert_equal_from_scratch(db)
    assert db.execute("SELECT role FROM annual_reports WHERE publisher = '甲县财政局' AND year = 2022").fetchone()[0] \
        == "attachment"
    # a repost by another body: a second publisher-year; a page that stops being a report stops counting
    store(db, "http://c/1", "丙县人民政府", 2021, {"apps.new.total": 100})
    store(db, "http://c/1", "丙县人民政府", 2021, {}, kind="not_report", version=2)
    assert_equal_from_scratch(db)
    # a re-parse that changes a publisher's name moves the report to another publisher-year
    store(db, "http://a/1", "甲县财政局（改）", 2021, {"apps.new.total": 5, "apps.carried_in.total": 1}, version=2)
    assert_equal_from_scratch(db)


def test_random_writes_always_equal_the_from_scratch_aggregate(db):
    rng = random.Random(3)
    keys = [f"apps.k{i}.total" for i in range(6)]
    versions: dict[str, int] = {}
    for step in range(120):
        url = f"http://r/{rng.randrange(25)}"
        versions[url] = versions.get(url, 0) + 1
        pub = f"机关{rng.randrange(6)}"
        metrics = {k: rng.choice([0, 1, 2.5, rng.randrange(100)]) for k in rng.sample(keys, rng.randrange(0, 5))}
        kind = rng.choice(["report"] * 5 + ["image_only", "not_report"])
        store(db, url, pub, rng.choice([2020, 2021]), metrics, kind=kind, version=versions[url],
              published=f"2022-0{rng.randrange(1, 9)}-01")
        if step % 10 == 9:
            assert_equal_from_scratch(db)
    assert_equal_from_scratch(db)


def test_rebuild_and_ensure_summary_fill_an_archive_written_around_the_writer(db):
    rid = db["reports"].insert({"url": "http://x/1", "publisher": "丁", "year": 2020, "kind": "report",
                                "is_current": 1, "role": "page"}).last_pk
    db["metrics"].insert({"report_id": rid, "key": "apps.new.total", "value": 4})
    assert db.execute("SELECT count(*) FROM metric_summary").fetchone()[0] == 0  # not written by the writer
    assert summary.rebuild(db) == {"choices": 1, "summary_rows": 1}
    assert_equal_from_scratch(db)
    db.execute("DROP TABLE metric_summary")  # an archive from before the summary: built on schema upgrade
    ensure_schema(db)
    assert_equal_from_scratch(db)


def test_a_crawled_sample_web_night_1_and_night_2_equal_the_from_scratch_aggregate(sample_crawl):
    """The real writer (crawl, extraction of pages and attachments, night 2's edited reports as new versions)."""
    for path in (sample_crawl["tmp"] / "night1.db", sample_crawl["db"]):
        d = connect(path, readonly=True)
        try:
            assert_equal_from_scratch(d)
            assert d.execute("SELECT count(*) FROM annual_choice").fetchone()[0] > 20
        finally:
            d.conn.close()
    d = connect(sample_crawl["db"], readonly=True)
    try:  # night 2 superseded reports: old versions exist and are not what is counted
        assert d.execute("SELECT count(*) FROM reports WHERE is_current = 0").fetchone()[0] > 0
        assert d.execute("SELECT count(*) FROM annual_choice c JOIN reports r ON r.id = c.report_id "
                         "WHERE r.is_current = 0").fetchone()[0] == 0
    finally:
        d.conn.close()


def test_the_summary_command_checks_and_rebuilds_through_the_installed_script(tmp_path):
    from sampleweb_helpers import gongkai

    d = connect(tmp_path / "g.db")
    ensure_schema(d)
    rid = d["reports"].insert({"url": "http://x/1", "publisher": "丁", "year": 2020, "kind": "report",
                               "is_current": 1, "role": "page"}).last_pk
    d["metrics"].insert({"report_id": rid, "key": "apps.new.total", "value": 4})
    d.conn.commit()
    d.conn.close()
    db = str(tmp_path / "g.db")
    stale = gongkai("summary", "--check", "--json", "--db", db)
    assert stale.returncode == 1 and '"equal": false' in stale.stdout, stale.stderr
    built = gongkai("summary", "--json", "--db", db)
    assert built.returncode == 0 and '"summary_rows": 1' in built.stdout, built.stderr
    ok = gongkai("summary", "--check", "--db", db)
    assert ok.returncode == 0 and "equal: True" in ok.stdout
    assert gongkai("summary", "--db", str(tmp_path / "none.db")).returncode == 2
