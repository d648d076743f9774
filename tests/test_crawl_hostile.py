"""A crawl of a hostile site on 127.0.0.1 (a gzip bomb page, a span-1000 table, a DOCX zip bomb, an XLSX with
a far cell, an encrypted and a 500-page PDF, a response over the size limit): the crawl ends by itself
within its time, each bad document is a recorded error, and the normal reports are extracted."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import hostile_files as H
import pytest
from sampleweb_helpers import gongkai

HOST = "www.evil.gov.test"
MAX_SIZE = 4 * 1024 * 1024


def _report(title: str, n: int, extra: str = "") -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><div class='TRS_Editor'>"
            f"<h1>{title}</h1><p>本报告统计期限自2021年1月1日起至2021年12月31日止。</p><p>一、总体情况</p>"
            f"<p>2021年，全县主动公开政府信息{n}条。</p>{extra}</div></body></html>").encode()


def _site() -> dict[str, tuple[list[tuple[str, str]], bytes]]:
    html = [("Content-Type", "text/html; charset=utf-8")]
    t = "恶意县{}年政府信息公开工作年度报告".format
    links = "".join(f'<li><a href="./{p}">{t(y)}</a></li>' for p, y in
                    (("t1.html", 2021), ("t2.html", 2020), ("t3.html", 2019), ("t4.html", 2022), ("t5.html", 2018)))
    atts = "".join(f'<p><a href="./{n}">附件{i}</a></p>' for i, n in
                   enumerate(("W1.docx", "W2.xlsx", "W3.pdf", "W4.pdf", "W5.pdf"), 1))
    return {
        "/zfxxgknb/index.html": (html, f"<html><body><ul>{links}</ul></body></html>".encode()),
        "/zfxxgknb/t1.html": (html, _report(t(2021), 1234)),
        "/zfxxgknb/t2.html": ([*html, ("Content-Encoding", "gzip")], H.gzip_bomb()),
        "/zfxxgknb/t3.html": (html, H.span_table_html().replace(H.TITLE.encode(), t(2019).encode())),
        "/zfxxgknb/t4.html": (html, _report(t(2022), 77, atts)),
        "/zfxxgknb/t5.html": (html, _report(t(2018), 4321)),
        "/zfxxgknb/W1.docx": ([("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")],
                              H.docx_bomb()),
        "/zfxxgknb/W2.xlsx": ([("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")],
                              H.far_cell_xlsx()),
        "/zfxxgknb/W3.pdf": ([("Content-Type", "application/pdf")], H.pdf(2, password="secret")),
        "/zfxxgknb/W4.pdf": ([("Content-Type", "application/pdf")], H.pdf(500)),
        "/zfxxgknb/W5.pdf": ([("Content-Type", "application/pdf")], b"%PDF-1.4\n" + b"0" * (MAX_SIZE + 1024)),
    }


class _Handler(BaseHTTPRequestHandler):
    site: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path
        if path not in self.site:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers, body = self.site[path]
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler hung up on a response over its size limit

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    handler = type("Handler", (_Handler,), {"site": _site()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    registry = tmp / "sites.toml"
    registry.write_text(f"""proxy = "http://127.0.0.1:{server.server_address[1]}"

[crawl]
download_delay = 0
autothrottle = false
concurrency_per_domain = 4
retry_times = 0
max_size = {MAX_SIZE}

[[sites]]
id = "evil"
name = "恶意县人民政府"
style = "trs"
start_urls = ["http://{HOST}/zfxxgknb/index.html"]
allowed_hosts = ["{HOST}"]
enabled = true
timeout = 10

[[sites.publishers]]
name = "恶意县"
kind = "government"
first_year = 2018
""", encoding="utf-8")
    db = tmp / "g.db"
    t = time.monotonic()
    try:
        out = gongkai("crawl", "--sites", str(registry), "--db", str(db), "--json", "--no-progress", timeout=240)
    finally:
        server.shutdown()
        server.server_close()
    seconds = time.monotonic() - t
    assert out.returncode in (0, 1), out.stderr[-3000:]
    return {"summary": json.loads(out.stdout), "db": db, "seconds": seconds, "stderr": out.stderr}


def _rows(db, sql):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql)]
    finally:
        con.close()


def test_each_hostile_document_is_a_recorded_error(hostile_crawl):
    errors: dict[str, list[str]] = {}
    for r in _rows(hostile_crawl["db"], "SELECT url, error FROM extraction_errors"):
        errors.setdefault(r["url"].rsplit("/", 1)[-1], []).append(r["error"])
    expected = {"t2.html": "limit reached: decompressed bytes of the response body",
                "t3.html": "limit reached: table cells of a page",
                "W1.docx": "limit reached: decompressed bytes of the zip members",
                "W2.xlsx": "limit reached: cells of sheet",
                "W3.pdf": "PDF is encrypted",
                "W4.pdf": "limit reached: pages of a PDF"}
    for name, text in expected.items():
        assert any(text in e for e in errors.get(name, [])), (name, errors)
    assert set(errors) <= set(expected)
    assert all("\n" not in e for es in errors.values() for e in es)


def test_a_response_over_the_size_limit_is_a_too_large_error_capture(hostile_crawl):
    # W5.pdf over DOWNLOAD_MAXSIZE, and t2.html whose gzip body decompresses past it in Scrapy
    assert hostile_crawl["summary"]["errors"] == {"too_large": 2}, hostile_crawl["summary"]["errors"]
    rows = _rows(hostile_crawl["db"], "SELECT url, status FROM pages WHERE url LIKE '%W5.pdf'")
    assert all(r["status"] != 200 for r in rows)


def test_the_normal_reports_are_extracted_and_the_crawl_ends_in_its_time(hostile_crawl):
    values = {r["url"].rsplit("/", 1)[-1]: r["value"] for r in _rows(
        hostile_crawl["db"], "SELECT r.url, m.value FROM reports r JOIN metrics m ON m.report_id = r.id "
                             "WHERE m.key = 'proactive.total' AND r.role = 'page'")}
    assert values["t1.html"] == 1234 and values["t5.html"] == 4321 and values["t4.html"] == 77
    assert hostile_crawl["summary"]["extraction_errors"] >= 2
    assert hostile_crawl["seconds"] < 180
