"""Text of paged documents (PDF, DOC, scans): lines re-joined where the page wrapped them, and the words
of a publication header (索引号, 发布机构 …) that front ends recognise in a two-column header table."""

from __future__ import annotations

import re

#: the labels of the metadata header printed above a report (each front end reads it as label/value pairs)
HEADER_WORDS = frozenset(
    "索引号 信息索引号 索取号 分类 信息分类 组配分类 主题分类 发布机构 发文机关 信息来源 来源 公开日期 发布日期"
    " 生成日期 发文日期 成文日期 文号 发文字号 关键词 关键字 主题词 名称 标题 有效性 内容概述 浏览次数".split()
)


#: a line that starts a new paragraph, heading or table row, whatever the line before it
_LINE_START = re.compile(r"\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]\D|第[一二三四五六七八九十]+[章条部]"
                         r"|附[件表]|表[一二三四])")
_LINE_END = re.compile(r"[。！？：:；;]\s*$")


def _width(line: str) -> float:
    """Printed width in em: CJK and full-width forms take 1, ASCII half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in line)


def reflow(text: str) -> str:
    """Undo the line wrapping of a PDF's text layer: a line as wide as the text block continues on the
    next line (CJK text has no spaces to break at, so numbers and words are cut anywhere: "工作人员2" /
    "1人"), unless it ends a sentence or the next line starts a heading or a numbered row."""
    lines = text.split("\n")
    if len(lines) < 3:
        return text
    chars = [len(ln.rstrip()) for ln in lines]
    widths = [_width(ln.rstrip()) for ln in lines]

    def typical(values: list) -> float:
        top = max(values)
        long = [round(v) for v in values if v >= 0.8 * top]
        return max(set(long), key=lambda v: (long.count(v), v)) if len(long) >= 3 else top + 1

    full_chars, full_width = typical(chars), typical(widths)
    out: list[str] = []
    for i, line in enumerate(lines):
        joined = (out and i > 0 and (chars[i - 1] >= 0.9 * full_chars or widths[i - 1] >= 0.9 * full_width)
                  and not _LINE_END.search(lines[i - 1]) and line.strip() and not _LINE_START.match(line))
        if joined:
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)
