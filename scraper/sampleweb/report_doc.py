"""A report as neutral blocks (headings, paragraphs, tables) rendered to HTML and attachments.

Text and tables are written from the same metric values that the ground truth reports,
so whatever the renderer (page, PDF, DOC, DOCX, XLS) the numbers agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import numbers as N
from . import prose as X
from .model import Report

Cell = tuple[str | None, int, int]  # text (None = blank), rowspan, colspan
CN_DIGITS = "○一二三四五六七八九"


@dataclass
class Block:
    kind: str  # title | h | p | table
    text: str = ""
    rows: list[list[Cell]] | None = None
    name: str = ""  # table id: t2, t3, t4, t4a.., fujian


def cn_date(iso: str) -> str:
    """2013-03-20 -> 二○一三年三月二十日 (as legacy reports sign them)."""
    y, m, d = (int(x) for x in iso.split("-"))

    def small(n: int) -> str:
        if n < 10:
            return CN_DIGITS[n]
        t, u = divmod(n, 10)
        return ("" if t == 1 else CN_DIGITS[t]) + "十" + (CN_DIGITS[u] if u else "")
    return "".join(CN_DIGITS[int(c)] for c in str(y)) + "年" + small(m) + "月" + small(d) + "日"


def _v(rep: Report, key: str) -> str | None:
    if key in rep.blanks or key not in rep.metrics:
        return None
    v = rep.metrics[key]
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.6f}".rstrip("0").rstrip(".") if "10k" in key else f"{v:.2f}"
    return str(int(v))


T3_LABELS: dict[str, tuple[str, str]] = {
    "result.disclosed": ("（一）予以公开", ""), "result.partial": ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    "result.withheld.state_secret": ("（三）不予公开", "1.属于国家秘密"),
    "result.withheld.law_forbidden": ("", "2.其他法律行政法规禁止公开"),
    "result.withheld.security_stability": ("", "3.危及“三安全一稳定”"),
    "result.withheld.third_party": ("", "4.保护第三方合法权益"),
    "result.withheld.internal_affairs": ("", "5.属于三类内部事务信息"),
    "result.withheld.process_info": ("", "6.属于四类过程性信息"),
    "result.withheld.enforcement_file": ("", "7.属于行政执法案卷"),
    "result.withheld.query_matter": ("", "8.属于行政查询事项"),
    "result.unable.not_held": ("（四）无法提供", "1.本机关不掌握相关政府信息"),
    "result.unable.needs_creation": ("", "2.没有现成信息需要另行制作"),
    "result.unable.unclear": ("", "3.补正后申请内容仍不明确"),
    "result.ignored.petition": ("（五）不予处理", "1.信访举报投诉类申请"),
    "result.ignored.repeat": ("", "2.重复申请"), "result.ignored.publication": ("", "3.要求提供公开出版物"),
    "result.ignored.excessive": ("", "4.无正当理由大量反复申请"),
    "result.ignored.reconfirm": ("", "5.要求行政机关确认或重新出具已获取信息"),
    "result.other": ("（六）其他处理", ""),
    "result.other.no_correction": ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "result.other.no_fee": ("", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "result.other.misc": ("", "3.其他"),
    "result.total": ("（七）总计", ""),
}
GROUP_SPAN = {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3}


def table3(rep: Report) -> list[list[Cell]]:
    rows: list[list[Cell]] = [
        [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), ("申请人情况", 1, 7)],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
        [("商业企业", 1, 1), ("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1), ("其他", 1, 1)],
    ]

    def vals(row: str) -> list[Cell]:
        return [(_v(rep, f"apps.{row}.{c}"), 1, 1) for c in N.ALL_COLS]

    rows.append([("一、本年新收政府信息公开申请数量", 1, 3), *vals("new")])
    rows.append([("二、上年结转政府信息公开申请数量", 1, 3), *vals("carried_in")])
    leaves = [*N.result_leaves(rep.fmt), "result.total"]
    for i, row in enumerate(leaves):
        grp, sub = T3_LABELS[row]
        cells: list[Cell] = []
        if i == 0:
            cells.append(("三、本年度办理结果", len(leaves), 1))
        if sub:
            if grp:
                span = 1 if (rep.fmt == "2019" and grp == "（六）其他处理") else GROUP_SPAN[grp]
                cells.append((grp, span, 1))
            cells.append((sub, 1, 1))
        else:
            cells.append((grp, 1, 2))
        rows.append(cells + vals(row))
    rows.append([("四、结转下年度继续办理", 1, 3), *vals("carried_out")])
    return rows


def table4(rep: Report, split: bool) -> list[tuple[str, list[list[Cell]]]]:
    outs = ["upheld", "corrected", "other", "pending", "total"]
    lab = [("结果维持", 1, 1), ("结果纠正", 1, 1), ("其他结果", 1, 1), ("尚未审结", 1, 1), ("总计", 1, 1)]

    def vals(g: str) -> list[Cell]:
        return [(_v(rep, f"{g}.{o}"), 1, 1) for o in outs]
    if split:
        return [("t4a", [[("行政复议", 1, 5)], lab, vals("review")]),
                ("t4b", [[("行政诉讼（未经复议直接起诉）", 1, 5)], lab, vals("suit.direct")]),
                ("t4c", [[("行政诉讼（复议后起诉）", 1, 5)], lab, vals("suit.after_review")])]
    return [("t4", [[("行政复议", 1, 5), ("行政诉讼", 1, 10)],
                    [(t, 2, 1) for t, _, _ in lab] + [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
                    lab + lab,
                    vals("review") + vals("suit.direct") + vals("suit.after_review")])]


def table2(rep: Report) -> list[list[Cell]]:
    v = lambda k: (_v(rep, k), 1, 1)  # noqa: E731
    if rep.fmt == "2021":
        return [[("第二十条第（一）项", 1, 4)],
                [("信息内容", 1, 1), ("本年制发件数", 1, 1), ("本年废止件数", 1, 1), ("现行有效件数", 1, 1)],
                [("规章", 1, 1)] + [v(f"proactive.rules.{c}") for c in ("issued", "repealed", "in_force")],
                [("行政规范性文件", 1, 1)] + [v(f"proactive.normative.{c}") for c in ("issued", "repealed", "in_force")],
                [("第二十条第（五）项", 1, 4)], [("信息内容", 1, 1), ("本年处理决定数量", 1, 3)],
                [("行政许可", 1, 1), (_v(rep, "proactive.licensing.decisions"), 1, 3)],
                [("第二十条第（六）项", 1, 4)], [("信息内容", 1, 1), ("本年处理决定数量", 1, 3)],
                [("行政处罚", 1, 1), (_v(rep, "proactive.penalty.decisions"), 1, 3)],
                [("行政强制", 1, 1), (_v(rep, "proactive.coercion.decisions"), 1, 3)],
                [("第二十条第（八）项", 1, 4)], [("信息内容", 1, 1), ("本年收费金额（单位：万元）", 1, 3)],
                [("行政事业性收费", 1, 1), (_v(rep, "proactive.fees.amount_10k_yuan"), 1, 3)]]
    amt = _v(rep, "proactive.procurement.amount_yuan")
    rows: list[list[Cell]] = [
        [("第二十条第（一）项", 1, 4)],
        [("信息内容", 1, 1), ("本年新<br>制作数量", 1, 1), ("本年新<br>公开数量", 1, 1), ("对外公开总数量", 1, 1)],
        [("规章", 1, 1)] + [v(f"proactive.rules.{c}") for c in ("made", "published", "published_total")],
        [("规范性文件", 1, 1)] + [v(f"proactive.normative.{c}") for c in ("made", "published", "published_total")]]
    for cap, items in (("第二十条第（五）项", [("行政许可", "licensing"), ("其他对外管理服务事项", "other_services")]),
                       ("第二十条第（六）项", [("行政处罚", "penalty"), ("行政强制", "coercion")])):
        rows += [[(cap, 1, 4)], [("信息内容", 1, 1), ("上一年项目数量", 1, 1), ("本年增/减", 1, 1), ("处理决定数量", 1, 1)]]
        rows += [[(lab, 1, 1)] + [v(f"proactive.{k}.{c}") for c in ("prev_items", "change", "decisions")] for lab, k in items]
    rows += [[("第二十条第（八）项", 1, 4)], [("信息内容", 1, 1), ("上一年项目数量", 1, 1), ("本年增/减", 1, 2)],
             [("行政事业性收费", 1, 1), v("proactive.fees.prev_items"), (_v(rep, "proactive.fees.change"), 1, 2)],
             [("第二十条第（九）项", 1, 4)], [("信息内容", 1, 1), ("采购项目数量", 1, 1), ("采购总金额", 1, 2)],
             [("政府集中采购", 1, 1), v("proactive.procurement.items"), ((amt + "元") if amt else None, 1, 2)]]
    return rows


def _intro(rep: Report) -> str:
    y = rep.year
    return (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，由{rep.publisher.issuer}编制。"
            f"全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议及行政诉讼情况、"
            f"存在的主要问题及改进情况、其他需要报告的事项。本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
            f"如对本报告有任何疑问，请与{rep.publisher.issuer}联系（电话：0{570 + len(rep.publisher.name)}-8{rep.doc_id % 10**6:06d}）。")


def prose_of(rep: Report) -> X.Prose:
    """The report's phrasings: the publisher's pick for the year (a planted 雷同 copy takes last year's)."""
    pub = rep.publisher
    return X.prose_for(f"{pub.org_code}:{pub.name}", int(rep.variant.get("prose_year") or rep.year))


def build_doc(rep: Report) -> list[Block]:
    """Blocks of the full report text (title first, signature last)."""
    rng = random.Random(f"doc:{rep.url}:{rep.year}")
    blocks = [Block("title", rep.title), Block("p", _intro(rep))]
    blocks += _legacy(rep, rng) if rep.fmt == "legacy" else _modern(rep, rng)
    y, mo, d = (int(x) for x in rep.published.split("-"))
    blocks.append(Block("p", rep.publisher.issuer))
    blocks.append(Block("p", cn_date(rep.published) if rep.fmt == "legacy" else f"{y}年{mo}月{d}日"))
    return blocks


def _modern(rep: Report, rng: random.Random) -> list[Block]:
    m = rep.metrics
    g = lambda k: int(m.get(k, 0))  # noqa: E731
    y = rep.year
    gov = rep.publisher.kind == "government"
    px = prose_of(rep)
    b = [Block("h", "一、总体情况"),
         Block("p", px.one("opener", X.OPENERS, y=y, name=rep.publisher.name)
               + (px.one("governance", X.GOVERNANCE) if gov else "") + px.one("focus", X.FOCUS)),
         Block("p", f"（一）主动公开。全年通过政府网站主动公开政府信息{g('proactive.total')}条。"
               + px.one("proactive", X.PROACTIVE)),
         Block("p", f"（二）依申请公开。本年新收政府信息公开申请{g('apps.new.total')}件，上年结转{g('apps.carried_in.total')}件，"
                    f"办结{g('apps.result.total.total')}件，结转下年度继续办理{g('apps.carried_out.total')}件。"
               + px.one("applications", X.APPLICATIONS)),
         Block("p", "（三）政府信息管理。" + px.joined("management", X.MANAGEMENT, 2)),
         Block("p", "（四）平台建设。" + px.joined("platforms", X.PLATFORMS, 2)),
         Block("p", "（五）监督保障。" + px.joined("oversight", X.OVERSIGHT, 2)),
         Block("h", "二、主动公开政府信息情况"), Block("table", rows=table2(rep), name="t2"),
         Block("h", "三、收到和处理政府信息公开申请情况"), Block("table", rows=table3(rep), name="t3"),
         Block("h", "四、政府信息公开行政" + ("法" if rep.variant.get("typo") else "") + "复议、行政诉讼情况")]
    for name, rows in table4(rep, bool(rep.variant.get("split_t4"))):
        b.append(Block("table", rows=rows, name=name))
    suit = g("suit.direct.total") + g("suit.after_review.total")
    # a night-two TEXT-EDIT rewrites the measures: other items of the pool than the first capture's
    edit = len(X.IMPROVEMENTS) // 2 if rep.variant.get("text_edit") else 0
    b += [Block("p", f"本年度因政府信息公开被申请行政复议{g('review.total')}件、提起行政诉讼{suit}件。"),
          Block("h", "五、存在的主要问题及改进情况"),
          Block("p", "存在的主要问题：" + px.numbered("problems", X.PROBLEMS, 2)
                + "改进措施：" + px.numbered("improvements", X.IMPROVEMENTS, 3, shift=edit)),
          Block("h", "六、其他需要报告的事项")]
    if rep.fmt == "2021":
        b.append(Block("p", f"{y}年，无收取信息处理费情况。"))
    else:
        b.append(Block("p", "本年度无其他需要报告的事项。"))
    return b


def _legacy(rep: Report, rng: random.Random) -> list[Block]:
    m = rep.metrics
    g = lambda k: int(m.get(k, 0))  # noqa: E731
    pct = m.get("proactive.total_change_pct")
    chg = "" if pct is None else (f"，比上年增长{pct:.2f}%" if pct >= 0 else f"，比上年下降{-pct:.2f}%")
    apps = g("apps.new.total")
    ans = "、".join(f"{lab}{g('legacy.answers.' + k)}件" for k, lab in (
        ("already_public", "属于已主动公开范围"), ("disclosed", "同意公开"), ("partial", "同意部分公开"),
        ("refused", "不同意公开"), ("not_this_agency", "不属于本行政机关公开"), ("not_exist", "申请信息不存在"),
        ("amend", "告知作出更改补充"), ("other_channel", "告知通过其他途径办理")))
    chans = "、".join(f"{lab}{g('legacy.apps.' + k)}件" for k, lab in (
        ("in_person", "当面申请"), ("fax", "传真申请"), ("email", "电子邮件申请"), ("online", "网上申请"),
        ("letter", "信函申请"), ("other", "其他形式申请")))
    rate = f"，答复率{g('legacy.answers.rate_pct')}%" if "legacy.answers.rate_pct" in m else ""
    fee = g("fees.collected_yuan")
    trainees = f"{g('training.trainees')}余人次" if "training.trainees" in rep.approximate else f"{g('training.trainees')}人次"
    px = prose_of(rep)
    b = [Block("h", "一、概述"),
         Block("p", f"{rep.year}年，{rep.publisher.name}进一步健全政府信息公开工作机制，从事政府信息公开工作人员"
                    f"{g('staff.total')}人，其中专职{g('staff.full_time')}人、兼职{g('staff.part_time')}人，"
                    f"安排专项经费{m.get('budget.amount_10k_yuan')}万元。全年组织培训{g('training.sessions')}场次，"
                    f"培训{trainees}。"),
         Block("p", px.joined("organisation", X.L_ORGANISATION, 3)),
         Block("p", "全年重点做好以下工作：" + px.numbered("focus", X.L_FOCUS, 3)),
         Block("p", px.joined("publicity", X.L_PUBLICITY, 2)),
         Block("h", "二、主动公开政府信息情况"),
         Block("p", f"全年共主动公开政府信息{g('proactive.total')}条{chg}。"),
         Block("p", px.one("content", X.L_CONTENT) + px.joined("channels", X.L_CHANNELS, 2)
               + px.one("response", X.L_RESPONSE)),
         Block("h", "三、依申请公开政府信息情况"),
         Block("p", f"全年共收到政府信息公开申请{apps}件" + (f"，其中{chans}。" if apps else "。")
               + (f"已答复申请{g('legacy.answers.total')}件{rate}，其中{ans}。" if apps else "")),
         Block("p", px.joined("applications", X.L_APPLICATIONS, 3)),
         Block("h", "四、政府信息公开的收费及减免情况"),
         Block("p", "全年在提供政府信息时未收费。" if fee == 0 else f"全年共收取检索、复制、邮寄费用{fee}元。"),
         Block("h", "五、因政府信息公开申请行政复议、提起行政诉讼的情况")]
    parts = []
    for grp, name, up in (("review", "行政复议", "维持具体行政行为"), ("suit", "行政诉讼", "维持具体行政行为或者驳回原告诉讼请求")):
        if g(f"{grp}.total"):
            parts.append(f"因政府信息公开提起{name}{g(grp + '.total')}件，其中{up}{g(grp + '.upheld')}件、"
                         f"被依法纠错{g(grp + '.corrected')}件、其他情形{g(grp + '.other')}件")
        else:
            parts.append(f"因政府信息公开提起{name}0件")
    b.append(Block("p", "；".join(parts) + f"；收到举报投诉{g('complaints.total')}件。"))
    b += [Block("h", "六、存在的主要问题及改进措施"),
          Block("p", "政府信息公开工作仍存在" + "、".join(px.pick("problems", X.L_PROBLEMS, 3)) + "等问题。"
                + "下一步将重点做好以下工作：" + px.numbered("improvements", X.L_IMPROVEMENTS, 4))]
    if rep.variant.get("fujian"):
        y = rep.year
        rows: list[list[Cell]] = [[("指标名称", 1, 1), ("计量单位", 1, 1), (f"{y}年度", 1, 1), ("历年累计", 1, 1)]]
        cum = 7 * g("proactive.total") + rng.randint(0, 999)
        for lab, unit, key in (("主动公开信息数", "条", "proactive.total"), ("受理依申请公开信息总数", "件", "apps.new.total"),
                               ("其中：1.当面申请数", "件", "legacy.apps.in_person"), ("2.传真申请数", "件", "legacy.apps.fax"),
                               ("3.电子邮件申请数", "件", "legacy.apps.email"), ("4.网上申请数", "件", "legacy.apps.online"),
                               ("5.信函申请数", "件", "legacy.apps.letter"), ("6.其它形式申请数", "件", "legacy.apps.other"),
                               ("对申请的答复数", "件", "legacy.answers.total"),
                               ("其中：1.同意公开答复数", "件", "legacy.answers.disclosed"),
                               ("2.同意部分公开答复数", "件", "legacy.answers.partial"),
                               ("3.否决公开答复数", "件", "legacy.answers.refused"),
                               ("行政复议数", "件", "review.total"), ("行政诉讼数", "件", "suit.total"),
                               ("行政申诉数", "件", "complaints.total")):
            val = g(key)
            rows.append([(lab, 1, 1), (unit, 1, 1), (str(val), 1, 1), (str(cum if key == "proactive.total" else val * 4), 1, 1)])
        b += [Block("p", "附表：政府信息公开情况统计表"), Block("table", rows=rows, name="fujian")]
    return b


def plain_lines(blocks: list[Block]) -> list[str]:
    """Text lines (tables as cell rows joined by spaces) for PDF/DOC renderers."""
    out: list[str] = []
    for b in blocks:
        if b.kind == "table":
            for row in b.rows or []:
                out.append("  ".join((t or "").replace("<br>", "") for t, _, _ in row))
        else:
            out.append(b.text)
    return out
