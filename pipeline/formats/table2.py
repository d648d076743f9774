"""Table 二 主动公开政府信息情况 -> `proactive.<row>.<col>`.

One table of sub-tables, each under a caption 第二十条第（N）项 (the items of art. 20 of the 条例) and its own
header row starting with 信息内容. The 2021 format (国办公开办函〔2021〕30号) changed it completely: different
columns, 规范性文件 renamed 行政规范性文件, (五)其他对外管理服务事项 and (九)政府集中采购 dropped, fees as an
amount in 万元. Sources: spec/metrics.md; reference/domain.md §1.3.
"""

from __future__ import annotations

from .model import Block, Column, Row, TableModel

HEADING = "二、主动公开政府信息情况"
CONTENT_HEAD = "信息内容"
CAPTION = "第二十条第（{n}）项"
CAPTION_CUE = "第二十条"

RULES = Row("rules", "规章", cues=("^规章$",), meaning="rules (规章)")
NORMATIVE_2021 = Row("normative", "行政规范性文件", variants=("规范性文件",), cues=("规范性文件",),
                     meaning="normative documents")
NORMATIVE_2019 = Row("normative", "规范性文件", variants=("行政规范性文件",), cues=("规范性文件",),
                     meaning="normative documents")
LICENSING = Row("licensing", "行政许可", cues=("行政许可",), meaning="administrative licensing")
OTHER_SERVICES = Row("other_services", "其他对外管理服务事项", cues=("其他对外管理服务",),
                     meaning="other external management services", formats=("2019",))
PENALTY = Row("penalty", "行政处罚", cues=("行政处罚",), meaning="administrative penalties")
COERCION = Row("coercion", "行政强制", cues=("行政强制",), meaning="administrative coercion")
FEES = Row("fees", "行政事业性收费", cues=("事业性收费",), meaning="administrative fees")
PROCUREMENT = Row("procurement", "政府集中采购", cues=("集中采购",), meaning="central government procurement",
                  formats=("2019",))

# 2021 columns
ISSUED = Column("issued", "本年制发件数", cues=("制发",), meaning="issued in the year")
REPEALED = Column("repealed", "本年废止件数", cues=("废止",), meaning="repealed in the year")
IN_FORCE = Column("in_force", "现行有效件数", cues=("现行有效",), meaning="in force at the end of the year")
DECISIONS_2021 = Column("decisions", "本年处理决定数量", variants=("处理决定数量",), cues=("处理决定",),
                        meaning="decisions made in the year")
AMOUNT_10K = Column("amount_10k_yuan", "本年收费金额（单位：万元）",
                    variants=("本年收费金额", "上一年项目本年收费金额"),  # a garbled header merged with 2019's
                    cues=("收费金额",), unit="万元", meaning="fees collected in the year, in 10,000 yuan")
# 2019 columns
MADE = Column("made", "本年新制作数量", variants=("本年新作数量",), cues=("新制?作",), meaning="made in the year")
PUBLISHED = Column("published", "本年新公开数量", cues=("新公开",), meaning="published in the year")
PUBLISHED_TOTAL = Column("published_total", "对外公开总数量", cues=("公开总数",), meaning="published in total")
PREV_ITEMS = Column("prev_items", "上一年项目数量", cues=("上一?年项目",), meaning="items at the end of the previous year")
CHANGE = Column("change", "本年增/减", variants=("本年增减",), cues=("增/?减", "增减"),
                meaning="change in the year (may be negative)")
DECISIONS_2019 = Column("decisions", "处理决定数量", variants=("本年处理决定数量",), cues=("处理决定",),
                        meaning="decisions made in the year")
PROC_ITEMS = Column("items", "采购项目数量", cues=("采购项目",), meaning="procurement items")
PROC_AMOUNT = Column("amount_yuan", "采购总金额", cues=("采购总金额", "总金额"), unit="元",
                     meaning="procurement amount, in yuan")

#: a header cell is tried against the columns in this order (收费金额 before 上一年项目: a garbled
#: "上一年项目本年收费金额" is the 2021 amount column)
COLUMN_MATCH_ORDER: tuple[Column, ...] = (AMOUNT_10K, ISSUED, REPEALED, IN_FORCE, MADE, PUBLISHED, PUBLISHED_TOTAL,
                                          PREV_ITEMS, CHANGE, DECISIONS_2019, PROC_ITEMS, PROC_AMOUNT)
ROW_MATCH_ORDER: tuple[Row, ...] = (RULES, NORMATIVE_2021, OTHER_SERVICES, LICENSING, PENALTY, COERCION, FEES,
                                    PROCUREMENT)


def _caption(n: str) -> str:
    return CAPTION.format(n=n)


T2_2021 = TableModel(
    id="二", format="2021", title="主动公开政府信息情况", heading=HEADING, key_form="proactive.{row}.{col}",
    blocks=(
        Block(_caption("一"), (RULES, NORMATIVE_2021), (ISSUED, REPEALED, IN_FORCE)),
        Block(_caption("五"), (LICENSING,), (DECISIONS_2021,)),
        Block(_caption("六"), (PENALTY, COERCION), (DECISIONS_2021,)),
        Block(_caption("八"), (FEES,), (AMOUNT_10K,)),
    ))

T2_2019 = TableModel(
    id="二", format="2019", title="主动公开政府信息情况", heading=HEADING, key_form="proactive.{row}.{col}",
    blocks=(
        Block(_caption("一"), (RULES, NORMATIVE_2019), (MADE, PUBLISHED, PUBLISHED_TOTAL)),
        Block(_caption("五"), (LICENSING, OTHER_SERVICES), (PREV_ITEMS, CHANGE, DECISIONS_2019)),
        Block(_caption("六"), (PENALTY, COERCION), (PREV_ITEMS, CHANGE, DECISIONS_2019)),
        Block(_caption("八"), (FEES,), (PREV_ITEMS, CHANGE)),
        Block(_caption("九"), (PROCUREMENT,), (PROC_ITEMS, PROC_AMOUNT)),
    ))


def keys() -> frozenset[str]:
    """Every key table 二 prints, in either format."""
    return frozenset((*T2_2019.keys(), *T2_2021.keys()))
