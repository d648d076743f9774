"""HTML loading: charset sniffing, truncated pages, body text, header pairs, report fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract import extract, sniff_kind
from pipeline.extract.html import decode_html, load_html
from pipeline.extract.metadata import header_from_lines, parse_date

HTML = Path(__file__).resolve().parent / "fixtures" / "html"


def page(name: str) -> bytes:
    return (HTML / name).read_bytes()


# ------------------------------------------------------------------------------------------ charset

def test_gbk_page_declared_utf8_is_sniffed():
    body = page("gbk_wrong_charset.html")
    assert b'charset="utf-8"' in body
    text, codec = decode_html(body, "text/html; charset=utf-8")
    assert codec == "gb18030"
    assert "测试县2021年政府信息公开工作年度报告" in text


def test_utf8_page_declared_gbk_stays_utf8():
    body = '<html><head><meta charset="gb2312"></head><body><p>平潭综合实验区</p></body></html>'.encode()
    text, codec = decode_html(body)
    assert codec == "utf-8" and "平潭综合实验区" in text


def test_declared_gbk_is_used_and_bom_wins():
    gbk = '<meta http-equiv="Content-Type" content="text/html; charset=GBK"><p>阜阳市</p>'.encode("gbk")
    assert decode_html(gbk)[1] == "gb18030"
    assert "阜阳市" in decode_html(gbk)[0]
    bom = b"\xef\xbb\xbf" + "<p>沭阳县</p>".encode()
    assert decode_html(bom, "text/html; charset=gbk") == ("<p>沭阳县</p>", "utf-8")


def test_http_header_charset_used_when_bytes_fit():
    body = "<p>索引号</p>".encode("gb18030")
    assert decode_html(body, "text/html;charset=gb2312")[0] == "<p>索引号</p>"


# ------------------------------------------------------------------------------------------ loading

def test_truncated_page_loads_what_is_there():
    body = page("truncated.html")
    assert body.rstrip().endswith("法".encode()[:2])  # cut inside a character, inside table 四
    doc = load_html(body)
    assert doc.errors == []
    assert len(doc.tables) == 3
    ex = extract(body)
    assert ex.tables == ["二", "三"]
    assert ex.metrics["apps.new.total"] == 13
    assert ex.metrics["proactive.fees.amount_10k_yuan"] == 12.5
    assert not any(k.startswith("review.") for k in ex.metrics)
    assert ex.errors == []


@pytest.mark.parametrize("body", [b"", b"   ", b"<html", b"\x00\x00\x00", b"<html><body></body></html>"])
def test_empty_or_broken_pages_do_not_crash(body):
    ex = extract(body, "http://example.gov.cn/a.html", "text/html")
    assert ex.kind == "not_report"
    assert ex.metrics == {}


def test_body_container_text_and_chrome():
    doc = load_html(page("header_list.html"))
    assert doc.text.startswith("本报告所列数据的统计期限自2019年1月1日起")
    assert "首页" not in doc.text
    assert "来源：测试县政务公开办" in doc.chrome_text
    assert doc.headings[0] == "测试县2019年度政府信息公开工作年度报告"


def test_largest_block_fallback_and_links_and_images():
    body = """<html><body><div id="nav"><a href="/">首页</a></div>
    <div class="foo"><p>第一段很长的正文内容，超过二十个字符的一段话。</p><p>第二段<a href="../fj/W020.pdf">附件1</a></p>
    <p><img src="a.png"><img src="b.png"></p></div></body></html>""".encode()
    doc = load_html(body, "http://www.x.gov.cn/col/2021/t1.html")
    assert doc.text.split("\n")[0] == "第一段很长的正文内容，超过二十个字符的一段话。"
    assert ("http://www.x.gov.cn/col/fj/W020.pdf", "附件1") in doc.links
    assert doc.images == 2
    ex = extract(body, "http://www.x.gov.cn/col/2021/t1.html")
    assert ex.attachments == [{"url": "http://www.x.gov.cn/col/fj/W020.pdf", "name": "附件1"}]


def test_inline_tags_join_and_blocks_break():
    doc = load_html("<div id='zoom'><p>共<span>2</span><span>0</span><font>23</font>件</p><p>第二行<br>第三行</p></div>"
                    .encode())
    assert doc.text == "共2023件\n第二行\n第三行"


# ------------------------------------------------------------------------------------------ header / fields

def test_header_table_label_variants():
    ex = extract(page("gbk_wrong_charset.html"))
    f = ex.fields
    assert f["title"] == "测试县2021年政府信息公开工作年度报告"
    assert f["index_no"] == "11330000002482/2022-00031"
    assert f["category"] == "政府信息公开年报"
    assert f["issuer"] == "测试县人民政府办公室"  # 发文机关
    assert f["published"] == "2022-01-25"  # 发布日期 beats 成文日期
    assert f["doc_no"] is None  # "/"
    assert f["keywords"] == "年报 公开"
    assert f["year"] == 2021 and f["publisher"] == "测试县"
    assert f["site_id_code"] == "9999000001" and f["site_name"] == "测试县人民政府"


def test_header_list_and_source_line():
    f = extract(page("header_list.html"), "http://www.test.gov.cn/nb/2020/t1.html").fields
    assert f["index_no"] is None  # printed "/"
    assert f["category"] == "年度报告"  # 组配分类
    assert f["published"] == "2020-03-05"  # 公开日期 beats 生成日期
    assert f["doc_no"] == "测政办〔2020〕3号"
    assert f["issuer"] == "测试县政务公开办"  # 发布机构 empty -> 来源 line
    assert f["title"] == "测试县2019年度政府信息公开工作年度报告"  # h1, not the <title> "首页"
    assert f["url"] == "http://www.test.gov.cn/nb/2020/t1.html"
    assert f["column_name"] is None


def test_header_from_text_lines_with_spaced_labels():
    text = ("索  引 号: / 信息分类: 信息公开年报\n发布机构: 阜阳市人民政府(办公室) 生成日期: 2019-03-27\n"
            "文       号: 发文日期: 2019-03-27\n名\u3000\u3000称: 阜阳市2018年政府信息公开工作报告 信息来源: 阜阳市")
    h = header_from_lines(text)
    assert h["索引号"] == "/"
    assert h["信息分类"] == "信息公开年报"
    assert h["发布机构"] == "阜阳市人民政府(办公室)"
    assert h["生成日期"] == "2019-03-27"
    assert h["文号"] == ""
    assert h["名称"] == "阜阳市2018年政府信息公开工作报告"
    assert h["信息来源"] == "阜阳市"


def test_year_from_period_not_from_publication_date():
    body = ("<html><head><title>关于本机关政务公开的说明</title></head><body><div id='zoom'>"
            "<p>本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。</p>"
            "<p>发布日期：2021-03-01</p></div></body></html>").encode()
    ex = extract(body)
    assert ex.fields["year"] == 2020
    assert ex.kind == "not_report"


@pytest.mark.parametrize(("text", "date"), [("2022-02-08 16:34", "2022-02-08"), ("2019年3月7日", "2019-03-07"),
                                             ("2020/1/2", "2020-01-02"), ("无", None)])
def test_parse_date(text, date):
    assert parse_date(text) == date


@pytest.mark.parametrize(("body", "url", "ct", "kind"), [
    (b"%PDF-1.4 ...", "", None, "pdf"),
    (b"PK\x03\x04....word/document.xml", "", None, "docx"),
    (b"PK\x03\x04....xl/workbook.xml", "", None, "xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.doc", None, "doc"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", None, "xls"),
    (b"<!DOCTYPE html><html>", "a.pdf", "application/pdf", "html"),
    ("本报告根据条例编制".encode(), "", "text/plain", "text"),
    ("本报告根据条例编制".encode(), "x/report.txt", None, "text"),
])
def test_sniff_kind(body, url, ct, kind):
    assert sniff_kind(body, url, ct) == kind


def test_bytes_no_charset_fits_are_a_recorded_error_not_silent_mojibake():
    good = "<html><body><p>青石县2023年政府信息公开工作年度报告</p></body></html>".encode("gbk")
    assert load_html(good, "http://x.gov.cn/a.html", "text/html; charset=utf-8").errors == []  # sniffed as GB18030
    broken = good[:-20] + b"\xff\x80\xff" + good[-20:]
    doc = load_html(broken, "http://x.gov.cn/a.html", "text/html; charset=gbk")
    assert doc.errors == ["charset: 3 byte sequence(s) fit no charset: the page's bytes do not match any charset "
                          "tried (gb18030, utf-8); shown as U+FFFD, read as gb18030"]
    assert "青石县2023年" in doc.text
    errors: list[str] = []
    assert decode_html("<p>\ufffd</p>".encode(), None, errors) == ("<p>\ufffd</p>", "utf-8") and errors == []
