"""The sample web's scanned reports: published as a scan of their own printed lines, same numbers in the
truth, and read back by OCR without a wrong value (one page of OCR: seconds)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pipeline.extract import extract
from scraper.sampleweb import SampleWeb
from scraper.sampleweb.report_doc import build_doc, plain_lines
from scraper.sampleweb.scans import scan_lines, scans_available

needs_font = pytest.mark.skipif(not scans_available(), reason="no CJK font on this machine (Debian: fonts-wqy-microhei)")


def _get(web: SampleWeb, url: str):
    u = urlsplit(url)
    return web.respond("GET", u.netloc, u.path)


def _scan_att(truth: dict) -> dict:
    (att,) = [a for a in truth["attachments"] if a["format"] == "scan"]
    return att


def test_the_default_sample_web_has_no_scan():
    assert not [a for a in SampleWeb().truth()["attachments"] if a["format"] == "scan"]


@needs_font
def test_a_scanned_report_keeps_its_numbers_and_is_an_image_only_pdf():
    import pypdfium2 as pdfium

    web, plain = SampleWeb(scans=1), SampleWeb().truth()
    truth = web.truth()
    att = _scan_att(truth)
    rep = next(r for r in truth["reports"] if r["url"] == att["report_url"])
    before = next(r for r in plain["reports"] if r["url"] == att["report_url"])
    assert (rep["kind"], rep["stats_in"], rep["format"]) == ("report", "attachment", "2021")
    assert rep["metrics"] == before["metrics"] and rep["attachments"] == [att["url"]]
    assert att["report_url"] not in {a.get("report_url") for a in truth["anomalies"]}  # no IMAGE-ONLY: it is read
    page = _get(web, rep["url"]).body.decode("utf-8")
    assert "全文详见附件" in page and att["url"].rsplit("/", 1)[-1] in page
    resp = _get(web, att["url"])
    assert resp.status == 200 and ("Content-Type", "application/pdf") in resp.headers
    pdf = pdfium.PdfDocument(resp.body)
    assert 1 <= len(pdf) <= 4
    assert all(p.get_textpage().count_chars() == 0 for p in pdf)  # no text layer: only OCR reads it
    assert resp.body == _get(SampleWeb(scans=1), att["url"]).body  # deterministic


@needs_font
def test_a_sample_scan_page_is_read_by_ocr_without_a_wrong_value():
    web = SampleWeb(scans=1)
    att = _scan_att(web.truth())
    rep = next(r for r in web.site(0).reports if r.url == att["report_url"])
    lines = plain_lines(build_doc(rep))
    start = next(i for i, ln in enumerate(lines) if ln.startswith("三、收到和处理"))
    end = next(i for i, ln in enumerate(lines) if ln.startswith("四、"))
    ex = extract(scan_lines([lines[0], *lines[start:end]]), att["url"], "application/pdf")
    want = {k: v for k, v in rep.visible_metrics().items() if k.startswith("apps.")}
    got = {k: v for k, v in ex.metrics.items() if k in want}
    assert {k: (want[k], v) for k, v in got.items() if want[k] != v} == {}
    assert len(got) >= 0.5 * len(want)  # measured 98 of 175 through the text solvers (the rest left out)
    assert "本年新收政府信息公开申请数量" in ex.text and ex.fields["title"] == rep.title
    assert {ex.provenance[k].source for k in got} == {"ocr"}


@needs_font
def test_the_served_scan_gives_tables_two_three_and_four_and_no_flag_of_its_own():
    """The whole scan as the sample web serves it: table 三 from its rulings, tables 二 and 四 (headers
    printed as unruled lines above their ruled rows) from the OCR's text lines; every value of the truth,
    none wrong, and the checks find nothing in it (no FORMAT-YEAR "lacks table(s) 二、四", no EXTRACT-FAILED)."""
    from pipeline.checks import run_report_rules

    web = SampleWeb(scans=1)
    truth = web.truth()
    att = _scan_att(truth)
    want = next(r for r in truth["reports"] if r["url"] == att["report_url"])["metrics"]
    ex = extract(_get(web, att["url"]).body, att["url"], "application/pdf")
    assert set(ex.tables) == {"二", "三", "四"} and ex.unread_tables == []
    for prefix, n in (("proactive.", 11), ("apps.", 175), ("review.", 5), ("suit.", 11)):
        wanted = {k: v for k, v in want.items() if k.startswith(prefix)}
        got = {k: ex.metrics[k] for k in wanted if k in ex.metrics}
        assert {k: (wanted[k], v) for k, v in got.items() if wanted[k] != v} == {}, prefix
        assert len(wanted) == n and len(got) >= n, prefix  # measured: every cell of 二 (11), 三 (175), 四 (16)
    assert not [k for k in ex.metrics if k not in want]
    assert {ex.provenance[k].source for k in ex.metrics} == {"ocr"}
    assert [f.rule for f in run_report_rules(ex)] == []


def test_scan_pdf_turns_a_renderable_pdf_into_an_image_only_scan():
    import io

    import pypdfium2 as pdfium
    from PIL import Image

    pages = [Image.new("L", (300, 400), 255) for _ in range(2)]
    pages[0].paste(0, (100, 100, 200, 120))
    src = io.BytesIO()
    pages[0].save(src, format="PDF", save_all=True, append_images=pages[1:], resolution=72)
    from scraper.sampleweb.scans import DPI, scan_pdf

    scan = pdfium.PdfDocument(scan_pdf(src.getvalue()))
    assert len(scan) == 2 and [round(v) for v in scan[0].get_size()] == [300, 400]
    img = scan[0].render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
    assert img.getpixel((int(150 * DPI / 72), int(110 * DPI / 72))) < 80  # the mark survives, blurred and skewed
    assert all(p.get_textpage().count_chars() == 0 for p in scan)


@needs_font
def test_a_scan_is_read_in_the_capped_extraction_worker_too():
    """The archive extracts in workers with an address-space cap: OCR (onnxruntime) must fit under it (the
    demo's scan once failed there with std::bad_alloc while the in-process tests passed)."""
    from archive.extracting import extract_document

    web = SampleWeb(scans=1)
    att = _scan_att(web.truth())
    rep = next(r for r in web.site(0).reports if r.url == att["report_url"])
    lines = plain_lines(build_doc(rep))
    start = next(i for i, ln in enumerate(lines) if ln.startswith("三、收到和处理"))
    ex = extract_document(scan_lines([lines[0], *lines[start:start + 12]]), att["url"], "application/pdf")
    assert ex.errors == []
    assert ex.metrics.get("apps.new.total") == rep.visible_metrics()["apps.new.total"]
    assert ex.provenance["apps.new.total"].source == "ocr"
