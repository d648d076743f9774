"""The six sections of a 2019/2021-format report (reference/domain.md §1.2) and the legacy sections.

`words` tell a heading line from other lines that start with the same numeral (its topic, in any of the
observed wordings); `inline` finds a heading in text whose line breaks were lost (the format's own
wording, searched in whitespace-free text).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    numeral: str
    heading: str
    variants: tuple[str, ...]
    words: str
    inline: str


SECTIONS: tuple[Section, ...] = (
    Section("一", "一、总体情况", ("一、概述",), "总体|概述|基本情况|概况", r"一[、.．](?:总体情况|概述)"),
    Section("二", "二、主动公开政府信息情况", (), "主动公开", r"二[、.．]主动公开政府信息的?情况"),
    Section("三", "三、收到和处理政府信息公开申请情况", (), "申请", r"三[、.．]收到和处理政府信息公开申请情况"),
    Section("四", "四、政府信息公开行政复议、行政诉讼情况",
            ("四、政府信息公开行政法复议、行政诉讼情况", "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"),
            "复议|诉讼", r"四[、.．]因?政府信息公开(?:工作)?被?(?:申请)?行政法?复议"),
    Section("五", "五、存在的主要问题及改进情况",
            ("五、政府信息公开工作存在的主要问题及改进情况", "五、存在问题及改进情况"),
            "问题|改进|不足|整改", r"五[、.．](?:政府信息公开工作)?存在的?(?:主要)?问题"),
    Section("六", "六、其他需要报告的事项", (), "其他|其它", r"六[、.．]其[他它]需要报告的事项"),
)
NUMERALS: tuple[str, ...] = tuple(s.numeral for s in SECTIONS)

#: headings of a legacy (≤ 2018) report as the sample web writes them (old 条例 art. 32)
LEGACY_HEADINGS: tuple[str, ...] = (
    "一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况", "四、政府信息公开的收费及减免情况",
    "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "六、存在的主要问题及改进措施")


# -- topics: what a heading reports on, whatever its number (legacy numbering differs: 四 can be 收费) ---------
#: section names and the heading wordings that name them; a heading is named by the wording found
#: earliest in its words, ties in this order (因政府信息公开申请行政复议 is review, not apps)
HEADINGS: tuple[tuple[str, str], ...] = (
    ("review", r"(?:因|关于)?(?:政府信息公开)?(?:工作)?被?(?:申请)?(?:提起)?行政法?复议"),
    ("problems", r"(?:政府信息公开)?(?:工作)?(?:存在的?|面临的?)?(?:主要)?(?:问题|不足)"),
    ("fees", r"(?:政府信息公开)?(?:工作)?的?(?:收费|信息处理费)"),
    ("apps", r"(?:收到和处理政府信息公开申请|(?:政府信息)?依申请公开|受理(?:政府信息公开)?申请)"),
    ("proactive", r"主动公开"),
    ("other", r"其[他它](?:需要|应当)?报告|^其[他它](?:有关)?(?:事项|情况)"),
    ("overview", r"总体情况|概述|概况|基本情况|工作情况"),
    ("support", r"(?:政府信息公开)?(?:工作)?(?:机构|人员|队伍|保障|经费|培训|会议|举报投诉|回应解读)"),
    ("table", r"(?:政府信息公开)?(?:工作)?(?:情况)?统计表|附表"),
)
#: further topics a heading may name besides its first one ("五、收费及举报投诉", "行政复议诉讼和举报投诉情况",
#: "二、主动公开和依申请公开情况")
ALSO: tuple[tuple[str, str], ...] = (
    ("proactive", r"主动公开"),
    ("apps", r"依申请|申请公开"),
    ("review", r"复议|诉讼"),
    ("complaints", r"举报|投诉|申诉"),
    ("fees", r"收费|减免"),
    ("support", r"机构|人员|经费|培训"),
)
