"""The portal layer of a sample site: what `gongkai discover` must find its way through.

A real government site does not start at its report column: the home page has menus (政务公开, 新闻动态,
办事服务 …), 政务公开 leads to 政府信息公开年报 and to 部门信息公开, each department has its own page with
its own 年报 column, and a city-wide 年报汇总 page gathers the reports by year (莆田's /zfxxgk/zfxxgkndbg/).
Around them sit the decoys a column finder must refuse: a news column whose items talk about 年报, the 年报
of bodies that are not government (公共企事业单位信息公开: a water company's report), an endless calendar,
a link to another host. Every page here is night-independent except the collection, which lists the reports.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from .model import Site, listing_urls
from .pages import foot, head, meta

E = html.escape

#: static portal paths of every site (the home page is "/", served by portal.home)
ZWGK = "/zwgk/index.html"
DEPTS = "/zwgk/bm/index.html"
COLLECTION = "/zwgk/ndbghz/index.html"
NEWS = "/xwzx/index.html"
PUBLIC_BODIES = "/ggqsy/index.html"
CALENDAR = "/calendar/index.html"
OFFSITE = "http://www.zhengfu.gov.test/"

_NEWS_ITEMS = [
    "我县召开政府信息公开年报编制工作培训会",
    "关于做好{y}年度政府信息公开工作年度报告编制和发布工作的通知",
    "{y}年统计年报发布 全县经济稳中有进",
    "年报工作动态：各部门按时报送",
]
_PUBLIC_BODIES = ["自来水有限公司", "燃气有限公司"]


def _dept_code(site: Site, col) -> str:
    return col.publisher.code if col.publisher else f"c{col.col_no}"


def _page(site: Site, title: str, body: str) -> str:
    return head(site, f"{title}_{site.name}", meta(site, title)) + body + foot(site)


def _menu(site: Site) -> str:
    items = [("/", "首页"), (ZWGK, "政务公开"), (NEWS, "新闻动态"), (PUBLIC_BODIES, "公共企事业单位信息公开"),
             (f"{CALENDAR}?month=2026-12", "办事日历"), (OFFSITE, "中国政府网")]
    return '<ul class="nav">' + "".join(f'<li><a href="{E(h)}">{E(t)}</a></li>' for h, t in items) + "</ul>\n"


def home(site: Site) -> str:
    """The site's home page: menus only (the report columns are two or three clicks away)."""
    notice = "<p>网站改版升级，信息公开年报栏目已迁移。</p>" if site.broken else ""
    chrome = ('<div class="banner"><img src="/images/banner.jpg" alt=""></div>'
              '<div class="links"><a href="/zwfw/index.html">办事服务</a><a href="/hdjl/index.html">互动交流</a></div>\n')
    return _page(site, "首页", _menu(site) + chrome + notice)


def _zwgk(site: Site) -> str:
    main = site.columns[0] if site.columns else None
    links = [("/zwgk/zn.html", "政府信息公开指南"), ("/zwgk/zd.html", "政府信息公开制度"),
             ("/zwgk/fdzdgknr.html", "法定主动公开内容")]
    if main is not None and not site.broken:
        links.append((listing_urls(site, main)[0], "政府信息公开年报"))
    if len(site.columns) > 1:
        links.append((DEPTS, "部门信息公开"))
        links.append((COLLECTION, "政府信息公开年报汇总"))
    body = _menu(site) + '<div class="zwgk-menu"><ul>' + "".join(
        f'<li><a href="{E(h)}">{E(t)}</a></li>' for h, t in links) + "</ul></div>\n"
    return _page(site, "政务公开", body)


def _depts(site: Site) -> str:
    lis = "".join(f'<li><a href="/zwgk/bm/{_dept_code(site, c)}/index.html">{E(c.publisher.name)}</a></li>'
                  for c in site.columns[1:] if c.publisher)
    return _page(site, "部门信息公开", _menu(site) + f'<ul class="bm-list">{lis}</ul>\n')


def _dept(site: Site, col) -> str:
    code = _dept_code(site, col)
    links = [(f"/zwgk/bm/{code}/jgzn.html", "机构职能"), (f"/zwgk/bm/{code}/zcwj.html", "政策文件")]
    if not site.broken:
        links.append((listing_urls(site, col)[0], "政府信息公开年报"))
    body = _menu(site) + f"<h2>{E(col.publisher.name)}</h2><ul>" + "".join(
        f'<li><a href="{E(h)}">{E(t)}</a></li>' for h, t in links) + "</ul>\n"
    return _page(site, col.publisher.name, body)


def _collection(site: Site) -> str:
    """Every report of the site grouped by year, linking into the publishers' own columns."""
    by_year: dict[int, list] = {}
    for rep in site.reports:
        if rep.kind in ("report", "image_only"):
            by_year.setdefault(rep.year, []).append(rep)
    parts = []
    for year in sorted(by_year, reverse=True):
        lis = "".join(f'<li><a href="{E(r.url)}" title="{E(r.title)}">{E(r.title)}</a></li>'
                      for r in sorted(by_year[year], key=lambda r: r.url))
        parts.append(f"<h3>{year}年度</h3><ul>{lis}</ul>")
    return _page(site, "政府信息公开年报汇总", _menu(site) + "".join(parts) + "\n")


def _news(site: Site) -> str:
    lis = "".join(f'<li><a href="/xwzx/202401/n{i}.html">{E(t.format(y=2023))}</a><span>2024-01-0{i + 1}</span></li>'
                  for i, t in enumerate(_NEWS_ITEMS))
    return _page(site, "新闻动态", _menu(site) + f'<ul class="list">{lis}</ul>\n')


def _public_bodies(site: Site) -> str:
    """年报 of bodies that are not government (公共企事业单位): a decoy column with report-like titles."""
    lis = []
    for i, body in enumerate(_PUBLIC_BODIES):
        for year in (2021, 2022, 2023):
            title = f"{site.region}{body}{year}年度信息公开工作年度报告"
            lis.append(f'<li><a href="/ggqsy/{year}/q{i}.html" title="{E(title)}">{E(title)}</a></li>')
    return _page(site, "公共企事业单位信息公开", _menu(site) + '<ul class="list">' + "".join(lis) + "</ul>\n")


def _leaf(site: Site, title: str) -> str:
    return _page(site, title, _menu(site) + f"<h1>{E(title)}</h1><p>{E(title)}。</p>\n")


def routes(site: Site) -> dict[str, str]:
    """path -> rendered page, for every static portal page of the site."""
    out = {ZWGK: _zwgk(site), NEWS: _news(site), PUBLIC_BODIES: _public_bodies(site),
           "/zwgk/zn.html": _leaf(site, "政府信息公开指南"), "/zwgk/zd.html": _leaf(site, "政府信息公开制度"),
           "/zwgk/fdzdgknr.html": _leaf(site, "法定主动公开内容"), "/zwfw/index.html": _leaf(site, "办事服务"),
           "/hdjl/index.html": _leaf(site, "互动交流")}
    if len(site.columns) > 1:
        out[DEPTS] = _depts(site)
        out[COLLECTION] = _collection(site)
        for col in site.columns[1:]:
            if col.publisher:
                code = _dept_code(site, col)
                out[f"/zwgk/bm/{code}/index.html"] = _dept(site, col)
                out[f"/zwgk/bm/{code}/jgzn.html"] = _leaf(site, f"{col.publisher.name}机构职能")
                out[f"/zwgk/bm/{code}/zcwj.html"] = _leaf(site, f"{col.publisher.name}政策文件")
    for i, t in enumerate(_NEWS_ITEMS):
        out[f"/xwzx/202401/n{i}.html"] = _leaf(site, t.format(y=2023))
    for i, body in enumerate(_PUBLIC_BODIES):
        for year in (2021, 2022, 2023):
            out[f"/ggqsy/{year}/q{i}.html"] = _leaf(site, f"{site.region}{body}{year}年度信息公开工作年度报告")
    return out


def calendar(site: Site, query: dict[str, str]) -> str | None:
    """The endless calendar: every month links to the previous and the next one, every day to a page."""
    month = query.get("month", "")
    m = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not m:
        day = query.get("day", "")
        return _leaf(site, f"{day} 办事日程") if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else None
    y, mo = int(m.group(1)), int(m.group(2))
    if not 1 <= mo <= 12:
        return None
    first = dt.date(y, mo, 1)
    prev = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    nxt = (first + dt.timedelta(days=32)).strftime("%Y-%m")
    days = "".join(f'<a href="{CALENDAR}?day={y:04d}-{mo:02d}-{d:02d}">{d}</a> ' for d in range(1, 29))
    body = (_menu(site) + f'<div class="cal"><a href="{CALENDAR}?month={prev}">上个月</a> {y}年{mo}月 '
            f'<a href="{CALENDAR}?month={nxt}">下个月</a><div>{days}</div></div>\n')
    return _page(site, "办事日历", body)


def expected_columns(site: Site) -> list[dict]:
    """What discover must find on this site: each report column's first listing page and publisher."""
    if site.broken:
        return []
    return [{"url": listing_urls(site, c)[0], "publisher": c.publisher.name if c.publisher else None,
             "kind": c.publisher.kind if c.publisher else None, "style": site.style} for c in site.columns]
