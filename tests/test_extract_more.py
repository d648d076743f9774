"""Formats met on real pages of other sites (written as small synthetic pages, never the pages themselves):

- the article shipped as a JS string that a script writes into an empty <div> (上海 2019:
  `let content = "<p …>…<table align=\\"center\\">…"`): the string is the body;
- the report title and the date printed as the first lines of the body, not in a header
  (`<p>2019年…年度报告</p><p>发布日期：2020-01-31</p>`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.extract import extract

HTML = Path(__file__).resolve().parent / "fixtures" / "html"


def _body_of(name: str) -> str:
    """The inner HTML of the TRS_Editor body of one of our synthetic pages."""
    page = (HTML / name).read_text("utf-8")
    m = re.search(r'<div class="TRS_Editor">(.*)</div>', page, re.S)
    assert m
    return m.group(1)


def _js_page(content: str, quote: str = '"', title: str = "测试县2019年政府信息公开工作年度报告_年报_测试县人民政府") -> bytes:
    literal = json.dumps(content, ensure_ascii=False) if quote == '"' else \
        "'" + content.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<script>let menu = [{{"id": "1", "name": "政府信息公开年报"}}]</script></head>
<body><div class="header">首页 信息公开</div><div id="app"></div>
<script>
let content = {literal}
document.getElementById("app").innerHTML = content
</script></body></html>""".encode()


def test_report_in_a_js_string_is_read_like_the_page():
    inner = _body_of("format2019.html")
    plain = extract((HTML / "format2019.html").read_bytes())
    for quote in ('"', "'"):
        ex = extract(_js_page(inner, quote))
        assert ex.kind == "report"
        assert ex.tables == plain.tables == ["二", "三", "四"]
        assert ex.metrics == plain.metrics
        assert ex.fields["year"] == 2019
    # a page that is only a menu script stays a non-report page
    assert extract(_js_page("", title="测试市人民政府")).tables == []


def test_js_string_ignored_when_the_page_has_its_own_body():
    page = (HTML / "format2019.html").read_text("utf-8").replace(
        "</body>", '<script>var tip = "<p>政府信息公开</p><table><tr><td>1</td></tr></table>' + "x" * 300
        + '";</script></body>')
    assert extract(page.encode()).metrics == extract((HTML / "format2019.html").read_bytes()).metrics


def test_title_and_date_on_the_first_lines_of_the_body():
    inner = _body_of("format2019.html")
    head = ("<p style='text-align: center;font-weight: bold;'>2019年测试市人民政府办公厅政府信息公开工作年度报告</p>\t"
            "<p style='text-align: center'>发布日期：2020-01-31</p>")
    ex = extract(_js_page(head + inner, title="测试市人民政府"))
    assert ex.fields["title"] == "2019年测试市人民政府办公厅政府信息公开工作年度报告"
    assert ex.fields["publisher"] == "测试市人民政府办公厅"
    assert ex.fields["published"] == "2020-01-31"
    # a date deeper in the text (a deadline, a meeting) is not the publication date
    late = "<p>一</p><p>二</p><p>三</p><p>四</p><p>五</p><p>六</p><p>发布日期：2020-01-31</p>"
    page = (HTML / "format2019.html").read_text("utf-8").replace('<div class="TRS_Editor">',
                                                                  '<div class="TRS_Editor">' + late)
    assert extract(page.encode()).fields["published"] is None
