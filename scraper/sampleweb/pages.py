"""Page templates of the five CMS styles: listings, article pages, stubs, API answers."""

from __future__ import annotations

import html
import json
import posixpath
from urllib.parse import urlencode, urlsplit

from .html_body import render_body
from .model import Column, Item, Report, Site
from .report_doc import build_doc
from .urls import PAGE_SIZE, listing_page

E = html.escape
BODY_CLASS = {"trs": '<div class="TRS_Editor">', "hanweb": '<div id="zoom">', "jsonapi": '<div class="trs_editor_view">',
              "gbk": '<div id="zoomcon">', "jcms": '<div class="article-content"><ucapcontent>'}
BODY_END = {"jcms": "</ucapcontent></div>"}
HEADER_LABELS = {
    "trs": [("索  引 号", "index"), ("信息分类", "cat"), ("发布机构", "issuer"), ("生成日期", "date"),
            ("名       称", "title"), ("文       号", "docno"), ("关  键 词", "kw")],
    "hanweb": [("索引号", "index"), ("组配分类", "cat"), ("发布机构", "issuer"), ("发文日期", "date"),
               ("发布文号", "docno"), ("关键词", "kw"), ("信息名称", "title")],
    "gbk": [("索　引　号", "index"), ("信息分类", "cat"), ("发布机构", "issuer"), ("发布日期", "date"),
            ("文　　号", "docno"), ("关　键　词", "kw")],
    "jcms": [("名称", "title"), ("索引号", "index"), ("分类", "cat"), ("发布机构", "issuer"), ("公开日期", "date"),
             ("文号", "docno"), ("关键词", "kw")],
}


def path_of(url: str) -> str:
    return urlsplit(url).path


def href(site: Site, page_url: str, target: str) -> str:
    """Link as the style writes it (TRS: relative './…', others: root-relative)."""
    if urlsplit(target).netloc != site.host:
        return target
    if site.style == "trs":
        rel = posixpath.relpath(path_of(target), posixpath.dirname(path_of(page_url)))
        return rel if rel.startswith("..") else "./" + rel
    return path_of(target)


def meta(site: Site, column: str, title: str = "", date: str = "", source: str = "", kw: str = "") -> str:
    tags = [("SiteName", site.name), ("SiteDomain", site.host), ("SiteIDCode", site.site_code),
            ("ColumnName", column), ("ColumnType", column)]
    if title:
        tags += [("ArticleTitle", title), ("PubDate", f"{date} 09:{int(date[-2:]) + 10:02d}"),
                 ("ContentSource", source), ("Keywords", kw)]
    return "\n".join(f'<meta name="{k}" content="{E(v)}">' for k, v in tags)


def head(site: Site, title: str, metas: str, extra: str = "") -> str:
    charset = ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' if site.style == "gbk"
               else '<meta charset="utf-8">')
    return (f"<!DOCTYPE html>\n<html>\n<head>\n{charset}\n{metas}\n<title>{E(title)}</title>\n"
            f'<link rel="stylesheet" href="/images/{site.style}_common.css">{extra}\n</head>\n<body>\n'
            f'<div class="header"><a href="/"><img src="/images/logo.png" alt="{E(site.name)}"></a>'
            f"<span>{E(site.name)}</span></div>\n")


FOOT = ('<div class="footer">主办：{name} 网站标识码：{code} <a href="http://www.beian.gov.test/">备案号</a></div>\n'
        "</body>\n</html>\n")


def foot(site: Site) -> str:
    return FOOT.format(name=E(site.name), code=site.site_code)


# ------------------------------------------------------------------ articles
def report_fields(site: Site, rep: Report) -> dict[str, object]:
    col = rep.column
    header = site.style in HEADER_LABELS  # styles without the 信息公开目录 header print no 索引号/分类
    return {"title": rep.title, "year": rep.year, "format": rep.fmt if rep.kind == "report" else None,
            "publisher": rep.publisher.name, "issuer": rep.publisher.issuer, "published": rep.published,
            "index_no": (rep.index_no or None) if header else None, "doc_no": rep.doc_no or None,
            "category": rep.category if header else None, "keywords": rep.keywords,
            "site_name": site.name, "site_domain": site.host, "site_id_code": site.site_code,
            "column_name": col.name if col else "", "url": rep.url}


def _header_table(site: Site, rep: Report) -> str:
    labels = HEADER_LABELS.get(site.style)
    if not labels:
        return (f'<div class="info">来源：{E(rep.publisher.issuer)}&nbsp;&nbsp;发布时间：{rep.published} 09:30'
                f"&nbsp;&nbsp;字号：[大 中 小]</div>")
    vals = {"index": rep.index_no or ("/" if site.style == "trs" else ""), "cat": rep.category,
            "issuer": rep.publisher.issuer, "date": rep.published, "title": rep.title, "docno": rep.doc_no,
            "kw": rep.keywords}
    cells = [f"<td class=\"label\">{E(lab)}：</td><td>{E(vals[k])}</td>" for lab, k in labels]
    rows = ["<tr>" + "".join(cells[i:i + 2]) + "</tr>" for i in range(0, len(cells), 2)]
    return '<table class="xxgk_table" width="100%">' + "".join(rows) + "</table>"


def article_page(site: Site, rep: Report, image_urls: list[str]) -> str:
    col = rep.column
    assert col is not None
    blocks = build_doc(rep)
    word, heavy = bool(rep.variant.get("word")), bool(rep.variant.get("heavy"))
    if rep.kind == "image_only":
        body = "".join(f'<p style="text-align:center"><img src="{href(site, rep.url, u)}" width="800"></p>'
                       for u in image_urls)
    elif rep.stats_in == "attachment":
        body = f"<p>{E(rep.title)}全文详见附件。</p>"
    else:
        body = render_body(blocks, word, heavy, rep.url, bool(rep.variant.get("fw_labels")))
    if rep.attachments:
        names = {"pdf": "全文（PDF版）", "docx": "全文（Word版）", "doc": "全文", "xls": "统计表", "scan": "（扫描件）"}
        body += '<div class="fj"><p>附件：</p>' + "".join(
            f'<p><a href="{href(site, rep.url, a.url)}">{E(rep.title)}{names[a.fmt]}.{"pdf" if a.fmt == "scan" else a.fmt}</a></p>'
            for a in rep.attachments) + "</div>"
    extra = ""
    if heavy:  # Word-pasted style sheet, as pasted into the CMS: makes the page ~350 KB
        extra = "\n<style>\n" + "".join(
            f"@font-face{{font-family:\"仿宋_GB2312{i}\";panose-1:2 1 6 9 3 1 1 1 1 1;mso-font-charset:134;"
            f"mso-generic-font-family:modern;mso-font-pitch:fixed;mso-font-signature:1 135135232 16 0 262144 0;}}\n"
            f"p.MsoNormal{i}, li.MsoNormal{i}{{mso-style-unhide:no;mso-style-qformat:yes;margin:0cm;"
            f"text-align:justify;text-justify:inter-ideograph;mso-pagination:none;font-size:10.5pt;"
            f"mso-bidi-font-size:12.0pt;font-family:\"Calibri\",sans-serif;mso-fareast-font-family:宋体;}}\n"
            for i in range(220)) + "</style>"
    metas = meta(site, col.name, rep.title, rep.published, rep.publisher.issuer, rep.keywords)
    crumbs = f'<div class="crumb">首页 &gt; 政府信息公开 &gt; <a href="{href(site, rep.url, site.base + col.path)}">{E(col.name)}</a></div>'
    return (head(site, f"{rep.title}_{col.name}_{site.name}", metas, extra) + crumbs + _header_table(site, rep)
            + f'\n<h1 class="title">{E(rep.title)}</h1>\n' + BODY_CLASS[site.style] + "\n" + body + "\n"
            + BODY_END.get(site.style, "</div>") + "\n" + foot(site))


def plain_page(site: Site, item: Item) -> str:
    """A non-report article (news, 指南, 函) with a short body."""
    text = {"指南": "为了更好地提供政府信息公开服务，特编制本指南。申请人可以通过当面、信函、网上等方式提出申请。",
            "函": "各单位：现将2014年政府信息公开工作要点落实情况函告如下，请结合实际抓好落实。"}
    body = next((v for k, v in text.items() if k in item.title),
                f"{item.date[:4]}年，{site.region}持续推进政务公开标准化规范化建设，会议对下一阶段工作作出部署。")
    return (head(site, item.title, meta(site, "政务公开", item.title, item.date, site.name)) +
            f"<h1>{E(item.title)}</h1>\n{BODY_CLASS[site.style]}<p>{E(body)}</p>{BODY_END.get(site.style, '</div>')}\n"
            + foot(site))


def js_stub(target_path: str) -> str:
    return f'<html><head><script>location.replace("{target_path}");</script></head><body></body></html>'


def meta_stub(target_path: str) -> str:
    return f'<html><head><meta http-equiv="refresh" content="0;url={target_path}"></head><body></body></html>'


# ------------------------------------------------------------------ listings
def _li(site: Site, page_url: str, it: Item) -> str:
    return (f'<li><a href="{E(href(site, page_url, it.url))}" title="{E(it.title)}" target="_blank">{E(it.title)}</a>'
            f"<span>{it.date}</span></li>")


def listing(site: Site, col: Column, i: int) -> str:
    """Static listing page i (0-based) of a column in the site's style."""
    size = PAGE_SIZE[site.style]
    n = col.n_pages(site.style)
    page_url = site.base + listing_page(site.style, col.path, i)
    items = col.items[i * size:(i + 1) * size]
    top = head(site, f"{col.name}_{site.name}", meta(site, col.name)) + f'<div class="lm_title">{E(col.name)}</div>\n'
    st = site.style
    if st == "hanweb":
        return top + hanweb_inline(site, col) + foot(site)
    if st == "jsonapi":
        cfg = (f'listModel({{quickMode:"动静结合", maxStaticIndex:1, listArgs:{{channelid:{channel_id(col)}}}, '
               f"pagebar:{{prepage:{size}, recordCount:'{len(col.items)}'}}, api:\"/api/list\"}});")
        return (top + '<ul class="list" id="list">' + "".join(_li(site, page_url, it) for it in items) + "</ul>\n"
                + f'<div id="page"></div>\n<script src="/common/js/list2.trsapi.js"></script>\n<script>\n{cfg}\n</script>\n'
                + foot(site))
    ul = '<ul class="list">' + "".join(_li(site, page_url, it) for it in items) + "</ul>\n"
    if st == "trs":
        pager = (f'<div class="page"><script type="text/javascript">\nvar countPage = {n};//共多少页\n'
                 f'createPageHTML({n}, {i}, "index", "html");\n</script></div>\n')
    else:
        def pg(j: int) -> str:
            return posixpath.basename(listing_page(st, col.path, j))
        links = [f'<a href="{pg(0)}">首页</a>']
        if i > 0:
            links.append(f'<a href="{pg(i - 1)}">上一页</a>')
        if i < n - 1:
            links.append(f'<a href="{pg(i + 1)}">下一页</a>')
        links.append(f'<a href="{pg(n - 1)}">尾页</a>')
        pager = f'<div class="page">共{len(col.items)}条 第{i + 1}/{n}页 ' + " ".join(links) + "</div>\n"
    return top + ul + pager + foot(site)


def channel_id(col: Column) -> int:
    return 200200 + int(hash_small(col.path))


def hash_small(s: str) -> int:
    import hashlib
    return int(hashlib.md5(s.encode()).hexdigest()[:4], 16) % 1000


def _record(site: Site, it: Item) -> str:
    return (f'<record><![CDATA[<li><a href="{E(href(site, "", it.url))}" title="{E(it.title)}" target="_blank">'
            f"{E(it.title)}</a><span>{it.date}</span></li>]]></record>")


def hanweb_params(site: Site, col: Column) -> dict[str, str]:
    return {"col": "1", "appid": "1", "webid": str(site.idx + 1), "path": "/", "columnid": str(col.col_no),
            "sourceContentType": "1", "unitid": str(4000000 + col.col_no % 100000), "webname": site.name,
            "permissiontype": "0"}


def hanweb_inline(site: Site, col: Column) -> str:
    per = PAGE_SIZE["hanweb"]
    total = len(col.items)
    pages = max(1, -(-total // per))
    recs = "".join(_record(site, it) for it in col.items[:per])
    return ('<div id="' + str(4000000 + col.col_no % 100000) + '">\n<script type="text/xml">\n<datastore>\n'
            f'<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid={site.idx + 1}&path=/'
            f'&columnid={col.col_no}&unitid={4000000 + col.col_no % 100000}&webname={site.name}&permissiontype=0"></a>]]></nextgroup>\n'
            f"<recordset>{recs}</recordset>\n</datastore>\n</script>\n"
            f"<script>var totalRecord = {total}; var totalPage = {pages}; var perpage = {per};</script>\n</div>\n"
            '<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n')


def hanweb_proxy(site: Site, col: Column, start: int, end: int) -> str:
    items = col.items[max(0, start - 1):end]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            f"<totalrecord>{len(col.items)}</totalrecord>\n<recordset>\n"
            + "\n".join(_record(site, it) for it in items) + "\n</recordset>\n</datastore>\n")


def json_list(site: Site, col: Column, page: int, size: int) -> str:
    items = col.items[(page - 1) * size:page * size]
    data = [{"title": it.title, "url": href(site, "", it.url), "pubDate": it.date} for it in items]
    return json.dumps({"total": len(col.items), "page": page, "size": size, "data": data}, ensure_ascii=False)


def api_pages(site: Site) -> list[dict]:
    """Listing pages beyond the static first page (Hanweb dataproxy, JSON API), as POST requests."""
    out = []
    for col in site.columns:
        if site.style == "hanweb":
            per = PAGE_SIZE["hanweb"]
            for start in range(per + 1, len(col.items) + 1, per):
                qs = f"startrecord={start}&endrecord={start + per - 1}&perpage={per}"
                out.append({"site": site.id, "method": "POST",
                            "url": f"{site.base}/module/web/jpage/dataproxy.jsp?{qs}",
                            "body": urlencode(hanweb_params(site, col)),
                            "get_url": f"{site.base}/module/web/jpage/dataproxy.jsp?{qs}&{urlencode(hanweb_params(site, col))}"})
        elif site.style == "jsonapi":
            size = PAGE_SIZE["jsonapi"]
            for page in range(2, col.n_pages("jsonapi") + 1):
                body = {"channelid": channel_id(col), "page": page, "size": size}
                out.append({"site": site.id, "method": "POST", "url": f"{site.base}/api/list", "body": urlencode(body),
                            "get_url": f"{site.base}/api/list?{urlencode(body)}"})
    return out
