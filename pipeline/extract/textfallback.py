"""Tables 三 and 四 recovered from flattened text (PDF text layers, page text) by constraint solving.

Text extraction loses cell boundaries: `行政规范性文件693665`, `1.本机关不掌握相关政府信息2200003252.没有现成…`
(the trailing `2` is the next row's numbering), table 四 as one run `21317000001324019`. The row labels
are anchors (matched across line breaks and stray spaces), and the identities of checks.md choose the
segmentation of each digit run: T3-ROW-SUM per row (总计 = Σ six applicant columns), then T3-BALANCE
and T3-RESULT-SUM across rows, T4-SUM per group of table 四. A value is only set when exactly one
segmentation is consistent; otherwise it is left out and a note says why (domain.md §4.4).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable

from pipeline.formats import Column, Row, bare, match, norm, sections, table2, table3, table4
from pipeline.kinds import DOCUMENT_KINDS

from .document import Cell, Document, Table
from .labels import parse_number as cell_number
from .model import Extraction, Provenance
from .tables import is_t2, read_t2, read_t3

COLUMNS = tuple(c.key for c in table3.COLUMNS)
OUTCOMES = table4.OUTCOME_KEYS
WHERE = "constraint-solved from flattened text"
_MAX_DIGITS = 7
_MAX_COMBOS = 200_000

def _rows(rows: tuple[Row, ...]) -> list[tuple[str, str, str]]:
    """(row key, label as printed without numbering or punctuation, numbering printed before it)."""
    return [(r.key, bare(r.label), r.numbering) for r in rows]


_ROWS_HEAD = _rows((table3.NEW, table3.CARRIED_IN, *table3.LEAVES_COMMON))
_ROWS_2021 = _rows(table3.OTHER_2021)
_ROWS_2019 = _rows(table3.OTHER_2019)
_ROWS_TAIL = _rows((table3.RESULT_TOTAL, table3.CARRIED_OUT))
_GAP = r"[\s“”\"'‘’、，,（）()：:·]*"


def _label_re(label: str) -> str:
    return _GAP.join(re.escape(c) for c in label)


def solve_tables(doc: Document, ex: Extraction) -> None:
    """Recover tables 二, 三 and 四 from `doc.text` into `ex` (keys not set yet only), noting ambiguities.
    Only the tables the cell reader did not read are looked for (a scan whose table 三 was read from its
    rulings may still print table 二 or 四 as text lines, its header unruled); when table 三 was not read,
    table 四's text is solved too, to fill what its cells left out."""
    text = unicodedata.normalize("NFKC", doc.text)
    source = "attachment" if doc.source in DOCUMENT_KINDS else "text"
    read = set(ex.tables)
    solve_table2(text, ex, source)
    solve_table2_glued(text, ex, source)
    if "三" not in read:
        solve_table3_lines(text, ex, source)
        solve_table3(text, ex, source)
    if "三" not in read or "四" not in read:
        solve_table4(text, ex, source)


def _heading(numeral: str, words: int | None = None) -> str:
    """A section heading of the format (its first `words` characters) with gaps allowed between characters."""
    sec = next(x for x in sections.SECTIONS if x.numeral == numeral)
    return numeral + r"\s*[、.]\s*" + _label_re(bare(sec.heading)[:words])


_T2_HEAD = re.compile(r"(?m)^\s*" + _heading("二", 4) + r"[^\n]*$")
_T2_END = re.compile(r"(?m)^\s*三\s*[、.]")


def solve_table2(text: str, ex: Extraction, source: str = "text") -> None:
    """Table 二 from the lines of its section when each line keeps its cells apart ("规章  2  3  555"): the
    lines become table rows and are read like printed cells. Table 二 has no identity to cut a glued run
    ("行政规范性文件693665") by, so a line without separators gives nothing."""
    if "二" in ex.tables:
        return
    head = _T2_HEAD.search(text)
    if not head:
        return
    end = _T2_END.search(text, head.end())
    lines = text[head.end(): end.start() if end else len(text)].split("\n")
    if _table2_by_blocks(lines, ex, source):
        return
    rows = [[Cell(c) for c in line.split()] for line in lines if line.strip()]
    table = Table(rows)
    if not rows or not is_t2(table):
        return
    found = Extraction()
    if not read_t2([table], found):
        return
    for key, value in found.metrics.items():
        if key not in ex.metrics:
            prov = found.provenance[key]
            ex.set(key, value, Provenance(source, f"table 二 read from text lines: {prov.where}", prov.raw))
    if "二" not in ex.tables:
        ex.tables.append("二")
    ex.notes.append("table 二 read from text lines")


_CAPTION = re.compile(r"第二十条第\(([一二三四五六七八九十])\)项")
_VALUE_TOKEN = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def _table2_format(flat: str) -> str | None:
    """The format table 二's headers show: a column only the 2021 (or only the 2019) format prints."""
    def has(cols: tuple[Column, ...]) -> bool:
        return any(bare(c.label) in flat for c in cols)
    only_2021 = has((table2.ISSUED, table2.REPEALED, table2.IN_FORCE, table2.AMOUNT_10K))
    only_2019 = has((table2.MADE, table2.PUBLISHED, table2.PUBLISHED_TOTAL, table2.PREV_ITEMS, table2.PROC_ITEMS))
    return "2021" if only_2021 and not only_2019 else "2019" if only_2019 and not only_2021 else None


def _table2_by_blocks(lines: list[str], ex: Extraction, source: str) -> bool:
    """Table 二 from text lines, by the model: each 第二十条第（N）项 caption says which block follows, so a row's
    values take the block's columns in order however its header lines came out (wrapped "本年新 / 制作数量",
    split "本年增 / 减"). A row is read only when it has exactly as many values as the block has columns."""
    flat = bare("".join(lines))
    fmt = _table2_format(flat)
    if fmt is None:
        return False
    model = table2.T2_2021 if fmt == "2021" else table2.T2_2019
    blocks = {b.caption[len(table2.CAPTION_CUE) + 2]: b for b in model.blocks}  # 第二十条第（N）项 -> N
    block = None
    found = 0
    for line in lines:
        n = norm(line)
        cap = _CAPTION.search(n)
        if cap:
            block = blocks.get(cap.group(1))
            continue
        if block is None:
            continue
        tokens = line.split()
        k = len(tokens)
        while k > 0 and (_VALUE_TOKEN.match(norm(tokens[k - 1])) or norm(tokens[k - 1]) in ("元", "万元")):
            k -= 1
        label, values = "".join(tokens[:k]), [t for t in tokens[k:] if _VALUE_TOKEN.match(norm(t))]
        row = match(label, block.rows) if label else None
        if row is None or len(values) != len(block.columns):
            continue
        for col, raw in zip(block.columns, values, strict=True):
            key = model.key(row.key, col.key)
            value = cell_number(raw)
            if key in ex.metrics or value is None:
                continue
            ex.set(key, value, Provenance(source, f"table 二 read from text lines: {block.caption} {row.label} / "
                                                     f"{col.label}", raw))
            found += 1
    if found:
        if "二" not in ex.tables:
            ex.tables.append("二")
        ex.notes.append(f"table 二 read from text lines by the model's blocks ({fmt} format)")
    return bool(found)


_T2_SPAN = re.compile(_heading("二") + "(.*?)(?:" + _heading("三", 5) + "|$)", re.S)


def _t2_rows(fmt: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(label, keys of its value columns in print order) of every row of table 二 in `fmt`; the 2019
    format's 政府集中采购 is left out (its amount has no separator from the item count)."""
    t = table2.T2_2021 if fmt == "2021" else table2.T2_2019
    return tuple((r.label, tuple(t.key(r.key, c.key) for c in b.columns))
                 for b in t.blocks for r in b.rows if r is not table2.PROCUREMENT)


_T2_2021_ROWS = _t2_rows("2021")
_T2_2019_ROWS = _t2_rows("2019")


def solve_table2_glued(text: str, ex: Extraction, source: str = "text") -> None:
    """Table 二 of the 2021 format from one flattened run of text ("规章000行政规范性文件8855698第二十条第（五）项
    …行政许可10690…行政事业性收费9116.36"). The 行政许可/处罚/强制/收费 rows have one value column, so the
    number glued after the label is that value; a 规章/行政规范性文件 run is cut into its three columns only
    when a single cut exists ("000"). The 2019 format (three columns on every row) is left alone."""
    if "二" in ex.tables:
        return
    m = _T2_SPAN.search(text)
    if not m:
        return
    span = m.group(1)
    flat = re.sub(r"\s+", "", span)
    if table2.ISSUED.label in flat and table2.PREV_ITEMS.label not in flat:
        rows, layout = _T2_2021_ROWS, "2021"
    elif table2.MADE.label in flat or table2.PREV_ITEMS.label in flat:
        rows, layout = _T2_2019_ROWS, "2019"
    else:
        return
    found = 0
    for label, keys in rows:
        hit = re.search(rf"(?<![行政对外]){_label_re(label)}\s*(\d+(?:\.\d+)?|[-\d\s]+?)(?=\s*(?:[^-\d\s.]|$))", span)
        if not hit:
            continue
        raw = hit.group(1).strip()
        if len(keys) == 1:
            if not re.fullmatch(r"\d+(?:\.\d+)?", raw):
                continue
            values: list[float | int] = [float(raw) if "." in raw else int(raw)]
        else:
            cuts = _signed_cuts(raw, keys)
            if len(cuts) != 1:
                ex.notes.append(f"table 二 {label}: '{raw}' has {len(cuts)} possible cuts into {len(keys)} numbers; left out")
                continue
            values = cuts[0]
        for key, value in zip(keys, values, strict=True):
            if key not in ex.metrics:
                ex.set(key, value, Provenance(source, f"table 二 {label} read from flattened text", raw))
                found += 1
    if found:
        ex.tables.append("二")
        ex.notes.append(f"table 二 read from flattened text ({layout} format)")


def _signed_cuts(raw: str, keys: tuple[str, ...]) -> list[list[int]]:
    """Cuts of a glued run into len(keys) numbers; a "-" starts a negative number, which only the
    本年增/减 column (`….change`) may hold ("35-15" -> 35, -15)."""
    tokens = re.findall(r"-?\d+", raw)
    runs = [t.lstrip("-") for t in tokens]
    signed = [t.startswith("-") for t in tokens]
    out = []
    for cut in segmentations(runs, len(keys)):
        values, i = list(cut), 0
        ok = True
        for run, neg in zip(runs, signed, strict=True):
            j, width = i, 0
            while width < len(run):
                width += len(str(values[j]))
                j += 1
            if neg:
                values[i] = -values[i]
                ok = ok and keys[i].endswith(".change")
            i = j
        if ok:
            out.append(values)
    return out


# -- segmentation ---------------------------------------------------------------------------------------


def segmentations(runs: list[str], n: int, ok: Callable[[list[int]], bool] | None = None,
                  check_every: int = 0) -> list[list[int]]:
    """All ways to cut the digit runs into `n` numbers (each run into ≥ 1 numbers, no leading zeros,
    at most 7 digits) that pass `ok`; with check_every=k, `ok` also prunes after every k numbers."""
    out: list[list[int]] = []

    def rec(i: int, pos: int, acc: list[int]) -> None:
        if len(out) > 64 or len(acc) > n:
            return
        if i == len(runs):
            if len(acc) == n and (ok is None or ok(acc)):
                out.append(list(acc))
            return
        run = runs[i]
        remaining_runs = len(runs) - i - 1
        for end in range(pos + 1, min(len(run), pos + _MAX_DIGITS) + 1):
            piece = run[pos:end]
            if len(piece) > 1 and piece[0] == "0":
                break
            acc.append(int(piece))
            if check_every and len(acc) % check_every == 0 and ok is not None and not ok(acc):
                acc.pop()
                continue
            if end == len(run):
                if len(acc) + remaining_runs <= n:
                    rec(i + 1, 0, acc)
            else:
                rec(i, end, acc)
            acc.pop()

    rec(0, 0, [])
    return out


def _row_ok(values: list[int]) -> bool:
    return len(values) == 7 and sum(values[:6]) == values[6]


# -- table 三 ---------------------------------------------------------------------------------------------


def _table3_rows(text: str) -> list[tuple[str, str, str]]:
    rows = _ROWS_HEAD + (_ROWS_2021 if re.search(_label_re(table3.OTHER_2021[0].cues[0]), text) else _ROWS_2019) \
        + _ROWS_TAIL
    return rows


def _anchors(text: str, rows: list[tuple[str, str, str]]) -> list[tuple[str, str, int, int]]:
    """(row key, next numbering, label start, label end) for the labels found, in printed order."""
    start = re.search(_label_re(table3.NEW.label), text)
    if not start:
        return []
    pos, found = start.start(), []
    for i, (key, label, _num) in enumerate(rows):
        m = re.compile(_label_re(label)).search(text, pos)
        if not m or (found and m.start() - found[-1][3] > 400):
            continue
        nxt = rows[i + 1][2] if i + 1 < len(rows) else ""
        found.append((key, nxt, m.start(), m.end()))
        pos = m.end()
    return found


def _digit_runs(segment: str, next_numbering: str) -> list[str]:
    """Digit runs of a row's value segment, without the next row's numbering stuck to its end."""
    seg = segment
    if next_numbering[:1].isdigit():
        seg = re.sub(re.escape(next_numbering[0]) + r"\s*[.．]\s*$", "", seg.rstrip())
    seg = re.sub(r"[(（][一二三四五六七][)）][^\d]*$", "", seg)
    return re.findall(r"\d+", seg)


def solve_table3(text: str, ex: Extraction, source: str = "text") -> None:
    rows = _table3_rows(text)
    anchors = _anchors(text, rows)
    if len(anchors) < 3:
        return
    candidates: dict[str, list[list[int]]] = {}
    raw: dict[str, str] = {}
    for i, (key, nxt, _s, end) in enumerate(anchors):
        stop = anchors[i + 1][2] if i + 1 < len(anchors) else min(len(text), end + 200)
        segment = text[end:stop]
        if i + 1 == len(anchors):
            segment = re.split(r"\n\s*[四五六]、|[^\d\s]{4}", segment)[0]
        runs = _digit_runs(segment, nxt)
        if not runs:
            continue
        sols = segmentations(runs, 7, _row_ok)
        raw[key] = " ".join(runs)
        if sols:
            candidates[key] = sols
        else:
            ex.notes.append(f"table 三 row {key}: no segmentation of {raw[key]!r} satisfies 总计 = Σ columns; left out")
    chosen = _choose(candidates, ex)
    if not chosen:
        return
    for key, values in chosen.items():
        for col, v in zip(COLUMNS, values, strict=True):
            metric = f"apps.{key}.{col}"
            if metric not in ex.metrics:
                ex.set(metric, v, Provenance(source, f"{WHERE}: table 三 row {key}", raw[key]))
    if "三" not in ex.tables:
        ex.tables.append("三")
    ex.notes.append(f"table 三 read from flattened text by constraint solving ({len(chosen)} rows)")


_NUMBER_TOKEN = re.compile(r"^(?:\d+|[/—–-]{1,2})$")


def _line_cells(line: str) -> list[Cell]:
    """A text line as table cells: its trailing numbers (and blank marks) one cell each, the rest one label."""
    tokens = line.split()
    k = len(tokens)
    while k > 0 and _NUMBER_TOKEN.match(tokens[k - 1]):
        k -= 1
    label = "".join(tokens[:k])
    return ([Cell(label)] if label else []) + [Cell(t) for t in tokens[k:]]


def solve_table3_lines(text: str, ex: Extraction, source: str = "text") -> None:
    """Table 三 from text lines that keep their cells apart ("（一）予以公开 1288 21 0 0 50 3 1362"): the lines
    become rows and go through the cell reader, which joins labels wrapped over lines, takes values on a
    line of their own under their label and places a row printed without a label by the template's order.
    A row is kept only when its 总计 is the sum of its six applicant columns (a line's numbers may still be
    split wrongly); the constraint solver fills what is left."""
    start = re.search(_label_re(table3.NEW.label), text)
    if not start:
        return
    end = re.search(_T4_HEAD, text[start.start():])
    span = text[start.start(): start.start() + end.start() if end else len(text)]
    rows = [_line_cells(line) for line in span.split("\n") if line.strip()]
    found = Extraction()
    if not read_t3([Table(rows)], found):
        return
    by_row: dict[str, dict[str, int | float]] = {}
    for key, value in found.metrics.items():
        row, col = key.removeprefix("apps.").rsplit(".", 1)
        by_row.setdefault(row, {})[col] = value
    kept = 0
    for row, values in by_row.items():
        parts = [values.get(c) for c in COLUMNS[:6]]
        if len(values) == 7 and sum(v for v in parts if v is not None) != values["total"]:
            continue
        if len(values) < 7 and not all(f"apps.{row}.{c}" in found.blank_cells or c in values for c in COLUMNS):
            continue
        for col, value in values.items():
            key = f"apps.{row}.{col}"
            if key not in ex.metrics:
                prov = found.provenance[key]
                ex.set(key, value, Provenance(source, f"table 三 read from text lines: {prov.where}", prov.raw))
        ex.blank_cells += [k for k in found.blank_cells if k.startswith(f"apps.{row}.") and k not in ex.blank_cells]
        kept += 1
    if kept:
        if "三" not in ex.tables:
            ex.tables.append("三")
        ex.notes.append(f"table 三 read from text lines ({kept} rows)")
        ex.notes += [n for n in found.notes if "template's order" in n]


def _choose(candidates: dict[str, list[list[int]]], ex: Extraction) -> dict[str, list[int]]:
    """One segmentation per row: unique ones directly, ambiguous ones by the column identities."""
    fixed = {k: v[0] for k, v in candidates.items() if len(v) == 1}
    open_rows = [k for k, v in candidates.items() if len(v) > 1]
    if not open_rows:
        return fixed
    combos = 1
    for k in open_rows:
        combos *= len(candidates[k])
    consistent: list[dict[str, list[int]]] = []
    if combos <= _MAX_COMBOS:
        for pick in itertools.product(*(candidates[k] for k in open_rows)):
            trial = {**fixed, **dict(zip(open_rows, pick, strict=True))}
            if _columns_ok(trial):
                consistent.append(trial)
                if len(consistent) > 1:
                    break
    if len(consistent) == 1:
        return consistent[0]
    for k in open_rows:
        options = " or ".join(str(c) for c in candidates[k][:3])
        ex.notes.append(f"table 三 row {k}: ambiguous in flattened text ({options}); left out")
    return fixed


def _columns_ok(rows: dict[str, list[int]]) -> bool:
    """T3-BALANCE and T3-RESULT-SUM for every column, where all the rows they need are present."""
    leaves = [k for k in rows if k.startswith("result.") and k != "result.total"]
    for c in range(7):
        if all(k in rows for k in ("new", "carried_in", "result.total", "carried_out")):
            if rows["new"][c] + rows["carried_in"][c] != rows["result.total"][c] + rows["carried_out"][c]:
                return False
        if "result.total" in rows and len(leaves) >= 20:
            if sum(rows[k][c] for k in leaves) != rows["result.total"][c]:
                return False
    return True


# -- table 四 ---------------------------------------------------------------------------------------------

_T4_START = re.compile(_label_re(table4.REVIEW_HEAD) + r"[\s\S]{0,40}?" + _label_re(table4.SUIT_HEAD))
_T4_HEAD = "四" + _GAP + "[、.]?" + _GAP + _label_re(bare(table4.HEADING).split(table4.REVIEW_HEAD)[0]) + _GAP \
    + _label_re(table4.REVIEW_HEAD)
_T4_SUM = "+".join(o.label for o in table4.OUTCOMES[:4]) + " = " + table4.OUTCOMES[4].label
_T4_LABELS = _label_re(table4.OUTCOMES[-1].label) + "|" + _label_re(table4.OUTCOMES[3].label)
_T4_END = r"五" + _GAP + "[、.]" + _GAP + "(?:政府信息公开工作)?存在"


def _group_ok(values: list[int]) -> bool:
    g = values[-5:]
    return len(g) == 5 and sum(g[:4]) == g[4]


def _runs_after(section: str, pos: int) -> list[str]:
    """The digit runs right after a header label, up to the next text."""
    return re.findall(r"\d+", re.split(r"[^\d\s]{2}", section[pos:].strip(), maxsplit=1)[0])


def solve_table4(text: str, ex: Extraction, source: str = "text") -> None:
    head = None
    for m in re.finditer(_T4_HEAD, text):
        head = m
    start = head.end() if head else None
    if start is None:
        m = _T4_START.search(text)
        if not m:
            return
        start = m.start()
    section = re.split(_T4_END, text[start:])[0]
    labels = list(re.finditer(_T4_LABELS, section))
    if not labels:
        return
    # the numbers follow the last header label; a table printed as three sub-tables (行政复议 /
    # 未经复议直接起诉 / 复议后起诉, each with its own header) has a run after each header instead
    blocks = [_runs_after(section, m.end()) for m in labels]
    runs = blocks[-1]
    if len(blocks) > 1 and sum(len(b) for b in blocks) > len(runs):
        whole = [r for b in blocks for r in b]
        if len(segmentations(whole, 15, _group_ok, check_every=5)) == 1:
            runs = whole
    if not runs:
        return
    sols = segmentations(runs, 15, _group_ok, check_every=5)
    raw = " ".join(runs)
    if len(sols) != 1:
        why = "no segmentation satisfies" if not sols else f"{len(sols)} segmentations satisfy"
        ex.notes.append(f"table 四 in flattened text ({raw!r}): {why} {_T4_SUM}; left out")
        return
    values = sols[0]
    for g, prefix in enumerate(table4.GROUP_KEYS):
        for o, outcome in enumerate(OUTCOMES):
            metric = f"{prefix}.{outcome}"
            if metric not in ex.metrics:
                ex.set(metric, values[5 * g + o], Provenance(source, f"{WHERE}: table 四 {prefix}", raw))
    if "suit.total" not in ex.metrics:
        ex.set("suit.total", values[9] + values[14], Provenance(source, f"{WHERE}: table 四 derived", raw))
    if "四" not in ex.tables:
        ex.tables.append("四")
    ex.notes.append("table 四 read from flattened text by constraint solving")
