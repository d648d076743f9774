"""The OCR front end on real scanned pages and on hostile input: words with boxes and confidences, lines as
text, and every limit (pixels, pages, seconds) a recorded one-line error within the budget.

OCR costs seconds a page, so the normal suite reads one real page; the full scans are scored in
tests/test_ocr_real.py."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from builders import make_pdf

from conftest import real_fixture
from pipeline.extract import extract
from pipeline.extract.ocr import ocr_images, ocr_pdf
from pipeline.limits import Limits

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height but carries one tiny (truncated) data chunk: a decompression bomb's shape."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return PNG_SIG + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


def _grey_pages(n: int, size: int = 120) -> bytes:
    """An image-only PDF of `n` blank grey pages (Pillow writes one image per page)."""
    from PIL import Image

    pages = [Image.new("L", (size, size), 200) for _ in range(n)]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=72)
    return out.getvalue()


def _page_of(pdf_path, index: int) -> bytes:
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(pdf_path)
    one = pdfium.PdfDocument.new()
    one.import_pages(src, [index])
    out = io.BytesIO()
    one.save(out)
    return out.getvalue()


def test_real_scan_page_gives_ocr_words_and_the_row_as_a_line(monkeypatch):
    import pipeline.extract.ocr as ocr

    seen = []
    original = ocr.ocr_document

    def spy(doc, body, images=None, limits=ocr.LIMITS):
        pages = original(doc, body, images, limits)
        seen.append((doc, pages))
        return pages

    monkeypatch.setattr(ocr, "ocr_document", spy)
    body = _page_of(real_fixture("rendered/pingtan_2021.scan.pdf"), 4)
    ex = extract(body, "https://x.gov.cn/scan.pdf")  # one OCR of the page (~3-20 s, by the machine's load)
    (doc, pages), = seen
    assert pages == [0] and doc.errors == []
    assert {w.source for w in doc.words} == {"ocr"} and {w.page for w in doc.words} == {0}
    assert all(0 < w.conf <= 1 and 0 <= w.x0 < w.x1 <= 612 and 0 <= w.top < w.bottom <= 792 for w in doc.words)
    assert "本年新收政府信息公开申请数量 64 0 0 2 0 4 70" in ex.text.split("\n")
    # the values read from this page are OCR values: page and box in their provenance
    assert ex.metrics and {p.source for p in ex.provenance.values()} == {"ocr"}
    assert all(p.where.startswith("OCR page 1 box (") for p in ex.provenance.values())


def test_text_pdf_is_not_ocred():
    body = make_pdf(["平潭综合实验区2021年政府信息公开工作年度报告", "一、总体情况", "本年新收政府信息公开申请数量"])
    words, pages, errors = ocr_pdf(body)
    assert (words, pages, errors) == ([], [], [])


def test_huge_image_is_refused_before_decoding():
    big = _png_header(20_000, 20_000)
    t = time.monotonic()
    words, pages, errors = ocr_images([big])
    assert time.monotonic() - t < 5
    assert words == [] and pages == []
    assert errors == ["image 1: limit reached: image pixels over 60000000 (400000000); document not fully read"]


def test_huge_image_inside_a_pdf_is_a_recorded_error():
    body = make_pdf([], image_only=True).replace(b"/Width 8 /Height 8", b"/Width 20000 /Height 20000")
    ex = extract(body, "https://x.gov.cn/big.pdf")
    assert any("image pixels over 60000000 (400000000)" in e for e in ex.errors)
    assert ex.metrics == {}


def test_300_page_scan_stops_at_the_page_budget_and_records_it():
    body = _grey_pages(300)
    t = time.monotonic()
    words, pages, errors = ocr_pdf(body, limits=Limits(ocr_max_pages=5))
    assert time.monotonic() - t < 60
    assert pages == [0, 1, 2, 3, 4] and words == []
    assert errors == ["OCR page 6: limit reached: OCR pages per document over 5; document not fully read",
                      "limit reached: pages per document over 200 (300); document not fully read"]


def test_seconds_budget_stops_ocr_with_a_recorded_error():
    words, pages, errors = ocr_pdf(_grey_pages(30), limits=Limits(ocr_max_seconds=0.0))
    assert pages == []
    assert errors == ["OCR page 1: limit reached: OCR seconds per document over 0; document not fully read"]


def test_corrupt_image_and_corrupt_pdf_are_recorded_errors():
    words, pages, errors = ocr_images([PNG_SIG + b"\x00garbage" * 10, b"not an image at all"])
    assert pages == [] and len(errors) == 2
    assert errors[0].startswith("image 1 could not be read for OCR: ")
    ex = extract(b"%PDF-1.4\n" + b"\x00" * 500, "https://x.gov.cn/broken.pdf")
    assert any("could not be rendered for OCR" in e for e in ex.errors)


def test_an_image_that_is_not_a_report_gives_a_plain_result():
    from PIL import Image

    rng = __import__("random").Random(7)
    img = Image.frombytes("L", (400, 300), bytes(rng.randrange(256) for _ in range(400 * 300)))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    page = ("<html><head><title>风景照片</title></head><body><h1>风景照片</h1>"
            '<p><img src="a.png"></p></body></html>').encode()
    ex = extract(page, "https://x.gov.cn/photo.html", "text/html", images=[buf.getvalue()])
    assert ex.kind == "not_report" and ex.metrics == {}
    assert all("OCR" not in e for e in ex.errors)


@pytest.mark.parametrize("text_len", [500])
def test_a_page_with_text_is_not_read_from_its_images(text_len):
    page = (f"<html><body><h1>2023年政府信息公开工作年度报告</h1><p>{'正文' * text_len}</p>"
            '<img src="a.png"></body></html>').encode()
    ex = extract(page, "https://x.gov.cn/r.html", "text/html", images=[b"not an image"])
    assert ex.errors == []  # the image was never opened


def test_only_the_scanned_page_of_a_mixed_pdf_is_ocred():
    import pypdfium2 as pdfium

    text = pdfium.PdfDocument(make_pdf(["青石县2021年政府信息公开工作年度报告", "一、总体情况", "全年主动公开政府信息802条。"]))
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(text)
    mixed.import_pages(pdfium.PdfDocument(_grey_pages(1, size=400)))
    out = io.BytesIO()
    mixed.save(out)
    words, pages, errors = ocr_pdf(out.getvalue())
    assert pages == [1] and errors == []
