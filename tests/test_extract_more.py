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


#: a site menu longer than the short report lines (the empty article <div> is not the largest text block)
_NAV = "".join(f"<p><a href='/c{i}'>栏目{i} 政府信息公开 政策文件 法定主动公开内容 政府信息公开年报</a></p>" for i in range(30))


def _js_page(content: str, quote: str = '"', title: str = "测试县2019年政府信息公开工作年度报告_年报_测试县人民政府") -> bytes:
    literal = json.dumps(content, ensure_ascii=False) if quote == '"' else \
        "'" + content.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<script>let menu = [{{"id": "1", "name": "政府信息公开年报"}}]</script></head>
<body><div class="header">{_NAV}</div><div id="app"></div>
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


# ------------------------------------------------------------------- Markdown pipe tables in text

def _markdown(name: str) -> str:
    """One of our synthetic HTML pages as a PDF-to-Markdown converter prints it: paragraphs as lines,
    each table as `| … |` rows on a grid (a merged cell printed once, then empty), a `|---|` rule."""
    from pipeline.extract.html import load_html

    doc = load_html((HTML / name).read_bytes())
    out = [doc.page_title.split("_")[0], ""]
    tables = iter(doc.tables)
    in_table = False
    for line in doc.text.split("\n"):
        if in_table and not (line.startswith(("三、", "四、", "五、")) and "情况" in line):
            continue  # the table's own cell text, printed by the converter only as the table
        in_table = False
        if line.startswith(("二、", "三、", "四、")) and "情况" in line:
            out += [line, ""]
            table = next(tables)
            width = max(sum(c.colspan for c in row) for row in table.rows)
            pending: dict[int, int] = {}
            for r, row in enumerate(table.rows):
                grid, col, cells = [""] * width, 0, iter(row)
                while col < width:
                    if pending.get(col, 0) > 0:
                        pending[col] -= 1
                        col += 1
                        continue
                    cell = next(cells, None)
                    if cell is None:
                        break
                    grid[col] = cell.text
                    for k in range(cell.colspan):
                        pending[col + k] = cell.rowspan - 1
                    col += cell.colspan
                out.append("| " + " | ".join(grid) + " |")
                if r == 0:
                    out.append("|" + "---|" * width)
            out.append("")
            in_table = True
        else:
            out.append(line)
    return "\n".join(out)


def test_markdown_pipe_tables_are_tables():
    md = _markdown("format2019.html")
    assert "| 规章 | 0 | 0 | 3 |" in md and "|---|" in md
    ex = extract(md.encode(), "report.md", "text/markdown")
    html = extract((HTML / "format2019.html").read_bytes())
    assert ex.tables == ["二", "三", "四"]
    table_keys = {k: v for k, v in html.metrics.items() if html.provenance[k].source == "table"}
    assert {k: ex.metrics.get(k) for k in table_keys} == table_keys


def test_pipe_lines_that_are_not_tables():
    from pipeline.extract.documents import pipe_tables

    assert pipe_tables(["说明 | 见附件", "| 单独一格 |", "正文"]) == []
    (t,) = pipe_tables(["## 表二：主动公开政府信息情况", "| 信息内容 | 本年制发件数 |", "|:---|---:|", "| 规章 | 3 |"])
    assert t.caption == "表二：主动公开政府信息情况"
    assert [[c.text for c in row] for row in t.rows] == [["信息内容", "本年制发件数"], ["规章", "3"]]


# ------------------------------------------------------------------ titles with typesetting spaces

def test_title_spaces_between_chinese_and_digits_are_dropped():
    text = ("宿迁市 2025 年政府信息公开工作年度报告\n\n一、总体情况\n2025 年，我市持续推进政务公开工作。\n"
            "本报告中所列数据统计期限为 2025 年 1 月 1 日至 12 月 31 日。\n").encode()
    ex = extract(text, "report.txt", "text/plain")
    assert ex.fields["title"] == "宿迁市2025年政府信息公开工作年度报告"
    assert ex.fields["publisher"] == "宿迁市" and ex.fields["year"] == 2025
    # a space after a Latin word stays
    page = ("<html><head><title>ABC Park 2021年政府信息公开工作年度报告</title></head><body><div id='zoom'>"
            "<p>一、总体情况</p><p>本年度共收到申请0件。</p></div></body></html>").encode()
    assert extract(page).fields["title"] == "ABC Park 2021年政府信息公开工作年度报告"


# ------------------------------------------------------------- table 二 glued in flattened text
# (the cases are folders: tests/cases/t2_2021_glued_text, tests/cases/t2_2019_glued_text)

def test_signed_cuts_put_the_minus_on_the_change_column():
    from pipeline.extract.textfallback import _signed_cuts

    keys = ("x.prev_items", "x.change", "x.decisions")
    assert _signed_cuts("5-1 9", keys) == [[5, -1, 9]]
    assert _signed_cuts("-5 1 9", keys) == []          # a negative 上一年项目数量 is no cut
    assert [5, -18, 538] in _signed_cuts("5-18538", keys)


# ----------------------------------------------------- legacy Fujian 统计表 glued into the page text

_FLAT_LEGACY = (
    "测试县人民政府2015年度政府信息公开工作年度报告\n"
    "本报告所列数据的统计期限自2015年1月1日起至2015年12月31日。一、概述 2015年，我县全面推进政府信息公开工作。"
    "二、主动公开政府信息情况 2015年全县主动公开政府信息425条。三、政府信息依申请公开工作情况 2015年全县受理政府信息公开申请3件。"
    " 七、测试县政府信息公开情况统计表 指标名称计量单位2015年度历年累计主动公开信息数条4251516其中：1、网站公开数条"
    "41815092、政府公报公开数条77受理依申请公开信息总数条39其中：1、当面申请数条262、网上申请数条13对申请的答复总数条39"
    "其中：1、同意公开答复数条282、同意部分公开答复数条01行政复议数件00行政诉讼数件00\n"
)


def test_flattened_fujian_statistics_table():
    ex = extract(_FLAT_LEGACY.encode(), "r.txt", "text/plain")
    m = ex.metrics
    assert ex.fields["format"] == "legacy"
    # unique cuts (year ≤ cumulative, no leading zeros): "39" -> 3|9, "26" -> 2|6, "01" -> 0|1, "00" -> 0|0
    assert m["apps.new.total"] == 3
    assert (m["legacy.apps.in_person"], m["legacy.apps.online"]) == (2, 1)
    assert (m["legacy.answers.total"], m["legacy.answers.disclosed"], m["legacy.answers.partial"]) == (3, 2, 0)
    assert (m["review.total"], m["suit.total"]) == (0, 0)
    assert ex.provenance["legacy.apps.in_person"].source == "text"
    # "4251516" cuts as 4|251516, 42|51516, 425|1516: the prose names 425条, so that cut is kept;
    # "4181509" (网站公开) stays out: no prose names 4/41/418条
    assert m["proactive.total"] == 425 and "统计表" in ex.provenance["proactive.total"].where
    ambiguous = _FLAT_LEGACY.replace("主动公开政府信息425条", "主动公开政府信息若干条")
    assert "proactive.total" not in extract(ambiguous.encode(), "r.txt", "text/plain").metrics


def test_a_share_of_the_proactive_total_is_not_the_total():
    text = ("测试县人民政府2011年政府信息公开工作年度报告\n一、概述\n二、主动公开政府信息情况\n"
            "2011年制作、获取政府信息总数1873条，其中主动公开政府信息425条。县直各单位主动公开政府信息303条，占71.3%。"
            "各乡镇主动公开政府信息122条，占28.7%。\n")
    assert "proactive.total" not in extract(text.encode(), "r.txt", "text/plain").metrics
    text2 = text + "全年共主动公开政府信息425条，同比增长5%。\n"
    assert extract(text2.encode(), "r.txt", "text/plain").metrics["proactive.total"] == 425


def test_spaced_statistics_table_in_text():
    from pipeline.extract.legacytable import flat_table

    spaced = ("六、测试区政府信息公开情况统计表 指标名称 计量单位 2014年度 历年累计 主动公开文件数 条 2543 78967 "
              "其中：1、政府网站公开数 条 2543 78967 受理依申请公开信息总数 条 1 1 行政复议数 件 0 0 附件下载")
    table = flat_table(spaced)
    assert [[c.text for c in row] for row in table.rows[1:]] == [
        ["主动公开文件数", "条", "2543", "78967"], ["其中：1、政府网站公开数", "条", "2543", "78967"],
        ["受理依申请公开信息总数", "条", "1", "1"], ["行政复议数", "件", "0", "0"]]
    ex = extract(("测试区2014年度政府信息公开工作年度报告\n一、概述\n" + spaced).encode(), "r.txt", "text/plain")
    assert (ex.metrics["proactive.total"], ex.metrics["apps.new.total"], ex.metrics["review.total"]) == (2543, 1, 0)


# ------------------------------------------------------------------ section headings inside long lines

def test_sections_found_in_flattened_text():
    from pipeline.extract.tables import find_sections

    flat = ("测试区2020年政府信息公开工作年度报告 本报告包括总体情况、主动公开政府信息情况等六个部分。一、总体情况2020年，"
            "我区持续推进政务公开。二、主动公开政府信息情况 第二十条第（一）项…政府集中采购12345.00元三、收到和处理政府信息公开"
            "申请情况（本列数据的勾稽关系为…）一、本年新收政府信息公开申请数量200 000121三、本年度办理结果（一）予以公开6000017"
            "四、结转下年度继续办理 0 0 0 0 0 0 0 四、政府信息公开行政法复议、行政诉讼情况行政复议… 000 五、存在的主要问题及改进情况"
            "（一）存在的主要问题。六、其他需要报告的事项 无。")
    assert find_sections(flat) == ["一", "二", "三", "四", "五", "六"]
    # the wordings of the intro sentence (四) and of the Hangzhou template (五)
    variant = flat.replace("四、政府信息公开行政法复议、行政诉讼情况", "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况").replace(
        "五、存在的主要问题及改进情况", "五、存在问题及改进情况")
    assert find_sections(variant) == ["一", "二", "三", "四", "五", "六"]
    # table rows numbered 一、…四、 are not headings
    rows_only = "一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1 二、上年结转政府信息公开申请数量 0 四、结转下年度继续办理 0"
    assert find_sections(rows_only) == []


# --------------------------------------------------------- table 三 (2021): item 3 of （六）其他处理

#: (label cells before the values, six applicant values); totals are their sums; balances (12+1 = 11+2)
_T3_2021 = [
    (['<td colspan="3">一、本年新收政府信息公开申请数量</td>'], [9, 2, 0, 0, 1, 0]),
    (['<td colspan="3">二、上年结转政府信息公开申请数量</td>'], [1, 0, 0, 0, 0, 0]),
    (['<td rowspan="22">三、本年度办理结果</td>', '<td colspan="2">（一）予以公开</td>'], [4, 1, 0, 0, 0, 0]),
    (['<td colspan="2">（二）部分公开（区分处理的，只计这一情形，不计其他情形）</td>'], [1, 0, 0, 0, 0, 0]),
    *[([f'<td rowspan="8">（三）不予公开</td><td>{i}.{t}</td>' if i == 1 else f"<td>{i}.{t}</td>"], [0] * 6)
      for i, t in enumerate(["属于国家秘密", "其他法律行政法规禁止公开", "危及“三安全一稳定”", "保护第三方合法权益",
                             "属于三类内部事务信息", "属于四类过程性信息", "属于行政执法案卷", "属于行政查询事项"], 1)],
    (['<td rowspan="3">（四）无法提供</td><td>1.本机关不掌握相关政府信息</td>'], [2, 0, 0, 0, 1, 0]),
    (["<td>2.没有现成信息需要另行制作</td>"], [0] * 6),
    (["<td>3.补正后申请内容仍不明确</td>"], [0] * 6),
    *[([f'<td rowspan="5">（五）不予处理</td><td>{i}.{t}</td>' if i == 1 else f"<td>{i}.{t}</td>"], [0] * 6)
      for i, t in enumerate(["信访举报投诉类申请", "重复申请", "要求提供公开出版物", "无正当理由大量反复申请",
                             "要求行政机关确认或重新出具已获取信息"], 1)],
    (['<td rowspan="3">（六）其他处理</td><td>1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请</td>'], [1, 0, 0, 0, 0, 0]),
    (["<td>2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请</td>"], [0] * 6),
    (["<td>{misc}</td>"], [1, 1, 0, 0, 0, 0]),
    (['<td colspan="2">（七）总计</td>'], [9, 2, 0, 0, 1, 0]),
    (['<td colspan="3">四、结转下年度继续办理</td>'], [1, 0, 0, 0, 0, 0]),
]


def _page_2021(misc_label: str) -> bytes:
    head = ('<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>'
            '<td colspan="7">申请人情况</td></tr><tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td>'
            '<td rowspan="2">总计</td></tr><tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td>'
            "<td>其他</td></tr>")
    rows = "".join("<tr>" + "".join(cells).replace("{misc}", misc_label)
                   + "".join(f"<td>{v}</td>" for v in [*vals, sum(vals)]) + "</tr>" for cells, vals in _T3_2021)
    return (f"<html><head><meta charset='utf-8'><title>测试镇2023年政府信息公开工作年度报告</title></head><body>"
            f"<div id='zoom'><p>三、收到和处理政府信息公开申请情况</p><table>{head}{rows}</table></div></body></html>").encode()


def test_item_other_of_group_six_in_its_variants():
    want = extract(_page_2021("3.其他")).metrics
    assert want["apps.result.other.misc.total"] == 2 and want["apps.result.total.total"] == 12
    for label in ("（3）其他", "3．其他", "3、其他处理", "3.其他处理", "其他情形"):
        got = extract(_page_2021(label)).metrics
        assert {k: v for k, v in got.items() if k.startswith("apps.")} == \
            {k: v for k, v in want.items() if k.startswith("apps.")}, label


# ------------------------------------------------------- the article's info line at the top of the body

def _legacy_page(info_line: str, intro: str = "本报告根据《中华人民共和国政府信息公开条例》要求编制。") -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>测试市测试区2016年政府信息公开工作年度报告</title></head><body>"
            f"<div class='TRS_Editor'>{info_line}<p>{intro}</p><p>一、概述</p><p>2016年，我区全面做好政府信息公开工作。</p>"
            "<p>二、主动公开政府信息情况</p><p>2016年全区主动公开政府信息1520条。</p></div></body></html>").encode()


def test_info_line_at_the_top_of_the_body():
    for line in ("<p>来源:区人民政府办公室 时间:2017-01-12 10:01</p>",
                 "<p>发布时间：2017年1月12日 来源：区人民政府办公室 浏览次数：</p>",
                 "<p>信息来源：区人民政府办公室</p><p>发布日期：2017-01-12</p>"):
        f = extract(_legacy_page(line)).fields
        assert (f["issuer"], f["published"]) == ("区人民政府办公室", "2017-01-12"), line
    # the intro's 统计时间 is not a publication date, and prose is not an info line
    f = extract(_legacy_page("", "统计时间：2016年1月1日至2016年12月31日。")).fields
    assert f["published"] is None and f["issuer"] is None


# ------------------------------------------------------------ applications received, stated in prose

def test_applications_of_service_windows_are_not_disclosure_applications():
    text = ("测试区管委会2014年度政府信息公开工作年度报告\\n一、概述\\n目前，区县已入驻审批服务部门和单位13个，开设窗口26个，"
            "共受理申请121510件。\\n二、主动公开政府信息情况\\n2014年主动公开政府信息2543条。\\n三、政府信息依申请公开工作情况\\n"
            "2014年全区收到有关政府信息公开的信函申请1条，已受理回复；未收到有关政府信息公开行政复议的申请。\\n")
    ex = extract(text.encode(), "r.txt", "text/plain")
    assert ex.metrics["apps.new.total"] == 1
    assert ex.metrics["review.total"] == 0
    # a windows sentence that is about disclosure applications still counts
    text2 = text.replace("2014年全区收到有关政府信息公开的信函申请1条，已受理回复；", "").replace(
        "共受理申请121510件", "通过服务窗口共受理政府信息公开申请7件")
    assert extract(text2.encode(), "r.txt", "text/plain").metrics["apps.new.total"] == 7


# ------------------------------------------------------------------------------------ title variants

def test_report_title_variants():
    from pipeline.titles import is_report_title, title_publisher, title_year

    cases = {
        "商务部政府信息公开工作2009年度报告": ("商务部", 2009),       # the year after the report name
        "测试市政府信息公开工作2012年度报告": ("测试市", 2012),
        "测试县人民政府办公室关于2023年政府信息公开工作年度报告": ("测试县人民政府办公室", 2023),
        "测试县政府2023年政府信息公开工作年度报告.pdf": ("测试县政府", 2023),  # an attachment's link text
    }
    for title, (publisher, year) in cases.items():
        assert is_report_title(title), title
        assert (title_publisher(title), title_year(title)) == (publisher, year), title
    for title in ("关于测试县2023年政府信息公开工作年度报告的解读", "测试县2023年政府信息公开工作年度报告解读",
                  "关于2014年政府信息公开工作要点落实情况的函", "测试市2023年政府信息公开工作年度报告.pdf下载"):
        assert not is_report_title(title), title


def test_dates_in_chinese_numerals():
    from pipeline.extract.metadata import parse_date

    assert parse_date("二○一二年二月二十日") == "2012-02-20"
    assert parse_date("成文日期：二〇二三年十二月三十一日") == "2023-12-31"
    assert parse_date("二〇二三年十月一日") == "2023-10-01"
    assert parse_date("二〇二三年十三月一日") is None
    page = ("<html><head><meta charset='utf-8'><title>测试县2023年政府信息公开工作年度报告</title></head><body>"
            "<table><tr><td>发布日期：</td><td>二〇二四年一月十七日</td></tr></table>"
            "<div id='zoom'><p>一、总体情况</p><p>2023年，我县扎实推进政务公开。</p></div></body></html>").encode()
    assert extract(page).fields["published"] == "2024-01-17"
