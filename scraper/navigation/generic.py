"""Plain static lists of any CMS: 下一页/尾页 links and index_N siblings in the listing's folder (run for
every style, after the platform's own pagination)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from scraper.navigation.base import Follow, folder

NEXT_WORDS = ("下一页", "下页", "尾页", "末页", "后一页")

# -- generic "下一页" links and numbered siblings ------------------------------------------------------
SIBLING = re.compile(r"(?:^|/)(index|list|default)(?:_(\d+))?\.(s?html?|jsp|asp|php)$", re.I)


def generic_pages(links: list[tuple[str, str]], url: str) -> list[Follow]:
    """Pagination links of a static list: 下一页/尾页 and index_N siblings in the same folder."""
    base = folder(url)
    out = []
    for href, text in links:
        full = urljoin(url, href)
        if not full.startswith(base):
            continue
        rest = full[len(base):]
        if any(w in text for w in NEXT_WORDS) or (SIBLING.search("/" + rest) and "/" not in rest) or \
                re.fullmatch(r"\d{1,4}", text.strip()) and "page" in full.lower():
            out.append(Follow(full))
    return out
