"""Table 四 政府信息公开行政复议、行政诉讼情况 (identical in the 2019 and 2021 formats).

Printed as one value row under a three-row header (行政复议 | 行政诉讼: 未经复议直接起诉 · 复议后起诉), each
with 结果维持 · 结果纠正 · 其他结果 · 尚未审结 · 总计 — or as three sub-tables, one per group. In the model the
groups are rows and the outcomes columns: `<group>.<outcome>`. Source: reference/domain.md §1.5.
"""

from __future__ import annotations

from .model import Block, Column, Identity, Row, TableModel

HEADING = "四、政府信息公开行政复议、行政诉讼情况"
HEADING_VARIANTS = (
    "四、政府信息公开行政法复议、行政诉讼情况",  # 平潭 2022's typo
    "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
)
REVIEW_HEAD = "行政复议"
SUIT_HEAD = "行政诉讼"

GROUPS: tuple[Row, ...] = (
    Row("review", "行政复议", variants=("行政法复议",), cues=("行政复议", "行政法复议"),
        meaning="administrative reviews about disclosure"),
    Row("suit.direct", "未经复议直接起诉", variants=("行政诉讼（未经复议直接起诉）",), cues=("未经复议", "直接起诉"),
        meaning="lawsuits filed without a prior review"),
    Row("suit.after_review", "复议后起诉", variants=("行政诉讼（复议后起诉）",), cues=("复议后",),
        meaning="lawsuits filed after a review"),
)
#: a header path is tried against these in this order (复议后 before 行政复议, which it contains)
GROUP_MATCH_ORDER: tuple[Row, ...] = (GROUPS[2], GROUPS[1], GROUPS[0])

OUTCOMES: tuple[Column, ...] = (
    Column("upheld", "结果维持", cues=("维持",), meaning="upheld"),
    Column("corrected", "结果纠正", variants=("结果纠错",), cues=("纠正", "纠错"), meaning="corrected"),
    Column("other", "其他结果", cues=("其他",), meaning="other outcome"),
    Column("pending", "尚未审结", cues=("未审结", "尚未"), meaning="not yet concluded"),
    Column("total", "总计", variants=("合计", "小计"), cues=("总计", "合计", "小计"), meaning="all cases"),
)
GROUP_KEYS: tuple[str, ...] = tuple(g.key for g in GROUPS)
OUTCOME_KEYS: tuple[str, ...] = tuple(o.key for o in OUTCOMES)
PART_KEYS: tuple[str, ...] = OUTCOME_KEYS[:4]
#: the 15 value cells of the one-row layout, in print order
CELL_ORDER: tuple[tuple[str, str], ...] = tuple((g, o) for g in GROUP_KEYS for o in OUTCOME_KEYS)

IDENTITIES = (
    Identity("T4-SUM", ("{g}.total",), tuple(f"{{g}}.{p}" for p in PART_KEYS), (("g", GROUP_KEYS),),
             "结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计, for 复议 and both kinds of 诉讼"),
)
#: derived, not printed: 行政诉讼 total of the 2019/2021 formats
SUIT_TOTAL = ("suit.total", ("suit.direct.total", "suit.after_review.total"))


def table(fmt: str) -> TableModel:
    return TableModel(id="四", format=fmt, title="政府信息公开行政复议、行政诉讼情况", heading=HEADING,
                      blocks=(Block("", GROUPS, OUTCOMES),), key_form="{row}.{col}", identities=IDENTITIES,
                      heading_variants=HEADING_VARIANTS)


T4_2019 = table("2019")
T4_2021 = table("2021")
