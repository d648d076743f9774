"""URL schemes of each site style (column paths, listing pages, articles, attachments)."""

from __future__ import annotations

import hashlib

STYLES = ["trs", "hanweb", "jsonapi", "gbk", "jcms"]
PAGE_SIZE = {"trs": 10, "hanweb": 15, "jsonapi": 10, "gbk": 8, "jcms": 10}


def hexid(*parts: object) -> str:
    return hashlib.md5("|".join(map(str, parts)).encode()).hexdigest()


def column_path(style: str, main: bool, code: str, col_no: int) -> str:
    """Directory (or Hanweb column root) of a report column, ending in '/'."""
    if style == "trs":
        return "/zwgk/zfxxgk/zfxxgknb/" if main else f"/zwgk/bmxxgk/{code}/zfxxgknb/"
    if style == "hanweb":
        return f"/col/col{col_no}/"
    if style == "jsonapi":
        return "/xxgk/ndbg/" if main else f"/xxgk/bmndbg/{code}/"
    if style == "gbk":
        return "/xxgk/nb/" if main else f"/xxgk/bm/{code}/nb/"
    return "/zfxxgk/gknb/" if main else f"/bm/{code}/gknb/"


def listing_page(style: str, col: str, i: int) -> str:
    """Static listing page i (0-based) of a column."""
    if style == "gbk":
        return f"{col}index.htm" if i == 0 else f"{col}index_{i + 1}.htm"
    ext = "shtml" if style == "jcms" else "html"
    return f"{col}index.{ext}" if i == 0 else f"{col}index_{i}.{ext}"


def article_path(style: str, col: str, col_no: int, date: str, doc_id: int) -> str:
    y, m, d = date.split("-")
    if style in ("trs", "jsonapi"):
        return f"{col}{y}{m}/t{y}{m}{d}_{doc_id}.html"
    if style == "hanweb":
        return f"/art/{int(y)}/{int(m)}/{int(d)}/art_{col_no}_{doc_id}.html"
    if style == "gbk":
        return f"{col}{y}/{m}{d}/{doc_id}.htm"
    return f"{col}{y}{m}/{hexid(col, doc_id)}.shtml"


def attachment_path(style: str, col: str, date: str, doc_id: int, ext: str) -> str:
    y, m, d = date.split("-")
    n = int(hexid(doc_id, ext)[:12], 16) % 10**12
    if style == "trs":
        return f"{col}{y}{m}/W0{y}{m}{d}{n:012d}.{ext}"
    if style == "jsonapi":
        return f"{col}{y}{m}/P0{y}{m}{d}{n:012d}.{ext}"
    if style == "hanweb":
        return f"/attach/0/{hexid('att', doc_id, ext)}.{ext}"
    if style == "gbk":
        return f"/uploadfile/{y}/{m}{d}/{y}{m}{d}{n % 10**6:06d}.{ext}"
    return f"{col}{y}{m}/{hexid('att', doc_id)}.{ext}"
