"""Loaders for text, PDF, DOCX, XLS, XLSX and DOC, on files made by tests/builders.py."""

import io
import zipfile

import builders
import pytest

from conftest import real_fixture
from pipeline.extract.documents import load_document, sniff_kind, word_structure

REPORT_LINES = ["阜阳市2018年政府信息公开工作报告", "全年主动公开政府信息357524条、增长2.45%。", "答复率100%。"]


def test_text_capture_header_title_and_body():
    doc = load_document(real_fixture("fuyang_2018.txt").read_bytes(), "http://x/report.txt", "text/plain")
    assert doc.source == "text"
    assert doc.header["索  引 号"] == "/"
    assert doc.header["信息分类"] == "信息公开年报"
    assert doc.header["发布机构"] == "阜阳市人民政府(办公室)"
    assert doc.header["生成日期"] == "2019-03-27"
    assert doc.header["关  键 词"] == "公开年报"
    assert doc.header["名       称"].startswith("阜阳市2018年政府信息公开工作报告")
    assert doc.page_title == "阜阳市2018年政府信息公开工作报告"
    assert doc.chrome_text.splitlines()[1].startswith("发布时间:2019-03-27")
    assert doc.text.startswith("阜阳市2018年政府信息公开工作报告")
    assert "索  引 号" not in doc.text
    assert not doc.errors


def test_text_in_gb18030_without_header():
    doc = load_document("全年主动公开政府信息12条。\n".encode("gb18030"), "http://x/a.txt", None)
    assert doc.text == "全年主动公开政府信息12条。"
    assert doc.header == {}


def test_pdf_text_layer_with_chinese():
    doc = load_document(builders.make_pdf(REPORT_LINES), "http://x/r.pdf", "application/pdf")
    assert doc.source == "pdf"
    assert doc.text.splitlines() == REPORT_LINES
    assert doc.images == 0 and not doc.errors


def test_image_only_pdf_has_images_and_no_text():
    doc = load_document(builders.make_pdf([], image_only=True), "http://x/r.pdf", None)
    assert doc.text == ""
    assert doc.images == 1


def test_corrupt_pdf_gives_error_not_exception():
    body = builders.make_pdf(REPORT_LINES)[:200]
    doc = load_document(body, "http://x/r.pdf", "application/pdf")
    assert doc.source == "pdf"
    assert doc.errors and doc.errors[0].startswith("PDF could not be read")


def test_docx_paragraphs_and_merged_cells():
    rows = [["项目", "数量", ""], ["行政复议", "维持", "3"], ["", "纠错", "1"]]
    body = builders.make_docx(["标题", "统计表"], rows, merges=[(0, 1, 0, 2), (1, 0, 2, 0)])
    doc = load_document(body, "http://x/r.docx", None)
    assert doc.source == "docx"
    assert doc.text.splitlines()[:2] == ["标题", "统计表"]
    (table,) = doc.tables
    assert table.caption == "统计表"
    assert [(c.text, c.rowspan, c.colspan) for c in table.rows[0]] == [("项目", 1, 1), ("数量", 1, 2)]
    assert [(c.text, c.rowspan, c.colspan) for c in table.rows[1]] == [("行政复议", 2, 1), ("维持", 1, 1), ("3", 1, 1)]
    assert [(c.text, c.rowspan, c.colspan) for c in table.rows[2]] == [("纠错", 1, 1), ("1", 1, 1)]


def test_corrupt_docx():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<not xml")
    doc = load_document(buf.getvalue(), "http://x/r.docx", None)
    assert doc.source == "docx" and doc.errors[0].startswith("DOCX could not be read")


SHEET = [["指标名称", "计量单位", "2018年度", "历年累计"], ["主动公开文件数", "条", 2069, 12106], ["行政复议数", "件", 0, 0]]


def test_xls_sheets_and_merges():
    body = builders.make_xls({"统计表": SHEET + [["合计", None, None, None]]}, merges={"统计表": [(3, 3, 0, 3)]})
    doc = load_document(body, "http://x/t.xls", None)
    assert doc.source == "xls"
    (t,) = doc.tables
    assert t.caption == "统计表"
    assert [c.text for c in t.rows[1]] == ["主动公开文件数", "条", "2069", "12106"]
    assert [(c.text, c.colspan) for c in t.rows[3]] == [("合计", 4)]
    assert "主动公开文件数 条 2069 12106" in doc.text


def test_xlsx_sheets_and_merges():
    body = builders.make_xlsx({"表1": SHEET, "表2": [["a", "b"]]}, merges={"表1": ["A1:B1"]})
    doc = load_document(body, "http://x/t.xlsx", None)
    assert doc.source == "xlsx"
    assert [t.caption for t in doc.tables] == ["表1", "表2"]
    assert [(c.text, c.colspan) for c in doc.tables[0].rows[0]] == [("指标名称", 2), ("2018年度", 1), ("历年累计", 1)]
    assert [c.text for c in doc.tables[0].rows[2]] == ["行政复议数", "件", "0", "0"]


def test_corrupt_xls_and_xlsx():
    assert load_document(b"PK\x03\x04garbage", "http://x/t.xlsx", None).errors
    doc = load_document(builders.make_cfb({"Workbook": b"\x00" * 10}), "http://x/t.xls", None)
    assert doc.source == "xls" and doc.errors[0].startswith("XLS could not be read")


DOC_TEXT = builders.word_text(
    ["平潭综合实验区2018年度政府信息公开工作年度报告", "2018年全区主动公开政府信息2069条。", "六、统计表"],
    [[["指标名称", "计量单位", "2018年度"], ["主动公开文件数", "条", "2069"], ["行政诉讼数", "件", ""]]],
) + "结束\r"


@pytest.mark.parametrize("prefix", [0, 5])
def test_doc_piece_table_utf16_and_compressed(prefix):
    text = "Word " + DOC_TEXT if prefix else DOC_TEXT
    doc = load_document(builders.make_doc(text, compressed_prefix=prefix), "http://x/r.doc", "application/msword")
    assert doc.source == "doc" and not doc.errors
    lines = doc.text.splitlines()
    assert lines[0] == ("Word " if prefix else "") + "平潭综合实验区2018年度政府信息公开工作年度报告"
    assert "2018年全区主动公开政府信息2069条。" in lines
    assert lines[-1] == "结束"
    (t,) = doc.tables
    assert t.caption == "六、统计表"
    assert [[c.text for c in row] for row in t.rows] == [
        ["指标名称", "计量单位", "2018年度"], ["主动公开文件数", "条", "2069"], ["行政诉讼数", "件", ""]]


def test_doc_in_0table_stream():
    doc = load_document(builders.make_doc("一段\r", table_stream="0Table"), "http://x/r.doc", None)
    assert doc.text == "一段"


def test_doc_errors_are_clear():
    enc = load_document(builders.make_doc("x\r", encrypted=True), "http://x/r.doc", None)
    assert enc.errors == ["DOC could not be read: document is encrypted (password-protected)"]
    broken = load_document(builders.make_cfb({"WordDocument": b"\x00" * 600}), "http://x/r.doc", None)
    assert broken.errors == ["DOC could not be read: FIB wIdent is 0x0000, not 0xA5EC (Word 6/95 or damaged)"]
    truncated = load_document(builders.make_doc("x\r")[:700], "http://x/r.doc", None)
    assert truncated.source == "doc" and truncated.errors[0].startswith("DOC could not be read")


def test_word_structure_empty_cells_within_known_width():
    _, (t,) = word_structure("a\x07b\x07\x07\x07c\x07\x07\r")
    assert [[c.text for c in r] for r in t.rows] == [["a", "b"], ["", "c"]]


def test_doc_field_codes_keep_result():
    lines, _ = word_structure("见\x13 HYPERLINK \"http://x\" \x14附件\x15。\r")
    assert lines == ["见附件。"]


@pytest.mark.parametrize(
    ("body", "url", "ctype", "kind"),
    [
        (b"%PDF-1.4 ...", "http://x/a", None, "pdf"),
        (b"<html><body>x</body></html>", "http://x/a.doc", "application/msword", "html"),
        (b"{\\rtf1\\ansi hello}", "http://x/a.doc", None, "text"),
        ("纯文本".encode(), "http://x/a.txt", None, "text"),
        (b"<!DOCTYPE html><html>", "http://x/a", None, "html"),
        (b"hello", "http://x/a.htm", None, "html"),
        (b"not a pdf", "http://x/a.pdf", "application/pdf", "text"),
    ],
)
def test_sniff_kind(body, url, ctype, kind):
    assert sniff_kind(body, url, ctype) == kind


def test_sniff_binary_kinds():
    assert sniff_kind(builders.make_doc("x\r"), "http://x/a.bin", None) == "doc"
    assert sniff_kind(builders.make_docx(["p"], [["a"]]), "", None) == "docx"
    assert sniff_kind(builders.make_xlsx({"s": [["a"]]}), "", None) == "xlsx"
    assert sniff_kind(builders.make_xls({"s": [["a"]]}), "", None) == "xls"


def test_rtf_doc_is_read_as_text():
    doc = load_document(b"{\\rtf1\\ansi{\\fonttbl}\\'d6\\'f7\\'b6\\'af\\par \\u20844? end}", "http://x/a.doc", None)
    assert doc.text.splitlines()[0] == "主动"


def test_binary_garbage_promised_as_pdf_is_a_corrupt_pdf():
    doc = load_document(b"\x00\x01\x02garbage\xff", "http://x/r.pdf", "application/pdf")
    assert doc.source == "pdf" and doc.errors[0].startswith("PDF could not be read")
