"""OCR in the archive: an image-only page's archived images are handed to OCR, a recrawl never OCRs an
unchanged capture again, and the flag page's crop is cut from the archived capture."""

from __future__ import annotations

import hashlib
import io

import pytest

import pipeline.extract.ocr as ocr
from archive import extracting
from archive.config import resolve_paths
from archive.extracting import extract_pending
from archive.ocrscan import crop_png, image_pages, report_images
from archive.store import Archive

BASE = "http://www.qingshi.gov.test/zwgk/zfxxgk/zfxxgknb/202201/"
PAGE = ("<html><head><meta charset='utf-8'><title>青石县2021年政府信息公开工作年度报告</title></head><body>"
        "<h1>青石县2021年政府信息公开工作年度报告</h1><div class='TRS_Editor'>{body}</div></body></html>")


def _grey_pdf(n: int) -> bytes:
    from PIL import Image

    pages = [Image.new("L", (100, 100), 210) for _ in range(n)]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=72)
    return out.getvalue()


def _png(shade: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (60, 40), shade).save(out, format="PNG")
    return out.getvalue()


def _put(arch, run, url, body, ctype, role, referrer=None):
    return arch.record_response(run_id=run, site_id="qingshi", role=role, url=url, method="GET",
                                fingerprint=hashlib.sha1(url.encode()).hexdigest(), status=200, reason="OK",
                                headers=[("Content-Type", ctype)], body=body, request_headers=[], referrer=referrer)


@pytest.fixture
def counted(monkeypatch):
    """The documents handed to extraction, with how many archived images each took along: OCR runs only
    inside extraction (in its capped workers), so a capture not handed over is a capture not OCR'd."""
    calls = []
    real = extracting.report_images

    def recording(db, warc_dir, page):
        images = real(db, warc_dir, page)
        calls.append((page["url"].rsplit("/", 1)[-1], len(images or [])))
        return images

    monkeypatch.setattr(extracting, "report_images", recording)
    return calls


def test_recrawl_never_ocrs_an_unchanged_capture_again(tmp_path, counted):
    arch = Archive(resolve_paths(tmp_path / "g.db"))
    page_url, scan_url = BASE + "t20220120_1.html", BASE + "W020220120.pdf"
    scan = _grey_pdf(2)

    def crawl(page_body: bytes) -> None:
        run, _ = arch.start_run("r.toml", ["qingshi"])
        _put(arch, run, page_url, page_body, "text/html; charset=utf-8", "report")
        _put(arch, run, scan_url, scan, "application/pdf", "attachment")
        arch.record_attachment(report_url=page_url, url=scan_url, name="附件", site_id="qingshi")
        arch.flush()
        extract_pending(arch.db, arch.paths.warc_dir)

    first = PAGE.format(body="<p>全文详见附件。</p>").encode()
    crawl(first)
    assert counted == [("W020220120.pdf", 0), ("t20220120_1.html", 0)]  # the scan once, then its page
    crawl(first)  # nothing changed: no new page version, nothing extracted
    assert len(counted) == 2
    crawl(PAGE.format(body="<p>全文详见附件（已更新）。</p>").encode())  # the page changed, the scan did not
    assert counted[2:] == [("t20220120_1.html", 0)]  # the page again, the scan not: its stored values serve
    rows = list(arch.db.query("SELECT role, count(*) AS n FROM reports GROUP BY role ORDER BY role"))
    assert [(r["role"], r["n"]) for r in rows] == [("attachment", 1), ("page", 2)]
    arch.close()


def test_image_only_page_gets_its_archived_images_in_url_order(tmp_path, counted):
    arch = Archive(resolve_paths(tmp_path / "g.db"))
    run, _ = arch.start_run("r.toml", ["qingshi"])
    page_url = BASE + "t20220121_2.html"
    body = PAGE.format(body="".join(f'<p><img src="./p{i}.png"></p>' for i in (1, 2, 10))).encode()
    _put(arch, run, page_url, body, "text/html; charset=utf-8", "report")
    for i in (10, 2, 1):  # captured out of order
        _put(arch, run, BASE + f"p{i}.png", _png(100 + i), "image/png", "image", referrer=page_url)
    _put(arch, run, BASE + "other.png", _png(1), "image/png", "image", referrer=BASE + "elsewhere.html")
    arch.flush()
    page = next(arch.db.query("SELECT * FROM pages WHERE url = ?", [page_url]))
    assert [r["url"].rsplit("/", 1)[-1] for r in image_pages(arch.db, page_url)] == ["p1.png", "p2.png", "p10.png"]
    assert report_images(arch.db, arch.paths.warc_dir, page) == [_png(101), _png(102), _png(110)]
    extract_pending(arch.db, arch.paths.warc_dir)
    assert counted == [("t20220121_2.html", 3)]  # its three archived images handed over once, nothing fetched
    rep = next(arch.db.query("SELECT kind FROM reports WHERE url = ?", [page_url]))
    assert rep["kind"] == "image_only"  # blank images: no statistics read, still IMAGE-ONLY
    arch.close()


def test_crop_is_cut_from_the_archived_capture(tmp_path):
    from PIL import Image

    arch = Archive(resolve_paths(tmp_path / "g.db"))
    run, _ = arch.start_run("r.toml", ["qingshi"])
    img = Image.new("L", (200, 100), 255)
    img.paste(0, (50, 20, 90, 40))  # the "cell": black box at x 50-90, y 20-40 (pixels, 72 dpi page = points)
    buf = io.BytesIO()
    img.save(buf, format="PDF", resolution=72)
    url = BASE + "scan.pdf"
    _put(arch, run, url, buf.getvalue(), "application/pdf", "attachment")
    arch.flush()
    page = next(arch.db.query("SELECT id FROM pages WHERE url = ?", [url]))
    rid = arch.db["reports"].insert({"page_id": page["id"], "url": url, "role": "attachment", "is_current": 1}).last_pk
    arch.db["metrics"].insert({"report_id": rid, "key": "apps.new.total", "value": 7, "approximate": 1, "source": "ocr",
                               "where_": "OCR page 1 box (50,20,90,40) conf 0.62 · table 三 row new", "raw": "7"})
    arch.db["metrics"].insert({"report_id": rid, "key": "proactive.total", "value": 3, "approximate": 0,
                               "source": "text", "where_": "主动公开3条", "raw": "3条"})
    png = crop_png(arch.db, arch.paths.warc_dir, rid, "apps.new.total")
    crop = Image.open(io.BytesIO(png)).convert("L")
    scale = ocr.DEFAULT_DPI / 72
    assert crop.size == (round((40 + 12) * scale), round((20 + 12) * scale))
    assert crop.getpixel((crop.width // 2, crop.height // 2)) < 60  # the box itself
    assert crop.getpixel((1, 1)) > 200  # the margin around it
    assert crop_png(arch.db, arch.paths.warc_dir, rid, "proactive.total") is None  # not an OCR value
    arch.close()
