"""Hanweb (大汉 JCMS) columns: <datastore> records inline, the rest from /module/web/jpage/dataproxy.jsp."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from scraper.navigation.base import MAX_PAGES, Follow, Platform

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


class Hanweb(Platform):
    name, styles = "hanweb", ("hanweb", "jcms")

    def pages(self, text: str, url: str, limit: int = MAX_PAGES) -> list[Follow]:
        return hanweb_pages(text, url, limit)

    def records(self, text: str) -> list[str]:
        return hanweb_records(text)
