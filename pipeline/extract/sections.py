"""A report's text cut into its sections, each named by what it reports on.

A statistic counts only in the section where it belongs: the 举报投诉 of an 环保 paragraph in the
主动公开 section is not `complaints.total`, the numbers of the 主动公开 section are not application
counts, and the plans of 存在的主要问题及改进情况 are no statistics at all. So prose rules read the
sections they name, not the whole text (pipeline.extract.prose).

Headings are found by their numbering and wording, as own lines or inside flattened text (page
text, PDF text layer): the six sections 一 … 六 of the 2019/2021 formats and the parts of the legacy
reports (概述, 主动公开, 依申请公开, 收费及减免, 复议诉讼, 机构人员培训, 问题, 其他事项, 统计表).
Numerals must rise (a heading quoted again later, or a table row "一、本年新收…", starts nothing).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.formats.sections import ALSO, HEADINGS

_NUMERALS = "一二三四五六七八九十"
#: a top-level heading: a bare numeral (not （一）), 、 or ., then (after at most a few words such as
#: 政府信息公开工作) the heading wording; a report numbering its parts only （一）…（六） is read by those
_HEAD = re.compile(r"(?<![（(\w])([一二三四五六七八九十]{1,2})\s*[、.．]\s*")
#: an unknown heading stands alone: a short title without digits or commas, then a line break or a space
_TITLE_ONLY = re.compile(r"[\u4e00-\u9fff、（）()]{2,24}(?:情况|事项|措施|工作|建设|问题)(?:\n|\s)")
_HEAD_PAREN = re.compile(r"[（(]([一二三四五六七八九十]{1,2})[）)]\s*")
_WORDING = [(name, re.compile(rx)) for name, rx in HEADINGS]
#: the words a heading may hold: up to 24 characters, not past a line break, a sentence mark or a number
_TITLE_WINDOW = re.compile(r"[^，。；,;：:\d\n]{1,24}")


@dataclass(frozen=True)
class Section:
    """One part of a report: `name` (overview, proactive, apps, fees, review, support, problems,
    other, table; "unknown" for a part on something else, "intro" before the first heading, "whole"
    when no heading was found), the other topics its heading names (`also`) and its text."""

    name: str
    numeral: str
    text: str
    also: frozenset[str] = frozenset()
    #: where the heading line ends in `text` (0 for intro/whole)
    title_end: int = 0

    @property
    def names(self) -> frozenset[str]:
        return self.also | {self.name}

    @property
    def title(self) -> str:
        return self.text[:self.title_end].strip()

    @property
    def body(self) -> str:
        """The text under the heading (the heading's words are no statement: 三、依申请公开及咨询情况)."""
        return self.text[self.title_end:].lstrip(" \t\n:：,，、。")


_TITLE_END = re.compile(r"情况|事项|措施|概述|概况|问题|统计表")


def _title_end(text: str) -> int:
    """End of the heading at the start of `text`: its line, or in flattened text the first space or
    (glued to the text) the first 情况/事项/… within 40 characters, if no sentence or number comes first."""
    lead = re.match(r"[（(]?[一二三四五六七八九十]{1,2}[）)]?\s*[、.．]?\s*", text)
    start = lead.end() if lead else 0
    head = text[:start + 40]
    gap = re.compile(r"\s").search(head, start)
    if gap and not re.search(r"[，。；,;:：\d]", head[start:gap.start()]):
        return gap.start()
    m = _TITLE_END.search(head, start)
    if m and not re.search(r"[，。；,;:：\d]", head[start:m.start()]):
        return m.end()
    return start  # the heading runs into its text: keep it all


def _also(heading: str) -> frozenset[str]:
    """Topics named in a heading line (at most 16 characters of it when the heading runs into text)."""
    title = heading.split("\n", 1)[0] if "\n" in heading[:40] else heading[:18]
    title = re.split(r"[。；;]", title, maxsplit=1)[0]
    return frozenset(name for name, rx in ALSO if re.search(rx, title))


def _numeral_value(s: str) -> int:
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + _NUMERALS.index(s[1]) + 1
    return _NUMERALS.index(s[0]) + 1


def heading_at(text: str, pos: int) -> str | None:
    """The section name of a heading whose words start at `pos`: the wording found earliest in its first
    words ("一、总体情况" is the overview even if "主动公开" follows), ties in HEADINGS order; or None."""
    window = _TITLE_WINDOW.match(text, pos)
    if window is None:
        return None
    found = [(m.start(), i, name) for i, (name, rx) in enumerate(_WORDING) if (m := rx.search(window.group(0)))]
    found = [f for f in found if f[0] <= 12]
    return min(found)[2] if found else None


def split_sections(text: str) -> list[Section]:
    """The sections of `text` in reading order (text NFKC-normalised for matching, kept as given)."""
    flat = unicodedata.normalize("NFKC", text)
    if len(flat) != len(text):  # NFKC changed lengths: cut the normalised text instead
        text = flat
    heads = _headings(flat, _HEAD)
    if len(heads) < 2:
        heads = _headings(flat, _HEAD_PAREN) if len(_headings(flat, _HEAD_PAREN)) >= 2 else heads
    if not heads:
        return [Section("whole", "", text)]
    out = [Section("intro", "", text[:heads[0][0]])] if text[:heads[0][0]].strip() else []
    for i, (start, numeral, name) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        part = text[start:end]
        out.append(Section(name, numeral, part, _also(part) - {name}, _title_end(part)))
    return out


def _headings(flat: str, head: re.Pattern[str]) -> list[tuple[int, str, str]]:
    """(position, numeral, section name) of the headings numbered as `head` says, numerals rising."""
    heads: list[tuple[int, str, str]] = []
    last = 0
    for m in head.finditer(flat):
        line_start = flat.rfind("\n", 0, m.start()) + 1
        before = flat[line_start:m.start()].strip()
        if before and not before.endswith(("。", "；", ";", "!", "！")):
            continue  # "第二、…", a list inside a sentence
        value = _numeral_value(m.group(1))
        name = heading_at(flat, m.end())
        if name is None and value == last + 1 and _TITLE_ONLY.match(flat, m.end()):
            name = "unknown"  # a part no rule reads ("四、审批事项及处理情况"): its numbers stay out of the others
        if name is None or value <= last or value > last + 3:
            continue
        heads.append((m.start(), m.group(1), name))
        last = value
    return heads
