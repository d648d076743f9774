"""Issue 10 item 2 / issue 11 bad input: small hostile files must give a recorded error within seconds and
bounded memory, and the run must go on.

Each probe extracts its file in a subprocess whose address space is capped at 1 GiB (RLIMIT_AS): a decoder
that expands the file fails the test with a MemoryError instead of slowly eating the machine; the error
must be the decoder's own limit message (the cooperative limit stopped it early, not the cap).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import hostile_files as H
import pytest

from archive.config import resolve_paths
from archive.extracting import decode_content, extract_pending
from archive.store import Archive
from pipeline.limits import LIMITS, LimitExceeded

GiB = 1024 ** 3
ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, resource, sys, time
from pipeline.extract import extract
body = open(sys.argv[1], "rb").read()
t = time.monotonic()
ex = extract(body, sys.argv[2])
# VmHWM (this process's own peak RSS): ru_maxrss would carry over the forking test runner's across exec
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"errors": ex.errors, "kind": ex.kind, "seconds": time.monotonic() - t,
                  "text": len(ex.text), "rss_mb": hwm / 1024}))
"""


def _cap(limit: int = GiB):
    def pre() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return pre


def probe(path: Path, url: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(path), url], capture_output=True, text=True,
                         timeout=120, preexec_fn=_cap(), cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


CASES = {
    # name: (builder(tmp) -> path, url, what the error must say)
    "xlsx-far-cell": (lambda d: _write(d / "a.xlsx", H.far_cell_xlsx()), "http://x.gov.test/a.xlsx",
                      "limit reached: cells of sheet"),
    "xls-far-cell": (lambda d: _write(d / "a.xls", H.far_cell_xls()), "http://x.gov.test/a.xls",
                     "limit reached: cells of sheet"),
    "docx-zip-bomb": (lambda d: _write(d / "a.docx", H.docx_bomb()), "http://x.gov.test/a.docx",
                      "limit reached: decompressed bytes of the zip members"),
    "docx-zip-bomb-lying-size": (lambda d: _write(d / "b.docx", H.docx_bomb(declared=4096)),
                                 "http://x.gov.test/b.docx", "DOCX could not be read"),
    "html-span-1000": (lambda d: _write(d / "a.html", H.span_table_html()), "http://x.gov.test/a.html",
                       "limit reached: table cells of a page"),
    "html-200MB-page": (lambda d: H.write_big_page(d / "big.html"), "http://x.gov.test/big.html",
                        "limit reached: bytes of an HTML page"),
    "pdf-encrypted": (lambda d: _write(d / "e.pdf", H.pdf(2, password="secret")), "http://x.gov.test/e.pdf",
                      "PDF is encrypted"),
    "pdf-corrupt": (lambda d: _write(d / "c.pdf", H.corrupt_pdf()), "http://x.gov.test/c.pdf", "PDF"),
    "pdf-stream-bomb": (lambda d: _write(d / "s.pdf", H.pdf_stream_bomb()), "http://x.gov.test/s.pdf",
                        f"limit reached: decompressed bytes of a PDF stream over {LIMITS.max_decompressed_bytes}"),
    "pdf-500-pages": (lambda d: _write(d / "p.pdf", H.pdf(500)), "http://x.gov.test/p.pdf",
                      f"limit reached: pages of a PDF over {LIMITS.max_pages} (500)"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_file_is_a_recorded_error_in_seconds_and_bounded_memory(tmp_path, name):
    build, url, expected = CASES[name]
    path = build(tmp_path)
    res = probe(path, url)
    assert any(expected in e for e in res["errors"]), res["errors"]
    assert all(isinstance(e, str) and "\n" not in e for e in res["errors"])
    assert not any("MemoryError" in e for e in res["errors"]), res["errors"]
    assert res["seconds"] < 20, res
    # the 200 MB page is read whole into memory first (its bytes), everything else is small
    assert res["rss_mb"] < (700 if "200MB" in name else 300), res


def test_the_bombs_are_real(tmp_path):
    """The probes' files do expand as advertised (otherwise the tests above prove nothing)."""
    import io
    import zipfile
    import zlib

    member = zipfile.ZipFile(io.BytesIO(H.docx_bomb())).getinfo("word/document.xml")
    assert member.file_size == GiB - GiB % (1 << 20) and member.compress_size < 8 * 1024 * 1024
    body = H.gzip_bomb()
    d = zlib.decompressobj(31)
    first = d.decompress(body, 64 * 1024 * 1024)
    assert len(first) == 64 * 1024 * 1024 and len(body) < 8 * 1024 * 1024  # keeps going past 64 MiB
    stream = H.pdf_stream_bomb()
    data = stream[stream.index(b"stream\n") + 7:stream.rindex(b"endstream")]
    assert len(stream) < 8 * 1024 * 1024 and len(zlib.decompressobj().decompress(data, 64 * 1024 * 1024)) == 64 * 1024 * 1024
    assert len(H.far_cell_xlsx()) < 6000 and len(H.span_table_html()) < 1500


def test_a_gzip_bomb_body_stops_at_the_decompression_limit():
    body = H.gzip_bomb()
    t = time.monotonic()
    with pytest.raises(LimitExceeded, match="decompressed bytes of the response body"):
        decode_content([("Content-Encoding", "gzip")], body, limit=16 * 1024 * 1024)
    assert time.monotonic() - t < 5
    page = b"<p>ok</p>" * 100
    import gzip
    import zlib

    assert decode_content([("Content-Encoding", "gzip")], gzip.compress(page) + gzip.compress(page)) == page * 2
    assert decode_content([("Content-Encoding", "deflate")], zlib.compress(page)) == page
    assert decode_content([("content-encoding", "deflate")], zlib.compress(page)[2:-4]) == page  # raw deflate
    assert decode_content([("Content-Encoding", "gzip")], b"not gzip") == b"not gzip"  # the extractor says what it is


def _put(arch, run, url, body, headers, role):
    return arch.record_response(run_id=run, site_id="qingshi", role=role, url=url, method="GET",
                                fingerprint=hashlib.sha1(url.encode()).hexdigest(), status=200, reason="OK",
                                headers=headers, body=body, request_headers=[])


REPORT = (f"<html><head><meta charset='utf-8'><title>{H.TITLE}</title></head><body><div class='TRS_Editor'>"
          "<p>本报告统计期限自2021年1月1日起至2021年12月31日止。</p><p>一、总体情况</p>"
          "<p>2021年，全县主动公开政府信息1234条。</p></div></body></html>").encode()


def test_bombs_in_the_archive_are_recorded_errors_and_the_rest_is_extracted(tmp_path):
    arch = Archive(resolve_paths(tmp_path / "g.db"))
    try:
        run, _ = arch.start_run("r.toml", ["qingshi"])
        base = "http://www.qingshi.gov.test/zwgk/zfxxgknb/"
        html = [("Content-Type", "text/html; charset=utf-8")]
        _put(arch, run, base + "t1.html", REPORT, html, "report")
        _put(arch, run, base + "bomb.html", H.gzip_bomb(), [*html, ("Content-Encoding", "gzip")], "report")
        _put(arch, run, base + "span.html", H.span_table_html(), html, "report")
        _put(arch, run, base + "bomb.docx", H.docx_bomb(), [("Content-Type", "application/msword")], "attachment")
        _put(arch, run, base + "far.xlsx", H.far_cell_xlsx(), [], "attachment")
        _put(arch, run, base + "t2.html", REPORT.replace(b"1234", b"4321"), html, "report")
        arch.flush()
        t = time.monotonic()
        stats = extract_pending(arch.db, arch.paths.warc_dir)
        assert time.monotonic() - t < 60
        assert stats.extracted == 6
        errors = {r["url"].rsplit("/", 1)[-1]: r["error"] for r in arch.db.query("SELECT url, error FROM extraction_errors")}
        assert "limit reached: decompressed bytes of the response body" in errors["bomb.html"]
        assert "limit reached: table cells of a page" in errors["span.html"]
        assert "limit reached: decompressed bytes of the zip members" in errors["bomb.docx"]
        assert "limit reached: cells of sheet" in errors["far.xlsx"]
        assert set(errors) == {"bomb.html", "span.html", "bomb.docx", "far.xlsx"}
        values = {r["url"].rsplit("/", 1)[-1]: r["value"] for r in arch.db.query(
            "SELECT r.url, m.value FROM reports r JOIN metrics m ON m.report_id = r.id WHERE m.key = 'proactive.total'")}
        assert values == {"t1.html": 1234, "t2.html": 4321, "span.html": 1234}  # the span page keeps its text
        # every document has its report row, the failed ones with their error
        rows = {r["url"].rsplit("/", 1)[-1]: r for r in arch.db.query("SELECT url, errors FROM reports")}
        assert set(rows) == {"t1.html", "t2.html", "bomb.html", "span.html", "bomb.docx", "far.xlsx"}
        assert json.loads(rows["bomb.html"]["errors"]) == [errors["bomb.html"]]
    finally:
        arch.close()


MEASURED = """
import json, resource, subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
print(json.dumps({"rc": out.returncode, "stdout": out.stdout, "stderr": out.stderr[-2000:],
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


@pytest.mark.parametrize("name", ["docx-zip-bomb", "html-200MB-page", "xlsx-far-cell"])
def test_gongkai_parse_of_a_hostile_file_says_why_and_stays_small(tmp_path, name):
    """`gongkai parse FILE` in a subprocess capped at 1 GiB: a one-line error in its JSON, exit 0, and the
    command's own peak RSS small (measured by a fresh parent whose only child it is; the extraction worker
    it starts is capped by its own RLIMIT_AS)."""
    from sampleweb_helpers import GONGKAI

    build, _url, expected = CASES[name]
    path = build(tmp_path)
    out = subprocess.run([sys.executable, "-c", MEASURED, *GONGKAI, "parse", str(path), "--json"],
                         capture_output=True, text=True, timeout=150, preexec_fn=_cap(), cwd=ROOT)
    res = json.loads(out.stdout)
    assert res["rc"] == 0, res["stderr"]
    errors = json.loads(res["stdout"])["errors"]
    if name == "html-200MB-page":  # refused before anything reads it whole
        expected = f"limit reached: bytes of a document over {LIMITS.max_bytes}"
    assert any(expected in e for e in errors), errors
    assert res["peak_mb"] < 250, res["peak_mb"]
