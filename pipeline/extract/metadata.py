"""Document -> report-level fields of spec/metrics.md (title, year, publisher, issuer, published, …).

Pure: reads the Document's meta tags, header pairs, headings and chrome lines. The year comes
from the title or the 统计期限 sentence, never from the publication date (a late report must not
look like next year's).

A PDF, a Word file or a text capture has no tags: its fields come from its first page, as printed
(site header, menus and breadcrumb of a printed web page, a header table printed as "名称 …" rows,
the title, possibly wrapped over two lines, the 来源/时间 info line under it), and from the signature
block at the end (落款: the body's name over the date). A printed page gives the fields of its HTML twin.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from pipeline.extract.document import Document
from pipeline.extract.labels import HEADER_LABELS, norm_label
from pipeline.titles import fold_cjk, is_report_title, title_publisher, title_year

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


#: how far into a text-like document its first page (header, title, info line) may reach, in lines
FIRST_PAGE_LINES = 80
_PRINTED_LABEL = re.compile(
    "(?:^|(?<=\\s))("
    + "|".join(map(re.escape, sorted(HEADER_LABELS, key=len, reverse=True)))
    + ")(?=[ \\t\u3000\u00a0]|$)"
)


def printed_header(text: str, max_lines: int = FIRST_PAGE_LINES) -> dict[str, str]:
    """A header table printed without colons ("索引号 014314799/2024-00002 分类 信息公开年报",
    "发布机构 沭阳县发展和改革局 公开日期 2024-01-17"): a line that starts with a known label,
    each value running to the next label."""
    out: dict[str, str] = {}
    for line in text.split("\n")[:max_lines]:
        line = line.strip()
        matches = list(_PRINTED_LABEL.finditer(line))
        if not matches or matches[0].start() != 0:
            continue
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
            out.setdefault(m.group(1), line[m.end():end].strip())
    return out


def merged_header(doc: Document) -> dict[str, str]:
    """Header pairs from the loader (normalised labels), then from chrome lines, then (text-like
    documents) from the first lines of the text, "label：value" first, then printed "label value" rows."""
    header = {norm_label(k): v for k, v in doc.header.items()}
    for k, v in header_from_lines(doc.chrome_text).items():
        header.setdefault(k, v)
    if doc.source != "html":
        for k, v in header_from_lines(doc.text, max_lines=15).items():
            header.setdefault(k, v)
        for k, v in printed_header(doc.text).items():
            if _clean(v):
                header.setdefault(k, v)
    return header


def _folded(doc: Document) -> Document:
    """The document with radical forms of CJK characters folded (PDF text layers print ⼯作, ⼈⺠)."""
    if doc.source == "html":
        return doc
    return dataclasses.replace(
        doc, text=fold_cjk(doc.text), chrome_text=fold_cjk(doc.chrome_text), page_title=fold_cjk(doc.page_title),
        headings=[fold_cjk(h) for h in doc.headings], header={k: fold_cjk(v) for k, v in doc.header.items()})


def _page_title_parts(page_title: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\s*(?:_|\||｜| - |——|--)\s*", page_title) if p.strip()]
    return [page_title.strip(), *parts] if page_title.strip() else parts


#: lines of a page that are never its title: the 正文 tab, font-size and print controls, breadcrumbs,
#: share buttons, site banners and menus ("网站支持IPV6", "繁體版", "无障碍")
_NOT_TITLE = re.compile(
    r"^(?:正文|字号|字体|【?打印|【?关闭|分享|收藏|扫一扫|当前位置|您的位置|您现在的位置|首页|返回|繁體|简体|无障碍"
    r"|登录|注册|移动版|网站支持|请输入|热门搜索|长者模式|适老化|智能问答|微信|微博)"
    r"|[>»›]|[:：]\s*\S")
#: a menu bar: four or more words side by side (a typeset title spaced out is still a title)
_MENU = re.compile(r"^\S+\s+\S+\s+\S+\s+\S+")


def _not_title(line: str) -> bool:
    return bool(_NOT_TITLE.search(line)) or (bool(_MENU.match(line)) and not is_report_title(line))


def _title_lines(text: str, limit: int) -> list[str]:
    """Title candidates among the first lines: each line, and each line joined with the next (a title
    wrapped over two lines: "…2023年政府信息公开年度" + "报告"), chrome lines left out."""
    lines = [line.strip() for line in text.split("\n")[:limit]]
    out: list[str] = []
    for i, line in enumerate(lines):
        if not (2 <= len(line) < 80) or _not_title(line):
            continue
        out.append(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if not nxt or len(line) + len(nxt) >= 80 or _not_title(nxt) or is_report_title(line):
            continue
        complete = is_report_title(nxt) and title_year(nxt)
        if not complete or (title_publisher(nxt) is None and _SIGNER.match(line)):
            out.append(line + nxt)  # "…2023年政府信息公开年度" + "报告"; "青松县人民政府" + "2019年…年度报告"
    return out


def _best_title(lines: list[str]) -> str | None:
    """The first report title among text lines that names its year, else the first report title."""
    titles = [c for c in lines if is_report_title(c)]
    return next((c for c in titles if title_year(c)), titles[0] if titles else None)


def _title(doc: Document, header: dict[str, str]) -> str | None:
    candidates: list[str] = []
    for v in (_meta(doc.meta, "ArticleTitle"), *(header.get(lab) for lab in _TITLE_LABELS)):
        if v and _clean(v):
            candidates.append(_clean(v) or "")
    candidates += [h for h in doc.headings if h]
    candidates += _page_title_parts(doc.page_title)
    lines = _title_lines(doc.text, FIRST_PAGE_LINES if doc.source != "html" else 5)
    best = next((c for c in candidates if is_report_title(c)), None) or _best_title(lines)
    if best:
        return _strip_page_suffix(best)
    rest = [c for c in [*candidates, *lines] if len(c) > 4 and not _not_title(c)]
    return rest[0] if rest else (candidates[0] if candidates else None)


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
    if m is None and doc.source != "html":  # a printed capture's "来源：http://…采集时间：…" line
        first = "\n".join(doc.text.split("\n")[:FIRST_PAGE_LINES])
        m = re.search(r"(?:来源|原文地址|原文链接|URL)\s*[:：]\s*(https?://[\x21-\x7e]+)", first)
    return m.group(1) if m else None


_CRUMB_SPLIT = re.compile(r"\s*[>»›]\s*")


def printed_column(doc: Document, title: str | None) -> str | None:
    """The column a printed page sits in: the breadcrumb's last item before the title
    ("当前位置：首页 > 政务公开 > 政府信息公开年报", or one item a line after "当前位置：")."""
    if not title:
        return None
    lines = [line.strip() for line in doc.text.split("\n")[:FIRST_PAGE_LINES]]
    key = _squash(title)[:12]
    at = next((i for i, line in enumerate(lines) if key and key in _squash(line)), None)
    if at is None:
        return None
    for i in range(at - 1, max(-1, at - 12), -1):
        line = lines[i]
        if _CRUMB_SPLIT.search(line) and "首页" in line:
            return _CRUMB_SPLIT.split(line)[-1].strip() or None
        if re.match(r"(?:当前位置|您的位置|您现在的位置)\s*[:：]?\s*$", line):
            crumbs = [c for c in lines[i + 1:at] if c]
            return crumbs[-1] if crumbs else None
    return None


_COLUMN_LINE = re.compile(r"^\s*(?:所属)?栏\s*目\s*[:：]\s*(\S[^\n]{0,30}?)\s*$", re.M)


def _column(doc: Document, title: str | None) -> str | None:
    """A text capture's "栏目：…" line, else the printed breadcrumb's last item."""
    first = "\n".join(doc.text.split("\n")[:15]) + "\n" + doc.chrome_text
    m = _COLUMN_LINE.search(first)
    return _clean(m.group(1)) if m else printed_column(doc, title)


_COPYRIGHT = re.compile(r"版权所有\s*[:：]?\s*([\u4e00-\u9fff（）()]{4,40}?)(?:网站|门户网站)?(?:\s|$)")


_BODY_DATE = re.compile(r"(?:^|\s)(?:(?:发布|公开|印发|成文)(?:日期|时间)|时间|日期)\s*[:：]\s*([^\n]{6,30})", re.M)


def _top_lines(doc: Document, title: str | None = None) -> str:
    """The lines that may be the article's own info line, short enough not to be prose (a 统计时间：…
    sentence of the intro is neither short nor label-first): the first lines of an HTML body; in a
    text-like document the lines printed just under its title (a printed page has menus above it)."""
    lines = doc.text.split("\n")
    if doc.source != "html" and title:
        key = _squash(title)[:12]
        at = next((i for i, line in enumerate(lines[:FIRST_PAGE_LINES]) if key and key in _squash(line)), None)
        if at is not None:
            lines = lines[at:at + 8]
    return "\n".join(line for line in lines[:8 if doc.source != "html" else 5] if len(line.strip()) <= 60)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


#: the body of a signature block (落款): a line naming a government body or office
_SIGNER = re.compile(r"^[\u4e00-\u9fff（）()]{2,40}(?:人民政府|政府办公室|办公室|办公厅|管委会|管理委员会|委员会|局|厅|委|办|院"
                     r"|中心|街道办事处|镇|乡|处|所|署|会)$")


def signature(text: str) -> tuple[str | None, str | None]:
    """(body, date) of the signature block closing the report ("某某县人民政府办公室" over "2020年1月20日",
    or both on one line), searched upwards through the last lines before any site footer."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][-40:]
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if len(line) > 40:
            continue
        date = parse_date(line) if re.fullmatch(r"[\d〇○零一二三四五六七八九十年月日\s./-]{6,20}", line) else None
        if date:
            prev = lines[i - 1] if i > 0 else ""
            return (prev if _SIGNER.match(prev) else None), date
        m = re.fullmatch(r"(\S{2,40}?)\s+([\d〇○零一二三四五六七八九十]{4}\s*年.{1,8}日)", line)
        if m and _SIGNER.match(m.group(1)):
            return m.group(1), parse_date(m.group(2))
    return None, None


def _copyright(text: str) -> str | None:
    """The site named in a printed page's footer ("版权所有：平潭综合实验区党工委管委会网站")."""
    m = _COPYRIGHT.search(text[-3000:])
    return m.group(1) if m else None


_SITE_ID = re.compile(r"(?:网站标识码|政府网站标识码)\s*[:：]?\s*([0-9A-Z]{10})")


def extract_fields(doc: Document) -> dict[str, Any]:
    """The report-level fields of one Document (missing ones are None)."""
    doc = _folded(doc)
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
    top = _top_lines(doc, title)
    if published is None:
        # a date line printed at the top of the body, under the title ("发布日期：2020-01-31",
        # "来源:区人民政府办公室 时间:2017-01-12 10:01")
        m = _BODY_DATE.search(top)
        published = parse_date(m.group(1)) if m else None
    issuer = _first(header, _ISSUER_LABELS) or _meta(doc.meta, "ContentSource") or _source_line(doc.chrome_text)
    if issuer is None and doc.source != "html":
        issuer = _source_line("\n".join(doc.text.split("\n")[:15]))
    if issuer is None:
        issuer = _source_line(top)
    signer, signed = signature(doc.text) if doc.source != "html" or published is None else (None, None)
    if published is None:
        published = signed
    publisher = title_publisher(title) if title else None
    if publisher is None and title and is_report_title(title):
        publisher = signer
    site_id = _meta(doc.meta, "SiteIDCode")
    if site_id is None and doc.source != "html":
        m = _SITE_ID.search(doc.text)
        site_id = m.group(1) if m else None
    keywords = _first(header, _KEYWORD_LABELS) or _meta(doc.meta, "KeyWords", "Keywords", exact_case=True)
    return {
        "title": title,
        "year": year,
        "publisher": publisher,
        "issuer": issuer,
        "published": published,
        "index_no": _first(header, _INDEX_LABELS),
        "doc_no": _first(header, _DOCNO_LABELS),
        "category": _first(header, _CATEGORY_LABELS),
        "keywords": keywords,
        "site_name": _meta(doc.meta, "SiteName") or (_copyright(doc.text) if doc.source != "html" else None),
        "site_domain": _meta(doc.meta, "SiteDomain"),
        "site_id_code": site_id,
        "column_name": _meta(doc.meta, "ColumnName") or (_column(doc, title) if doc.source != "html" else None),
        "url": _url(doc),
    }
