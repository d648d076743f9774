"""TRS (拓尔思 WCM) static lists: createPageHTML(count, current, "index", "html") or var countPage = N;
page 0 is index.html, page n is index_n.html."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from scraper.navigation.base import MAX_PAGES, Follow, Platform, folder

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
    base = folder(url)
    count = min(count, limit)
    return [Follow(urljoin(base, f"{name}.{ext}" if i == 0 else f"{name}_{i}.{ext}")) for i in range(count)]


class TRS(Platform):
    name, styles = "trs", ("trs",)

    def pages(self, text: str, url: str, limit: int = MAX_PAGES) -> list[Follow]:
        return trs_pages(text, url, limit)
