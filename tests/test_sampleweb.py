"""Sample web: determinism, serving, encodings, ground-truth consistency, nights, attachments."""

from __future__ import annotations

import io
import socket
import tomllib
from http.client import HTTPConnection
from pathlib import Path

import pytest

from scraper.sampleweb import SampleWeb, serve_in_thread
from scraper.sampleweb.numbers import COLS, result_leaves
from scraper.sampleweb.wordbin import read_doc_text

ALL = [*COLS, "total"]


@pytest.fixture(scope="module")
def web() -> SampleWeb:
    return SampleWeb(seed=1, scale=1, night=1)


@pytest.fixture(scope="module")
def truth(web: SampleWeb) -> dict:
    return web.truth()


@pytest.fixture(scope="module")
def server(web: SampleWeb):
    h = serve_in_thread(SampleWeb(seed=1, scale=1, night=1, slow_seconds=0.2), port=0)
    yield h
    h.stop()


def _report(truth: dict, **kw) -> dict:
    return next(r for r in truth["reports"] if all(r.get(k) == v for k, v in kw.items()))


def _get(h, url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    c = HTTPConnection("127.0.0.1", h.port, timeout=10)
    c.request("GET", url, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def test_shape_scale1(truth: dict) -> None:
    assert [s["style"] for s in truth["sites"]] == ["trs", "hanweb", "jsonapi", "gbk", "jcms"]
    assert all(s["hosts"][0].endswith(".gov.test") for s in truth["sites"])
    assert len(truth["reports"]) > 200
    rules = {a["rule"] for a in truth["anomalies"]}
    for r in ("MISSING", "LATE", "T3-BALANCE", "T3-RESULT-SUM", "T3-ROW-SUM", "T4-SUM", "X-CARRY",
              "L-ANSWER-SUM", "IMAGE-ONLY"):
        assert r in rules, r
    assert {e["kind"] for e in truth["errors"]} == {"404", "500", "timeout", "truncated", "redirect_loop"}
    assert truth["disallowed"] and truth["offsite"] and len(truth["redirect_stubs"]) == 2


def test_deterministic_bytes() -> None:
    a, b, c = SampleWeb(seed=1), SampleWeb(seed=1), SampleWeb(seed=2)
    ta = a.truth()
    urls = [r["url"] for r in ta["reports"][::25]] + [x["url"] for x in ta["attachments"]]
    urls += [p["url"] for p in ta["listing_pages"] if p["method"] == "GET"][:5]
    for u in urls:
        assert a.get_bytes(u) == b.get_bytes(u), u
    assert a.get_bytes(urls[0])[1] != c.get_bytes(urls[0].replace("qingshi", "qingshi"))[1]


def test_server_proxy_form(server, web: SampleWeb, truth: dict) -> None:
    rep = _report(truth, site="qingshi", year=2019, publisher="青石县")
    st, hd, body = _get(server, rep["url"])
    assert st == 200 and body == web.get_bytes(rep["url"])[1]
    assert hd["content-type"] == "text/html; charset=UTF-8" and "etag" in hd and "last-modified" in hd
    assert "统计期限自2019年1月1日起至2019年12月31日止".encode() in body
    assert _get(server, rep["url"], {"If-None-Match": hd["etag"]})[0] == 304
    assert _get(server, rep["url"], {"If-Modified-Since": hd["last-modified"]})[0] == 304
    # origin-form with a Host header
    c = HTTPConnection("127.0.0.1", server.port, timeout=10)
    c.request("GET", "/robots.txt", headers={"Host": "www.qingshi.gov.test"})
    r = c.getresponse()
    assert r.status == 200 and b"Disallow: /zwgk/zfxxgk/zfxxgknb/preview/" in r.read()
    errs = {e["kind"]: e["url"] for e in truth["errors"]}
    assert _get(server, errs["404"])[0] == 404
    assert _get(server, errs["500"])[0] == 500
    st, hd, _ = _get(server, errs["redirect_loop"])
    assert st == 302 and hd["location"].endswith("/b.html")
    assert _get(server, hd["location"])[2]["location"].endswith("/a.html") if False else True
    st2, hd2, _ = _get(server, hd["location"])
    assert st2 == 302 and hd2["location"] == errs["redirect_loop"]
    # truncated: Content-Length larger than the bytes sent
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(f"GET {errs['truncated']} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(next(ln.split(b":")[1] for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length")))
    assert len(rest) < length
    log = server.log()
    assert {"method": "GET", "host": "www.qingshi.gov.test", "path": "/robots.txt", "status": 200, "body": ""} in log
    st, _, body = _get(server, "/_night?n=1")
    assert st == 200 and b'"night": 1' in body
    reg = tomllib.loads(_get(server, "/_registry.toml")[2].decode())
    assert reg["proxy"] == server.url and len(reg["sites"]) == 5


def test_listing_apis(server, truth: dict) -> None:
    posts = [p for p in truth["listing_pages"] if p["method"] == "POST"]
    assert any("dataproxy.jsp" in p["url"] for p in posts) and any(p["url"].endswith("/api/list") for p in posts)
    for p in posts:
        c = HTTPConnection("127.0.0.1", server.port, timeout=10)
        c.request("POST", p["url"], body=p["body"], headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        body = r.read().decode()
        assert r.status == 200 and ("<record><![CDATA[<li><a href=\"/art/" in body or '"data": [{' in body)


def test_gbk_site(web: SampleWeb, truth: dict) -> None:
    rep = _report(truth, site="songyan", year=2019, publisher="松岩县")
    resp = web.respond("GET", "www.songyan.gov.test", rep["url"].split(".test", 1)[1])
    assert dict(resp.headers)["Content-Type"] == "text/html" and "ETag" not in dict(resp.headers)
    text = resp.body.decode("gb18030")
    assert 'charset=gb2312' in text and rep["fields"]["title"] in text
    with pytest.raises(UnicodeDecodeError):
        resp.body.decode("utf-8")
    liar = _report(truth, site="songyan", year=2017, publisher="松岩县")
    r2 = web.respond("GET", "www.songyan.gov.test", liar["url"].split(".test", 1)[1])
    assert dict(r2.headers)["Content-Type"] == "text/html; charset=utf-8" and "年度报告" in r2.body.decode("gb18030")


def _anom_urls(truth: dict, rule: str) -> set[str]:
    return {a.get("report_url") for a in truth["anomalies"] if a["rule"] == rule}


def test_truth_identities(truth: dict) -> None:
    bad = {r: _anom_urls(truth, r) for r in ("T3-BALANCE", "T3-RESULT-SUM", "T3-ROW-SUM", "T4-SUM", "L-ANSWER-SUM")}
    checked = 0
    for rep in truth["reports"]:
        m, url = rep["metrics"], rep["url"]
        if rep["format"] == "legacy" and rep["kind"] == "report" and "legacy.answers.total" in m:
            ans = [m[k] for k in m if k.startswith("legacy.answers.") and k not in ("legacy.answers.total", "legacy.answers.rate_pct")]
            if url not in bad["L-ANSWER-SUM"] and rep["repost_of"] not in bad["L-ANSWER-SUM"]:
                assert m["legacy.answers.total"] == sum(ans), url
            assert m["staff.total"] == m["staff.full_time"] + m["staff.part_time"]
            assert m["apps.new.total"] == sum(m[k] for k in m if k.startswith("legacy.apps."))
            for g in ("review", "suit"):
                if f"{g}.upheld" in m:
                    assert m[f"{g}.total"] == m[f"{g}.upheld"] + m[f"{g}.corrected"] + m[f"{g}.other"]
            continue
        if rep["format"] == "legacy" or rep["kind"] != "report":
            continue
        checked += 1
        for c in ALL:
            vals = [m.get(f"apps.{r}.{c}") for r in ("new", "carried_in", "result.total", "carried_out")]
            if None not in vals and url not in bad["T3-BALANCE"]:
                assert vals[0] + vals[1] == vals[2] + vals[3], (url, c)
            leaves = [m.get(f"apps.{r}.{c}") for r in result_leaves(rep["format"])]
            if None not in leaves and url not in bad["T3-RESULT-SUM"]:
                assert sum(leaves) == m[f"apps.result.total.{c}"], (url, c)
            assert all(v >= 0 for v in vals if v is not None)
        rows = {k.rsplit(".", 1)[0] for k in m if k.startswith("apps.")}
        for r in rows:
            if f"{r}.total" in m and all(f"{r}.{c}" in m for c in COLS) and url not in bad["T3-ROW-SUM"]:
                assert m[f"{r}.total"] == sum(m[f"{r}.{c}"] for c in COLS), (url, r)
        for g in ("review", "suit.direct", "suit.after_review"):
            if url not in bad["T4-SUM"]:
                assert m[f"{g}.total"] == sum(m[f"{g}.{o}"] for o in ("upheld", "corrected", "other", "pending"))
        assert m["suit.total"] == m["suit.direct.total"] + m["suit.after_review.total"]
    assert checked > 80
    # carry-over between consecutive years, except planted X-CARRY
    xc = {(a["publisher"], a["year"]) for a in truth["anomalies"] if a["rule"] == "X-CARRY"}
    by = {(r["publisher"], r["year"]): r for r in truth["reports"] if r["repost_of"] is None and r["kind"] == "report"}
    pairs = 0
    for (pub, y), r in by.items():
        prev = by.get((pub, y - 1))
        if y >= 2020 and prev and prev["format"] != "legacy" and (pub, y) not in xc:
            for c in ALL:
                a, b = r["metrics"].get(f"apps.carried_in.{c}"), prev["metrics"].get(f"apps.carried_out.{c}")
                if a is not None and b is not None:
                    assert a == b, (pub, y, c)
            pairs += 1
    assert pairs > 50 and xc


def test_deadlines_and_missing(truth: dict) -> None:
    late = _anom_urls(truth, "LATE")
    missing = {(a["publisher"], a["year"]) for a in truth["anomalies"] if a["rule"] == "MISSING"}
    have = {(r["publisher"], r["year"]) for r in truth["reports"]}
    for s in truth["sites"]:
        for p in s["publishers"]:
            for y in range(p["first_year"], 2026):
                assert ((p["name"], y) in have) != ((p["name"], y) in missing), (p["name"], y)
    for r in truth["reports"]:
        if r["repost_of"]:
            continue
        pub = next(p for s in truth["sites"] for p in s["publishers"] if p["name"] == r["publisher"])
        mmdd = pub["deadline"] or ("01-31" if r["year"] >= 2019 and pub["kind"] == "department" else "03-31")
        is_late = r["published"] > f"{r['year'] + 1}-{mmdd}"
        assert is_late == (r["url"] in late), r["url"]


def test_heavy_page_and_image_only(web: SampleWeb, truth: dict) -> None:
    bal = next(a for a in truth["anomalies"] if a["rule"] == "T3-BALANCE")
    assert len(web.get_bytes(bal["report_url"])[1]) > 300_000
    img = next(r for r in truth["reports"] if r["kind"] == "image_only")
    page = web.get_bytes(img["url"])[1].decode()
    assert img["metrics"] == {} and page.count("width=\"800\"") == 3 and "（图片版）" in img["fields"]["title"]


def test_night2_changes(truth: dict) -> None:
    w1, w2 = SampleWeb(seed=1, night=1), SampleWeb(seed=1, night=2)
    t2 = w2.truth()
    urls = {r["url"] for r in truth["reports"]} | {r["url"] for r in t2["reports"]}
    urls |= {p["url"] for p in truth["listing_pages"] + t2["listing_pages"] if p["method"] == "GET"}
    urls |= {a["url"] for a in truth["attachments"]}
    diff = {u for u in urls if w1.get_bytes(u) != w2.get_bytes(u)}
    assert diff == {u for u in truth["changed"]["2"] if "/api/list" not in u and "dataproxy" not in u}
    changed = [a for a in t2["anomalies"] if a["rule"] == "CHANGED"]
    assert len(changed) == 3
    edited = next(a for a in changed if a["edit"] == "evidence")
    b1 = next(a for a in truth["anomalies"] if a["rule"] == "T3-BALANCE")
    b2 = next(a for a in t2["anomalies"] if a["rule"] == "T3-BALANCE")
    assert b1["report_url"] == b2["report_url"] == edited["report_url"] and b1["values"] != b2["values"]
    assert not [a for a in t2["anomalies"] if a["rule"] == "T3-RESULT-SUM"]
    assert len(t2["reports"]) == len(truth["reports"]) + 1
    t3 = SampleWeb(seed=1, night=3).truth()
    assert [s["id"] for s in t3["sites"] if s["broken"]] == ["liutang"]


def test_attachments_readable(web: SampleWeb, truth: dict) -> None:
    import docx
    import olefile
    import pypdf
    import xlrd
    fmts = set()
    for att in truth["attachments"]:
        rep = next(r for r in truth["reports"] if r["url"] == att["report_url"])
        status, blob = web.get_bytes(att["url"])
        assert status == 200
        title = rep["fields"]["title"]
        fmts.add(att["format"])
        if att["format"] == "pdf":
            text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(blob)).pages).replace("\n", "")
            assert title in text and "统计期限" in text
        elif att["format"] == "docx":
            d = docx.Document(io.BytesIO(blob))
            assert title in "".join(p.text for p in d.paragraphs)
            assert any("本年新收" in c.text for t in d.tables for row in t.rows for c in row.cells)
        elif att["format"] == "xls":
            wb = xlrd.open_workbook(file_contents=blob)
            assert any(s.cell_value(0, 0) == title for s in wb.sheets())
            assert "表三 申请情况" in wb.sheet_names()
        elif att["format"] == "doc":
            assert olefile.OleFileIO(io.BytesIO(blob)).exists("WordDocument")
            text = read_doc_text(blob)
            assert title in text
            if rep["stats_in"] == "attachment":
                assert str(int(rep["metrics"]["proactive.total"])) in text
    assert fmts == {"pdf", "docx", "xls", "doc"}


def test_sample_registry_matches_generator() -> None:
    path = Path(__file__).resolve().parents[1] / "scraper" / "sampleweb" / "sample.toml"
    assert path.read_text(encoding="utf-8") == SampleWeb(seed=1, scale=1).registry_toml("http://127.0.0.1:8399")
    reg = tomllib.loads(path.read_text(encoding="utf-8"))
    assert reg["proxy"] == "http://127.0.0.1:8399"
    assert {s["style"] for s in reg["sites"]} == {"trs", "hanweb", "jsonapi", "gbk", "jcms"}


def test_large_scale_hosts_unique_and_served() -> None:
    big = SampleWeb(seed=3, scale=300)
    assert len(big.hosts) == 300
    mid = SampleWeb(seed=1, scale=50)
    t = mid.truth()
    assert len(t["sites"]) == 50 and len(t["reports"]) > 2000
    for r in t["reports"][::40]:
        assert mid.get_bytes(r["url"])[0] == 200, r["url"]


def test_prose_varies_year_to_year_except_the_planted_repeats() -> None:
    """X-REPEAT's own measure on consecutive reports of each publisher: under 50% unless planted (内容雷同)."""
    from pipeline.checks.years import REPEAT_THRESHOLD, repeat_share
    from scraper.sampleweb.report_doc import build_doc, plain_lines

    for seed in (1, 2):
        w = SampleWeb(seed=seed, scale=1)
        planted = {a["report_url"] for s in w.sites() for a in s.anomalies if a["rule"] == "X-REPEAT"}
        assert 1 <= len(planted) <= 2
        flagged, shares = set(), {"legacy": [], "modern": []}
        for site in w.sites():
            by: dict[tuple[str, int], object] = {}
            for rep in site.reports:
                if rep.kind == "report" and rep.repost_of is None:
                    by[(rep.publisher.name, rep.year)] = rep
            for (pub, y), rep in by.items():
                prev = by.get((pub, y - 1))
                if prev is None:
                    continue
                share, _ = repeat_share("\n".join(plain_lines(build_doc(rep))), "\n".join(plain_lines(build_doc(prev))))
                if share > REPEAT_THRESHOLD:
                    flagged.add(rep.url)
                elif prev.fmt == rep.fmt:
                    shares["legacy" if rep.fmt == "legacy" else "modern"].append(share)
        assert flagged == planted, seed
        # the fixed statistics sentences are what repeats: a quarter of the modern prose, less than half of legacy's
        assert max(shares["modern"]) < 0.3 and max(shares["legacy"]) < 0.45, seed
