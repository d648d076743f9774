"""Document.tables -> metrics of the national tables 二, 三 and 四 (formats 2019 and 2021): the cell reader.

Tables are read from printed cells (HTML grid, DOCX/XLS cells, pipe tables, text lines, and the PDF front
end's word tables), not flattened text (which glues "69|3|665" into "693665"). Every label comes from the
format model (pipeline.formats): rows by tolerant match against its labels, variants and cues (whitespace,
full/half-width, numbering, typos), columns from the header against it. Table 三 takes the *last* N value
cells of each row because real pages carry overlapping colspans (平潭 2021) that shift a rowspan/colspan grid;
it joins a label wrapped over two rows or cells, places a row printed without a label by the template's order
and continues into a following table that only carries value rows. Table 四 maps each value to its header
path in a grid (it may also be printed as three sub-tables). A blank cell is missing, never 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline import formats
from pipeline.extract.document import Cell, Document, Table
from pipeline.extract.labels import BLANK, norm_label, parse_number
from pipeline.extract.model import Extraction, Provenance
from pipeline.formats import sections, table2, table3, table4

# ------------------------------------------------------------------------------------------ table 三

T3_COLUMN_NAMES = {c.key: c.label for c in table3.COLUMNS_WITH_SUBTOTAL}
_T3_CANONICAL_7 = tuple(c.key for c in table3.COLUMNS)
_T3_CANONICAL_8 = tuple(c.key for c in table3.COLUMNS_WITH_SUBTOTAL)
_T3_GROUPS = {g.key: g for g in table3.GROUPS}
_GROUP_NUMBERING = re.compile(r"^(\([三四五六]\)|[三四五六]、)")
_TOP_NUMBERING = re.compile(r"^(\([一二三四五七]\)|[一二四]、)")


@lru_cache(maxsize=1 << 14)
def _row_key(label: str, group_other: bool) -> str | None:
    """Cached: the national labels repeat on every report, and matching one tries every row of table 三."""
    row = formats.match(label, table3.MATCH_ORDER, group="other" if group_other else None)
    return row.key if row else None


def _group_of(label: str) -> str | None:
    """The group a label cell opens (（三）不予公开 -> "withheld"), or None."""
    b = formats.bare(label)
    return next((g.key for g in table3.GROUPS[1:] if b in (g.label, *g.variants)), None)


# ------------------------------------------------------------------------------------------ table 四

T4_SECTION_NAMES = {g.key: formats.table4.SUIT_HEAD + " " + g.label if g.key != "review" else g.label
                    for g in table4.GROUPS}
T4_OUTCOME_NAMES = {o.key: o.label for o in table4.OUTCOMES}
_T4_CANON = table4.CELL_ORDER

# ------------------------------------------------------------------------------------------ table 二

T2_KEYS = table2.keys()

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
            col = formats.match(label, table3.HEADER_MATCH_ORDER)
            if col is not None:
                found.append((p.col, p.row, col.key))
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


def _trailing_values(cells: list[Cell]) -> int:
    """How many value cells (numbers, blanks) end a printed row."""
    k = len(cells)
    while k > 0 and _is_value(cells[k - 1].text):
        k -= 1
    return len(cells) - k


def _prints_subtotal(table: Table) -> bool:
    """The rows print eight values whose 7th is the 小计 of the five organisation columns and 8th the 总计:
    most value rows end in eight numbers with 小计 = Σ org columns and 总计 = 自然人 + 小计."""
    rows = [r for r in table.rows if _trailing_values(r) >= 7]
    ok = 0
    for r in rows:
        v = [parse_number(c.text) for c in r[-8:]]
        if len(v) == 8 and None not in v and v[6] == sum(v[1:6]) and v[7] == v[0] + v[6]:
            ok += 1
    return bool(rows) and ok > len(rows) / 2


def is_t3(table: Table) -> bool:
    """Table 三, or a continuation of it in a second <table>: at least three of its row labels."""
    keys = {_row_key(norm_label(c.text), False) for row in table.rows for c in row[:4] if len(c.text) < 80}
    keys.discard(None)
    return len(keys) >= 3


def _value_rows(table: Table, n: int = len(_T3_CANONICAL_7)) -> int:
    return sum(1 for row in table.rows if _t3_value_cells(row, n) is not None)


def t3_tables(tables: list[Table]) -> list[Table]:
    """The tables that print table 三: those with its row labels, and a table right after one of them
    that only carries value rows (the rest of a table split over pages or parts, its labels cut off)."""
    out: list[Table] = []
    for i, t in enumerate(tables):
        if is_t3(t):
            out.append(t)
        elif out and tables[i - 1] is out[-1] and not is_t2(t) and not is_t4(t) and _value_rows(t) >= 1:
            out.append(t)
    return out


@dataclass
class _Line:
    """One value row of table 三 as read: its row key (None: printed without a label), cells, label."""

    key: str | None
    values: list[Cell]
    printed: str


def read_t3(tables: list[Table], ex: Extraction) -> bool:
    """Table 三 (possibly continued in following tables) -> apps.<row>.<col>. True if read.

    Rows by their labels (tolerant match against the model; a label wrapped over two printed rows or two
    cells is joined), values by column position from the header. A row printed without a label takes the
    row the template puts between its identified neighbours."""
    columns: tuple[str, ...] | None = None
    group_other = False
    lines: list[_Line] = []
    for table in tables:
        data_start = next((i for i, row in enumerate(table.rows)
                           if any(_row_key(norm_label(c.text), False) == "new" for c in row)), None)
        if columns is None:
            header = _t3_columns(table, data_start if data_start is not None else len(table.rows))
            wide = _prints_subtotal(table)
            columns = header or (_T3_CANONICAL_8 if wide else _T3_CANONICAL_7)
            if header is not None and len(header) == 7 and wide:
                # a header cell was not recognised (garbled) but the rows print eight values: the format's order
                columns = _T3_CANONICAL_8
                ex.notes.append("table 三 header names 7 columns but its rows print 8: columns by the format's order")
        pending: list[str] = []  # labels of rows without values: the first lines of a wrapped label
        for row in table.rows[data_start or 0:]:
            split = _t3_value_cells(row, len(columns))
            if split is None:
                more = [t for t in (norm_label(c.text) for c in row) if t and not _is_value(t)
                        and len(t) < 60 and formats.match(t, table3.HEADER_MATCH_ORDER) is None]
                pending = (pending + more)[-8:]
                group_other = _track_group(more, group_other)
                continue
            label_cells, values = split
            labels = [norm_label(c.text) for c in label_cells if norm_label(c.text)]
            group_other = _track_group(labels, group_other)
            printed = " ".join(fold_label(c.text) for c in label_cells if c.text.strip())
            if not labels:
                # values on a line of their own under a label wrapped over the lines above
                key = _row_key("".join(pending), group_other) if pending else None
                lines.append(_Line(key, values, " ".join(pending)))
                pending = []
                continue
            specific = labels[-1]
            key = _row_key(specific, group_other)
            if key is None and pending:
                key = _row_key("".join(pending) + specific, group_other)
                printed = " ".join([*pending, printed]) if key else printed
            if key is None and len(labels) > 1:
                key = _row_key("".join(labels), group_other)
            pending = []
            if key is None:
                if _group_of(specific):
                    ex.notes.append(f"table 三 subtotal row {specific} ignored (not in the official layout)")
                lines.append(_Line("?", values, printed))
                continue
            lines.append(_Line(key, values, printed))
    _infer_unlabelled(lines, ex)
    got = False
    for line in lines:
        if line.key in (None, "?"):
            continue
        for col, cell in zip(columns or (), line.values, strict=True):
            where = f"表三 {line.printed} / {T3_COLUMN_NAMES[col]}"
            _put(ex, f"apps.{line.key}.{col}", cell.text, where, ex.blank_cells)
        got = True
    return got


def _track_group(labels: list[str], group_other: bool) -> bool:
    """Inside （六）其他处理 (whose item 3 is "3.其他") until a label of another numbered row."""
    other = _T3_GROUPS["other"]
    if any(v in lab for lab in labels for v in (other.label, *other.variants)):
        return True
    if any(_TOP_NUMBERING.match(lab) for lab in labels):
        return False
    return group_other


def _infer_unlabelled(lines: list[_Line], ex: Extraction) -> None:
    """A value row printed without its label is the row the template puts between its neighbours
    (both identified), or after the last identified row / before the first one at the table's ends."""
    known = [ln.key for ln in lines if ln.key not in (None, "?")]
    fmt = "2021" if any(k.startswith("result.other.") for k in known) else "2019" if "result.other" in known else None
    if fmt is None or not any(ln.key is None for ln in lines):
        return
    order = [r.key for r in table3.rows(fmt)]
    for i, ln in enumerate(lines):
        if ln.key is not None:
            continue
        prev = lines[i - 1].key if i > 0 else None
        nxt = lines[i + 1].key if i + 1 < len(lines) else None
        guess = None
        if prev in order and nxt in order and order.index(nxt) - order.index(prev) == 2:
            guess = order[order.index(prev) + 1]
        elif prev in order and nxt is None and i + 1 == len(lines) and order.index(prev) == len(order) - 2:
            guess = order[-1]
        elif nxt in order and prev is None and i == 0 and order.index(nxt) == 1:
            guess = order[0]
        if guess and guess not in known:
            ln.key, ln.printed = guess, f"（{table3.rows(fmt)[order.index(guess)].printed}: label not printed, " \
                                        "row by the template's order）"
            known.append(guess)
            ex.notes.append(f"table 三 row {guess} printed without its label: placed by the template's order")


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
            section = _key(formats.match("".join(path), table4.GROUP_MATCH_ORDER)) \
                or _key(formats.match(context, table4.GROUP_MATCH_ORDER))
            outcome = _key(formats.match(path[-1], table4.OUTCOMES)) if path else None
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


def _key(found: formats.Row | formats.Column | None) -> str | None:
    return found.key if found is not None else None


def _t2_row(text: str) -> str | None:
    return _key(formats.match(text, table2.ROW_MATCH_ORDER))


def _t2_column(text: str) -> str | None:
    return _key(formats.match(text, table2.COLUMN_MATCH_ORDER))


def is_t2(table: Table) -> bool:
    if not any(row and _t2_row(norm_label(row[0].text)) for row in table.rows):
        return False
    return any(_t2_column(norm_label(c.text)) for row in table.rows for c in row[1:] if len(c.text) < 40)


def read_t2(tables: list[Table], ex: Extraction) -> bool:
    """Table 二 (one table with sub-headers, or several) -> proactive.<row>.<col>."""
    columns: list[tuple[str, str]] = []  # (column key, printed header)
    item = ""
    got = False
    for table in tables:
        for row in table.rows:
            texts = [norm_label(c.text) for c in row]
            if len(row) == 1 and table2.CAPTION_CUE in texts[0]:
                item = fold_label(row[0].text)
                continue
            heads = [(_t2_column(t), fold_label(c.text)) for t, c in zip(texts[1:], row[1:], strict=True)]
            if heads and any(h for h, _ in heads) and not any(parse_number(c.text) is not None for c in row[1:]):
                columns = [(h or "", printed) for h, printed in heads]
                continue
            row_key = _t2_row(texts[0]) if texts else None
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
    t3 = t3_tables(doc.tables)
    t4 = [t for t in doc.tables if is_t4(t) and not is_t3(t)]
    if t2 and read_t2(t2, ex):
        ex.tables.append("二")
    if t3 and read_t3(t3, ex):
        ex.tables.append("三")
    if any([read_t4(t, ex) for t in t4]):
        ex.tables.append("四")


def printed_tables(doc: Document) -> list[str]:
    """Which of tables 二, 三, 四 the document evidently prints, read or not: their labels are in its text
    or cells (five row labels of 三; 四's outcome and both 行政诉讼 group headers; two column headers of 二)."""
    cells = " ".join(c.text for t in doc.tables for row in t.rows for c in row)
    flat = formats.bare(doc.text + " " + cells)
    found: list[str] = []
    t3_rows = {r.key for r in table3.MATCH_ORDER if len(formats.bare(r.label)) >= 4 and formats.bare(r.label) in flat}
    if sum(formats.bare(c.label) in flat for c in table2.COLUMN_MATCH_ORDER) >= 2:
        found.append("二")
    if len(t3_rows) >= 5:  # prose names a few outcomes (予以公开…件); a table prints all 23 or 25 rows
        found.append("三")
    t4 = table4.OUTCOMES
    if sum(formats.bare(o.label) in flat for o in t4) >= 3 and all(g.label in flat for g in table4.GROUPS[1:]):
        found.append("四")
    return found


def unread_tables(doc: Document, ex: Extraction) -> None:
    """Record the national tables the document prints but extraction could not read: the reader's
    failure, for a person to look at (EXTRACT-FAILED), never the publisher's (FORMAT-YEAR)."""
    ex.unread_tables = [t for t in printed_tables(doc) if t not in ex.tables]
    for t in ex.unread_tables:
        ex.notes.append(f"table {t} is printed (its labels are in the document) but could not be read")


_SECTION_LINE = re.compile(r"^\s*([一二三四五六])\s*[、.．]\s*(.{0,40})$")
_SECTION_WORDS = {s.numeral: s.words for s in sections.SECTIONS}
#: the six headings as the 2019/2021 formats word them, searched anywhere in whitespace-free text
_SECTION_INLINE = {s.numeral: re.compile(s.inline) for s in sections.SECTIONS}


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
    return [n for n in sections.NUMERALS if n in found]


def _only_in(fmt: str, other: str) -> frozenset[str]:
    """Metric keys tables 二 and 三 print in `fmt` but not in `other`: what tells the formats apart."""
    keys = {fm: {k for tid in ("二", "三") for k in formats.table(tid, fm).keys()} for fm in (fmt, other)}
    return frozenset(keys[fmt] - keys[other])


_F2021 = _only_in("2021", "2019")
_F2019 = _only_in("2019", "2021")


def detect_format(ex: Extraction) -> str | None:
    """"2021" / "2019" from the structure the values came from (table 二 columns first, then the
    （六）其他处理 rows of table 三); "legacy" when no national table was found but there is text."""
    keys = [k for k in ex.metrics if k.startswith(("proactive.", "apps.result.other."))]
    for prefix in ("proactive.", "apps."):
        in_2021 = any(k in _F2021 for k in keys if k.startswith(prefix))
        in_2019 = any(k in _F2019 for k in keys if k.startswith(prefix))
        if in_2021 != in_2019:
            return "2021" if in_2021 else "2019"
    blanks = [k for k in ex.blank_cells if k.startswith("apps.result.other.")]
    if blanks:
        return "2021" if any(k in _F2021 for k in blanks) else "2019"
    if ex.tables:
        return None
    return "legacy" if len(ex.text.strip()) > 200 else None
