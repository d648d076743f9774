"""Document.tables -> metrics of the national tables 二, 三 and 四 (formats 2019 and 2021).

Tables are read from printed cells, not flattened text (which glues "69|3|665" into "693665").
Rows are recognised by normalised label keywords (typos and spacing vary); columns by the header
labels. Table 三 takes the *last* N value cells of each row because real pages carry overlapping
colspans (平潭 2021) that shift a rowspan/colspan grid; table 四 maps each value to its header path
in a grid (it may also be printed as three sub-tables). A blank cell is missing, never 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.extract.document import Cell, Document, Table
from pipeline.extract.labels import BLANK, norm_label, parse_number
from pipeline.extract.model import Extraction, Provenance

# ------------------------------------------------------------------------------------------ table 三

#: applicant columns: header label keyword -> column key (小计 before 其他: "法人或其他组织小计")
T3_COLUMNS: tuple[tuple[str, str], ...] = (
    ("自然人", "natural_person"), ("商业企业", "org_business"), ("科研机构", "org_research"),
    ("社会公益组织", "org_nonprofit"), ("公益组织", "org_nonprofit"), ("法律服务机构", "org_legal"),
    ("小计", "org_subtotal"), ("总计", "total"), ("合计", "total"), ("其他", "org_other"), ("其它", "org_other"),
)
T3_COLUMN_NAMES = {
    "natural_person": "自然人", "org_business": "商业企业", "org_research": "科研机构",
    "org_nonprofit": "社会公益组织", "org_legal": "法律服务机构", "org_other": "其他",
    "org_subtotal": "法人或其他组织小计", "total": "总计",
}
_T3_CANONICAL_7 = ("natural_person", "org_business", "org_research", "org_nonprofit", "org_legal", "org_other", "total")
_T3_CANONICAL_8 = (*_T3_CANONICAL_7[:6], "org_subtotal", "total")

#: row label keyword (regex on the normalised label) -> row key, most specific first
T3_ROWS: tuple[tuple[str, str], ...] = (
    (r"本年(度)?新收|新收", "new"),
    (r"上年(度)?结转", "carried_in"),
    (r"结转下(一)?年", "carried_out"),
    (r"予以公开", "result.disclosed"),
    (r"部分公开", "result.partial"),
    (r"国家秘密", "result.withheld.state_secret"),
    (r"法规禁止|禁止公开", "result.withheld.law_forbidden"),
    (r"三安全|一稳定|危及", "result.withheld.security_stability"),
    (r"第三方", "result.withheld.third_party"),
    (r"内部事务", "result.withheld.internal_affairs"),
    (r"过程性", "result.withheld.process_info"),
    (r"执法案卷", "result.withheld.enforcement_file"),
    (r"查询事项|行政查询", "result.withheld.query_matter"),
    (r"不掌握", "result.unable.not_held"),
    (r"另行制作|没有现成", "result.unable.needs_creation"),
    (r"补正后|仍不明确", "result.unable.unclear"),
    (r"信访|举报投诉", "result.ignored.petition"),
    (r"重复申请", "result.ignored.repeat"),
    (r"出版物", "result.ignored.publication"),
    (r"大量反复", "result.ignored.excessive"),
    (r"重新出具|确认或", "result.ignored.reconfirm"),
    (r"不补正", "result.other.no_correction"),
    (r"收费通知|缴纳费用", "result.other.no_fee"),
    (r"总计|合计", "result.total"),
    (r"^(\(六\)|六、)?其[他它]处理$", "result.other"),
)
_T3_ROWS = tuple((re.compile(p), k) for p, k in T3_ROWS)
#: item 3 of （六）其他处理 (2021): "3.其他", "(3)其他", "3.其他处理", "其他情形"; an unnumbered "其他处理" stays the
#: 2019 single row
_ITEM_OTHER = re.compile(r"^(?:(?:\d+[.、．]?|\(\d+\))其[他它](?:情形|情况|处理|原因)?|其[他它](?:情形|情况)?)$")
_T3_GROUP_OTHER = re.compile(r"其[他它]处理")
_T3_SUBTOTAL = re.compile(r"^(\([三四五六]\)|[三四五六]、)?(不予公开|无法提供|不予处理|其[他它]处理)$")


def _row_key(label: str, group_other: bool) -> str | None:
    if group_other and _ITEM_OTHER.match(label):
        return "result.other.misc"
    for rx, key in _T3_ROWS:
        if rx.search(label):
            return key
    return None


# ------------------------------------------------------------------------------------------ table 四

_T4_OUTCOMES = tuple((re.compile(p), k) for p, k in (
    (r"维持", "upheld"), (r"纠正|纠错", "corrected"), (r"其他", "other"), (r"未审结|尚未", "pending"),
    (r"总计|合计|小计", "total")))
_T4_SECTIONS = tuple((re.compile(p), k) for p, k in (
    (r"复议后", "suit.after_review"), (r"未经复议|直接起诉", "suit.direct"), (r"行政复议", "review")))
T4_SECTION_NAMES = {"review": "行政复议", "suit.direct": "行政诉讼 未经复议直接起诉", "suit.after_review": "行政诉讼 复议后起诉"}
T4_OUTCOME_NAMES = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "total": "总计"}
_T4_CANON = tuple((s, o) for s in ("review", "suit.direct", "suit.after_review")
                  for o in ("upheld", "corrected", "other", "pending", "total"))

# ------------------------------------------------------------------------------------------ table 二

T2_ROWS: tuple[tuple[str, str], ...] = (
    (r"^规章$", "rules"), (r"规范性文件", "normative"), (r"其他对外管理服务", "other_services"),
    (r"行政许可", "licensing"), (r"行政处罚", "penalty"), (r"行政强制", "coercion"),
    (r"事业性收费", "fees"), (r"集中采购", "procurement"),
)
T2_COLUMNS: tuple[tuple[str, str], ...] = (
    (r"制发", "issued"), (r"废止", "repealed"), (r"现行有效", "in_force"),
    (r"新制作", "made"), (r"新公开", "published"), (r"公开总数", "published_total"),
    (r"上一?年项目", "prev_items"), (r"增/?减|增减", "change"), (r"处理决定", "decisions"),
    (r"收费金额", "amount_10k_yuan"), (r"采购项目", "items"), (r"采购总金额|总金额", "amount_yuan"),
)
T2_KEYS = frozenset(
    f"proactive.{r}.{c}" for r, c in (
        *((r, c) for r in ("rules", "normative") for c in ("issued", "repealed", "in_force", "made", "published",
                                                            "published_total")),
        *((r, c) for r in ("licensing", "other_services", "penalty", "coercion") for c in
          ("prev_items", "change", "decisions")),
        ("fees", "prev_items"), ("fees", "change"), ("fees", "amount_10k_yuan"),
        ("procurement", "items"), ("procurement", "amount_yuan"),
    )
)
_T2_ROWS = tuple((re.compile(p), k) for p, k in T2_ROWS)
_T2_COLUMNS = tuple((re.compile(p), k) for p, k in T2_COLUMNS)


# ------------------------------------------------------------------------------------------ grid

@dataclass(frozen=True)
class Placed:
    """A printed cell at its position in the rowspan/colspan grid."""

    cell: Cell
    row: int
    col: int


def place(table: Table) -> list[list[Placed]]:
    """Each printed row's cells with their starting grid column (rowspans push later cells right)."""
    taken: dict[int, set[int]] = {}
    out: list[list[Placed]] = []
    for r, cells in enumerate(table.rows):
        row_taken = taken.setdefault(r, set())
        c = 0
        placed = []
        for cell in cells:
            while c in row_taken:
                c += 1
            placed.append(Placed(cell, r, c))
            for dr in range(cell.rowspan):
                s = taken.setdefault(r + dr, set())
                s.update(range(c, c + cell.colspan))
            c += cell.colspan
        out.append(placed)
    return out


def _is_value(text: str) -> bool:
    return parse_number(text) is not None or norm_label(text) in BLANK


# ------------------------------------------------------------------------------------------ reading

def _put(ex: Extraction, key: str, text: str, where: str, blank_list: list[str] | None = None,
         scale: float | None = None) -> None:
    """Store one cell: a number (scaled if asked), or a blank (missing; listed for table 三)."""
    if key in ex.metrics:
        return
    if norm_label(text) in BLANK:
        if blank_list is not None and key not in blank_list:
            blank_list.append(key)
        return
    value = parse_number(text)
    if value is None:
        ex.notes.append(f"unreadable cell {where}: {text!r}")
        return
    if scale is not None:
        value = round(value * scale, 6)
        if float(value).is_integer() and scale >= 1:
            value = int(value)
    ex.set(key, value, Provenance("table", where, text))


def _t3_columns(table: Table, data_start: int) -> tuple[str, ...] | None:
    """Column keys in header order (by grid column), or None when the header is not readable."""
    placed = place(table)
    found: list[tuple[int, int, str]] = []
    for prow in placed[:data_start]:
        for p in prow:
            label = norm_label(p.cell.text)
            if not label or len(label) > 12:
                continue
            for needle, key in T3_COLUMNS:
                if needle in label:
                    if key == "org_other" and label not in ("其他", "其它", "其他组织"):
                        break
                    if key == "org_subtotal" and "法人" not in label and label != "小计":
                        break
                    found.append((p.col, p.row, key))
                    break
    keys: list[str] = []
    for _, _, key in sorted(found):
        if key not in keys:
            keys.append(key)
    if len(keys) in (7, 8) and "natural_person" in keys and "total" in keys:
        return tuple(keys)
    return None


def _t3_value_cells(cells: list[Cell], n: int) -> tuple[list[Cell], list[Cell]] | None:
    """(label cells, last n value cells) of a printed row, or None if it has fewer than n values."""
    k = len(cells)
    while k > 0 and _is_value(cells[k - 1].text):
        k -= 1
    if len(cells) - k < n:
        return None
    return cells[: len(cells) - n], cells[len(cells) - n:]


def is_t3(table: Table) -> bool:
    """Table 三, or a continuation of it in a second <table>: at least three of its row labels."""
    keys = {_row_key(norm_label(c.text), False) for row in table.rows for c in row[:4] if len(c.text) < 80}
    keys.discard(None)
    return len(keys) >= 3


def read_t3(tables: list[Table], ex: Extraction) -> bool:
    """Table 三 (possibly continued in a following <table>) -> apps.<row>.<col>. True if read."""
    got = False
    columns: tuple[str, ...] | None = None
    group_other = False
    for table in tables:
        data_start = next((i for i, row in enumerate(table.rows)
                           if any(_row_key(norm_label(c.text), False) == "new" for c in row)), None)
        if columns is None:
            columns = _t3_columns(table, data_start if data_start is not None else len(table.rows))
        if columns is None:
            widths = [len(r) - len(_t3_value_cells(r, 1)[0]) for r in table.rows if _t3_value_cells(r, 1)]
            columns = _T3_CANONICAL_8 if widths and max(widths) >= 8 and widths.count(8) > len(widths) / 2 \
                else _T3_CANONICAL_7
        for row in table.rows[data_start or 0:]:
            split = _t3_value_cells(row, len(columns))
            if split is None:
                continue
            label_cells, values = split
            labels = [norm_label(c.text) for c in label_cells if norm_label(c.text)]
            if not labels:
                continue
            if any(_T3_GROUP_OTHER.search(lab) for lab in labels):
                group_other = True
            elif any(re.match(r"^(\([一二三四五七]\)|[一二四]、)", lab) for lab in labels):
                group_other = False
            specific = labels[-1]
            key = _row_key(specific, group_other)
            if key is None:
                if _T3_SUBTOTAL.match(specific):
                    ex.notes.append(f"table 三 subtotal row {specific} ignored (not in the official layout)")
                continue
            printed = " ".join(fold_label(c.text) for c in label_cells if c.text.strip())
            for col, cell in zip(columns, values, strict=True):
                where = f"表三 {printed} / {T3_COLUMN_NAMES[col]}"
                _put(ex, f"apps.{key}.{col}", cell.text, where, ex.blank_cells)
            got = True
    return got


def fold_label(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_t4(table: Table) -> bool:
    text = "".join(norm_label(c.text) for row in table.rows[:4] for c in row)
    return ("维持" in text and ("纠正" in text or "审结" in text)) and ("复议" in text or "诉讼" in text)


def read_t4(table: Table, ex: Extraction) -> bool:
    """One table 四 (or one of its three sub-tables) -> review.* / suit.direct.* / suit.after_review.*."""
    placed = place(table)
    value_rows = [i for i, prow in enumerate(placed)
                  if sum(1 for p in prow if parse_number(p.cell.text) is not None) >= 1
                  and sum(1 for p in prow if _is_value(p.cell.text)) >= 4]
    if not value_rows:
        return False
    first = value_rows[0]
    context = norm_label(table.caption)
    heads = _merged_heads(placed[:first])
    got = False
    for vi in value_rows:
        vals = [p for p in placed[vi] if _is_value(p.cell.text)]
        mapped: list[tuple[str, str, Placed]] = []
        for p in vals:
            path = [norm_label(text) for h, text in heads
                    if h.col <= p.col < h.col + h.cell.colspan and text.strip()]
            section = _match(_T4_SECTIONS, "".join(path)) or _match(_T4_SECTIONS, context)
            outcome = _match(_T4_OUTCOMES, path[-1]) if path else None
            if section and outcome:
                mapped.append((section, outcome, p))
        if len(mapped) < len(vals) and len(vals) == 15:
            mapped = [(s, o, p) for (s, o), p in zip(_T4_CANON, vals, strict=True)]
        for section, outcome, p in mapped:
            where = f"表四 {T4_SECTION_NAMES[section]} / {T4_OUTCOME_NAMES[outcome]}"
            _put(ex, f"{section}.{outcome}", p.cell.text, where)
            got = True
        if got:
            break
    return got


def _merged_heads(rows: list[list[Placed]]) -> list[tuple[Placed, str]]:
    """Header cells with their text; an empty header cell right of a label takes that label, since
    converters that drop merges print a colspan cell as the label followed by empty cells."""
    out = []
    for prow in rows:
        left = ""
        for h in prow:
            text = h.cell.text if h.cell.text.strip() else left
            left = text
            out.append((h, text))
    return out


def _match(pairs: Iterable[tuple[re.Pattern[str], str]], text: str) -> str | None:
    for pattern, key in pairs:
        if pattern.search(text):
            return key
    return None


def is_t2(table: Table) -> bool:
    if not any(row and _match(_T2_ROWS, norm_label(row[0].text)) for row in table.rows):
        return False
    return any(_match(_T2_COLUMNS, norm_label(c.text)) for row in table.rows for c in row[1:] if len(c.text) < 40)


def read_t2(tables: list[Table], ex: Extraction) -> bool:
    """Table 二 (one table with sub-headers, or several) -> proactive.<row>.<col>."""
    columns: list[tuple[str, str]] = []  # (column key, printed header)
    item = ""
    got = False
    for table in tables:
        for row in table.rows:
            texts = [norm_label(c.text) for c in row]
            if len(row) == 1 and "第二十条" in texts[0]:
                item = fold_label(row[0].text)
                continue
            heads = [(_match(_T2_COLUMNS, t), fold_label(c.text)) for t, c in zip(texts[1:], row[1:], strict=True)]
            if heads and any(h for h, _ in heads) and not any(parse_number(c.text) is not None for c in row[1:]):
                columns = [(h or "", printed) for h, printed in heads]
                continue
            row_key = _match(_T2_ROWS, texts[0]) if texts else None
            if row_key is None or not columns:
                continue
            for (col, printed), cell in zip(columns, row[1:], strict=False):
                if not col:
                    continue
                key = f"proactive.{row_key}.{col}"
                if key not in T2_KEYS:
                    key = f"extra.{key}"
                scale = _unit_scale(col, printed, cell.text)
                where = f"表二 {item + ' ' if item else ''}{fold_label(row[0].text)} / {printed}"
                _put(ex, key, cell.text, where, scale=scale)
                got = True
    return got


def _unit_scale(col: str, header: str, cell: str) -> float | None:
    """Money columns: keep the unit the key names (万元 for fees, 元 for procurement)."""
    if col == "amount_10k_yuan":
        if "万元" in cell:
            return None
        if "元" in cell or ("元" in header and "万元" not in header):
            return 0.0001
    if col == "amount_yuan" and ("万元" in cell or ("万元" in header and "元" not in cell.replace("万元", ""))):
        return 10000.0
    return None


# ------------------------------------------------------------------------------------------ entry

def extract_tables(doc: Document, ex: Extraction) -> None:
    """Find tables 二/三/四 among doc.tables and fill ex.metrics, ex.blank_cells and ex.tables."""
    t2 = [t for t in doc.tables if is_t2(t) and not is_t3(t)]
    t3 = [t for t in doc.tables if is_t3(t)]
    t4 = [t for t in doc.tables if is_t4(t) and not is_t3(t)]
    if t2 and read_t2(t2, ex):
        ex.tables.append("二")
    if t3 and read_t3(t3, ex):
        ex.tables.append("三")
    if any([read_t4(t, ex) for t in t4]):
        ex.tables.append("四")


_SECTION_LINE = re.compile(r"^\s*([一二三四五六])\s*[、.．]\s*(.{0,40})$")
_SECTION_WORDS = {"一": "总体|概述|基本情况|概况", "二": "主动公开", "三": "申请", "四": "复议|诉讼",
                  "五": "问题|改进|不足|整改", "六": "其他|其它"}


def find_sections(text: str) -> list[str]:
    """Which of the six section headings (一 … 六) appear as heading lines of the text."""
    found: list[str] = []
    for line in text.split("\n"):
        m = _SECTION_LINE.match(line)
        if m and m.group(1) not in found and re.search(_SECTION_WORDS[m.group(1)], m.group(2)):
            if re.search(r"\d{2,}", m.group(2)):  # a table row, not a heading
                continue
            found.append(m.group(1))
    if len(found) < 6:
        # flattened text (page text, PDF text layer): headings inside long lines, only in their own wording
        flat = re.sub(r"\s+", "", text)
        found += [n for n, rx in _SECTION_INLINE.items() if n not in found and rx.search(flat)]
    return [n for n in "一二三四五六" if n in found]


#: the six headings as the 2019/2021 formats word them, searched anywhere in whitespace-free text
_SECTION_INLINE = {
    "一": re.compile(r"一[、.．](?:总体情况|概述)"),
    "二": re.compile(r"二[、.．]主动公开政府信息的?情况"),
    "三": re.compile(r"三[、.．]收到和处理政府信息公开申请情况"),
    "四": re.compile(r"四[、.．]因?政府信息公开(?:工作)?被?(?:申请)?行政法?复议"),
    "五": re.compile(r"五[、.．](?:政府信息公开工作)?存在的?(?:主要)?问题"),
    "六": re.compile(r"六[、.．]其[他它]需要报告的事项"),
}


_F2021 = re.compile(r"^(proactive\.\w+\.(issued|repealed|in_force|amount_10k_yuan)|apps\.result\.other\.(no_correction|no_fee|misc)\.\w+)$")
_F2019 = re.compile(r"^(proactive\.\w+\.(made|published|published_total|prev_items|change|items|amount_yuan)|apps\.result\.other\.\w+)$")


def detect_format(ex: Extraction) -> str | None:
    """"2021" / "2019" from the structure the values came from (table 二 columns first, then the
    （六）其他处理 rows of table 三); "legacy" when no national table was found but there is text."""
    keys = [k for k in ex.metrics if k.startswith(("proactive.", "apps.result.other."))]
    t2_2021 = any(_F2021.match(k) for k in keys if k.startswith("proactive."))
    t2_2019 = any(_F2019.match(k) for k in keys if k.startswith("proactive."))
    if t2_2021 != t2_2019:
        return "2021" if t2_2021 else "2019"
    t3_2021 = any(_F2021.match(k) for k in keys if k.startswith("apps."))
    t3_2019 = any(_F2019.match(k) and not _F2021.match(k) for k in keys if k.startswith("apps."))
    if t3_2021 != t3_2019:
        return "2021" if t3_2021 else "2019"
    blanks = [k for k in ex.blank_cells if k.startswith("apps.result.other.")]
    if blanks:
        return "2021" if any(_F2021.match(k) for k in blanks) else "2019"
    if ex.tables:
        return None
    return "legacy" if len(ex.text.strip()) > 200 else None
