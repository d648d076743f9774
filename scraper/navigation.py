"""How listing pages of each CMS family paginate, and how report pages point elsewhere.

Pure functions over page text and URL: they return URLs (or request specs) to follow, never
statistics. One small function per pagination scheme; the spider tries those of the site's style.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

from pipeline.kinds import is_attachment

NEXT_WORDS = ("下一页", "下页", "尾页", "末页", "后一页")
#: the most pages a declared page count may expand to (the spider passes its own, smaller, listing cap)
MAX_PAGES = 5000


@dataclass(frozen=True)
class Follow:
    """A request to make: GET by default; POST with form data for list APIs."""

    url: str
    method: str = "GET"
    formdata: dict[str, str] = field(default_factory=dict)
    kind: str = "html"  # how the answer is read: html, hanweb-xml, json


def _dir(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/"


# -- TRS: createPageHTML(count, current, "index", "html") / var countPage = N ------------------------
_CREATE_PAGE = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w\-]+)['\"]\s*,\s*['\"](\w+)['\"]")
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*['\"]?(\d+)")


def trs_pages(text: str, url: str, limit: int = MAX_PAGES) -> list[Follow]:
    """All pages of a TRS static list: page 0 is index.html, page n is index_n.html."""
    m = _CREATE_PAGE.search(text)
    if m:
        count, name, ext = int(m.group(1)), m.group(3), m.group(4)
    else:
        c = _COUNT_PAGE.search(text)
        if not c:
            return []
        count = int(c.group(1))
        last = urlsplit(url).path.rsplit("/", 1)[-1] or "index.html"
        stem, _, ext = last.partition(".")
        name, ext = re.sub(r"_\d+$", "", stem) or "index", ext or "html"
    base = _dir(url)
    count = min(count, limit)
    return [Follow(urljoin(base, f"{name}.{ext}" if i == 0 else f"{name}_{i}.{ext}")) for i in range(count)]


# -- Hanweb (大汉 JCMS): <datastore> records, then /module/web/jpage/dataproxy.jsp ranges ----------------
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_TOTAL = re.compile(r"total_?record['\"]?\s*(?:>|:|=)\s*['\"]?(\d+)", re.I)
_PERPAGE = re.compile(r"per_?page['\"]?\s*(?:>|:|=)\s*['\"]?(\d+)", re.I)
_PROXY = re.compile(r"(/module/web/jpage/dataproxy\.jsp\?[^\"'<>\s]*)", re.I)


def hanweb_records(text: str) -> list[str]:
    """The HTML snippets of a Hanweb datastore (inline script or dataproxy answer)."""
    return _RECORD.findall(text)


def hanweb_pages(text: str, url: str, limit: int = MAX_PAGES) -> list[Follow]:
    """The dataproxy.jsp requests for the records not inline on the column page (at most limit: a
    declared totalRecord is the site's word, and may be 3,000,000 with perPage 1)."""
    total = _TOTAL.search(text)
    if not total:
        return []
    shown = len(hanweb_records(text))
    total_n = int(total.group(1))
    per = _PERPAGE.search(text)
    step = max(shown, int(per.group(1)) if per else 15, 1)
    proxy = _PROXY.search(text)
    params: dict[str, str] = {}
    if proxy:
        params = {k: v for k, v in parse_qsl(urlsplit(proxy.group(1)).query) if k not in ("startrecord", "endrecord", "perpage", "page")}
    col = re.search(r"/col/col(\d+)/", url)
    if col:
        params.setdefault("columnid", col.group(1))
    params.setdefault("col", "1")
    params.setdefault("appid", "1")
    params.setdefault("path", "/")
    params.setdefault("permissiontype", "0")
    params.setdefault("sourceContentType", "1")
    out = []
    for start in range(shown + 1, total_n + 1, step):
        if len(out) >= limit:
            break
        end = start + step - 1  # like jpage.js: the last range is not clamped to the total
        q = f"/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage={step}"
        out.append(Follow(urljoin(url, q), method="POST", formdata=dict(params), kind="hanweb-xml"))
    return out


# -- JSON list APIs (TRS 动静结合 listModel / chinatax-style): page 1 static, the rest from JSON ----------
_LIST_MODEL = re.compile(r"listModel\s*\((\{.*?\})\s*\)", re.S)


def _js_value(src: str, key: str) -> str | None:
    m = re.search(rf"['\"]?{key}['\"]?\s*:\s*['\"]?([\w\-/.:?=&]+)", src)
    return m.group(1) if m else None


def jsonapi_pages(text: str, url: str, limit: int = MAX_PAGES) -> list[Follow]:
    """Pages 2… of a list whose page 1 is static and whose config names a channel and a record count."""
    m = _LIST_MODEL.search(text)
    src = m.group(1) if m else text
    channel = _js_value(src, "channelid") or _js_value(src, "channelId")
    if channel and not channel.isdigit():
        # a variable such as SiteInfo.searchId: look its value up in the page's site config
        ref = re.search(rf"\b{re.escape(channel.rsplit('.', 1)[-1])}\s*[:=]\s*['\"]?(\d+)", text)
        channel = ref.group(1) if ref else None
    total = _js_value(src, "recordCount") or _js_value(src, "total")
    per = _js_value(src, "prepage") or _js_value(src, "pageSize") or "10"
    if not (channel and total and total.isdigit() and per.isdigit()):
        return []
    api = _js_value(src, "apiUrl") or _js_value(src, "listUrl") or "/api/list"
    pages = -(-int(total) // max(int(per), 1))
    return [Follow(urljoin(url, api), method="POST", kind="json",
                   formdata={"channelid": channel, "page": str(p), "size": per}) for p in range(2, min(pages, limit) + 1)]


def json_items(body: bytes) -> list[tuple[str, str]]:
    """(url, title) pairs of a JSON list answer, whatever the nesting (data / list / records)."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return []
    out: list[tuple[str, str]] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            link = node.get("url") or node.get("link") or node.get("docpuburl")
            title = node.get("title") or node.get("doctitle") or node.get("name")
            if isinstance(link, str) and isinstance(title, str):
                out.append((link, title))
            for v in node.values():
                if isinstance(v, (list, dict)):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    return out


# -- generic "下一页" links and numbered siblings ------------------------------------------------------
_SIBLING = re.compile(r"(?:^|/)(index|list|default)(?:_(\d+))?\.(s?html?|jsp|asp|php)$", re.I)


def generic_pages(links: list[tuple[str, str]], url: str) -> list[Follow]:
    """Pagination links of a static list: 下一页/尾页 and index_N siblings in the same folder."""
    base = _dir(url)
    out = []
    for href, text in links:
        full = urljoin(url, href)
        if not full.startswith(base):
            continue
        rest = full[len(base):]
        if any(w in text for w in NEXT_WORDS) or (_SIBLING.search("/" + rest) and "/" not in rest) or \
                re.fullmatch(r"\d{1,4}", text.strip()) and "page" in full.lower():
            out.append(Follow(full))
    return out


# -- list items --------------------------------------------------------------------------------------
_ARTICLE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?$|/t\d{8}_\d+\.s?html?$|"
                      r"/\d{6}/[0-9a-f]{32}\.s?html?$|/(?:content|detail|info)[_/]\d+\.s?html?$|"
                      r"/\d{4}/\d{4}/\d+\.s?html?$", re.I)


def is_list_item(url: str, listing_url: str) -> bool:
    """A link that is an entry of the column (not site chrome): an article-shaped URL, or a page in a
    folder below the listing's own folder. Entries are archived whatever their title says, so a report
    with an odd title is not lost; extraction decides what each one is."""
    if is_attachment(url):
        return False
    base = _dir(listing_url)
    if _ARTICLE.search(urlsplit(url).path):
        return url.startswith(base) or "/art/" in url
    rest = url[len(base):] if url.startswith(base) else ""
    return "/" in rest and not _SIBLING.search("/" + rest.rsplit("/", 1)[-1])


# -- report pages ----------------------------------------------------------------------------------
_JS_REDIRECT = re.compile(r"(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['\"]([^'\"]+)['\"]")
_META_REFRESH = re.compile(r"<meta[^>]+http-equiv=['\"]?refresh['\"]?[^>]*content=['\"]?\s*\d*\s*;?\s*url=([^'\">\s]+)", re.I)


def redirect_target(text: str, url: str) -> str | None:
    """Where a JS or meta-refresh stub page sends the reader (small pages that are only a redirect)."""
    if len(text) > 4000:
        return None
    m = _META_REFRESH.search(text) or _JS_REDIRECT.search(text)
    return urljoin(url, m.group(1).strip()) if m else None


def viewer_target(url: str) -> str | None:
    """The document behind a PDF viewer link (/generic/web/viewer.html?file=…)."""
    parts = urlsplit(url)
    if "viewer" in parts.path.lower():
        for k, v in parse_qsl(parts.query):
            if k == "file" and v:
                return urljoin(url, v)
    return None
