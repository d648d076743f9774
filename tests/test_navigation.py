"""Pagination and link rules per CMS family, on small pages written like the real ones."""

from __future__ import annotations

import json

from conftest import real_fixture
from scraper import navigation as nav

TRS_LIST = """<html><body><ul><li><a href="./202202/t20220208_80613.html" title="青石县2021年政府信息公开工作年度报告">青石县2021年…</a></li></ul>
<script type="text/javascript">var countPage = 3//共多少页
createPageHTML(3, 0, "index", "html");</script></body></html>"""


def test_trs_create_page_html_lists_every_page():
    pages = nav.trs_pages(TRS_LIST, "http://www.qingshi.gov.test/zwgk/zfxxgk/zfxxgknb/index.html")
    assert [p.url for p in pages] == [
        "http://www.qingshi.gov.test/zwgk/zfxxgk/zfxxgknb/index.html",
        "http://www.qingshi.gov.test/zwgk/zfxxgk/zfxxgknb/index_1.html",
        "http://www.qingshi.gov.test/zwgk/zfxxgk/zfxxgknb/index_2.html",
    ]


def test_trs_count_page_only_pager_on_a_later_page():
    text = "<script>var countPage = 2;</script>"
    pages = nav.trs_pages(text, "http://h.gov.test/xxgk/nb/index_1.htm")
    assert [p.url for p in pages] == ["http://h.gov.test/xxgk/nb/index.htm", "http://h.gov.test/xxgk/nb/index_1.htm"]


def test_real_ordos_listing_pager():
    text = real_fixture("ordos_egb_listing_2020.html").read_text(encoding="utf-8", errors="replace")
    pages = nav.trs_pages(text, "http://www.example.gov.cn/xxgk/xxgknb/index.html")
    assert len(pages) >= 2
    assert pages[1].url.endswith("/xxgk/xxgknb/index_1.html")


HANWEB = """<div id="4711"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=7&path=/&columnid=4711&unitid=9901&webname=%E4%BA%91%E5%B2%AD&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2022/1/20/art_4711_101.html" title="云岭市2021年政府信息公开工作年度报告">云岭市2021年政府信息公开工作年度报告</a></li>]]></record>
<record><![CDATA[<li><a href="/art/2021/3/2/art_4711_100.html" title="云岭市2020年政府信息公开工作年度报告">x</a></li>]]></record>
</recordset></datastore></script></div>
<script>var totalRecord = 5; var perPage = 2;</script>"""


def test_hanweb_records_and_dataproxy_ranges():
    assert len(nav.hanweb_records(HANWEB)) == 2
    pages = nav.hanweb_pages(HANWEB, "http://www.yunling.gov.test/col/col4711/index.html")
    assert [p.url.split("?", 1)[1] for p in pages] == [
        "startrecord=3&endrecord=4&perpage=2", "startrecord=5&endrecord=6&perpage=2"]
    assert all(p.method == "POST" and p.formdata["columnid"] == "4711" and p.formdata["unitid"] == "9901" for p in pages)


def test_jsonapi_list_model_and_items():
    page1 = """<script>require(["list2.trsapi"], function(){ listModel({quickMode:"动静结合", maxStaticIndex:1,
      listArgs:{channelid:200210, classsql:"chnlid=1813"}, pagebar:{prepage:10, recordCount:'23'}}) })</script>"""
    pages = nav.jsonapi_pages(page1, "http://www.x.gov.test/xxgk/ndbg/index.html")
    assert [(p.url, p.formdata["page"]) for p in pages] == [
        ("http://www.x.gov.test/api/list", "2"), ("http://www.x.gov.test/api/list", "3")]
    body = json.dumps({"total": 23, "data": [{"title": "白沙镇2020年政府信息公开工作年度报告", "url": "/a/1.html"}]}).encode()
    assert nav.json_items(body) == [("/a/1.html", "白沙镇2020年政府信息公开工作年度报告")]
    assert nav.json_items(b"not json") == []


def test_real_pingtan_listing_is_a_json_api_column():
    text = real_fixture("pingtan_listing.html").read_text(encoding="utf-8", errors="replace")
    pages = nav.jsonapi_pages(text, "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/")
    assert pages and pages[0].formdata["channelid"] == "200210"


def test_generic_next_links_stay_in_the_folder():
    links = [("index_2.htm", "下一页"), ("index_5.htm", "尾页"), ("/other/index_2.htm", "下一页"), ("a.htm", "新闻")]
    got = [f.url for f in nav.generic_pages(links, "http://old.gov.test/xxgk/nb/index.htm")]
    assert got == ["http://old.gov.test/xxgk/nb/index_2.htm", "http://old.gov.test/xxgk/nb/index_5.htm"]


def test_redirect_stubs():
    js = '<html><script>location.replace("/art/2022/1/1/art_1_2.html")</script></html>'
    meta = '<meta http-equiv="refresh" content="0;url=../202201/t20220101_9.html">'
    assert nav.redirect_target(js, "http://a.gov.test/x/y.html") == "http://a.gov.test/art/2022/1/1/art_1_2.html"
    assert nav.redirect_target(meta, "http://a.gov.test/x/y/z.html") == "http://a.gov.test/x/202201/t20220101_9.html"
    assert nav.redirect_target("<p>" + "正文" * 3000 + "</p>", "http://a/") is None


def test_attachments_and_pdf_viewer():
    assert nav.is_attachment("http://a/W020240329549500303101.xls")
    assert not nav.is_attachment("http://a/t20240329_1.html")
    assert nav.viewer_target("http://a.gov.test/generic/web/viewer.html?file=/zwgk/P0201.pdf") == "http://a.gov.test/zwgk/P0201.pdf"


def test_the_registry_style_picks_the_platform_and_generic_tries_them_all():
    from scraper.registry import STYLES

    names = {s: [p.name for p in nav.platforms_for(s)] for s in STYLES}
    assert names == {"trs": ["trs"], "hanweb": ["hanweb"], "jcms": ["hanweb"], "jsonapi": ["jsonapi"],
                     "gbk": ["trs", "hanweb", "jsonapi"], "generic": ["trs", "hanweb", "jsonapi"]}
    trs_page = 'var countPage = 3;\ncreatePageHTML(3, 0, "index", "html");'
    hanweb_page = "<datastore><totalrecord>40</totalrecord><record><![CDATA[<a href='/a.html'>x</a>]]></record></datastore>"
    url = "http://x.gov.cn/col/col123/index.html"
    [trs], [hanweb] = nav.platforms_for("trs"), nav.platforms_for("hanweb")
    assert len(trs.pages(trs_page, url)) == 3 and trs.pages(hanweb_page, url) == [] and trs.records(hanweb_page) == []
    assert hanweb.pages(trs_page, url) == [] and len(hanweb.records(hanweb_page)) == 1
    assert [f.kind for f in hanweb.pages(hanweb_page, url)][:1] == ["hanweb-xml"]
