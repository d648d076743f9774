"""Navigation: how column listings of each CMS platform paginate, and where report pages point.

One module per platform (trs, hanweb — also JCMS —, jsonapi), each a small `Platform` (base.py), chosen by the
registry's `style`; `generic` (and the styles without a platform of their own, such as gbk) tries them all.
generic.py's 下一页 links run for every style. Pure functions over page text and URL: they return URLs (or
request specs) to follow, never statistics. Imports pipeline/ only (the list of attachment types).
"""

from __future__ import annotations

from scraper.navigation.base import MAX_PAGES, Follow, Platform
from scraper.navigation.generic import NEXT_WORDS, generic_pages
from scraper.navigation.hanweb import Hanweb, hanweb_pages, hanweb_records
from scraper.navigation.jsonapi import JsonApi, json_items, jsonapi_pages
from scraper.navigation.pages import is_attachment, is_list_item, redirect_target, viewer_target
from scraper.navigation.trs import TRS, trs_pages

__all__ = ["MAX_PAGES", "NEXT_WORDS", "PLATFORMS", "Follow", "Platform", "generic_pages", "hanweb_pages",
           "hanweb_records", "is_attachment", "is_list_item", "json_items", "jsonapi_pages", "platforms_for",
           "redirect_target", "trs_pages", "viewer_target"]

#: every platform with pagination of its own
PLATFORMS: tuple[Platform, ...] = (TRS(), Hanweb(), JsonApi())


def platforms_for(style: str | None) -> tuple[Platform, ...]:
    """The platforms a site of this registry style is navigated with: its own, or all of them (generic,
    and styles such as gbk that name a charset, not a platform)."""
    own = tuple(p for p in PLATFORMS if style in p.styles)
    return own or PLATFORMS
