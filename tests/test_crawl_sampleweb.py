"""The backbone end to end: crawl the sample government web on 127.0.0.1 into a fresh archive.

One crawl per module (it is the expensive part); each test asserts one promise of the crawl.
"""

from __future__ import annotations

import hashlib
import sqlite3
from urllib.parse import urlsplit

import pytest

from archive.warc import read_record


@pytest.fixture(scope="module")
def crawled(sample_crawl):
    return {**sample_crawl, "truth": sample_crawl["truth1"]}


def _rows(db, sql, params=()):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def _urls(db, where="1"):
    return {r["url"] for r in _rows(db, f"SELECT DISTINCT url FROM pages WHERE {where}")}


def test_every_report_and_attachment_is_captured(crawled):
    truth, db = crawled["truth"], crawled["db"]
    ok = _urls(db, "status = 200")
    reports = {r["url"] for r in truth["reports"]}
    attachments = {a["url"] for a in truth["attachments"]}
    assert reports - ok == set()
    assert attachments - ok == set()
    assert len(reports) >= 50


def test_no_non_report_item_is_taken_for_a_report(crawled):
    truth, db = crawled["truth"], crawled["db"]
    assert truth["non_reports"], "the sample web must plant non-report items"
    taken = {r["url"] for r in _rows(db, "SELECT url FROM reports WHERE role = 'page' AND kind IN ('report', 'image_only')")}
    assert set(truth["non_reports"]) & taken == set()
    assert set(truth["non_reports"]) & _urls(db, "role = 'report'") == set()  # not even linked as one
    truth_reports = {r["url"] for r in truth["reports"]}
    assert truth_reports <= taken | {s["url"] for s in truth["redirect_stubs"]}


def test_every_listing_page_is_followed_to_the_last(crawled):
    truth = crawled["truth"]
    fetched = {(e["host"], e["path"]) for e in crawled["log1"]}
    for page in truth["listing_pages"]:
        parts = urlsplit(page["url"])
        path = parts.path + ("?" + parts.query if parts.query else "")
        assert (parts.netloc, path) in fetched, page


def test_disallowed_and_offsite_urls_are_never_requested(crawled):
    truth, log = crawled["truth"], crawled["log"]
    requested = {(e["host"], e["path"].split("?")[0]) for e in log}
    for url in truth["disallowed"] + truth["offsite"]:
        parts = urlsplit(url)
        assert (parts.netloc, parts.path) not in requested, url
    allowed = {h for s in truth["sites"] for h in s["hosts"]}
    assert {e["host"] for e in log} <= allowed


def test_errors_are_recorded_and_the_run_goes_on(crawled):
    truth, s1 = crawled["truth"], crawled["s1"]
    kinds = set(s1["errors"])
    expected = {e["kind"] for e in truth["errors"]}
    mapping = {"404": "http_404", "500": "http_500", "timeout": "timeout", "truncated": "truncated",
               "redirect_loop": "redirect_loop"}
    assert {mapping[k] for k in expected} <= kinds
    assert s1["totals"]["new"] > 100  # and everything else was still crawled


def test_warc_reads_back_to_the_recorded_bytes(crawled):
    db, tmp = crawled["db"], crawled["tmp"]
    rows = _rows(db, "SELECT url, sha256, size, warc_file, warc_offset FROM pages")
    assert rows
    for row in rows:
        rec = read_record(tmp / "archive" / "warc", row["warc_file"], row["warc_offset"])
        assert rec.url == row["url"].split("__wb_post_data=")[0].rstrip("?&")  # POST pages carry their form
        assert len(rec.body) == row["size"] and hashlib.sha256(rec.body).hexdigest() == row["sha256"]


def test_gbk_pages_decode_to_the_right_text(crawled):
    truth, db = crawled["truth"], crawled["db"]
    gbk_sites = {s["id"] for s in truth["sites"] if s["style"] == "gbk"}
    expected = {r["url"]: r["fields"]["title"] for r in truth["reports"]
                if r["site"] in gbk_sites and r["kind"] == "report" and not r.get("repost_of")}
    assert expected
    got = {r["url"]: r["title"] for r in _rows(db, "SELECT url, title FROM reports WHERE role = 'page'")}
    for url, title in expected.items():
        assert got.get(url) == title, url


def test_second_crawl_of_an_unchanged_web_creates_no_versions(crawled):
    assert crawled["pages2"] == crawled["pages1"]
    assert crawled["s2"]["totals"]["new"] == 0 and crawled["s2"]["totals"]["changed"] == 0
    assert crawled["s2"]["totals"]["unchanged"] > 100


def test_night_two_records_exactly_the_changed_pages(crawled):
    truth, db = crawled["truth"], crawled["db"]
    changed_truth = set(crawled["truth2"]["changed"]["2"])
    run3 = crawled["s3"]["run_id"]
    changed = {r["url"] for r in _rows(db, "SELECT url FROM captures WHERE run_id = ? AND outcome = 'changed'", [run3])}
    new = {r["url"] for r in _rows(db, "SELECT url FROM captures WHERE run_id = ? AND outcome = 'new'", [run3])}
    night1 = {r["url"] for r in _rows(db, "SELECT url FROM captures WHERE run_id = ?", [crawled["s1"]["run_id"]])}
    assert changed_truth
    assert changed == changed_truth & night1  # edited pages: a new version each
    assert new == changed_truth - night1  # pages that appeared on night 2
    _ = truth


def test_run_report_and_exit_status_tell_when_a_person_is_needed(crawled):
    first, again, night2 = crawled["s1"], crawled["s2"], crawled["s3"]
    # night 1: every report is new and planted errors open new error flags -> 1
    assert len(first["report"]["new_reports"]) >= 250 and first["report"]["new_flags"]["errors"] > 0
    assert first["exit_status"] == 1
    # an unchanged recrawl: nothing new, no new flags, the usual 404 etc. are no reason to wake anyone -> 0
    assert again["report"]["new_reports"] == [] and again["report"]["new_flags"]["by_rule"] == {}
    assert again["exit_status"] == 0
    # night 2: the edited reports are listed as changed
    changed = {r["url"] for r in night2["report"]["changed_reports"]}
    edited = {a["report_url"] for a in crawled["truth2"]["anomalies"] if a["rule"] == "CHANGED"}
    assert edited <= changed


def test_refused_urls_are_counted_per_site_with_their_reason(crawled):
    truth, s1 = crawled["truth"], crawled["s1"]
    refused = s1["refused"]
    robots = {r["url"] for r in s1["report"]["refused_examples"] if r["kind"] == "robots"}
    assert robots == set(truth["disallowed"])
    assert sum(r.get("robots", 0) for r in refused.values()) == len(robots)
    assert not any("scheme" in r for r in refused.values())  # the sample web links nothing but http
    assert s1["report"]["refused"] == refused
