"""`gongkai serve` through Datasette's in-process client: metadata, canned queries, Chinese search,
raw captures, the flag page, login and the one write (confirm/dismiss)."""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlite_utils
from test_serve_archive import OTHER, PAGE_HTML, PUBLISHER, build_archive

from archive.serve import make_datasette
from archive.web.views import CAPTURE_CSP

PASSWORD = "s3cret-审阅"


@pytest.fixture
def archive(tmp_path):
    return build_archive(tmp_path)


@pytest.fixture
def ds(archive):
    ds = make_datasette(archive, password=PASSWORD)
    asyncio.run(ds.invoke_startup())
    return ds


def get(ds, path, **kw):
    return asyncio.run(ds.client.get(path, **kw))


def post(ds, path, **kw):
    return asyncio.run(ds.client.post(path, **kw))


def rows(ds, path):
    r = get(ds, path)
    assert r.status_code == 200, r.text
    return r.json()


def login(ds, user="王审阅"):
    """Log in through the form; returns the cookies a browser would hold (csrf + actor)."""
    first = get(ds, "/-/gongkai/login")
    csrf = first.cookies["ds_csrftoken"]
    r = post(ds, "/-/gongkai/login", data={"username": user, "password": PASSWORD, "csrftoken": csrf,
                                           "next": "/-/gongkai/flag/1"}, cookies={"ds_csrftoken": csrf})
    assert r.status_code == 302 and r.headers["location"] == "/-/gongkai/flag/1"
    return {"ds_csrftoken": csrf, "ds_actor": r.cookies["ds_actor"]}


def test_metadata_describes_tables_and_configures_trigram_search(ds):
    meta = rows(ds, "/-/metadata.json")
    tables = meta["databases"]["gk"]["tables"]
    assert tables["reports"]["fts_table"] == "reports_fts"
    assert tables["metrics"]["columns"]["key"].startswith("metric key")
    assert "open_flags_by_rule" in meta["databases"]["gk"]["queries"]
    assert "plugins" not in meta and PASSWORD not in json.dumps(meta, ensure_ascii=False)


def test_sql_is_read_only(ds, archive):
    r = get(ds, "/gk.json?sql=" + "update flags set status='dismissed'")
    assert r.status_code == 400
    assert sqlite_utils.Database(archive.db)["flags"].count_where("status = 'open'") == 3


def test_canned_queries_return_the_review_queue(ds):
    by_rule = rows(ds, "/gk/open_flags_by_rule.json?_shape=array")
    assert {(r["rule"], r["open_flags"]) for r in by_rule} == {("T3-RESULT-SUM", 1), ("X-CARRY", 1), ("MISSING", 1)}
    by_site = rows(ds, "/gk/open_flags_by_site.json?_shape=array")
    assert [(r["site"], r["open_flags"], r["errors"]) for r in by_site] == [("pingtan", 2, 2), ("fuqing", 1, 1)]
    by_year = rows(ds, "/gk/open_flags_by_year.json?_shape=array")
    assert [(r["year"], r["open_flags"]) for r in by_year] == [(2022, 1), (2021, 2)]
    queue = rows(ds, "/gk/open_flags.json?_shape=array&rule=&site=pingtan&year=2021")
    assert sorted(r["rule"] for r in queue) == ["T3-RESULT-SUM", "X-CARRY"]


def test_publisher_outcomes_per_year(ds):
    out = rows(ds, f"/gk/publisher_outcomes.json?_shape=array&publisher={PUBLISHER}")
    assert [(r["year"], r["applications"]) for r in out] == [(2020, 50), (2021, 70)]
    y2021 = out[1]
    assert (y2021["disclosed"], y2021["partial"], y2021["withheld"], y2021["unable"], y2021["ignored"],
            y2021["other"], y2021["result_total"]) == (40, 10, 3, 8, 3, 2, 67)
    assert out[0]["withheld"] is None  # not stated: unknown, never 0


def test_chinese_search_trigram_and_short_queries(ds):
    hits = rows(ds, "/gk/reports.json?_shape=array&_search=依申请公开&_col=title")
    assert [h["id"] for h in hits] == [1]
    # the table's search box uses the trigram index, which cannot match 2 characters ...
    assert rows(ds, "/gk/reports.json?_shape=array&_search=福清&_col=title") == []
    # ... so the search query falls back to a scan for 1-2 characters
    assert [h["id"] for h in rows(ds, "/gk/search_reports.json?_shape=array&q=福清")] == [3]
    assert [h["id"] for h in rows(ds, "/gk/search_reports.json?_shape=array&q=中华人民共和国")] == [3]
    assert sorted(h["id"] for h in rows(ds, "/gk/search_reports.json?_shape=array&q=申请")) == [1, 2]
    queue_page = get(ds, "/-/gongkai").text
    assert "at least 3 characters" in queue_page


def test_capture_route_serves_the_stored_bytes(ds):
    r = get(ds, "/-/gongkai/capture/1")
    assert r.status_code == 200
    assert r.content == PAGE_HTML
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == CAPTURE_CSP
    assert get(ds, "/-/gongkai/capture/99").status_code == 404


def test_flag_page_shows_evidence_report_values_capture_and_history(ds):
    html = get(ds, "/-/gongkai/flag/2").text
    assert "X-CARRY" in html and "2021 上年结转 1 ≠ 2020 结转下年度 2" in html
    assert "表三 四、结转下年度继续办理 / 总计" in html  # provenance of the compared value
    assert '<dt>expected</dt><dd data-field="expected">2</dd>' in html and '<dd data-field="found">1</dd>' in html
    assert 'class="gk-involved"><td><code>apps.carried_in.total</code></td>' in html
    assert '<iframe class="gk-capture" id="capture" sandbox=""' in html
    assert 'src="/-/gongkai/capture/1"' in html
    assert "<td>opened</td>" in html
    assert "Log in as a reviewer" in html and 'id="decide"' not in html
    missing = get(ds, "/-/gongkai/flag/3").text
    assert OTHER in missing and "not about one archived report" in missing
    assert get(ds, "/-/gongkai/flag/99").status_code == 404


def test_queue_page_lists_open_flags_with_chart(ds):
    html = get(ds, "/-/gongkai").text
    assert html.count('<tr data-flag="') == 3
    assert "<svg" in html and "open flags per rule" in html
    only = get(ds, "/-/gongkai?rule=MISSING").text
    assert only.count('<tr data-flag="') == 1


def test_publisher_page_draws_charts(ds):
    html = get(ds, f"/-/gongkai/publisher?name={PUBLISHER}").text
    assert html.count('class="gk-chart"') == 2
    assert "<title>2021 applications: 70</title>" in html
    assert "<title>2021 disclosed: 40</title>" in html
    assert "<title>2020 withheld" not in html  # unknown is not drawn as 0
    assert PUBLISHER in get(ds, "/-/gongkai/publisher").text


def test_decide_without_login_is_forbidden(ds, archive):
    r = post(ds, "/-/gongkai/flag/1/decide", data={"action": "dismiss", "note": "x"})
    assert r.status_code == 403
    assert sqlite_utils.Database(archive.db)["flags"].get(1)["status"] == "open"


def test_wrong_password_does_not_log_in(ds):
    csrf = get(ds, "/-/gongkai/login").cookies["ds_csrftoken"]
    r = post(ds, "/-/gongkai/login", data={"username": "x", "password": "nope", "csrftoken": csrf},
             cookies={"ds_csrftoken": csrf})
    assert r.status_code == 403 and "ds_actor" not in r.cookies and "Wrong password" in r.text


def test_forged_actor_cookie_is_ignored(ds):
    r = post(ds, "/-/gongkai/flag/1/decide", data={"action": "dismiss", "note": "x"},
             cookies={"ds_actor": '{"a": {"id": "x", "gongkai_reviewer": true}}'})
    assert r.status_code == 403


def test_dismiss_with_login_changes_status_and_records_event(ds, archive):
    cookies = login(ds)
    page = get(ds, "/-/gongkai/flag/1", cookies=cookies).text
    assert 'id="decide"' in page and "as 王审阅" in page
    r = post(ds, "/-/gongkai/flag/1/decide", cookies=cookies,
             data={"action": "dismiss", "note": "表中合计含1件撤回申请", "csrftoken": cookies["ds_csrftoken"]})
    assert r.status_code == 302 and r.headers["location"] == "/-/gongkai/flag/1?message=dismissed"
    db = sqlite_utils.Database(archive.db)
    flag = db["flags"].get(1)
    assert (flag["status"], flag["decided_by"], flag["note"]) == ("dismissed", "王审阅", "表中合计含1件撤回申请")
    events = list(db.query("SELECT event, who, note FROM flag_events WHERE flag_id = 1 ORDER BY id"))
    assert events[-1] == {"event": "dismissed", "who": "王审阅", "note": "表中合计含1件撤回申请"}
    # the read side sees the write at once
    assert [r["flag"] for r in rows(ds, "/gk/open_flags.json?_shape=array&rule=&site=&year=")] == [3, 2]
    assert "表中合计含1件撤回申请" in get(ds, "/-/gongkai/flag/1").text


def test_confirm_needs_a_note_and_csrf(ds, archive):
    cookies = login(ds)
    no_note = post(ds, "/-/gongkai/flag/2/decide", cookies=cookies,
                   data={"action": "confirm", "note": " ", "csrftoken": cookies["ds_csrftoken"]})
    assert no_note.status_code == 400
    no_csrf = post(ds, "/-/gongkai/flag/2/decide", cookies=cookies, data={"action": "confirm", "note": "ok"})
    assert no_csrf.status_code == 403
    ok = post(ds, "/-/gongkai/flag/2/decide", cookies=cookies,
              data={"action": "confirm", "note": "确认", "csrftoken": cookies["ds_csrftoken"]})
    assert ok.status_code == 302
    assert sqlite_utils.Database(archive.db)["flags"].get(2)["status"] == "confirmed"


def test_login_switched_off_without_password(archive):
    ds = make_datasette(archive, password=None)
    asyncio.run(ds.invoke_startup())
    assert "Reviewing is switched off" in get(ds, "/-/gongkai/login").text


def test_capture_keeps_stored_content_encoding_and_can_download(tmp_path):
    import gzip

    from archive.warc import WarcStore

    paths = build_archive(tmp_path)
    body = "<p>压缩的页面</p>".encode()
    store = WarcStore(paths.warc_dir, prefix="gz")
    ref = store.write_capture(url="http://x.gov.cn/a/report.htm", method="GET", status=200, reason="OK",
                              headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
                              body=gzip.compress(body), request_headers=[])
    store.close()
    db = sqlite_utils.Database(paths.db)
    db["pages"].insert({"id": 2, "url": "http://x.gov.cn/a/report.htm", "version": 1, "warc_file": ref.file,
                        "warc_offset": ref.offset})
    db.conn.close()
    ds = make_datasette(paths)
    r = get(ds, "/-/gongkai/capture/2")
    assert r.headers["content-encoding"] == "gzip" and r.content == body  # the client decodes the stored gzip
    d = get(ds, "/-/gongkai/capture/2?download=1")
    assert d.headers["content-disposition"] == "attachment; filename*=UTF-8''report.htm"
