"""JSON list APIs (TRS 动静结合 listModel, chinatax-style): page 1 static, the rest POSTed to a list API."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

from scraper.navigation.base import MAX_PAGES, Follow, Platform

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


class JsonApi(Platform):
    name, styles = "jsonapi", ("jsonapi",)

    def pages(self, text: str, url: str, limit: int = MAX_PAGES) -> list[Follow]:
        return jsonapi_pages(text, url, limit)
