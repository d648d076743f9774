"""Document -> report-level fields of spec/metrics.md (title, year, publisher, issuer, published, …).

Pure: reads the Document's meta tags, header pairs, headings and chrome lines. The year comes
from the title or the 统计期限 sentence, never from the publication date (a late report must not
look like next year's).
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.extract.document import Document
from pipeline.extract.labels import HEADER_LABELS, norm_label
from pipeline.titles import is_report_title, title_publisher, title_year

_LABEL_RE = re.compile(
    "(?<![\\w])("
    + "|".join("[ \\t\u3000\u00a0]*".join(map(re.escape, lab)) for lab in sorted(HEADER_LABELS, key=len, reverse=True))
    + ")[ \\t\u3000\u00a0]*[:：]"
)
_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})")
_PERIOD = re.compile(r"统计期限[^0-9〇一二]{0,12}((?:19|20)\d{2})\s*年")
_PERIOD_ALT = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起\s*)?(?:至|到|—|-)\s*(?:(?:19|20)\d{2}\s*年\s*)?12\s*月\s*31\s*日")
_SOURCE_LINE = re.compile(r"(?:^|\s)(?:信息)?来\s*源\s*[:：]\s*([^\n]+)")
_SOURCE_STOP = re.compile(r"\s+(?:发布)?(?:时间|日期|作者|浏览|点击|字号|字体|阅读|访问|【|\[)")
_NULLISH = {"", "/", "／", "-", "—", "——", "无", "暂无", "null", "none"}

_TITLE_LABELS = ("名称", "标题", "信息名称", "文件名称")
_ISSUER_LABELS = ("发布机构", "发文机关", "发文单位", "发布单位")
_DATE_LABELS = ("发布日期", "公开日期", "生成日期")
_LATE_DATE_LABELS = ("发文日期", "成文日期", "印发日期", "发布时间")
_DOCNO_LABELS = ("文号", "发文字号", "发布文号", "文件编号")
_CATEGORY_LABELS = ("信息分类", "分类", "组配分类", "主题分类", "体裁分类")
_KEYWORD_LABELS = ("关键词", "关键字", "主题词")
_INDEX_LABELS = ("索引号", "信息索引号", "索取号")


def header_from_lines(text: str, max_lines: int | None = None) -> dict[str, str]:
    """"label：value label：value" pairs from text lines (text captures, <li>/<span> headers).
    Labels may contain any spaces ("索  引 号"); a value runs to the next label or the line end."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    for line in lines[:max_lines] if max_lines else lines:
        matches = list(_LABEL_RE.finditer(line))
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
            out.setdefault(norm_label(m.group(1)), line[m.end():end].strip())
    return out


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = re.sub(r"\s+", " ", value).strip()
    return None if value.lower() in _NULLISH else value


def parse_date(text: str | None) -> str | None:
    """First date in text as YYYY-MM-DD (2022-02-08 16:34, 2022/2/8, 2022年2月8日)."""
    m = _DATE.search(text or "")
    if not m:
        return _cn_date(text or "")
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "Ｏ": 0, "O": 0}
_CN_DATE = re.compile(r"([〇○零ＯO一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


def _cn_number(s: str) -> int:
    """一 … 三十一 (十 = 10, 二十 = 20, 十二 = 12, 二十一 = 21)."""
    if "十" not in s:
        return _CN_DIGIT.get(s, 0)
    tens, _, ones = s.partition("十")
    return (_CN_DIGIT.get(tens, 0) if tens else 1) * 10 + (_CN_DIGIT.get(ones, 0) if ones else 0)


def _cn_date(text: str) -> str | None:
    """A date written in Chinese numerals, as signed under a report ("二○一二年二月二十日")."""
    m = _CN_DATE.search(text)
    if not m:
        return None
    y = int("".join(str(_CN_DIGIT[c]) for c in m.group(1)))
    mo, d = _cn_number(m.group(2)), _cn_number(m.group(3))
    if not (1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def period_year(text: str) -> int | None:
    """The year of the 统计期限 ("统计期限自2021年1月1日起至2021年12月31日止")."""
    head = text[:6000]
    m = _PERIOD.search(head) or _PERIOD_ALT.search(head)
    return int(m.group(1)) if m else None


def _meta(meta: dict[str, str], *names: str, exact_case: bool = False) -> str | None:
    for name in names:
        for k, v in meta.items():
            if (k == name) if exact_case else (k.lower() == name.lower()):
                if v and v.strip():
                    return v.strip()
    return None


def _first(header: dict[str, str], labels: tuple[str, ...]) -> str | None:
    for lab in labels:
        v = _clean(header.get(lab))
        if v:
            return v
    return None


def merged_header(doc: Document) -> dict[str, str]:
    """Header pairs from the loader (normalised labels), then from chrome lines, then (text-like
    documents) from the first lines of the text."""
    header = {norm_label(k): v for k, v in doc.header.items()}
    for k, v in header_from_lines(doc.chrome_text).items():
        header.setdefault(k, v)
    if doc.source != "html":
        for k, v in header_from_lines(doc.text, max_lines=15).items():
            header.setdefault(k, v)
    return header


def _page_title_parts(page_title: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\s*(?:_|\||｜| - |——|--)\s*", page_title) if p.strip()]
    return [page_title.strip(), *parts] if page_title.strip() else parts


def _title(doc: Document, header: dict[str, str]) -> str | None:
    candidates: list[str] = []
    for v in (_meta(doc.meta, "ArticleTitle"), *(header.get(lab) for lab in _TITLE_LABELS)):
        if v and _clean(v):
            candidates.append(_clean(v) or "")
    candidates += [h for h in doc.headings if h]
    candidates += _page_title_parts(doc.page_title)
    lines = doc.text.split("\n")[: (30 if doc.source != "html" else 5)]
    candidates += [line.strip() for line in lines if 4 < len(line.strip()) < 80]
    for c in candidates:
        if is_report_title(c):
            return _strip_page_suffix(c)
    return candidates[0] if candidates else None


_CJK = r"\u3400-\u9fff\uff08\uff09\u3001"
#: a space a PDF text layer or a typesetter puts between Chinese and a number ("宿迁市 2025 年"): not part of the title
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \u00a0\u3000]+(?=[\d{_CJK}])|(?<=\d)[ \u00a0\u3000]+(?=[{_CJK}])")


def _strip_page_suffix(title: str) -> str:
    """Drop the "_栏目_站点" tail a page <title> adds; keep （图片版） and "-单位简称" (part of the title).
    Spaces between Chinese characters and digits are dropped ("宿迁市 2025 年…" -> "宿迁市2025年…")."""
    return _CJK_GAP.sub("", re.split(r"\s*[_|｜]\s*", title.strip())[0])


def _source_line(text: str) -> str | None:
    for m in _SOURCE_LINE.finditer(text):
        value = _SOURCE_STOP.split(m.group(1))[0].strip()
        if value and not value.lower().startswith(("http", "www.")):
            return _clean(value)
    return None


def _url(doc: Document) -> str | None:
    if doc.url.startswith(("http://", "https://")):
        return doc.url
    declared = _meta(doc.meta, "Url", "og:url")
    if declared and declared.startswith("http"):
        return declared
    m = re.search(r"(?:来源|原文地址|原文链接|URL)\s*[:：]\s*(https?://\S+)", doc.chrome_text)
    return m.group(1) if m else None


_BODY_DATE = re.compile(r"(?:^|\s)(?:(?:发布|公开|印发|成文)(?:日期|时间)|时间|日期)\s*[:：]\s*([^\n]{6,30})", re.M)


def _top_lines(doc: Document) -> str:
    """The first lines of an HTML body that are short enough to be the article's own info line, not prose
    (a 统计时间：… sentence of the intro is neither short nor label-first)."""
    return "\n".join(line for line in doc.text.split("\n")[:5] if len(line.strip()) <= 60)


def extract_fields(doc: Document) -> dict[str, Any]:
    """The report-level fields of one Document (missing ones are None)."""
    header = merged_header(doc)
    title = _title(doc, header)
    year = title_year(title) if title and is_report_title(title) else None
    if year is None:
        year = period_year(doc.text)
    published = _first(header, _DATE_LABELS)
    published = parse_date(published) or parse_date(_meta(doc.meta, "PubDate", "publishdate", "firstpublishedtime"))
    if published is None:
        published = parse_date(_first(header, _LATE_DATE_LABELS))
    if published is None:
        m = re.search(r"(?:发布|公开|更新)?(?:时间|日期)\s*[:：]\s*([^\n]{6,30})", doc.chrome_text)
        published = parse_date(m.group(1)) if m else None
    top = _top_lines(doc)
    if published is None:
        # a date line printed at the top of the body, under the title ("发布日期：2020-01-31",
        # "来源:区人民政府办公室 时间:2017-01-12 10:01")
        m = _BODY_DATE.search(top)
        published = parse_date(m.group(1)) if m else None
    issuer = _first(header, _ISSUER_LABELS) or _meta(doc.meta, "ContentSource") or _source_line(doc.chrome_text)
    if issuer is None and doc.source != "html":
        issuer = _source_line("\n".join(doc.text.split("\n")[:15]))
    if issuer is None and doc.source == "html":
        issuer = _source_line(top)
    keywords = _first(header, _KEYWORD_LABELS) or _meta(doc.meta, "KeyWords", "Keywords", exact_case=True)
    return {
        "title": title,
        "year": year,
        "publisher": title_publisher(title) if title else None,
        "issuer": issuer,
        "published": published,
        "index_no": _first(header, _INDEX_LABELS),
        "doc_no": _first(header, _DOCNO_LABELS),
        "category": _first(header, _CATEGORY_LABELS),
        "keywords": keywords,
        "site_name": _meta(doc.meta, "SiteName"),
        "site_domain": _meta(doc.meta, "SiteDomain"),
        "site_id_code": _meta(doc.meta, "SiteIDCode"),
        "column_name": _meta(doc.meta, "ColumnName"),
        "url": _url(doc),
    }
