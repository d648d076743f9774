"""Hostile sites on 127.0.0.1 cannot hurt the archive: the URL guard, crawl caps, and what the run
report says about them (issue 10, items 1, 3, 7).

One crawl of four sites through the sample web's loopback proxy machinery (scraper/sampleweb/server.py):
- trap.gov.test links file://, ftp:// and data: URLs on its own host, redirects off-host and to
  file://, has a meta-refresh stub to file://, a robots-blocked report, a truncated report, and an
  endless 下一页 chain;
- hanweb.gov.test declares totalRecord = 3000000, perPage = 1; trs.gov.test a million TRS pages;
  json.gov.test a JSON list of ten million records, one per page;
- flood.gov.test lists more entries than a site may request in one night;
- blocked.gov.test's only column is disallowed by its robots.txt;
- normal.gov.test is a plain site that must still finish.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scraper import navigation as nav
from scraper import urlguard
from scraper.sampleweb.server import _Server
from scraper.sampleweb.web import Response

GONGKAI = str(Path(sys.executable).parent / "gongkai")
PASSWD = Path("/etc/passwd")
SECRET = b"root:x:0:0"
MAX_LISTING_PAGES, MAX_SITE_REQUESTS = 20, 60
HTML = "text/html; charset=utf-8"
TITLE = "{}年度政府信息公开工作年度报告"
REPORT_BODY = ("<html><head><title>{t}</title></head><body><h1>{t}</h1>"
               + "<p>本报告根据《中华人民共和国政府信息公开条例》编制。</p>" * 30 + "</body></html>")


def _page(links: list[tuple[str, str]], extra: str = "") -> bytes:
    items = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in links)
    return f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul>{extra}</body></html>".encode()


class HostileWeb:
    """The `web` of the sample web's proxy server: respond(method, host, target, headers, body)."""

    hosts = ("trap.gov.test", "hanweb.gov.test", "trs.gov.test", "json.gov.test", "flood.gov.test", "blocked.gov.test", "normal.gov.test")

    def respond(self, method, host, target, headers=None, body=b"") -> Response:
        host = host.split(":")[0].lower()
        path = target.split("?")[0]
        if path == "/robots.txt":
            return Response(200, b"User-agent: *\nDisallow: /private/\n", [("Content-Type", "text/plain")])
        handler = getattr(self, "_" + host.split(".")[0], None)
        resp = handler(method, path, target) if handler else None
        return resp or Response(404, b"not found", [("Content-Type", "text/plain")])

    def _trap(self, method, path, target):
        if path == "/gk/index.html":
            return Response(200, _page([
                ("file://trap.gov.test/etc/passwd", TITLE.format(2018)),
                ("ftp://trap.gov.test/etc/passwd", TITLE.format(2017)),
                ("data:text/html;base64,cm9vdDp4OjA6MA==", TITLE.format(2016)),
                ("s3://trap.gov.test/etc/passwd", TITLE.format(2015)),
                ("/gk/offhost.html", TITLE.format(2019)),
                ("/gk/tofile.html", TITLE.format(2020)),
                ("/gk/stub.html", TITLE.format(2021)),
                ("/private/r.html", TITLE.format(2022)),
                ("/gk/cut.html", TITLE.format(2023)),
                ("/gk/index_1.html", "下一页"),
            ]), [("Content-Type", HTML)])
        m = re.fullmatch(r"/gk/index_(\d+)\.html", path)
        if m:  # the endless chain: every page links the next one
            n = int(m.group(1))
            return Response(200, _page([(f"/gk/index_{n + 1}.html", "下一页")]), [("Content-Type", HTML)])
        if path == "/gk/offhost.html":
            return Response(302, b"", [("Location", "http://evil.test/steal.html")])
        if path == "/gk/tofile.html":
            return Response(302, b"", [("Location", "file:///etc/passwd")])
        if path == "/gk/stub.html":
            return Response(200, b'<html><head><meta http-equiv="refresh" content="0;url=file://localhost/etc/passwd">'
                                 b"</head><body></body></html>", [("Content-Type", HTML)])
        if path == "/gk/cut.html":
            return Response(200, REPORT_BODY.format(t=TITLE.format(2023)).encode(), [("Content-Type", HTML)],
                            truncate=True)
        return None

    def _hanweb(self, method, path, target):
        if path == "/col/col1/index.html":
            rec = f'<record><![CDATA[<a href="/art/2024/3/1/art_1_1.html">{TITLE.format(2023)}</a>]]></record>'
            return Response(200, (f"<html><body><script type='text/xml'><datastore><recordset>{rec}</recordset>"
                                  "</datastore></script><script>var totalRecord = 3000000; var perPage = 1;</script>"
                                  "</body></html>").encode(), [("Content-Type", HTML)])
        if path == "/module/web/jpage/dataproxy.jsp":
            start = int(re.search(r"startrecord=(\d+)", target).group(1))
            rec = f'<record><![CDATA[<a href="/art/2024/3/1/art_1_{start}.html">条目{start}</a>]]></record>'
            return Response(200, f"<datastore><recordset>{rec}</recordset></datastore>".encode(),
                            [("Content-Type", "text/xml; charset=utf-8")])
        if path.startswith("/art/"):
            return Response(200, REPORT_BODY.format(t="条目").encode(), [("Content-Type", HTML)])
        return None

    def _trs(self, method, path, target):
        if path == "/gk/index.html":
            return Response(200, b'<html><body><script>createPageHTML(1000000, 0, "index", "html");</script>'
                                 b"</body></html>", [("Content-Type", HTML)])
        if re.fullmatch(r"/gk/index_\d+\.html", path):
            return Response(200, _page([]), [("Content-Type", HTML)])
        return None

    def _json(self, method, path, target):
        if path == "/gk/index.html":
            return Response(200, b"<html><body><script>listModel({channelid: 7, recordCount: 10000000, prepage: 1, "
                                 b"apiUrl: '/api/list'})</script></body></html>", [("Content-Type", HTML)])
        if path == "/api/list" and method == "POST":
            return Response(200, json.dumps({"data": [{"url": "/gk/a.html", "title": "条目"}]}).encode(),
                            [("Content-Type", "application/json")])
        if path == "/gk/a.html":
            return Response(200, _page([]), [("Content-Type", HTML)])
        return None

    def _flood(self, method, path, target):
        if path == "/gk/index.html":
            return Response(200, _page([(f"/gk/{y}/t{y}0101_{i}.html", TITLE.format(2000 + i % 24))
                                        for i in range(400) for y in (2024,)]), [("Content-Type", HTML)])
        if path.startswith("/gk/2024/"):
            return Response(200, REPORT_BODY.format(t=TITLE.format(2020)).encode(), [("Content-Type", HTML)])
        return None

    def _normal(self, method, path, target):
        if path == "/xxgk/index.html":
            return Response(200, _page([("/xxgk/r2022.html", TITLE.format(2022)),
                                        ("/xxgk/r2023.html", TITLE.format(2023))]), [("Content-Type", HTML)])
        m = re.fullmatch(r"/xxgk/r(\d{4})\.html", path)
        if m:
            return Response(200, REPORT_BODY.format(t="某某市人民政府" + TITLE.format(m.group(1))).encode(),
                            [("Content-Type", HTML)])
        return None


def _registry(proxy: str) -> str:
    sites = [("trap", "generic", "http://trap.gov.test/gk/index.html"),
             ("hanweb", "hanweb", "http://hanweb.gov.test/col/col1/index.html"),
             ("trs", "trs", "http://trs.gov.test/gk/index.html"),
             ("json", "jsonapi", "http://json.gov.test/gk/index.html"),
             ("flood", "generic", "http://flood.gov.test/gk/index.html"),
             ("blocked", "generic", "http://blocked.gov.test/private/index.html"),
             ("normal", "generic", "http://normal.gov.test/xxgk/index.html")]
    lines = [f'proxy = "{proxy}"', "", "[crawl]", "download_delay = 0", "autothrottle = false",
             "concurrency_per_domain = 8", "retry_times = 0", "timeout = 5",
             f"max_listing_pages = {MAX_LISTING_PAGES}", f"max_site_requests = {MAX_SITE_REQUESTS}", ""]
    for sid, style, url in sites:
        lines += ["[[sites]]", f'id = "{sid}"', f'name = "{sid} site"', f'style = "{style}"',
                  f'start_urls = ["{url}"]', ""]
    return "\n".join(lines)


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()} | {"PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    srv = _Server(("127.0.0.1", 0), HostileWeb())
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        sites = tmp / "sites.toml"
        sites.write_text(_registry(f"http://127.0.0.1:{srv.server_address[1]}"), encoding="utf-8")
        db = tmp / "g.db"
        out = subprocess.run([GONGKAI, "crawl", "--sites", str(sites), "--db", str(db), "--json", "--no-progress"],
                             capture_output=True, text=True, timeout=240, env=_env(), cwd=tmp)
        with srv.lock:
            log = list(srv.log)
    finally:
        srv.shutdown()
        srv.server_close()
    assert out.returncode in (0, 1), out.stderr[-3000:]
    return {"tmp": tmp, "db": db, "summary": json.loads(out.stdout), "exit": out.returncode, "log": log,
            "stderr": out.stderr}


def _rows(db, sql, params=()):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


# -- the guard itself -------------------------------------------------------------------------------
@pytest.mark.parametrize("url,reason", [
    ("file://allowed.gov.test/etc/passwd", urlguard.SCHEME),
    ("FILE:///etc/passwd", urlguard.SCHEME),
    ("ftp://allowed.gov.test/etc/passwd", urlguard.SCHEME),
    ("data:text/html,root", urlguard.SCHEME),
    ("s3://allowed.gov.test/bucket", urlguard.SCHEME),
    ("javascript:alert(1)", urlguard.SCHEME),
    ("//allowed.gov.test/a.html", urlguard.SCHEME),
    ("http://evil.test/a.html", urlguard.OFF_HOST),
    ("http://allowed.gov.test.evil.test/a.html", urlguard.OFF_HOST),
    ("http://allowed.gov.test@evil.test/a.html", urlguard.OFF_HOST),
    ("http://allowed.gov.test:22/a.html", urlguard.OFF_HOST),
    ("http://allowed.gov.test:notaport/a.html", urlguard.OFF_HOST),
])
def test_the_guard_refuses_other_schemes_and_hosts(url, reason):
    refusal = urlguard.check(url, {"allowed.gov.test", "ported.gov.test:8080"})
    assert refusal is not None and refusal.reason == reason and refusal.url == url


@pytest.mark.parametrize("url", ["http://allowed.gov.test/a.html", "HTTPS://Allowed.Gov.Test/a.pdf",
                                 "http://allowed.gov.test:80/a.html", "http://ported.gov.test:8080/x"])
def test_the_guard_passes_http_on_registry_hosts(url):
    assert urlguard.check(url, {"allowed.gov.test", "ported.gov.test:8080"}) is None


def test_scrapy_cannot_download_anything_but_http():
    from archive.config import scrapy_settings
    from scraper.registry import parse_registry

    settings = scrapy_settings(parse_registry('[[sites]]\nid = "a"\nname = "a"\nstart_urls = ["http://a.test/"]\n'))
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    assert all(handlers[s] is None for s in ("file", "ftp", "s3", "data"))
    mws = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert mws["scraper.middlewares.HostGuardMiddleware"] == 50  # where Scrapy checks offsite requests


@pytest.mark.parametrize("start", ["file:///etc/passwd", "ftp://a.test/x", "http:///nohost", "a.test/x"])
def test_a_registry_start_url_must_be_http(start):
    from scraper.registry import RegistryError, parse_registry

    with pytest.raises(RegistryError, match="is not an http\\(s\\) URL"):
        parse_registry(f'[[sites]]\nid = "a"\nname = "a"\nstart_urls = ["{start}"]\n')


def test_declared_page_counts_expand_to_at_most_the_limit():
    text = "<datastore></datastore><script>var totalRecord = 3000000; var perPage = 1;</script>"
    assert len(nav.hanweb_pages(text, "http://h.test/col/col1/index.html", limit=21)) == 21
    assert len(nav.trs_pages("createPageHTML(999999, 0, 'index', 'html')", "http://t.test/a/index.html", 7)) == 7


# -- the crawl ------------------------------------------------------------------------------------------
def test_local_files_are_never_fetched_archived_or_published(hostile):
    assert PASSWD.exists() and SECRET in PASSWD.read_bytes()
    con = sqlite3.connect(hostile["db"])
    try:
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for row in con.execute(f'SELECT * FROM "{table}"'):
                assert "root:x:0:0" not in repr(row), table
        hits = con.execute("SELECT count(*) FROM pages WHERE url NOT LIKE 'http%'").fetchone()[0]
        assert hits == 0
    finally:
        con.close()
    for warc in (hostile["tmp"] / "archive" / "warc").rglob("*"):
        if warc.is_file():
            import gzip

            raw = warc.read_bytes()
            data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            assert SECRET not in data, warc
    assert {e["host"] for e in hostile["log"]} <= set(HostileWeb.hosts)  # evil.test never asked


def test_refusals_are_recorded_with_their_reason_per_site(hostile):
    report = hostile["summary"]["report"]
    trap = report["refused"]["trap"]
    # file://, ftp://, data:, s3: links, the 302 to file:// and the meta-refresh stub to file://
    assert trap["scheme"] == 6
    assert trap["off-host"] == 1 and trap["robots"] == 1
    assert hostile["summary"]["refused"] == report["refused"]
    by_url = {r["url"]: r for r in report["refused_examples"]}
    off = by_url["http://evil.test/steal.html"]
    assert off["site"] == "trap" and off["kind"] == "off-host"
    assert "redirect from http://trap.gov.test/gk/offhost.html" in off["message"]
    assert by_url["file:///etc/passwd"]["kind"] == "scheme"  # the 302's target
    assert "redirect from http://trap.gov.test/gk/tofile.html" in by_url["file:///etc/passwd"]["message"]
    assert "via http://trap.gov.test/gk/stub.html" in by_url["file://localhost/etc/passwd"]["message"]
    assert by_url["ftp://trap.gov.test/etc/passwd"]["kind"] == "scheme"
    assert by_url["http://trap.gov.test/private/r.html"]["kind"] == "robots"
    requested = {e["path"] for e in hostile["log"] if e["host"] == "trap.gov.test"}
    assert "/private/r.html" not in requested


def test_a_robots_blocked_column_is_refused_and_its_site_reported(hostile):
    report = hostile["summary"]["report"]
    assert report["refused"]["blocked"] == {"robots": 1}
    assert {e["path"] for e in hostile["log"] if e["host"] == "blocked.gov.test"} == {"/robots.txt"}
    broken = {b["site"]: b for b in report["sites_broken"]}
    assert broken["blocked"]["problem"] == "listing unreachable"
    assert set(broken) == {"blocked"}  # the trap sites end their night without looking broken


def test_a_truncated_body_is_in_the_run_report(hostile):
    cut = hostile["summary"]["report"]["truncated"]
    assert [(c["site"], c["url"]) for c in cut] == [("trap", "http://trap.gov.test/gk/cut.html")]
    assert "truncated body" in cut[0]["message"]


def test_an_endless_next_page_chain_ends_at_the_listing_cap(hostile):
    chain = {e["path"] for e in hostile["log"] if e["host"] == "trap.gov.test" and "/gk/index_" in e["path"]}
    assert len(chain) == MAX_LISTING_PAGES - 1  # the start page counts as the listing's first
    capped = {(c["site"], c["cap"]) for c in hostile["summary"]["report"]["sites_capped"]}
    assert ("trap", "listing_cap") in capped


def test_a_hanweb_listing_of_three_million_records_ends_at_the_listing_cap(hostile):
    posts = [e for e in hostile["log"] if e["host"] == "hanweb.gov.test" and "dataproxy" in e["path"]]
    assert len(posts) == MAX_LISTING_PAGES - 1
    cap = next(c for c in hostile["summary"]["report"]["sites_capped"] if c["site"] == "hanweb")
    assert cap["cap"] == "listing_cap" and cap["url"] == "http://hanweb.gov.test/col/col1/index.html"
    assert f"more than {MAX_LISTING_PAGES} pages" in cap["message"]


@pytest.mark.parametrize("site,path", [("trs", "/gk/index_"), ("json", "/api/list")])
def test_trs_and_json_lists_declaring_millions_of_pages_end_at_the_listing_cap(hostile, site, path):
    pages = {e["path"] for e in hostile["log"] if e["host"] == f"{site}.gov.test" and e["path"].startswith(path)}
    if site == "json":  # one URL, POSTed once per page
        pages = [e for e in hostile["log"] if e["host"] == "json.gov.test" and e["method"] == "POST"]
    assert len(pages) == MAX_LISTING_PAGES - 1
    assert (site, "listing_cap") in {(c["site"], c["cap"]) for c in hostile["summary"]["report"]["sites_capped"]}


def test_a_site_past_its_request_cap_ends_its_night(hostile):
    flood = [e for e in hostile["log"] if e["host"] == "flood.gov.test"]
    assert len(flood) == MAX_SITE_REQUESTS  # robots.txt and the listing included; the other 340 dropped
    cap = next(c for c in hostile["summary"]["report"]["sites_capped"] if c["site"] == "flood")
    assert cap["cap"] == "crawl_cap" and "night ended" in cap["message"]


def test_the_normal_site_finishes_and_a_person_is_told(hostile):
    normal = {r["url"] for r in _rows(hostile["db"], "SELECT url FROM pages WHERE site_id = 'normal' AND status = 200")}
    assert normal == {"http://normal.gov.test/robots.txt", "http://normal.gov.test/xxgk/index.html", "http://normal.gov.test/xxgk/r2022.html",
                      "http://normal.gov.test/xxgk/r2023.html"}
    titles = {r["title"] or "" for r in _rows(hostile["db"], "SELECT title FROM reports WHERE site_id = 'normal'")}
    assert any(TITLE.format(2023) in t for t in titles) and any(TITLE.format(2022) in t for t in titles), titles
    assert "normal" not in {c["site"] for c in hostile["summary"]["report"]["sites_capped"]}
    assert "normal" not in hostile["summary"]["report"]["refused"]
    assert hostile["exit"] == 1  # capped sites need a person
    assert "Traceback" not in hostile["stderr"]


def test_a_capped_site_makes_the_run_need_a_person():
    from archive.health import exit_code

    assert exit_code({"sites_capped": [{"site": "trap", "cap": "listing_cap"}]}) == 1
    assert exit_code({"sites_capped": []}) == 0


# -- gongkai parse URL -------------------------------------------------------------------------------------
class _ParseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        return

    def do_GET(self):  # noqa: N802
        port = self.server.server_address[1]
        body = REPORT_BODY.format(t=TITLE.format(2023)).encode()
        if self.path == "/offhost":
            return self._send(302, b"", [("Location", f"http://localhost:{port}/report")])
        if self.path == "/tofile":
            return self._send(302, b"", [("Location", "file:///etc/passwd")])
        if self.path == "/samehost":
            return self._send(302, b"", [("Location", "/report")])
        if self.path == "/report":
            return self._send(200, body, [("Content-Type", HTML)])
        if self.path == "/cut":
            self.send_response(200)
            self.send_header("Content-Type", HTML)
            self.send_header("Content-Length", str(len(body) + 5000))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[:300])
            self.wfile.flush()
            self.close_connection = True
            return None
        if self.path in ("/drip", "/endless"):  # no Content-Length: read until the server closes
            self.send_response(200)
            self.send_header("Content-Type", HTML)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                for _ in range(2000):
                    self.wfile.write(b"<p>" * (20000 if self.path == "/endless" else 1))
                    self.wfile.flush()
                    if self.path == "/drip":
                        time.sleep(0.05)
            except OSError:
                pass
            return None
        return self._send(404, b"no", [])

    def _send(self, status, body, headers):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def parse_server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _ParseHandler)
    srv.daemon_threads = True
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _parse(url: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run([GONGKAI, "parse", url], capture_output=True, text=True, timeout=60, env=_env(),
                          cwd=tmp_path)


@pytest.mark.parametrize("path,says", [("/offhost", "refused (off-host"), ("/tofile", "refused (scheme"),
                                       ("/cut", "body cut short")])
def test_parse_of_an_off_host_redirect_or_a_cut_body_is_one_line_and_exit_2(parse_server, tmp_path, path, says):
    out = _parse(parse_server + path, tmp_path)
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gongkai: cannot fetch ") and says in lines[0], out.stderr
    assert list(tmp_path.iterdir()) == []  # a read-only command creates nothing


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/etc/passwd", "data:text/plain,root"])
def test_parse_refuses_urls_that_are_not_http(url, tmp_path):
    out = _parse(url, tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert "root:x" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_parse_follows_a_redirect_on_the_same_host(parse_server, tmp_path):
    out = _parse(parse_server + "/samehost", tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == TITLE.format(2023)


def test_parse_fetch_is_bounded_in_time_and_bytes(parse_server):
    from archive.cli_parse import fetch
    from archive.errors import GongkaiError

    t0 = time.monotonic()
    with pytest.raises(GongkaiError, match="not finished after 1 s"):
        fetch(parse_server + "/drip", timeout=1.0)  # a byte every 50 ms never hits a socket timeout
    assert time.monotonic() - t0 < 5
    with pytest.raises(GongkaiError, match="announced, over the limit of 1000"):
        fetch(parse_server + "/report", max_bytes=1000)
    with pytest.raises(GongkaiError, match="body over the limit of 100000 bytes"):
        fetch(parse_server + "/endless", max_bytes=100_000)
    body, url, ctype = fetch(parse_server + "/samehost")
    assert url == parse_server + "/report" and TITLE.format(2023).encode() in body and ctype == HTML



def test_the_readable_report_names_caps_refusals_and_cut_bodies(hostile, capsys):
    import io

    from archive.runreport import print_report, print_summary

    table = io.StringIO()
    print_summary(hostile["summary"], file=table)
    trap_row = next(line for line in table.getvalue().splitlines() if " trap " in line)
    assert trap_row.split()[-2] == "8"  # refused: 6 scheme + 1 off-host + 1 robots
    print_report(hostile["summary"]["report"])
    out = capsys.readouterr().out
    assert "site capped: flood: request cap reached" in out and "site capped: hanweb: listing cap reached" in out
    assert "refused URLs: off-host 1, robots 2, scheme 6" in out
    assert "truncated bodies: 1 (first: http://trap.gov.test/gk/cut.html)" in out
