"""`gongkai parse PATH_OR_URL [--json]`: files, URLs, one-line errors."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest

from archive.cli import main

HTML = Path(__file__).resolve().parent / "fixtures" / "html"


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_parse_json_file(capsys):
    code, out, err = run(capsys, "parse", str(HTML / "gbk_wrong_charset.html"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["title"] == "测试县2021年政府信息公开工作年度报告"
    assert data["year"] == 2021 and data["format"] == "2021" and data["kind"] == "report"
    assert data["url"] is None
    assert data["metrics"]["apps.new.total"] == 13
    assert data["provenance"]["apps.new.total"] == {
        "source": "table", "where": "表三 一、本年新收政府信息公开申请数量 / 总计", "raw": "13"}
    assert isinstance(data["flags"], list) and data["errors"] == []
    assert list(data)[:15] == ["title", "year", "format", "publisher", "issuer", "published", "index_no", "doc_no",
                               "category", "keywords", "site_name", "site_domain", "site_id_code", "column_name", "url"]


def test_parse_summary(capsys):
    code, out, _ = run(capsys, "parse", str(HTML / "t4_split.html"))
    assert code == 0
    assert out.splitlines()[0] == "测试县2021年政府信息公开工作年度报告"
    assert "apps.new.total             13" in out
    assert "tables     二 三 四" in out


def test_parse_flags_come_from_checks(capsys):
    code, out, _ = run(capsys, "parse", str(HTML / "blank_cells.html"), "--json")
    assert code == 0
    rules = {f["rule"] for f in json.loads(out)["flags"]}
    try:
        import pipeline.checks  # noqa: F401
    except ImportError:
        assert rules == set()
    else:
        assert "T3-BLANK" in rules


def test_missing_file_is_one_line_error(capsys, tmp_path):
    code, out, err = run(capsys, "parse", str(tmp_path / "nope.html"))
    assert code == 2 and out == ""
    assert err.strip() == f"gongkai: no such file: {tmp_path / 'nope.html'}"
    code, _, err = run(capsys, "parse", str(tmp_path))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_parse_url_with_lying_charset_header(capsys):
    body = (HTML / "gbk_wrong_charset.html").read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - stdlib API
            if self.path != "/nb/2022/t1.html":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/nb/2022/t1.html"
        code, out, err = run(capsys, "parse", url, "--json")
        assert code == 0, err
        data = json.loads(out)
        assert data["url"] == url and data["publisher"] == "测试县"
        assert data["metrics"]["review.total"] == 2
        code, _, err = run(capsys, "parse", url.replace("t1", "t2"))
        assert code == 2 and "HTTP 404" in err and len(err.strip().splitlines()) == 1
    finally:
        server.shutdown()
