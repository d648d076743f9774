"""The PDF front end (pipeline.extract.pdf) and the word-grid reader (pipeline.extract.wordtables).

Real pages printed to PDF by Chromium (../shared/fixtures/real/rendered, skipped when absent) are scored
against their keys cell by cell; PDFs laid out here by reportlab (the sample web's writer) check tables
that break across pages with repeated headers and row spans cut by the break; synthetic words check the
unruled-table reader the OCR front end shares.
"""

from __future__ import annotations

import io
from functools import lru_cache

import pytest

from conftest import real_fixture, real_key
from pipeline.extract import extract
from pipeline.extract.layout import Word
from pipeline.extract.pdf import load_pdf, norm_text
from pipeline.extract.wordtables import group_lines, join_line, word_tables
from pipeline.limits import LimitExceeded, Limits
from scraper.sampleweb.pdfwriter import make_pdf
from scraper.sampleweb.report_doc import Block

TABLE_PREFIXES = ("apps.", "review.", "suit.", "proactive.rules.", "proactive.normative.", "proactive.licensing.",
                  "proactive.other_services.", "proactive.penalty.", "proactive.coercion.", "proactive.fees.",
                  "proactive.procurement.")
#: cells right of each printed page's table cells, as measured (the goal is all of them)
RENDERED = {"pingtan_2018": (3, 3), "pingtan_2019": (199, 199), "pingtan_2021": (201, 201),
            "pingtan_2023": (201, 201), "shuyang_fgj_2023": (76, 76)}
#: report fields a printed page cannot carry: the page's own address and the site code of its <meta> tags
NOT_PRINTED = {"url", "site_id_code"}


@lru_cache(maxsize=8)
def _score(name: str):
    body = real_fixture(f"rendered/{name}.pdf").read_bytes()
    key = real_key(f"{name}.key.json")
    ex = extract(body, f"http://x/{name}.pdf", "application/pdf")
    cells = {k: v for k, v in key["metrics"].items() if k.startswith(TABLE_PREFIXES)}
    right = sum(ex.metrics.get(k) == v for k, v in cells.items())
    wrong = {k: (v, ex.metrics[k]) for k, v in cells.items() if k in ex.metrics and ex.metrics[k] != v}
    spurious = [k for k in ex.metrics if k not in key["metrics"] and not k.startswith("extra.")]
    return ex, key, right, len(cells), wrong, spurious


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_rendered_pdf_table_cells(name):
    ex, key, right, total, wrong, spurious = _score(name)
    assert (right, total) == RENDERED[name]
    assert wrong == {} and spurious == []
    assert ex.errors == []


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_rendered_pdf_report_fields(name):
    """Title, year, publisher, issuer and the published date printed in the page's header or menus."""
    ex, key, *_ = _score(name)
    diffs = {f: (v, ex.fields.get(f)) for f, v in key.items()
             if f not in ("source", "notes", "metrics", *NOT_PRINTED) and ex.fields.get(f) != v}
    assert diffs == {}
    assert ex.fields["published"] == key["published"]


def test_rendered_pdf_blank_cells_stay_missing():
    """沭阳's blank organisation columns, printed inside the site's bordered content box, are blank, not 0."""
    ex, key, *_ = _score("shuyang_fgj_2023")
    note = next(n for n in key["notes"] if n.startswith("blank cells"))
    assert sorted(ex.blank_cells) == sorted(k.strip() for k in note.split(":", 1)[1].split(","))
    assert ex.fields["index_no"] == "014314799/2024-00002"


#: the same pages read from their words alone, rulings ignored: what an unruled PDF or an OCR'd scan gives the
#: word-grid reader (cells right of the key's cells; none wrong, none spurious)
UNRULED = {"pingtan_2019": (160, 199), "pingtan_2021": (160, 201), "pingtan_2023": (170, 201),
           "shuyang_fgj_2023": (22, 76)}


@pytest.mark.parametrize("name", sorted(UNRULED))
def test_word_grid_alone_on_rendered_pdf_words(name):
    from pipeline.extract.metadata import extract_fields
    from pipeline.extract.model import Extraction
    from pipeline.extract.tables import extract_tables

    doc = load_pdf(real_fixture(f"rendered/{name}.pdf").read_bytes())
    key = real_key(f"{name}.key.json")
    doc.tables = word_tables(doc.words)
    ex = Extraction()
    ex.fields.update(extract_fields(doc))
    extract_tables(doc, ex)
    cells = {k: v for k, v in key["metrics"].items() if k.startswith(TABLE_PREFIXES)}
    right = sum(ex.metrics.get(k) == v for k, v in cells.items())
    assert (right, len(cells)) == UNRULED[name]
    assert {k: ex.metrics[k] for k in cells if k in ex.metrics and ex.metrics[k] != cells[k]} == {}
    assert [k for k in ex.metrics if k not in key["metrics"] and not k.startswith("extra.")] == []


def test_rendered_pdf_words_and_lines():
    doc = load_pdf(real_fixture("rendered/pingtan_2021.pdf").read_bytes())
    assert doc.pages == 9 and len(doc.words) > 500
    assert all(w.source == "pdf" and 0 <= w.page < 9 for w in doc.words)
    # a Latin digit run in another font stays on its CJK line
    assert "2021年，我区以习近平新时代中国特色社会主义思想为指导" in doc.text
    assert "时间：2022-02-08" in doc.chrome_text
    assert "⼀" not in doc.text and "⺠" not in doc.text  # Kangxi/radical code points mapped


def test_kangxi_radicals_map_but_full_width_punctuation_stays():
    assert norm_text("⼀、⼈⺠（⼆）：") == "一、人民（二）："


# -- PDFs laid out by reportlab -----------------------------------------------------------------------------


def _long_table_pdf(n: int = 120) -> bytes:
    head = [("项目", 1, 1), ("本年数量", 1, 1), ("上年数量", 1, 1)]
    rows = [head] + [[(f"第{i}项统计内容（说明文字较长需要换行显示）", 1, 1), (str(i), 1, 1), (str(2 * i), 1, 1)]
                     for i in range(1, n + 1)]
    return make_pdf([Block("title", "表格测试"), Block("p", "说明。"), Block("table", rows=rows, name="x")])


def test_table_across_pages_is_one_table_without_repeated_headers():
    doc = load_pdf(_long_table_pdf())
    assert doc.pages >= 3
    [table] = [t for t in doc.tables if len(t.rows) > 5]
    texts = [[c.text for c in r] for r in table.rows]
    assert texts[0] == ["项目", "本年数量", "上年数量"]
    assert len(texts) == 121 and sum(r == texts[0] for r in texts) == 1
    assert texts[1] == ["第1项统计内容（说明文字较长需要换行显示）", "1", "2"]
    assert texts[120] == ["第120项统计内容（说明文字较长需要换行显示）", "120", "240"]


def test_row_spans_cut_by_page_breaks_are_one_cell_each():
    """Chromium prints table 三 of 平潭 2021 over three pages; its label cells span rows across the breaks,
    drawn without a border at the break."""
    doc = load_pdf(real_fixture("rendered/pingtan_2021.pdf").read_bytes())
    spans = [(c.text.replace(" ", ""), c.rowspan) for t in doc.tables for r in t.rows for c in r if c.rowspan > 2]
    assert spans == [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3), ("三、本年度办理结果", 22),
                     ("（三）不予公开", 8), ("（四）无法提供", 3), ("（五）不予处理", 5), ("（六）其他处理", 3)]


def test_repeated_header_of_three_rows_with_spans_is_dropped():
    head = [[("项目", 3, 1), ("申请人情况", 1, 3)], [("自然人", 2, 1), ("法人或其他组织", 1, 2)],
            [("商业企业", 1, 1), ("其他", 1, 1)]]
    rows = head + [[(f"第{i}项", 1, 1), (str(i), 1, 1), (str(i + 1), 1, 1), (str(i + 2), 1, 1)] for i in range(1, 90)]
    doc = load_pdf(make_pdf([Block("p", "说明。\n" * 30), Block("table", rows=rows, name="x")]))
    assert doc.pages >= 2
    [table] = doc.tables
    texts = [[(c.text, c.rowspan, c.colspan) for c in r] for r in table.rows]
    assert texts[:4] == [[("项目", 3, 1), ("申请人情况", 1, 3)], [("自然人", 2, 1), ("法人或其他组织", 1, 2)],
                         [("商业企业", 1, 1), ("其他", 1, 1)], [("第1项", 1, 1), ("1", 1, 1), ("2", 1, 1), ("3", 1, 1)]]
    assert len(texts) == 92 and texts[-1][0] == ("第89项", 1, 1)


def _printed_page_pdf(url: str) -> bytes:
    """A long ruled table printed as a browser prints a page: date and title on top, address and page number
    at the bottom of every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from scraper.sampleweb.pdfwriter import FONT, _styles, _table

    make_pdf([Block("p", "x")])  # registers the CID font
    rows = [[("项目", 1, 1), ("本年数量", 1, 1), ("上年数量", 1, 1)]]
    rows += [[(f"第{i}项", 1, 1), (str(i), 1, 1), (str(i + 1), 1, 1)] for i in range(1, 101)]

    def running(canvas, doc):
        canvas.setFont(FONT, 8)
        canvas.drawString(30, A4[1] - 20, "2026/12/4 03:41  某某区政府信息公开工作年度报告")
        canvas.drawString(30, 15, url)
        canvas.drawString(A4[0] - 60, 15, f"{doc.page}/3")

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, topMargin=45, bottomMargin=45, invariant=1)
    doc.build([_table(Block("table", rows=rows), _styles(), doc.width)], onFirstPage=running, onLaterPages=running)
    return buf.getvalue()


def test_running_header_and_footer_of_a_printed_page():
    url = "https://www.example.gov.cn/zwgk/nb/t20240101_1.html"
    doc = load_pdf(_printed_page_pdf(url))
    assert doc.pages >= 2
    [table] = doc.tables
    assert len(table.rows) == 101 and [c.text for c in table.rows[-1]] == ["第100项", "100", "101"]
    assert f"URL：{url}" in doc.chrome_text
    assert url not in doc.text and "某某区" not in doc.text and "第100项 100 101" in doc.text


def test_sample_writer_is_deterministic_and_cjk():
    a, b = _long_table_pdf(10), _long_table_pdf(10)
    assert a == b and b"STSong-Light" in a


def test_corrupt_encrypted_and_too_long_pdfs():
    body = _long_table_pdf()
    doc = load_pdf(body[: len(body) // 3])
    assert doc.errors and "\n" not in doc.errors[0] and doc.errors[0].startswith("PDF")
    assert load_pdf(b"%PDF-1.4 not really").errors
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(body)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    doc = load_pdf(out.getvalue())
    assert doc.errors == ["PDF is encrypted (a password is needed to read it)"] and doc.words == []
    with pytest.raises(LimitExceeded, match="pages of a PDF"):
        load_pdf(body, Limits(max_pages=1))
    with pytest.raises(LimitExceeded, match="seconds"):
        load_pdf(body, Limits(max_seconds=0.0))


# -- positioned words -> unruled tables -----------------------------------------------------------------------


def _w(text, x0, top, x1=None, h=10.0, page=0):
    return Word(text, x0, top, x1 if x1 is not None else x0 + 10 * len(text), top + h, page=page, source="ocr")


def test_lines_keep_a_raised_digit_run_on_its_line():
    words = [_w("全年共", 50, 100), _w("2645", 80, 98.5, 104), _w("条", 105, 100), _w("下一行", 50, 120)]
    lines = group_lines(words)
    assert [join_line(ln) for ln in lines] == ["全年共2645条", "下一行"]


def test_word_table_with_header_wrapped_label_and_blank_cell():
    words = [
        _w("信息内容", 50, 100), _w("本年制发", 200, 100), _w("本年废止", 280, 100), _w("现行有效", 360, 100),
        _w("规章", 50, 120), _w("0", 220, 120), _w("1", 300, 120), _w("5", 380, 120),
        # a label wrapped over two lines, its values printed beside the middle of the cell
        _w("行政规范性", 50, 140), _w("69", 215, 146), _w("3", 300, 146), _w("665", 375, 146),
        _w("文件", 50, 152),
        _w("其他文件", 50, 172), _w("7", 220, 172), _w("8", 380, 172),
    ]
    [table] = word_tables(words)
    rows = [[c.text for c in r] for r in table.rows]
    assert rows == [["信息内容", "本年制发", "本年废止", "现行有效"],
                    ["规章", "0", "1", "5"],
                    ["行政规范性文件", "69", "3", "665"],
                    ["其他文件", "7", "", "8"]]


def test_word_table_spanning_header_and_prose_outside():
    words = [
        _w("这是一段很长的正文，不属于表格，宽度超过了整个表格的范围因此不算", 50, 60),
        _w("申请人情况", 230, 100, 380),
        _w("自然人", 210, 115), _w("企业", 290, 115), _w("总计", 360, 115),
        _w("一、本年新收", 50, 135), _w("64", 215, 135), _w("2", 295, 135), _w("66", 365, 135),
        _w("二、上年结转", 50, 150), _w("0", 220, 150), _w("1", 300, 150), _w("1", 370, 150),
    ]
    [table] = word_tables(words)
    assert [(c.text, c.colspan) for c in table.rows[0]] == [("", 1), ("申请人情况", 3)]
    assert [c.text for c in table.rows[1]] == ["", "自然人", "企业", "总计"]
    assert [c.text for c in table.rows[3]] == ["二、上年结转", "0", "1", "1"]


def test_word_table_columns_follow_the_header_when_columns_are_blank():
    """Columns nobody filled print no value: the header's own columns place the values that are there."""
    words = [
        _w("申请人情况", 260, 85, 420),
        _w("自然人", 200, 100), _w("商业", 250, 100), _w("企业", 250, 111), _w("社", 300, 100), _w("会", 312, 100),
        _w("其他", 350, 100), _w("总计", 400, 100),
        _w("一、本年新收", 50, 130), _w("26", 205, 130), _w("26", 405, 130),
        _w("二、上年结转", 50, 145), _w("0", 210, 145), _w("0", 410, 145),
    ]
    [table] = word_tables(words)
    rows = [[c.text for c in r] for r in table.rows]
    assert rows[-3:] == [["", "自然人", "商业企业", "社会", "其他", "总计"],
                         ["一、本年新收", "26", "", "", "", "26"],
                         ["二、上年结转", "0", "", "", "", "0"]]
    assert [(c.text, c.colspan) for c in table.rows[0]] == [("", 1), ("", 1), ("申请人情况", 4)]
