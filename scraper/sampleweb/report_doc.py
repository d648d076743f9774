"""A report as neutral blocks (headings, paragraphs, tables) rendered to HTML and attachments.

Text and tables are written from the same metric values that the ground truth reports,
so whatever the renderer (page, PDF, DOC, DOCX, XLS) the numbers agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipeline.formats import legacy as FL
from pipeline.formats import sections as FS
from pipeline.formats import table2 as F2
from pipeline.formats import table3 as F3
from pipeline.formats import table4 as F4

from . import numbers as N
from . import prose as X
from .model import Report

_H = FS.SECTIONS
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


def _t3_labels() -> dict[str, tuple[str, str]]:
    """Row key -> (group label cell, item label cell) of table 三, as the format prints them."""
    groups = {g.key: g.printed for g in F3.GROUPS}
    out: dict[str, tuple[str, str]] = {}
    for fmt in ("2019", "2021"):
        prev_group = None
        for row in F3.leaves(fmt):
            if row.group in ("result", ""):
                out[row.key] = (row.printed, "")
            else:
                out[row.key] = (groups[row.group] if row.group != prev_group else "", row.printed)
            prev_group = row.group
    out[F3.RESULT_TOTAL.key] = (F3.RESULT_TOTAL.printed, "")
    return out


T3_LABELS: dict[str, tuple[str, str]] = _t3_labels()
GROUP_SPAN = {g.printed: sum(1 for r in F3.leaves("2021") if r.group == g.key) for g in F3.GROUPS[1:]}


def table3(rep: Report) -> list[list[Cell]]:
    c = {col.key: col.label for col in F3.COLUMNS}
    rows: list[list[Cell]] = [
        [(F3.BALANCE_NOTE, 3, 3), (F3.APPLICANTS, 1, 7)],
        [(c["natural_person"], 2, 1), (F3.ORGANISATIONS, 1, 5), (c["total"], 2, 1)],
        [(col.label, 1, 1) for col in F3.APPLICANT_COLUMNS[1:]],
    ]

    def vals(row: str) -> list[Cell]:
        return [(_v(rep, f"apps.{row}.{c}"), 1, 1) for c in N.ALL_COLS]

    rows.append([(F3.NEW.printed, 1, 3), *vals("new")])
    rows.append([(F3.CARRIED_IN.printed, 1, 3), *vals("carried_in")])
    leaves = [*N.result_leaves(rep.fmt), "result.total"]
    result = F3.GROUPS[0]
    other = next(g for g in F3.GROUPS if g.key == "other").printed
    for i, row in enumerate(leaves):
        grp, sub = T3_LABELS[row]
        cells: list[Cell] = []
        if i == 0:
            cells.append((result.printed, len(leaves), 1))
        if sub:
            if grp:
                span = 1 if (rep.fmt == "2019" and grp == other) else GROUP_SPAN[grp]
                cells.append((grp, span, 1))
            cells.append((sub, 1, 1))
        else:
            cells.append((grp, 1, 2))
        rows.append(cells + vals(row))
    rows.append([(F3.CARRIED_OUT.printed, 1, 3), *vals("carried_out")])
    return rows


def table4(rep: Report, split: bool) -> list[tuple[str, list[list[Cell]]]]:
    outs = list(F4.OUTCOME_KEYS)
    lab = [(o.label, 1, 1) for o in F4.OUTCOMES]
    review, direct, after = F4.GROUPS

    def vals(g: str) -> list[Cell]:
        return [(_v(rep, f"{g}.{o}"), 1, 1) for o in outs]
    if split:
        return [("t4a", [[(review.label, 1, 5)], lab, vals("review")]),
                ("t4b", [[(direct.variants[0], 1, 5)], lab, vals("suit.direct")]),
                ("t4c", [[(after.variants[0], 1, 5)], lab, vals("suit.after_review")])]
    return [("t4", [[(F4.REVIEW_HEAD, 1, 5), (F4.SUIT_HEAD, 1, 10)],
                    [(t, 2, 1) for t, _, _ in lab] + [(direct.label, 1, 5), (after.label, 1, 5)],
                    lab + lab,
                    vals("review") + vals("suit.direct") + vals("suit.after_review")])]


def table2(rep: Report) -> list[list[Cell]]:
    """Table 二 of the report's format from the model: per block its caption, a 信息内容 header, its rows.
    Single-value blocks print the value over 3 columns; the 2019 format wraps two (一) headers with <br>
    (as 上海 prints them) and prints the procurement amount with its unit 元."""
    t = F2.T2_2021 if rep.fmt == "2021" else F2.T2_2019
    wrapped = {c.key: c.label[:3] + "<br>" + c.label[3:] for c in (F2.MADE, F2.PUBLISHED)}
    rows: list[list[Cell]] = []
    for block in t.blocks:
        rows.append([(block.caption, 1, 4)])
        n = len(block.columns)
        head = [(wrapped.get(col.key, col.label) if rep.fmt == "2019" else col.label, 1, 1) for col in block.columns]
        if n < 3:
            head[-1] = (head[-1][0], 1, 4 - n)
        rows.append([(F2.CONTENT_HEAD, 1, 1), *head])
        for row in block.rows:
            cells: list[Cell] = [(row.label, 1, 1)]
            for j, col in enumerate(block.columns):
                val = _v(rep, t.key(row.key, col.key))
                if val is not None and col.unit == "元":
                    val += col.unit
                cells.append((val, 1, (4 - n) if (n < 3 and j == n - 1) else 1))
            rows.append(cells)
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
    b = [Block("h", _H[0].heading),
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
         Block("h", _H[1].heading), Block("table", rows=table2(rep), name="t2"),
         Block("h", _H[2].heading), Block("table", rows=table3(rep), name="t3"),
         Block("h", _H[3].variants[0] if rep.variant.get("typo") else _H[3].heading)]
    for name, rows in table4(rep, bool(rep.variant.get("split_t4"))):
        b.append(Block("table", rows=rows, name=name))
    suit = g("suit.direct.total") + g("suit.after_review.total")
    # a night-two TEXT-EDIT rewrites the measures: other items of the pool than the first capture's
    edit = len(X.IMPROVEMENTS) // 2 if rep.variant.get("text_edit") else 0
    b += [Block("p", f"本年度因政府信息公开被申请行政复议{g('review.total')}件、提起行政诉讼{suit}件。"),
          Block("h", _H[4].heading),
          Block("p", "存在的主要问题：" + px.numbered("problems", X.PROBLEMS, 2)
                + "改进措施：" + px.numbered("improvements", X.IMPROVEMENTS, 3, shift=edit)),
          Block("h", _H[5].heading)]
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
    ans = "、".join(f"{st.spoken}{g(st.key)}件" for st in FL.ANSWERS_SPOKEN)
    chans = "、".join(f"{st.spoken}{g(st.key)}件" for st in FL.CHANNELS_SPOKEN)
    rate = f"，答复率{g('legacy.answers.rate_pct')}%" if "legacy.answers.rate_pct" in m else ""
    fee = g("fees.collected_yuan")
    trainees = f"{g('training.trainees')}余人次" if "training.trainees" in rep.approximate else f"{g('training.trainees')}人次"
    px = prose_of(rep)
    b = [Block("h", FS.LEGACY_HEADINGS[0]),
         Block("p", f"{rep.year}年，{rep.publisher.name}进一步健全政府信息公开工作机制，从事政府信息公开工作人员"
                    f"{g('staff.total')}人，其中专职{g('staff.full_time')}人、兼职{g('staff.part_time')}人，"
                    f"安排专项经费{m.get('budget.amount_10k_yuan')}万元。全年组织培训{g('training.sessions')}场次，"
                    f"培训{trainees}。"),
         Block("p", px.joined("organisation", X.L_ORGANISATION, 3)),
         Block("p", "全年重点做好以下工作：" + px.numbered("focus", X.L_FOCUS, 3)),
         Block("p", px.joined("publicity", X.L_PUBLICITY, 2)),
         Block("h", _H[1].heading),
         Block("p", f"全年共主动公开政府信息{g('proactive.total')}条{chg}。"),
         Block("p", px.one("content", X.L_CONTENT) + px.joined("channels", X.L_CHANNELS, 2)
               + px.one("response", X.L_RESPONSE)),
         Block("h", FS.LEGACY_HEADINGS[2]),
         Block("p", f"全年共收到政府信息公开申请{apps}件" + (f"，其中{chans}。" if apps else "。")
               + (f"已答复申请{g('legacy.answers.total')}件{rate}，其中{ans}。" if apps else "")),
         Block("p", px.joined("applications", X.L_APPLICATIONS, 3)),
         Block("h", FS.LEGACY_HEADINGS[3]),
         Block("p", "全年在提供政府信息时未收费。" if fee == 0 else f"全年共收取检索、复制、邮寄费用{fee}元。"),
         Block("h", FS.LEGACY_HEADINGS[4])]
    parts = []
    for grp, (name, up) in FL.REVIEW_SPOKEN.items():
        if g(f"{grp}.total"):
            parts.append(f"因政府信息公开提起{name}{g(grp + '.total')}件，其中{up}{g(grp + '.upheld')}件、"
                         f"被依法纠错{g(grp + '.corrected')}件、其他情形{g(grp + '.other')}件")
        else:
            parts.append(f"因政府信息公开提起{name}0件")
    b.append(Block("p", "；".join(parts) + f"；收到举报投诉{g('complaints.total')}件。"))
    b += [Block("h", FS.LEGACY_HEADINGS[5]),
          Block("p", "政府信息公开工作仍存在" + "、".join(px.pick("problems", X.L_PROBLEMS, 3)) + "等问题。"
                + "下一步将重点做好以下工作：" + px.numbered("improvements", X.L_IMPROVEMENTS, 4))]
    if rep.variant.get("fujian"):
        y = rep.year
        rows: list[list[Cell]] = [[(FL.LABEL_HEAD.label, 1, 1), (FL.UNIT_HEAD.label, 1, 1),
                                   (FL.VALUE_HEAD.label.format(y=y), 1, 1), (FL.CUMULATIVE_HEAD.label, 1, 1)]]
        cum = 7 * g("proactive.total") + rng.randint(0, 999)
        for key in FL.FUJIAN_ROWS:
            row = FL.row(key)
            val = g(key)
            rows.append([(row.numbering + row.label, 1, 1), (row.unit, 1, 1), (str(val), 1, 1),
                         (str(cum if key == "proactive.total" else val * 4), 1, 1)])
        b += [Block("p", FL.LEGACY.heading), Block("table", rows=rows, name="fujian")]
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


def grid(rows: list[list[Cell]]) -> list[tuple[int, int, int, int, str]]:
    """Place cells with rowspan/colspan on a grid: (row, col, rowspan, colspan, text)."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, rs, cs, (text or "").replace("<br>", "")))
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
            c += cs
    return out
