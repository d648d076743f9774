"""Narrative and legacy statistics from a report's prose (metrics.md, "Narrative and legacy statistics").

Legacy reports (≤ 2018) state their statistics only in sentences (全年主动公开政府信息357524条、增长2.45%)
or in a 统计表; 2019+ reports still state the year's proactive total and the fee line in prose, and
repeat table values in the 总体情况 text (the TEXT-TABLE / TEXT-PCT claims).

Rules are per sentence, first match in reading order, and always take the year's total: a clause
introduced by 其中/占, a cumulative (历年累计, 截至), or a single event (约640人参加培训) is skipped.
Each family of statistics reads only the sections of the report where it belongs (`READS`, over
pipeline.extract.sections): an 环保 举报投诉 paragraph of the 主动公开 section is not `complaints.total`,
numbers of the 主动公开 section are no application counts, plans in 存在的主要问题 are no statistics.
Tables win: a key already set (by the table readers, or the legacy 统计表) is never overwritten.

`ex.text_claims` entries (2019+ reports only):
  {"key": k, "value": v, "sentence": s, "kind": "count", "of": [k, ...], "keys": [k, ...]}
      the stated count equals the sum of the metrics in `of` (normally just [k]; 收到…件（含上年结转…）
      names apps.new.total + apps.carried_in.total);
  {"key": k, "value": pct, "sentence": s, "kind": "pct", "num": [k, ...], "of": [d, ...],
   "numerator": [k, ...], "denominator": [d, ...]}
      the stated percentage equals 100 × Σ num / Σ of.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from pipeline.formats import table3, table4
from pipeline.titles import fold_cjk

from .document import Document
from .legacytable import fill_from_tables, flat_table, has_statistics_table
from .model import Extraction, Provenance
from .numbers import parse_number, parse_percent
from .sections import split_sections

#: one printed number (after NFKC): hedge, Arabic with commas/decimals or Chinese numerals, 万/亿, 余/多
N = (r"(?P<n>(?:约|近|超过|逾)?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[零〇○一二两三四五六七八九十百千]+)"
     r"(?:万|亿)?(?:余|多)?)")
_NOT_CLAUSE = r"[^,;。，；：:]"

def _spoken(label: str) -> str:
    """A row label as prose says it: without its bracketed note (部分公开（区分处理的…）→ 部分公开)."""
    return re.split(r"[（(]", label, maxsplit=1)[0]


#: how prose names table 三's result rows and groups (the model's labels, without bracketed notes)
_GROUP = {g.key: re.escape(g.label) for g in table3.GROUPS}
_ROW = {r.key: r for r in table3.LEAVES_COMMON}
_DISCLOSED = re.escape(_spoken(_ROW["result.disclosed"].label))
_PARTIAL = re.escape(_spoken(_ROW["result.partial"].label))

#: lines only a 2019+ report prints: table 三's first rows, and the format's 国办公开办函 reference
_MODERN_MARKERS = (table3.NEW.label, "国办公开办函", table3.CARRIED_IN.label)


def flat_statistics(doc: Document, ex: Extraction) -> None:
    """A legacy 统计表 glued into the text (page text, PDF text layer), when no real table carried one."""
    table = None if has_statistics_table(doc.tables) else flat_table(fold_cjk(doc.text))
    if table is None:
        return
    found = Extraction()
    fill_from_tables([table], found)
    for key, value in found.metrics.items():
        if key not in ex.metrics:
            prov = found.provenance[key]
            ex.set(key, value, Provenance("text", f"统计表 read from flattened text: {prov.where}", prov.raw))
    if found.metrics:
        ex.notes.append("legacy 统计表 read from flattened text (ambiguous year|cumulative runs left out)")


#: which sections (pipeline.extract.sections) each family of statistics is read in, its own section
#: first (the first match wins: 主动公开政府信息2069条 of the 主动公开 part before 发布信息1992条 of a
#: 新媒体 paragraph in the 概述); text before the first heading counts as the overview, a text without
#: headings is read whole
READS: dict[str, tuple[str, ...]] = {
    "proactive": ("proactive", "overview"),
    "apps": ("apps", "overview"),
    "answers": ("apps", "overview"),
    "channels": ("apps", "overview"),
    "review": ("review", "apps", "overview"),  # a legacy report without a 复议 part says it under 依申请
    "complaints": ("complaints", "review", "support", "other", "overview"),
    "fees": ("fees", "apps", "other", "overview"),
    "staff": ("support", "other", "overview"),
    "budget": ("support", "other", "overview"),
    "training": ("support", "other", "overview"),
    "claims": ("overview", "apps", "review"),
}


def section_sentences(text: str) -> list[tuple[frozenset[str], str]]:
    """(names of its section, sentence) in reading order; "intro" is read as "overview"."""
    out: list[tuple[frozenset[str], str]] = []
    for sec in split_sections(text):
        names = frozenset({"overview"}) if sec.name == "intro" else sec.names
        out.extend((names, sent) for sent in split_sentences(sec.body))
    return out


def _in(tagged: list[tuple[frozenset[str], str]], family: str) -> list[str]:
    return [sent for names, sent in _tagged_in(tagged, family)]


def _tagged_in(tagged: list[tuple[frozenset[str], str]], family: str) -> list[tuple[frozenset[str], str]]:
    """The sentences `family` reads, its sections in READS order, each in reading order."""
    if any("whole" in names for names, _ in tagged):
        return tagged
    out: list[tuple[frozenset[str], str]] = []
    seen: set[int] = set()
    for section in READS[family]:
        for i, (names, sent) in enumerate(tagged):
            if section in names and i not in seen:
                seen.add(i)
                out.append((names, sent))
    return out


def extract_prose(doc: Document, ex: Extraction) -> None:
    """Fill the narrative/legacy metrics of `doc` into `ex` (only keys not set yet), and text claims."""
    fill_from_tables(doc.tables, ex)
    text = fold_cjk(doc.text)
    tagged = section_sentences(unwrap_lines(text) if doc.source in _WRAPPED else text)
    modern = is_modern(doc, ex)
    setter = _Setter(ex)
    _proactive(_in(tagged, "proactive"), setter)
    _fees(_in(tagged, "fees"), setter)
    _fees_section(tagged, setter)
    _staff(_tagged_in(tagged, "staff"), setter)
    _budget(_in(tagged, "budget"), setter)
    _training(_in(tagged, "training"), setter)
    if not modern:
        _applications(_in(tagged, "apps"), setter)
        _answers(_in(tagged, "answers"), setter)
        _channels(_in(tagged, "channels"), setter)
        _review_suit(_in(tagged, "review"), setter)
        _complaints(_in(tagged, "complaints"), setter)
    else:
        year = ex.fields.get("year")
        sentences = _in(tagged, "claims")
        ex.text_claims.extend(text_claims(sentences, year if isinstance(year, int) else None))
        _claimed_change(sentences, setter)


def is_modern(doc: Document, ex: Extraction) -> bool:
    """A 2019/2021-format report: by its format, its year, its tables, or the table 三 labels in its text."""
    fmt, year = ex.fields.get("format"), ex.fields.get("year")
    if fmt in ("2019", "2021"):
        return True
    if fmt == "legacy":
        return False
    if isinstance(year, int):
        return year >= 2019
    if "三" in ex.tables or "四" in ex.tables:
        return True
    flat = re.sub(r"\s+", "", doc.text)
    return any(m in flat for m in _MODERN_MARKERS)


#: sources whose text lines are printed lines (a sentence wraps at the right margin), not paragraphs
_WRAPPED = ("pdf",)
_SENTENCE_END = tuple("。！？；：!?;:")


def unwrap_lines(text: str) -> str:
    """Printed lines joined back into paragraphs: a line as long as the page's full lines that does not end
    a sentence goes on in the next line ("全年主动公开我\n区各级单位政府信息 2645 条"); short lines
    (headings, table rows, the last line of a paragraph) stay lines."""
    lines = text.split("\n")
    widths = sorted(len(line.strip()) for line in lines if line.strip())
    if len(widths) < 5:
        return text
    full = widths[int(len(widths) * 0.9)]
    out: list[str] = []
    glue = False
    for line in lines:
        stripped = line.strip()
        if glue and out:
            out[-1] += stripped
        else:
            out.append(stripped)
        glue = bool(stripped) and len(stripped) >= 0.8 * full and not stripped.endswith(_SENTENCE_END)
    return "\n".join(out)


def normalise(text: str) -> str:
    """NFKC (full-width → ASCII) and no spaces inside a line, except between two digits."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[ \t\u00a0\u3000\u200b]+", " ", text)
    return re.sub(r"(?<!\d) | (?!\d)", "", text)


def split_sentences(text: str) -> list[str]:
    """Sentences of the body text: split at 。！？； and line breaks."""
    parts = re.split(r"(?<=[。!?;])|\n", normalise(text))
    return [p.strip() for p in parts if p.strip()]


class _Setter:
    """Sets a key once (first rule wins, tables win) with text provenance."""

    def __init__(self, ex: Extraction) -> None:
        self.ex = ex

    def has(self, key: str) -> bool:
        return key in self.ex.metrics

    def number(self, key: str, raw: str, sentence: str, transform: Callable[[float], float] | None = None) -> bool:
        if key in self.ex.metrics:
            return False
        parsed = parse_number(raw)
        if parsed is None:
            return False
        value, approx = parsed
        if transform is not None:
            value = transform(value)
        self.ex.set(key, value, Provenance("text", sentence[:300], raw), approximate=approx)
        return True

    def value(self, key: str, value: float, raw: str, sentence: str) -> None:
        if key not in self.ex.metrics:
            self.ex.set(key, value, Provenance("text", sentence[:300], raw))


def _clause_before(sentence: str, pos: int) -> str:
    """The clause (between commas) that ends at `pos`."""
    start = max(sentence.rfind(c, 0, pos) for c in ",;，；:：")
    return sentence[start + 1:pos]


#: a year-on-year change right after a count: 、增长2.45% / ,同比下降32% / ,比2017年增加40% / ,较去年回落12.3%
#: (a month-on-month 环比 is no year-on-year change)
_CHANGE = re.compile(
    r"[,、]?(?:申请|信息|公开)?(?:数量|总量|总数)?(?:同比|(?:较|比|相比)(?:上年|去年|上一年|前一年|(?:19|20)\d{2}年)(?:度)?(?:同期)?)?"
    r"(?P<dir>增长|增加|上升|提高|提升|上涨|增幅为?|下降|减少|降低|回落|下滑|降幅为?)了?(?:约)?"
    r"(?P<p>\d+(?:\.\d+)?%|百分之[零一二两三四五六七八九十百点]+)")
_DOWN = ("下降", "减少", "降低", "回落", "下滑", "降幅")


def _pct_after(sentence: str, pos: int) -> tuple[float, str] | None:
    """A stated change right after a count: 、增长2.45% → +2.45; ,同比下降32% → −32 (metrics.md *_change_pct)."""
    m = _CHANGE.match(sentence, pos)
    p = parse_percent(m.group("p")) if m else None
    if m is None or p is None:
        return None
    p = int(p) if p.is_integer() else p
    return (-p if m.group("dir").startswith(_DOWN) else p), m.group(0)


# -- 主动公开 ------------------------------------------------------------------------------------------

_AMOUNT = r"(?:共|总数|总量|合计|数量|数)?(?:达到|达|为|共计|合计)?"
#: the year's proactive total, wordings in reading order: 主动公开(…)政府信息802条 / 当年发布政府信息393件,
#: 全年主动公开信息802条 (a bare 信息 only after 主动公开, in a clause naming the whole year or body, and
#: a collective word: 决策信息74条 is one category, 微博…发布信息1992条 one channel, 县政府公开办主动公开信息数
#: 为1795条 one office),
#: 本机关主动公开…文件277件 (not 规范性文件, a category), 已主动公开(信息)N件 (not 属于已主动公开范围, an answer)
_PROACTIVE_RULES: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<!属于)(?:主动公开|公开|公布|发布)" + _NOT_CLAUSE + r"{0,12}?政府信息" + _AMOUNT + N + "[条件]"),
    re.compile(r"(?:全年|本年度?|全区|全市|全县|全镇|全乡|本机关|本单位|我局|我委|我办|共)[^,;。，；：:\d]{0,6}?"
               r"(?<!属于)主动公开(?:了)?(?:各类|各级|全部)?信息" + _AMOUNT + N + "[条件]"),
    re.compile(r"主动公开(?:(?!规范性|解读|预决算|政策)" + _NOT_CLAUSE + r"){0,12}?文件" + _AMOUNT + N + "件"),
    re.compile(r"(?<!属于)已主动公开(?:各类)?(?:政府)?(?:信息)?" + _AMOUNT + N + "[条件](?!.{0,3}范围)"),
)


def _proactive_hits(sent: str) -> list[re.Match[str]]:
    hits = [m for rx in _PROACTIVE_RULES for m in rx.finditer(sent)]
    return sorted(hits, key=lambda m: m.start("n"))


def _proactive(sentences: list[str], s: _Setter) -> None:
    for sent in sentences:
        for m in _proactive_hits(sent):
            clause = _clause_before(sent, m.start("n"))
            if re.search(r"其中|占|截至|截止|历年|以来", clause) or ("累计" in clause and "全年累计" not in clause):
                continue
            if re.match(r"[,，]?\s*占", sent[m.end():]):
                continue  # "县直各单位主动公开政府信息303条，占71.3%": a share of the total, not the total
            s.number("proactive.total", m.group("n"), sent)
            pct = _pct_after(sent, m.end())
            if pct is not None:
                s.value("proactive.total_change_pct", pct[0], pct[1], sent)
            return


# -- 依申请 --------------------------------------------------------------------------------------------

_APPS = [
    re.compile(r"(?:收到|受理|接收|接到)" + _NOT_CLAUSE + r"{0,12}?(?:申请|依申请公开)" + r"[^,;。，；\d]{0,6}?" + N + "[件条]"),
    re.compile(r"(?:收到|受理|接收|接到)" + _NOT_CLAUSE + r"{0,6}?" + N + r"件(?:政府信息公开|依申请公开)?(?:的)?申请"),
]
_APPS_NONE = re.compile(r"(?:未|没有)(?:收到|受理|接到|接收|发生)" + r"[^,;。，；]{0,12}?(?:申请)")
_NOT_APPS = re.compile(r"复议|诉讼|举报|投诉|其中|咨询")


#: a sentence about 行政审批/政务服务 windows ("开设窗口26个,共受理申请121510件") counts other applications
_OTHER_SERVICE = re.compile(r"审批|窗口|办件|行政服务中心|政务服务|便民服务|12345|热线")
_DISCLOSURE = re.compile(r"信息公开|依申请")


def _first_apps(sentences: list[str]) -> tuple[str, re.Match[str] | None] | None:
    for sent in sentences:
        other_service = bool(_OTHER_SERVICE.search(sent))
        found = []
        for rx in _APPS:
            for m in rx.finditer(sent):
                if other_service and not _DISCLOSURE.search(m.group(0)):
                    continue
                if not _NOT_APPS.search(_clause_before(sent, m.end())):
                    found.append(m)
                    break
        for m in _APPS_NONE.finditer(sent):
            if not _NOT_APPS.search(_clause_before(sent, m.end()) + sent[m.end():m.end() + 12]):
                found.append(m)
                break
        if found:
            best = min(found, key=lambda x: x.start())
            return sent, (best if "n" in best.groupdict() else None)
    return None


def _applications(sentences: list[str], s: _Setter) -> None:
    hit = _first_apps(sentences)
    if hit is None:
        return
    sent, m = hit
    if m is None:
        s.value("apps.new.total", 0, "未收到", sent)
        return
    s.number("apps.new.total", m.group("n"), sent)
    pct = _pct_after(sent, m.end())
    if pct is not None:
        s.value("apps.new.total_change_pct", pct[0], pct[1], sent)


_ANSWER_RULES: list[tuple[str, str]] = [
    ("legacy.answers.total", r"答复(?:申请|依申请公开|各类申请)?(?:共计|共)?" + N + "件"),
    ("legacy.answers.already_public", r"属于已主动公开(?:范围|的)?(?:的)?(?:信息)?" + N + "件"),
    ("legacy.answers.disclosed", r"(?<![不否])同意公开(?:答复)?(?:的)?" + N + "件"),
    ("legacy.answers.partial", r"(?:同意)?" + _PARTIAL + r"(?:答复)?(?:的)?" + N + "件"),
    ("legacy.answers.refused", r"(?:不同意公开|否决公开|" + _GROUP["withheld"] + r")(?:答复)?(?:的)?" + N + "件"),
    ("legacy.answers.not_this_agency", r"(?:不属于本(?:行政)?(?:机关|部门|单位)(?:公开)?(?:范围)?|非本(?:部门|机关|单位)掌握)(?:的)?"
     + N + "件"),
    ("legacy.answers.not_exist", r"(?:申请)?信息不存在(?:的)?" + N + "件"),
    ("legacy.answers.amend", r"告知(?:作出)?更改补充(?:的)?" + N + "件"),
    ("legacy.answers.other_channel", r"告知通过其他途径办理(?:的)?" + N + "件"),
    ("legacy.answers.other", r"其他(?:情况|类型答复|类型|答复|情形)" + N + "件"),
]


def _answers(sentences: list[str], s: _Setter) -> None:
    for sent in sentences:
        if re.search(r"复议|诉讼", sent) or not re.search(r"申请|答复", sent):
            continue
        for key, rx in _ANSWER_RULES:
            m = re.search(rx, sent)
            if m and not s.has(key):
                s.number(key, m.group("n"), sent)
        m = re.search(r"答复率(?:为|达到|达)?" + N + "%", sent)
        if m:
            s.number("legacy.answers.rate_pct", m.group("n"), sent)


_CHANNELS = [
    ("legacy.apps.in_person", r"当面(?:申请|提出申请|提出)?"),
    ("legacy.apps.fax", r"传真(?:申请|方式)?"),
    ("legacy.apps.email", r"(?:电子邮件|电子邮箱|邮件)(?:申请|方式)?"),
    ("legacy.apps.online", r"(?:网上|网络|在线|互联网)(?:申请|方式)?"),
    ("legacy.apps.letter", r"信函(?:申请|方式)?"),
    ("legacy.apps.other", r"其他(?:形式|方式|途径)(?:申请)?"),
]


def _channels(sentences: list[str], s: _Setter) -> None:
    for sent in sentences:
        if "申请" not in sent or re.search(r"复议|诉讼", sent):
            continue
        for key, word in _CHANNELS:
            m = re.search(r"(?:通过)?" + word + r"(?:的|为|共)?" + N + "件", sent)
            if m:
                s.number(key, m.group("n"), sent)


# -- 行政复议 / 行政诉讼 / 举报投诉 --------------------------------------------------------------------

_OUTCOMES = [
    ("upheld", r"维持(?:具体行政行为|原具体行政行为|原行政行为|原决定)?(?:或者?驳回原告诉讼请求)?(?:的)?" + N + "件"),
    ("corrected", r"(?:被依法纠错|依法纠错|纠错|纠正|撤销)(?:的)?" + N + "件"),
    ("other", r"其他(?:情形|结果)?(?:的)?" + N + "件"),
]
_KW = {"review": table4.REVIEW_HEAD, "suit": table4.SUIT_HEAD}
_NONE = re.compile(r"(?:未|没有|无)(?:发生|收到|接到|出现|有)" + r"[^。;]{0,25}?(?:" + table4.REVIEW_HEAD + "|"
                   + table4.SUIT_HEAD + r")[^。;]{0,12}")


def _review_suit(sentences: list[str], s: _Setter) -> None:
    for sent in sentences:
        for m in _NONE.finditer(sent):
            span = m.group(0)
            for sec, kw in _KW.items():
                if kw in span:
                    s.value(f"{sec}.total", 0, span, sent)
        for sec, kw in _KW.items():
            other = _KW["suit" if sec == "review" else "review"]
            for m in re.finditer(kw + r"(?:案件|申请)?(?:共计|共)?" + r"[^,;。，；\d]{0,6}?" + N + r"(?:件|起|宗)", sent):
                if re.search(r"其中|同比", _clause_before(sent, m.start("n"))):
                    continue
                s.number(f"{sec}.total", m.group("n"), sent)
                end = sent.find(other, m.end())
                segment = sent[m.end(): end if end >= 0 else len(sent)]
                for outcome, rx in _OUTCOMES:
                    o = re.search(rx, segment)
                    if o:
                        s.number(f"{sec}.{outcome}", o.group("n"), sent)
                break


def _complaints(sentences: list[str], s: _Setter) -> None:
    for sent in sentences:
        m = re.search(r"(?:举报投诉|投诉举报|行政申诉)(?:案件)?[^,;。，；\d]{0,4}?" + N + "件", sent)
        if m:
            s.number("complaints.total", m.group("n"), sent)
            return
        if re.search(r"(?:未|没有)(?:发生|收到|接到)[^。;，,]{0,15}?(?:举报投诉|投诉举报)", sent):
            s.value("complaints.total", 0, "未收到", sent)
            return


# -- 收费 / 人员 / 经费 / 培训 ------------------------------------------------------------------------

#: statements that no fee was charged (→ fees.collected_yuan = 0): 未收取任何费用, 未向申请人收取费用,
#: 没有产生信息公开处理费, 无信息处理费, 未发生政府信息公开收费事项, 均未收费, 收费情况：无
_FEE_ZERO = re.compile("|".join((
    r"(?:未|无|没有|不)(?:发生|产生)?(?:向[^,;。，；]{1,8}?)?(?:收取|收)(?:任何)?(?:信息处理|检索|复制|邮寄)?(?:费)",
    r"(?:未|无|没有)(?:收取|产生|发生)?(?:政府信息公开)?信息处理费(?!标准|管理办法)",
    r"(?:未|没有|无)(?:产生|发生)[^,;。，；]{0,14}?(?:费用|处理费|收费)",
    r"免费(?:向申请人)?提供(?:所申请的?)?(?:政府)?信息|零收费|免收(?:任何)?(?:检索|复制|邮寄)?费",
    r"收费(?:及减免)?(?:情况|事项)[:：]?无(?=$|[,;。，；])",
)))
_FEE = re.compile(r"(?:收取|收缴)[^,;。，；]{0,12}?(?:费用|信息处理费|费)(?:共计|共|合计|为)?" + N + r"(?P<u>万元|元)")


def _fees(sentences: list[str], s: _Setter) -> None:
    for sent in sentences:
        if "行政事业性" in sent:
            continue
        m = _FEE.search(sent)
        if m:
            scale = 10000 if m.group("u") == "万元" else 1
            s.number("fees.collected_yuan", m.group("n"), sent, lambda v, k=scale: _tidy(v * k))
            return
        z = _FEE_ZERO.search(sent)
        if z:
            s.value("fees.collected_yuan", 0, z.group(0), sent)
            return


def _fees_section(tagged: list[tuple[frozenset[str], str]], s: _Setter) -> None:
    """A legacy 收费及减免情况 part that says only 无 (under its heading, "无。"): nothing was charged."""
    body = [sent for names, sent in tagged if names == {"fees"}]
    if body and all(re.fullmatch(r"无[。.]?|没有[。.]?|暂无[。.]?", b) for b in body):
        s.value("fees.collected_yuan", 0, body[0], "收费及减免情况: " + " ".join(body))


def _tidy(v: float) -> float:
    """Whole amounts as int, others rounded to cents (万元 × 10000 gives float noise)."""
    return int(v) if float(v).is_integer() else round(v, 2)


_STAFF = re.compile(r"(?P<kind>专兼职|专职|兼职)?(?:工作)?人员(?:共计|共|总数|合计|总计)?(?:为|达|有)?" + N + "(?:人|名)")
_STAFF_SHORT = re.compile(r"(?<!专)(?P<kind>专职|全职|兼职)(?:的)?" + N + "(?:人|名)")
#: 没有全职人员 / 无专职工作人员 / 未配备专职人员 → 0
_STAFF_NONE = re.compile(r"(?:没有|无|未(?:配备|设|配置)?)(?:配备)?(?:[^,;。，；\d]{0,16}?的)?(?P<kind>专职|全职|兼职)(?:的)?(?:工作)?人员"
                         r"(?![^,;。，；]{0,6}?\d)")
_STAFF_KEY = {"专职": "staff.full_time", "全职": "staff.full_time", "兼职": "staff.part_time"}


def _staff(tagged: list[tuple[frozenset[str], str]], s: _Setter) -> None:
    """Staff counts; outside a section on staff (机构、人员) only in sentences about 公开 work."""
    for names, sent in tagged:
        if ("support" not in names and "公开" not in sent) or re.search(r"培训|参训|参加|参会", sent):
            continue
        for rx in (_STAFF, _STAFF_SHORT):
            for m in rx.finditer(sent):
                key = _STAFF_KEY.get(m.group("kind") or "", "staff.total")
                s.number(key, m.group("n"), sent)
        for m in _STAFF_NONE.finditer(sent):
            s.value(_STAFF_KEY[m.group("kind")], 0, m.group(0), sent)


def _budget(sentences: list[str], s: _Setter) -> None:
    for sent in sentences:
        m = re.search(r"专项(?:工作)?经费[^,;。，；\d]{0,6}?" + N + r"(?P<u>万元|元)", sent)
        if m:
            scale = 1 if m.group("u") == "万元" else 1 / 10000
            s.number("budget.amount_10k_yuan", m.group("n"), sent, lambda v, k=scale: _tidy(v * k))
            return


_SESSIONS = [
    re.compile(r"培训(?:班|会)?[^,;。，；\d]{0,6}?" + N + r"(?:场次|场|次|期|个)"),
    re.compile(N + r"(?:场次|场|次|期)[^,;。，；]{0,10}?培训"),
]


def _training(sentences: list[str], s: _Setter) -> None:
    for sent in sentences:
        if not re.search(r"培训|参训|受训", sent):
            continue
        for rx in _SESSIONS:
            m = rx.search(sent)
            if m:
                s.number("training.sessions", m.group("n"), sent)
                break
        year_total = re.search(r"全年|累计|共计|合计|全年共", sent)
        for clause in re.split(r"[,，]", sent):
            if not re.search(r"培训|参训|受训", clause):
                continue
            m = re.search(N + "人次", clause) or (re.search(N + "(?:人|名)", clause) if year_total else None)
            if m:
                s.number("training.trainees", m.group("n"), sent)
                break


# -- text claims (2019+) -------------------------------------------------------------------------------

_CLAIMS: list[tuple[str, str]] = [
    ("apps.new.total", r"(?:本年(?:度)?新收|新收)[^,;。，；\d]{0,12}?" + N + "件"),
    ("apps.new.total", r"(?:收到|受理|接收|接到)[^,;。，；]{0,24}?(?:申请)[^,;。，；\d]{0,6}?" + N + "件"),
    ("apps.new.total", r"(?:收到|受理|接收|接到)[^,;。，；\d]{0,6}?" + N + r"件(?:政府信息公开|依申请公开)?(?:的)?申请"),
    ("apps.carried_in.total", r"上年(?:度)?结转[^,;。，；\d]{0,10}?" + N + "件"),
    ("apps.result.total.total", r"办结[^,;。，；\d]{0,10}?" + N + "件"),
    ("apps.carried_out.total", N + r"件[^,;。，；\d]{0,4}?结转(?:至)?下(?:一)?年(?:度)?"),
    ("apps.carried_out.total", r"结转下(?:一)?年(?:度)?(?:继续办理)?[^,;。，；\d]{0,4}?" + N + "件"),
    ("apps.result.disclosed.total+apps.result.partial.total",
     _DISCLOSED + r"(?:及|和|或|与|、|以及)(?:予以)?" + _PARTIAL + r"[^,;。，；\d]{0,6}?" + N + "件"),
    ("apps.result.disclosed.total", _DISCLOSED + r"(?!及|和|或|与|、|以及)[^,;。，；\d]{0,4}?" + N + "件"),
    ("apps.result.partial.total", r"(?<!及)(?<!和)(?<!与)(?<!或)(?<!、)" + _PARTIAL + r"[^,;。，；\d]{0,4}?" + N + "件"),
    ("apps.result.withheld.*", _GROUP["withheld"] + r"[^,;。，；\d]{0,4}?" + N + "件"),
    ("apps.result.unable.*", _GROUP["unable"] + r"[^,;。，；\d]{0,4}?" + N + "件"),
    ("apps.result.ignored.*", _GROUP["ignored"] + r"[^,;。，；\d]{0,4}?" + N + "件"),
    ("apps.result.other*", _GROUP["other"] + r"[^,;。，；\d]{0,4}?" + N + "件"),
    ("review.total", table4.REVIEW_HEAD + r"(?:案件|申请)?[^,;。，；、\d]{0,4}?" + N + "(?:件|起)"),
    ("suit.total", table4.SUIT_HEAD + r"(?:案件)?[^,;。，；、\d]{0,4}?" + N + "(?:件|起)"),
]


#: the leaf rows of each result group of table 三, from the model
_LEAVES = {f"apps.result.{g}.*": [r.key.rsplit(".", 1)[1] for r in table3.LEAVES_COMMON if r.group == g]
           for g in ("withheld", "unable", "ignored")}
#: a group claim names the sum of its leaf rows (总计 column); 其他处理 is one row (2019) or three (2021)
_GROUPS: dict[str, list[str]] = {
    **{g: [f"{g[:-2]}.{leaf}.total" for leaf in leaves] for g, leaves in _LEAVES.items()},
    "apps.result.other*": [f"apps.{r.key}.total" for r in (*table3.OTHER_2019, *table3.OTHER_2021)],
}


def text_claims(sentences: list[str], year: int | None = None) -> list[dict]:
    """Counts and percentages stated in the prose that name table values (TEXT-TABLE / TEXT-PCT).

    Each count also carries "keys" (= "of") and each percentage "numerator"/"denominator" (= "num"/"of"),
    the names pipeline.checks.text reads. 其他处理 names the 2021 rows from 2021 on, the 2019 row before.
    """
    groups = dict(_GROUPS)
    if year is not None:
        other = _GROUPS["apps.result.other*"]
        groups["apps.result.other*"] = other[1:] if year >= 2021 else other[:1]
    claims: list[dict] = []
    denominator: list[str] | None = None  # the total that 占…% refers to: the last 收到/办结 count
    for sent in sentences:
        taken: list[tuple[int, int]] = []
        last_count: dict | None = None
        items: list[tuple[int, int, dict]] = []
        for key, rx in _CLAIMS:
            for m in re.finditer(rx, sent):
                if any(a <= m.start("n") < b for a, b in taken):
                    continue
                parsed = parse_number(m.group("n"))
                if parsed is None or parsed[1]:
                    continue
                if key.startswith("apps.new") and re.search(r"复议|诉讼", _clause_before(sent, m.start("n"))):
                    continue
                taken.append((m.start("n"), m.end("n")))
                of = groups.get(key) or key.split("+")
                if key == "apps.new.total" and re.search(r"含上年(?:度)?结转|包括上年(?:度)?结转", sent[m.start():]):
                    of = ["apps.new.total", "apps.carried_in.total"]
                claim = {"key": key if key in groups else of[0], "value": parsed[0], "sentence": sent,
                         "kind": "count", "of": of, "keys": of}
                items.append((m.start("n"), m.end(), claim))
        for _start, end, claim in sorted(items, key=lambda x: x[0]):
            claims.append(claim)
            if claim["key"] in ("apps.new.total", "apps.result.total.total"):
                denominator = claim["of"]
            last_count = claim
            p = re.match(r"[,，]?[^,;。，；\d]{0,4}?(?:占|占比|比例为)(?:总数的|比)?(?P<p>\d+(?:\.\d+)?)%", sent[end:])
            if p and last_count is not None and denominator is not None:
                claims.append({"key": last_count["key"], "value": float(p.group("p")), "sentence": sent,
                               "kind": "pct", "num": list(last_count["of"]), "of": list(denominator),
                               "numerator": list(last_count["of"]), "denominator": list(denominator)})
    return claims


def _claimed_change(sentences: list[str], s: _Setter) -> None:
    """apps.new.total_change_pct of a 2019+ report: the change stated right after the 收到…件 count."""
    rules = [re.compile(rx) for key, rx in _CLAIMS if key == "apps.new.total"]
    for sent in sentences:
        for rx in rules:
            for m in rx.finditer(sent):
                if re.search(r"复议|诉讼", _clause_before(sent, m.start("n"))):
                    continue
                pct = _pct_after(sent, m.end())
                if pct is not None:
                    s.value("apps.new.total_change_pct", pct[0], pct[1], sent)
                return
