"""The legacy (≤ 2018) 政府信息公开情况统计表 and the narrative statistics of the old 条例.

Two layouts: the Fujian-style table `指标名称 | 计量单位 | YYYY年度 | 历年累计` (only the year column is this
year's value; 历年累计 is cumulative and has no key) and the 2014–2018 national-style table
`统计指标 | 单位 | 统计数` (国办发〔2014〕32号). Both print one statistic per row, so one list of rows serves
both. 维持 / 纠错 / 其他情形 rows belong to 行政复议 or 行政诉讼 by the section row above them: such rows carry
the section as their `group`.
`*_SPOKEN` say how a prose report names the same statistics.
Sources: reference/domain.md §1.6 (平潭 2011/2018, 莆田 2009 template, 阜阳 2018, qianlima excerpt).
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Block, Column, Identity, Row, TableModel

TITLE = "政府信息公开情况统计表"
#: header cells: the label column, the unit column, this year's value column, the cumulative column
LABEL_HEAD = Column("label", "指标名称", variants=("统计指标", "项目", "名称"), cues=("指标", "^项目$", "^名称$"))
UNIT_HEAD = Column("unit", "计量单位", variants=("单位",), cues=("^计量单位$", "^单位$"))
VALUE_HEAD = Column("value", "{y}年度", variants=("统计数", "本年", "数量", "数值"),
                    cues=("年度", "本年", "统计数", "数量", "数值", r"\d{4}年"))
CUMULATIVE_HEAD = Column("cumulative", "历年累计", cues=("累计",))
#: units a legacy table prints (a flattened row ends its label with one of them)
UNITS: tuple[str, ...] = ("万元", "元", "人次", "条", "件", "人", "次", "个", "场", "期")


@dataclass(frozen=True)
class Statistic:
    """How a prose report names a statistic (`spoken`) next to the table row."""

    key: str
    spoken: str


def _r(key: str, label: str, *variants: str, unit: str = "件", group: str = "", numbering: str = "",
       meaning: str = "") -> Row:
    return Row(key, label, numbering, group, variants=variants, unit=unit, meaning=meaning, formats=("legacy",))


ROWS: tuple[Row, ...] = (
    _r("proactive.total", "主动公开信息数", "主动公开文件数", "主动公开政府信息数", "主动公开信息总数", unit="条",
       meaning="information published proactively in the year"),
    _r("apps.new.total", "受理依申请公开信息总数", "依申请公开信息总数", "受理申请总数", "收到申请数", "申请总数",
       meaning="applications received in the year"),
    _r("legacy.apps.in_person", "当面申请数", numbering="其中：1.", meaning="applications in person"),
    _r("legacy.apps.fax", "传真申请数", numbering="2.", meaning="applications by fax"),
    _r("legacy.apps.email", "电子邮件申请数", numbering="3.", meaning="applications by e-mail"),
    _r("legacy.apps.online", "网上申请数", "网络申请数", numbering="4.", meaning="applications online"),
    _r("legacy.apps.letter", "信函申请数", numbering="5.", meaning="applications by letter"),
    _r("legacy.apps.other", "其它形式申请数", "其他形式申请数", numbering="6.", meaning="applications in other forms"),
    _r("legacy.answers.total", "对申请的答复数", "对申请的答复总数", "申请答复数", "答复总数",
       meaning="applications answered"),
    _r("legacy.answers.already_public", "属于已主动公开范围数", meaning="answered: already published"),
    _r("legacy.answers.disclosed", "同意公开答复数", numbering="其中：1.", meaning="answered: disclosed"),
    _r("legacy.answers.partial", "同意部分公开答复数", numbering="2.", meaning="answered: partly disclosed"),
    _r("legacy.answers.refused", "否决公开答复数", "不同意公开答复数", "不予公开答复数", numbering="3.",
       meaning="answered: refused"),
    _r("legacy.answers.not_this_agency", "不属于本行政机关公开数", meaning="answered: not this body's information"),
    _r("legacy.answers.not_exist", "申请信息不存在数", meaning="answered: information does not exist"),
    _r("legacy.answers.amend", "告知作出更改补充数", meaning="answered: asked to amend the application"),
    _r("legacy.answers.other_channel", "告知通过其他途径办理数", meaning="answered: referred to another channel"),
    _r("legacy.answers.other", "其他类型答复数", "其它类型答复数", meaning="answered otherwise"),
    _r("review.total", "行政复议数", "行政复议数量", group="review", meaning="administrative reviews"),
    _r("review.upheld", "维持具体行政行为数", group="review", meaning="reviews: decision upheld"),
    _r("review.corrected", "被依法纠错数", group="review", meaning="reviews: corrected by law"),
    _r("review.other", "其他情形数", group="review", meaning="reviews: other outcome"),
    _r("suit.total", "行政诉讼数", "行政诉讼数量", group="suit", meaning="lawsuits"),
    _r("suit.upheld", "维持具体行政行为或者驳回原告诉讼请求数", "维持具体行政行为数", group="suit",
       meaning="lawsuits: decision upheld or claim dismissed"),
    _r("suit.corrected", "被依法纠错数", group="suit", meaning="lawsuits: corrected by law"),
    _r("suit.other", "其他情形数", group="suit", meaning="lawsuits: other outcome"),
    _r("complaints.total", "行政申诉数", "举报投诉数量", "举报投诉数", meaning="complaints and reports"),
    _r("fees.collected_yuan", "依申请公开信息收取的费用", unit="元", meaning="fees collected for disclosure, yuan"),
    _r("staff.total", "从事政府信息公开工作人员数", unit="人", meaning="staff working on disclosure"),
    _r("staff.full_time", "专职人员数", unit="人", meaning="full-time staff"),
    _r("staff.part_time", "兼职人员数", unit="人", meaning="part-time staff"),
    _r("budget.amount_10k_yuan", "政府信息公开专项经费", unit="万元", meaning="dedicated budget, 10,000 yuan"),
    _r("training.sessions", "举办各类培训班数", unit="次", meaning="training sessions"),
    _r("training.trainees", "接受培训人员数", unit="人次", meaning="people trained"),
)
#: section rows that switch 维持 / 纠错 / 其他情形 between 行政复议 and 行政诉讼 (label prefix -> group)
SECTION_PREFIXES: tuple[tuple[str, str], ...] = (("行政复议", "review"), ("行政诉讼", "suit"))

#: how legacy prose names the answer categories and channels (and the sample web writes them)
ANSWERS_SPOKEN: tuple[Statistic, ...] = tuple(Statistic(f"legacy.answers.{k}", s) for k, s in (
    ("already_public", "属于已主动公开范围"), ("disclosed", "同意公开"), ("partial", "同意部分公开"),
    ("refused", "不同意公开"), ("not_this_agency", "不属于本行政机关公开"), ("not_exist", "申请信息不存在"),
    ("amend", "告知作出更改补充"), ("other_channel", "告知通过其他途径办理")))
CHANNELS_SPOKEN: tuple[Statistic, ...] = tuple(Statistic(f"legacy.apps.{k}", s) for k, s in (
    ("in_person", "当面申请"), ("fax", "传真申请"), ("email", "电子邮件申请"), ("online", "网上申请"),
    ("letter", "信函申请"), ("other", "其他形式申请")))
REVIEW_SPOKEN = {"review": ("行政复议", "维持具体行政行为"), "suit": ("行政诉讼", "维持具体行政行为或者驳回原告诉讼请求")}
#: the rows of the Fujian-style table, in print order (平潭 2011, 莆田 2009 template)
FUJIAN_ROWS: tuple[str, ...] = (
    "proactive.total", "apps.new.total", "legacy.apps.in_person", "legacy.apps.fax", "legacy.apps.email",
    "legacy.apps.online", "legacy.apps.letter", "legacy.apps.other", "legacy.answers.total",
    "legacy.answers.disclosed", "legacy.answers.partial", "legacy.answers.refused", "review.total", "suit.total",
    "complaints.total")

ANSWER_KEYS: tuple[str, ...] = tuple(f"legacy.answers.{c}" for c in (
    "already_public", "disclosed", "partial", "refused", "not_this_agency", "not_exist", "amend", "other_channel",
    "other"))
#: sets of answer categories that cover every answer: the Fujian-style table with its catch-all "other",
#: or the eight categories of the 2014 national statistics scheme
ANSWERS_COMPLETE: tuple[tuple[str, ...], ...] = (
    tuple(f"legacy.answers.{c}" for c in ("disclosed", "partial", "refused", "other")),
    ANSWER_KEYS[:8],
)
CHANNEL_KEYS: tuple[str, ...] = tuple(s.key for s in CHANNELS_SPOKEN)

IDENTITIES: tuple[Identity, ...] = (
    Identity("L-ANSWER-SUM", ("legacy.answers.total",), ANSWER_KEYS, meaning="答复总数 = Σ answer categories",
             formats=("legacy",)),
    Identity("L-REVIEW-SUM", ("{g}.total",), ("{g}.upheld", "{g}.corrected", "{g}.other"), (("g", ("review", "suit")),),
             "复议/诉讼 total = 维持 + 纠错 + 其他情形", ("legacy",)),
    Identity("L-STAFF-SUM", ("staff.total",), ("staff.full_time", "staff.part_time"), meaning="工作人员 = 专职 + 兼职",
             formats=("legacy",)),
    Identity("L-CHANNEL-SUM", ("apps.new.total",), CHANNEL_KEYS, meaning="受理申请总数 = Σ 申请方式",
             formats=("legacy",)),
)

LEGACY = TableModel(id="legacy", format="legacy", title=TITLE, heading="附表：" + TITLE,
                    blocks=(Block("", ROWS, (VALUE_HEAD,)),), key_form="{row}", identities=IDENTITIES)


def row(key: str) -> Row:
    return next(r for r in ROWS if r.key == key)
