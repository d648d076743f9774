"""Report titles (the spider's filter and the publisher/year source) and the document kind."""

from __future__ import annotations

import pytest

from pipeline.extract import extract
from pipeline.titles import is_report_title, title_publisher, title_year

REPORTS = [
    ("平潭综合实验区2021年度政府信息公开工作年度报告", 2021, "平潭综合实验区"),
    ("上海市人民政府办公厅2019年政府信息公开工作年度报告", 2019, "上海市人民政府办公厅"),
    ("沭阳县发展和改革局2023年政府信息公开年度报告-沭阳县发改局", 2023, "沭阳县发展和改革局"),
    ("阜阳市2018年政府信息公开工作报告", 2018, "阜阳市"),
    ("应急管理部2024年政府信息公开工作报告", 2024, "应急管理部"),
    ("平潭地税局2013年信息公开年度报告", 2013, "平潭地税局"),
    ("舒兰市市场监督管理局2016年政务信息公开年度报告", 2016, "舒兰市市场监督管理局"),
    ("宿州市人民政府2019年政府信息公开工作年度报告（图片版）", 2019, "宿州市人民政府"),
    ("上海市黄浦区2022年政府信息公开工作年度报告（超链版）", 2022, "上海市黄浦区"),
    ("鄂尔多斯市2018年政府信息公开年度报告", 2018, "鄂尔多斯市"),
    ("2019年 平潭综合实验区 政府信息公开工作年度报告", 2019, "平潭综合实验区"),
    ("二〇一九年某某县政府信息公开工作年度报告", 2019, "某某县"),
    ("平潭综合实验区2021年度政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会", 2021, "平潭综合实验区"),
]
NOT_REPORTS = [
    "关于2014年政府信息公开工作要点落实情况的函",
    "政府信息公开指南",
    "2020年政府信息公开工作要点",
    "政府信息公开年报",
    "关于印发政府信息公开工作年度报告制度的通知",
    "关于做好2019年政府信息公开工作年度报告编制工作的通知",
    "2019年政府信息公开工作年度报告解读",
    "《阜阳市政府信息公开工作年度报告制度》",
    "恩格贝召开2020年工作会议",
    "",
]


@pytest.mark.parametrize(("title", "year", "publisher"), REPORTS)
def test_report_titles(title, year, publisher):
    assert is_report_title(title)
    assert title_year(title) == year
    assert title_publisher(title) == publisher


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_not_report_titles(title):
    assert not is_report_title(title)


def test_year_from_chinese_digits_and_none():
    assert title_year("二〇一二年工作") == 2012
    assert title_year("政府信息公开指南") is None


def _page(title: str, body: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><div id='zoom'>{body}</div></body></html>".encode()


def test_image_only_report():
    ex = extract(_page("某县2019年政府信息公开工作年度报告（图片版）", '<p><img src="1.jpg"><img src="2.jpg"></p>'))
    assert ex.kind == "image_only"
    assert ex.fields["year"] == 2019 and ex.fields["publisher"] == "某县"
    assert ex.fields["format"] is None


def test_not_report_page():
    ex = extract(_page("2020年政府信息公开工作要点", "<p>" + "工作要点内容。" * 50 + "</p>"))
    assert ex.kind == "not_report"


def test_table_three_continued_in_second_table():
    head = ('<table><tr><td colspan="3" rowspan="3">（勾稽关系）</td><td colspan="7">申请人情况</td></tr>'
            '<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>'
            "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其它</td></tr>")
    vals = "<td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td><td>3</td>"
    first = (head + f'<tr><td colspan="3">一、本年新收政府信息公开申请数量</td>{vals}</tr>'
             f'<tr><td colspan="3">二、上年结转政府信息公开申请数量</td>{vals}</tr>'
             f'<tr><td rowspan="3">三、本年度办理结果</td><td colspan="2">（一）予以公开</td>{vals}</tr></table>')
    second = (f'<table><tr><td colspan="2">（六）其它处理</td>{vals}</tr>'
              f'<tr><td colspan="2">（七）总计</td>{vals}</tr>'
              f'<tr><td colspan="3">四、结转下年度继续办理</td>{vals}</tr></table>')
    ex = extract(_page("某县2020年政府信息公开工作年度报告", first + "<p>（续表）</p>" + second))
    assert ex.metrics["apps.new.org_other"] == 2
    assert ex.metrics["apps.result.other.total"] == 3
    assert ex.metrics["apps.carried_out.natural_person"] == 1
    assert ex.fields["format"] == "2019"


def test_listing_page_is_not_a_report_and_has_no_format():
    body = _page("政府信息公开年报_平潭综合实验区", "".join(
        f"<li><a href='t{i}.htm'>平潭综合实验区{y}年度政府信息公开工作年度报告</a><span>{y + 1}-02-08</span></li>"
        for i, y in enumerate(range(2015, 2024))))
    ex = extract(body, "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/")
    assert ex.kind == "not_report"
    assert ex.fields["format"] is None
    assert ex.metrics == {}
