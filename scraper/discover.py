"""Find report columns on a government site: which links lead towards them, which pages are one.

Pure functions over page text and URLs (the DiscoverSpider fetches, these decide), in the data-plus-one-
function style of the rest of the scraper: the words and URL habits are tables, each judgement one function.

A page is a report column when its entries (list links, Hanweb datastore records) carry report titles of
government bodies; the publishers and their kind come from those titles, the navigation style from the
pager the page carries. A page whose report links point into other columns is a collection (年报汇总):
it is noted, not proposed, when the columns it points into are found too.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from pipeline.titles import is_report_title, title_publisher, title_year
from scraper import navigation as nav

#: menu and anchor texts of a report column (the strongest first)
COLUMN_WORDS = ("政府信息公开年报", "政府信息公开工作年度报告", "信息公开年报", "政务公开年报", "信息公开年度报告",
                "工作年报", "年度报告", "公开年报", "年报")
#: URL path habits of report columns on real sites (zfxxgknb: 平潭, 莆田; ndbg: 鄂尔多斯; gknb: 宿迁 …)
URL_HABITS = ("zfxxgknb", "xxgknb", "zfxxgkndbg", "gknb", "ndbg", "bmndbg", "/nb/", "xxgkndbg", "nianbao")
#: menu texts on the way to a column: followed before other links
PATH_WORDS = ("政务公开", "信息公开", "政府信息公开", "部门信息公开", "部门", "公开目录", "法定主动公开", "乡镇",
              "街道", "机构", "县区", "区县", "专栏")
#: links never worth a request while looking for columns
_SKIP_EXT = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".css", ".js", ".ico", ".svg", ".mp4", ".mp3", ".flv")

#: name endings of bodies that are not government (their 年报 are not 政府信息公开 reports)
NON_GOVERNMENT = ("有限公司", "公司", "集团", "银行", "协会", "学会", "商会", "基金会", "总会", "联合会", "医院",
                  "学校", "大学", "学院", "中学", "小学", "幼儿园", "合作社", "研究会", "促进会")
#: name endings of a government's departments (局, 委员会, 办公室 …)
DEPARTMENT = ("局", "委员会", "委", "办公室", "办", "中心", "厅", "署", "部", "所", "站", "队", "处", "馆",
              "检察院", "法院", "院", "会", "团")
#: name endings of a government (county, city, district, town, street, development zone …)
GOVERNMENT = ("人民政府", "县", "市", "区", "镇", "乡", "街道", "街道办事处", "旗", "州", "盟", "管委会",
              "管理委员会", "实验区", "新区", "开发区")


def publisher_kind(name: str) -> str | None:
    """"government", "department", or None for a body that is not government (a company, a school …)."""
    n = re.sub(r"[（(].*?[)）]$", "", name or "").strip()
    if not n or n.endswith(NON_GOVERNMENT):
        return None
    if n.endswith(("管委会", "管理委员会")):
        return "government"
    if n.endswith(DEPARTMENT) and not n.endswith(("人民政府",)):
        return "department"
    if n.endswith(GOVERNMENT):
        return "government"
    return "department"


def link_priority(text: str, url: str) -> int:
    """How promising a link is on the way to a report column: 0 = not worth a request."""
    path = urlsplit(url).path.lower()
    if path.endswith(_SKIP_EXT) or nav.is_attachment(url):
        return 0
    score = 1
    if any(w in text for w in COLUMN_WORDS):
        score += 50
    if any(h in path for h in URL_HABITS):
        score += 30
    if any(w in text for w in PATH_WORDS):
        score += 20
    return score


# -- style: the pager a listing carries ---------------------------------------------------------------
_GBK = re.compile(rb"""<meta[^>]+charset\s*=\s*['"]?\s*(gb2312|gbk|gb18030)""", re.I)


def detect_style(text: str, url: str, body: bytes = b"", content_type: str = "") -> tuple[str, str]:
    """(style, evidence): which navigation of scraper/navigation.py pages through this listing."""
    if "<datastore" in text or "dataproxy.jsp" in text or nav.hanweb_pages(text, url):
        return "hanweb", "Hanweb datastore / dataproxy.jsp pager"
    if "listModel" in text or nav.jsonapi_pages(text, url):
        return "jsonapi", "TRS 动静结合 listModel JSON list"
    if nav.trs_pages(text, url) or "createPageHTML" in text:
        return "trs", "TRS createPageHTML / countPage pager"
    declared = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    if _GBK.search(body[:4096]) or (declared and declared.group(1).lower() in ("gb2312", "gbk", "gb18030")):
        return "gbk", "GBK-encoded static list with 下一页 links"
    if urlsplit(url).path.endswith(".shtml"):
        return "jcms", "static .shtml list (Jiangsu CMS)"
    return "generic", "static list (下一页 links, if any)"


def listing_links(text: str, url: str) -> list[tuple[str, str]]:
    """(absolute url, text) of every link of the page, Hanweb datastore records included."""
    sel = Selector(text=text)
    out = _anchors(sel, url)
    for snippet in nav.hanweb_records(text):
        out += _anchors(Selector(text=snippet), url)
    return out


def _anchors(sel: Selector, url: str) -> list[tuple[str, str]]:
    out = []
    for a in sel.css("a[href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#", "tel:")):
            continue
        text = a.attrib.get("title") or "".join(a.css("::text").getall())
        out.append((urljoin(url, href), re.sub(r"\s+", "", text)))
    return out


def page_name(text: str) -> str:
    """The page's column or site name: ColumnName/SiteName meta, else the <title> before its first "_"."""
    sel = Selector(text=text)
    for name in ("ColumnName", "columnname"):
        v = sel.css(f'meta[name="{name}"]::attr(content)').get()
        if v:
            return v.strip()
    title = (sel.css("title::text").get() or "").strip()
    return re.split(r"[_|\-—]", title)[0].strip() if title else ""


def site_name(text: str) -> str:
    sel = Selector(text=text)
    v = sel.css('meta[name="SiteName"]::attr(content)').get()
    if v:
        return v.strip()
    title = (sel.css("title::text").get() or "").strip()
    parts = [p for p in re.split(r"[_|\-—]", title) if p.strip()]
    return parts[-1].strip() if parts else ""


# -- columns ------------------------------------------------------------------------------------------
@dataclass
class Column:
    """A listing found to be a report column (or a collection of them), with the evidence for it."""

    url: str
    name: str
    style: str
    style_evidence: str
    #: report-titled entries seen on it: url -> title
    reports: dict[str, str] = field(default_factory=dict)
    #: how many of them are the column's own entries (below its folder / article-shaped in it)
    own: int = 0
    #: listing pages its pager declares (1 for a single page)
    pages: int = 1
    evidence: list[str] = field(default_factory=list)
    #: further listing pages of this column (requested or not) and how many were read
    page_urls: set[str] = field(default_factory=set)
    pages_read: int = 1
    #: every link seen on its listing pages (what a crawl of the column would reach)
    links: set[str] = field(default_factory=set)

    @property
    def publishers(self) -> Counter:
        return Counter(p for p in (title_publisher(t) for t in self.reports.values()) if p)

    @property
    def publisher(self) -> str | None:
        """The body the column belongs to: the publisher of most of its reports (reposts are a minority)."""
        common = self.publishers.most_common(1)
        return common[0][0] if common else None

    @property
    def years(self) -> list[int]:
        return sorted({y for y in (title_year(t) for t in self.reports.values()) if y})

    @property
    def is_collection(self) -> bool:
        """Reports of several publishers, none of them most (a 年报汇总 page): a column has one body, with
        at most a few reposts of others."""
        pubs = self.publishers
        total = sum(pubs.values())
        return len(pubs) > 2 and total > 0 and pubs.most_common(1)[0][1] < 0.6 * total


def analyse_listing(text: str, url: str, body: bytes = b"", content_type: str = "") -> tuple[Column | None, str]:
    """(column, why): the page as a report column, or None and the reason it is not one."""
    links = listing_links(text, url)
    reports: dict[str, str] = {}
    for u, t in links:
        if is_report_title(t) and u not in reports and not nav.is_attachment(u):
            reports[u] = t
    name = page_name(text)
    named = any(w in name for w in COLUMN_WORDS) or any(h in urlsplit(url).path.lower() for h in URL_HABITS)
    if not reports or (len(reports) < 2 and not named):
        return None, "no entries with report titles"
    style, why = detect_style(text, url, body, content_type)
    col = Column(url=url, name=name, style=style, style_evidence=why, reports=reports, links={u for u, _ in links})
    col.own = sum(1 for u in reports if nav.is_list_item(u, url))
    follows = pagination(text, url, links)
    col.pages = 1 + len(follows)
    col.page_urls = {f.url for f in follows if f.method == "GET"}
    kinds = {p: publisher_kind(p) for p in col.publishers}
    if kinds and all(k is None for k in kinds.values()):
        return None, "年报 of bodies that are not government: " + "、".join(sorted(kinds))
    if named:
        col.evidence.append(f"column name {name!r}" if any(w in name for w in COLUMN_WORDS) else
                            f"URL habit in {urlsplit(url).path}")
    col.evidence.append(f"{len(reports)} report-titled entries on its first page")
    return col, "report column"


def pagination(text: str, url: str, links: list[tuple[str, str]] | None = None) -> list[nav.Follow]:
    """The further listing pages of a column, as the crawler's paginators find them."""
    if links is None:
        links = listing_links(text, url)
    follows = nav.trs_pages(text, url)[1:] + nav.hanweb_pages(text, url) + nav.jsonapi_pages(text, url)
    seen = {f.url for f in follows}
    follows += [f for f in nav.generic_pages(links, url) if f.url not in seen and f.url != url]
    return follows


def site_id_for(host: str) -> str:
    """A registry id from a host: www.qingshi.gov.cn -> qingshi; rsj.km.gov.cn -> rsj-km."""
    labels = [x for x in host.lower().split(":")[0].split(".") if x not in ("www", "gov", "cn", "test", "com", "org")]
    return "-".join(labels) or host.replace(".", "-")
