"""Is this title an annual disclosure report, and for which year?

The spider decides which listing links to follow with `is_report_title`, and extraction takes the
report year and publisher from the title, so the pattern accepts every real variant (…年度…工作年度报告,
…信息公开年度报告, …工作报告, …政务信息公开年度报告, suffixes （图片版）/（超链版）/-单位简称) and rejects the
items that share the column (工作要点, 指南, "关于…的函/通知", 年度报告解读).
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.kinds import ATTACHMENT_ALTERNATION

_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_SPACES = re.compile(r"[\s\u00a0\u3000]+")

#: the report name: (政府|政务)信息公开 (工作) (年度|年) (工作) 报告 / 年报
REPORT_NAME = re.compile(r"(?:政府|政务)?信息公开(?:工作)?(?:(?:19|20)\d{2}\s*年度?|年度|年)?(?:工作)?(?:报告|年报)")
#: what may follow the report name: a bracketed variant note, or "-单位简称" / "_栏目_站点" page-title tails
_SUFFIX = re.compile(rf"^(?:[(\[【〔][^)\]】〕]{{0,20}}[)\]】〕])*(?:[-_—|·].*)?(?:\.(?:{ATTACHMENT_ALTERNATION}))?$", re.I)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([〇○零一二][〇○零一二三四五六七八九]{3})\s*年")
#: the year phrase removed from a title to get its publisher
YEAR_PHRASE = re.compile(r"(?:(?:19|20)\d{2}|[〇○零一二][〇○零一二三四五六七八九]{3})\s*年度?")


#: CJK radicals a PDF font prints in place of the character (⺠ for 民, ⻓ for 长): NFKC folds the Kangxi
#: radicals (U+2F00…) and compatibility ideographs, not these
_RADICALS = str.maketrans("⺠⻓⻅⻔⻋⻛⻢⻥⻩⻬⻮⻰⻆⻝⻣⻤⻜⻚⻉⻄⻘⻨⻦⺟⻧", "民长见门车风马鱼黄齐齿龙角食骨鬼飞页贝西青麦鸟母卤")
_COMPAT = re.compile("[\u2f00-\u2fdf\uf900-\ufaff]")


def fold_cjk(text: str) -> str:
    """Radical and compatibility forms of CJK characters (what PDF text layers print: ⼯作, ⼈⺠) as the
    characters themselves; everything else (full-width punctuation included) as printed."""
    text = _COMPAT.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    return text.translate(_RADICALS)


def normalize_title(title: str) -> str:
    """NFKC (full-width ASCII -> ASCII) and no whitespace: titles are compared in this form."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", fold_cjk(title or "")))


def title_year(title: str | None) -> int | None:
    """The report year written in the title (Arabic or Chinese digits), or None."""
    t = normalize_title(title or "")
    m = _YEAR.search(t)
    if m:
        return int(m.group(1))
    m = _CN_YEAR.search(t)
    if m:
        year = int(m.group(1).translate(_CN_DIGITS))
        return year if 1990 <= year <= 2100 else None
    return None


def _report_match(t: str) -> re.Match[str] | None:
    """The first report-name match whose tail is only an allowed suffix (page titles add "_栏目_站点")."""
    for m in REPORT_NAME.finditer(t):
        if _SUFFIX.match(t[m.end():]):
            return m
    return None


def is_report_title(title: str | None) -> bool:
    """True for a 政府信息公开工作年度报告 title (any variant), False for other items of the column."""
    t = normalize_title(title or "")
    if not t or len(t) > 120:
        return False
    m = _report_match(t)
    if m is None:
        return False
    head = t[:m.start()]
    if head.startswith(("关于", "转发", "印发")) or head.endswith(("关于", "的")):
        return False
    return title_year(t) is not None or "年度报告" in m.group(0)


def title_publisher(title: str | None) -> str | None:
    """The body a report title names: the title without year phrase, report name and suffixes."""
    t = normalize_title(title or "")
    m = _report_match(t)
    if m is None:
        return None
    head = YEAR_PHRASE.sub("", t[:m.start()])
    head = head.strip(" -_—·:：,，、")
    head = re.sub(r"关于$", "", head)  # "XX局关于2023年政府信息公开工作年度报告"
    return head or None
