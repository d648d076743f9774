"""Label normalisation shared by the header, metadata and table readers.

Real pages write the same label many ways ("索  引 号：", "（一）予以公开" vs "(一)予以公开",
full-width digits, stray spaces from Word); comparing normalised labels makes one rule serve all.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


def norm_label(text: str) -> str:
    """NFKC (full-width -> ASCII), no whitespace at all, no trailing colon."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub("", text)
    return text.rstrip(":：")


#: labels of the article metadata header (索引号/发布机构/生成日期 …), normalised
HEADER_LABELS: frozenset[str] = frozenset(
    """索引号 信息索引号 索取号 分类 信息分类 组配分类 主题分类 体裁分类 公开方式 公开范围 公开类别
    发布机构 发文机关 发文单位 发布单位 信息来源 来源 公开责任部门 责任部门 主办单位
    公开日期 发布日期 生成日期 发文日期 成文日期 印发日期 发布时间 生效时间 生效日期 终止时间 废止日期
    文号 发文字号 发布文号 文件编号 关键词 关键字 主题词 名称 标题 信息名称 文件名称
    有效性 时效 时效性 效力状态 内容概述 摘要 浏览次数 文件下载 附件 统一编号 登记号""".split()
)


#: what a blank cell is printed as (after norm_label): missing, never 0
BLANK: frozenset[str] = frozenset({"", "/", "\\", "-", "--", "—", "——", "–", "－", "无", "空", "/ ", "×"})

_NUMBER = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)$")
_UNIT = re.compile(r"(万元|元|件|条|个|项|人次|人|次|家)$")


def parse_number(text: str) -> int | float | None:
    """A printed cell -> number: spaces dropped (numbers split by tags or stray spaces), thousands
    separators and a unit suffix (元, 万元, 件 …) removed, "-18"/"－18"/"−18" negative. Else None."""
    t = _SPACES.sub("", unicodedata.normalize("NFKC", text)).replace("\u2212", "-")
    t = re.sub(r"(?<=\d)[,，](?=\d{3})", "", t)
    t = _UNIT.sub("", t)
    m = _NUMBER.match(t)
    if not m:
        return None
    sign = -1 if m.group(1) == "-" else 1
    raw = m.group(2)
    return sign * (float(raw) if "." in raw else int(raw))
