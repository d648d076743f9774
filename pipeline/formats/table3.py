"""Table 三 收到和处理政府信息公开申请情况 (formats 2019 and 2021) -> `apps.<row>.<col>`.

Sources: spec/metrics.md; reference/domain.md §1.4 (上海 2019 HTML, 平潭 2019–2024, Hangzhou-style fixture,
KIROGOVCOMPARE and govnianbao templates). The two formats differ only in （六）其他处理: one row in 2019,
three numbered rows in 2021.
"""

from __future__ import annotations

from .model import Block, Column, Group, Identity, Row, TableModel

HEADING = "三、收到和处理政府信息公开申请情况"
#: the header cell over the label columns: the table states its own balance
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANTS = "申请人情况"
ORGANISATIONS = "法人或其他组织"

# ---------------------------------------------------------------------------------------------- columns

APPLICANT_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人", cues=("自然人",), meaning="applications from natural persons"),
    Column("org_business", "商业企业", cues=("商业企业",), meaning="applications from businesses"),
    Column("org_research", "科研机构", cues=("科研机构",), meaning="applications from research institutions"),
    Column("org_nonprofit", "社会公益组织", variants=("公益组织",), cues=("社会公益组织", "公益组织"),
           meaning="applications from non-profit organisations"),
    Column("org_legal", "法律服务机构", cues=("法律服务机构",), meaning="applications from legal service providers"),
    Column("org_other", "其他", variants=("其它", "其他组织"), cues=("^其[他它](组织)?$",),
           meaning="applications from other organisations"),
)
#: not in the official layout; some templates print it between 其他 and 总计
SUBTOTAL = Column("org_subtotal", "法人或其他组织小计", variants=("小计",), cues=("法人.*小计", "^小计$"),
                  meaning="subtotal of the five organisation columns")
TOTAL = Column("total", "总计", variants=("合计",), cues=("总计", "合计"), meaning="all applicants")
COLUMNS: tuple[Column, ...] = (*APPLICANT_COLUMNS, TOTAL)
COLUMNS_WITH_SUBTOTAL: tuple[Column, ...] = (*APPLICANT_COLUMNS, SUBTOTAL, TOTAL)
#: order in which header cells are tried against the columns (a 小计 before 总计, 其他 last)
HEADER_MATCH_ORDER: tuple[Column, ...] = (*APPLICANT_COLUMNS[:5], SUBTOTAL, TOTAL, APPLICANT_COLUMNS[5])

APPLICANT_KEYS: tuple[str, ...] = tuple(c.key for c in APPLICANT_COLUMNS)
ORG_KEYS: tuple[str, ...] = APPLICANT_KEYS[1:]
ALL_COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS_WITH_SUBTOTAL)

# ---------------------------------------------------------------------------------------------- rows

GROUPS: tuple[Group, ...] = (
    Group("result", "本年度办理结果", "三、"),
    Group("withheld", "不予公开", "（三）"),
    Group("unable", "无法提供", "（四）"),
    Group("ignored", "不予处理", "（五）"),
    Group("other", "其他处理", "（六）", variants=("其它处理",)),
)

NEW = Row("new", "本年新收政府信息公开申请数量", "一、", variants=("本年度新收政府信息公开申请数量",),
          cues=("本年(度)?新收", "新收"), meaning="applications received in the year")
CARRIED_IN = Row("carried_in", "上年结转政府信息公开申请数量", "二、", variants=("上年度结转政府信息公开申请数量",),
                 cues=("上年(度)?结转",), meaning="applications carried over from the previous year")

_W = "result"
LEAVES_COMMON: tuple[Row, ...] = (
    Row("result.disclosed", "予以公开", "（一）", _W, cues=("予以公开",), meaning="disclosed"),
    Row("result.partial", "部分公开（区分处理的，只计这一情形，不计其他情形）", "（二）", _W,
        variants=("部分公开",), cues=("部分公开",), meaning="partly disclosed (counted only here)"),
    Row("result.withheld.state_secret", "属于国家秘密", "1.", "withheld", cues=("国家秘密",),
        meaning="withheld: state secret"),
    Row("result.withheld.law_forbidden", "其他法律行政法规禁止公开", "2.", "withheld", cues=("法规禁止", "禁止公开"),
        meaning="withheld: forbidden by other laws and regulations"),
    Row("result.withheld.security_stability", "危及“三安全一稳定”", "3.", "withheld",
        variants=('危及"三安全一稳定"', "危及三安全一稳定"), cues=("三安全", "一稳定", "危及"),
        meaning="withheld: endangers the three securities and stability"),
    Row("result.withheld.third_party", "保护第三方合法权益", "4.", "withheld", cues=("第三方",),
        meaning="withheld: third parties' lawful rights"),
    Row("result.withheld.internal_affairs", "属于三类内部事务信息", "5.", "withheld", cues=("内部事务",),
        meaning="withheld: internal affairs"),
    Row("result.withheld.process_info", "属于四类过程性信息", "6.", "withheld", cues=("过程性",),
        meaning="withheld: process information"),
    Row("result.withheld.enforcement_file", "属于行政执法案卷", "7.", "withheld", cues=("执法案卷",),
        meaning="withheld: administrative enforcement file"),
    Row("result.withheld.query_matter", "属于行政查询事项", "8.", "withheld", cues=("查询事项", "行政查询"),
        meaning="withheld: administrative query matter"),
    Row("result.unable.not_held", "本机关不掌握相关政府信息", "1.", "unable", cues=("不掌握",),
        meaning="unable: the body does not hold the information"),
    Row("result.unable.needs_creation", "没有现成信息需要另行制作", "2.", "unable", cues=("另行制作", "没有现成"),
        meaning="unable: would have to be created"),
    Row("result.unable.unclear", "补正后申请内容仍不明确", "3.", "unable", cues=("补正后", "仍不明确"),
        meaning="unable: still unclear after correction"),
    Row("result.ignored.petition", "信访举报投诉类申请", "1.", "ignored", cues=("信访", "举报投诉"),
        meaning="not processed: petition, report or complaint"),
    Row("result.ignored.repeat", "重复申请", "2.", "ignored", cues=("重复申请",), meaning="not processed: repeated"),
    Row("result.ignored.publication", "要求提供公开出版物", "3.", "ignored", cues=("出版物",),
        meaning="not processed: asks for a publication"),
    Row("result.ignored.excessive", "无正当理由大量反复申请", "4.", "ignored", cues=("大量反复",),
        meaning="not processed: many repeated applications without good reason"),
    Row("result.ignored.reconfirm", "要求行政机关确认或重新出具已获取信息", "5.", "ignored",
        cues=("重新出具", "确认或"), meaning="not processed: asks to confirm or reissue information already had"),
)
OTHER_2019: tuple[Row, ...] = (
    Row("result.other", "其他处理", "（六）", _W, variants=("其它处理",), cues=(r"^(\(六\)|六、)?其[他它]处理$",),
        meaning="other handling (2019 format: one row)", formats=("2019",)),
)
OTHER_2021: tuple[Row, ...] = (
    Row("result.other.no_correction", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "1.", "other",
        cues=("不补正",), meaning="other: applicant did not correct in time", formats=("2021",)),
    Row("result.other.no_fee", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "2.", "other",
        cues=("收费通知", "缴纳费用"), meaning="other: applicant did not pay the fee in time", formats=("2021",)),
    Row("result.other.misc", "其他", "3.", "other", variants=("其它", "其他情形", "其他情况", "其他处理"),
        group_cues=(r"^(?:(?:\d+[.、．]?|\(\d+\))其[他它](?:情形|情况|处理|原因)?|其[他它](?:情形|情况)?)$",),
        meaning="other: anything else", formats=("2021",)),
)
RESULT_TOTAL = Row("result.total", "总计", "（七）", _W, variants=("合计",), cues=("总计", "合计"),
                   meaning="all applications handled in the year")
CARRIED_OUT = Row("carried_out", "结转下年度继续办理", "四、", variants=("结转下一年度继续办理",), cues=("结转下(一)?年",),
                  meaning="applications carried over to next year")


def rows(fmt: str) -> tuple[Row, ...]:
    """The data rows of table 三 in print order."""
    other = OTHER_2021 if fmt == "2021" else OTHER_2019
    return (NEW, CARRIED_IN, *LEAVES_COMMON, *other, RESULT_TOTAL, CARRIED_OUT)


def leaves(fmt: str) -> tuple[Row, ...]:
    """The outcome rows that sum to （七）总计."""
    return (*LEAVES_COMMON, *(OTHER_2021 if fmt == "2021" else OTHER_2019))


#: every row of either format, in the order a label is tried against them (group-only cues last)
MATCH_ORDER: tuple[Row, ...] = (NEW, CARRIED_IN, CARRIED_OUT, *LEAVES_COMMON, *OTHER_2021[:2], RESULT_TOTAL,
                                *OTHER_2019, OTHER_2021[2])


def _identities(fmt: str) -> tuple[Identity, ...]:
    cols = ALL_COLUMN_KEYS
    row_keys = tuple(r.key for r in rows(fmt))
    return (
        Identity("T3-BALANCE", ("apps.new.{c}", "apps.carried_in.{c}"), ("apps.result.total.{c}", "apps.carried_out.{c}"),
                 (("c", cols),), "一 + 二 = 三(七) + 四, per column (the table's header states it)", (fmt,)),
        Identity("T3-RESULT-SUM", ("apps.result.total.{c}",), tuple(f"apps.{r.key}.{{c}}" for r in leaves(fmt)),
                 (("c", cols),), "（七）总计 = Σ outcome rows, per column (each application has one outcome)", (fmt,)),
        Identity("T3-ROW-SUM", ("apps.{r}.total",), tuple(f"apps.{{r}}.{c}" for c in APPLICANT_KEYS),
                 (("r", row_keys),), "总计 column = Σ the six applicant columns, per row", (fmt,)),
        Identity("T3-ROW-SUM", ("apps.{r}.org_subtotal",), tuple(f"apps.{{r}}.{c}" for c in ORG_KEYS),
                 (("r", row_keys),), "法人或其他组织小计 = Σ the five organisation columns, where printed", (fmt,)),
    )


def table(fmt: str) -> TableModel:
    return TableModel(
        id="三", format=fmt, title="收到和处理政府信息公开申请情况", heading=HEADING,
        blocks=(Block("", rows(fmt), COLUMNS_WITH_SUBTOTAL),), key_form="apps.{row}.{col}",
        identities=_identities(fmt), groups=GROUPS)


T3_2019 = table("2019")
T3_2021 = table("2021")
