"""Links of any platform: which entries of a column are items, where redirect stubs and PDF viewers
point, which links are documents."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from pipeline.kinds import is_attachment
from scraper.navigation.base import folder
from scraper.navigation.generic import SIBLING

__all__ = ["is_attachment", "is_list_item", "redirect_target", "viewer_target"]


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
    base = folder(listing_url)
    if _ARTICLE.search(urlsplit(url).path):
        return url.startswith(base) or "/art/" in url
    rest = url[len(base):] if url.startswith(base) else ""
    return "/" in rest and not SIBLING.search("/" + rest.rsplit("/", 1)[-1])


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
