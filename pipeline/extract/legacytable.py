"""Legacy (≤ 2018) 政府信息公开情况统计表 → metric keys.

Two layouts carry these statistics: the Fujian-style table `指标名称 | 计量单位 | YYYY年度 | 历年累计`
(only the year column is this year's value; 历年累计 is cumulative and has no key) and the 2014–2018
national-style table `统计指标 | 单位 | 统计数`. Both are label-per-row, so one label map serves both;
维持/纠错/其他情形 rows mean review or suit depending on the section row above them.
"""

from __future__ import annotations

import re

from pipeline.formats import Column, Row, legacy

from .document import Cell, Table
from .model import Extraction, Provenance
from .numbers import parse_number

#: normalised row label → the rows printing it (维持/纠错/其他情形 print once per 行政复议 / 行政诉讼 section)
_LABELS: dict[str, list[Row]] = {}
for _row in legacy.ROWS:
    for _label in _row.labels():
        _LABELS.setdefault(_label, []).append(_row)


def _row_for(label: str, sec: str) -> Row | None:
    rows = _LABELS.get(label)
    if not rows:
        return None
    return next((r for r in rows if r.group == sec), rows[0])


_NUMBERING = re.compile(r"^(?:其中[:：]?)?(?:[(（]?[一二三四五六七八九十\d]+[)）.、．]|[(（][一二三四五六七八九十\d]+[)）])*")


def norm_row_label(text: str) -> str:
    """Row label without whitespace, 其中：, numbering (1. / （一） / 一、 / 1)) or parenthetical notes."""
    s = re.sub(r"\s+", "", text)
    for _ in range(3):
        s = _NUMBERING.sub("", s)
        s = re.sub(r"^其中[:：]?", "", s)
    return re.sub(r"[(（][^)）]*[)）]", "", s)


def _grid(table: Table) -> list[list[str]]:
    """Rows with col/rowspans expanded, so a column index means the same column in every row."""
    grid: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}
    for r, row in enumerate(table.rows):
        out: list[str] = []
        cells = iter(row)
        c = 0
        while True:
            if (r, c) in pending:
                out.append(pending.pop((r, c)))
                c += 1
                continue
            cell = next(cells, None)
            if cell is None:
                while (r, c) in pending:
                    out.append(pending.pop((r, c)))
                    c += 1
                break
            for dc in range(max(cell.colspan, 1)):
                out.append(cell.text)
                for dr in range(1, max(cell.rowspan, 1)):
                    pending[(r + dr, c + dc)] = cell.text
            c += max(cell.colspan, 1)
        grid.append(out)
    return grid


def _columns(header: list[str]) -> tuple[int, int | None, int] | None:
    """(label col, unit col, value col) of a statistics table header, or None if it is not one."""
    norm = [re.sub(r"\s+", "", h) for h in header]
    label = next((i for i, h in enumerate(norm) if _is(legacy.LABEL_HEAD, h)), None)
    if label is None:
        return None
    unit = next((i for i, h in enumerate(norm) if _is(legacy.UNIT_HEAD, h)), None)
    value = next((i for i, h in enumerate(norm)
                  if i != label and i != unit and not _is(legacy.CUMULATIVE_HEAD, h) and _is(legacy.VALUE_HEAD, h)),
                 None)
    return None if value is None else (label, unit, value)


def _is(head: Column, text: str) -> bool:
    return any(re.search(cue, text) for cue in head.cues)


def has_statistics_table(tables: list[Table]) -> bool:
    """True when one of `tables` is a legacy statistics table (its header names 指标 and a value column)."""
    return any(_columns(header) for table in tables for header in _grid(table)[:3])


def fill_from_tables(tables: list[Table], ex: Extraction) -> None:
    """Set the keys of every legacy statistics table in `tables` that are not set yet."""
    for table in tables:
        grid = _grid(table)
        for h, header in enumerate(grid[:3]):
            cols = _columns(header)
            if cols:
                _fill(grid[h + 1:], cols, ex)
                break


def _fill(rows: list[list[str]], cols: tuple[int, int | None, int], ex: Extraction) -> None:
    label_col, unit_col, value_col = cols
    sec = "review"
    for row in rows:
        if len(row) <= value_col:
            continue
        raw_label = row[label_col]
        label = norm_row_label(raw_label)
        sec = next((g for prefix, g in legacy.SECTION_PREFIXES if label.startswith(prefix)), sec)
        stat = _row_for(label, sec)
        if stat is None:
            continue
        key = stat.key
        raw = row[value_col].strip()
        parsed = parse_number(raw)
        if parsed is None or key in ex.metrics:
            continue
        value, approx = parsed
        unit = re.sub(r"\s+", "", row[unit_col]) if unit_col is not None and unit_col < len(row) else ""
        if key == "fees.collected_yuan" and unit == "万元":
            value = round(value * 10000, 2)
        elif key == "budget.amount_10k_yuan" and unit == "元":
            value = value / 10000
        if isinstance(value, float) and value.is_integer() and key != "budget.amount_10k_yuan":
            value = int(value)
        ex.set(key, value, Provenance("table", raw_label.strip(), raw), approximate=approx)


_UNITS = "|".join(legacy.UNITS)
_FLAT_HEAD = re.compile(legacy.LABEL_HEAD.label + r"\s*" + legacy.UNIT_HEAD.label + r"\s*((?:19|20)\d{2})\s*年度?\s*"
                        + legacy.CUMULATIVE_HEAD.label)
_FLAT_UNIT = re.compile(f"({_UNITS})$")
_FLAT_SPACED = re.compile(rf"(\S+?)\s+({_UNITS})\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)(?=\s|$)")
_FLAT_STOP = re.compile(r"\s(?:[一二三四五六七八九十]+、|附件|附表)")


def flat_table(text: str) -> Table | None:
    """A Fujian-style 统计表 whose cells a text capture glued together ("指标名称计量单位2016年度历年累计
    主动公开文件数条346085376其中：1、政府网站公开数条3460853762、政府公报公开数条00…") -> a Table with
    the columns 指标名称 | 计量单位 | YYYY年度 | 历年累计.

    Each run of digits holds this year's value then the cumulative one (and, before "、", the next row's
    numbering). The run is cut only when one cut exists with year ≤ cumulative and no leading zeros
    ("00" -> 0, 0), or when the prose before the table names exactly one of the candidate year values with
    the row's unit ("3460条"); an ambiguous run ("346085376": 3|46085376, 34|6085376, 3460|85376) gives blank cells.
    """
    head = _FLAT_HEAD.search(text)
    if not head:
        return None
    span, prose = text[head.end():], text[:head.start()]
    stop = _FLAT_STOP.search(span)
    if stop:
        span = span[:stop.start()]
    rows = [[Cell(legacy.LABEL_HEAD.label), Cell(legacy.UNIT_HEAD.label), Cell(f"{head.group(1)}年度"),
             Cell(legacy.CUMULATIVE_HEAD.label)]]
    spaced = _FLAT_SPACED.findall(span)
    if len(spaced) >= 3:  # cells still apart ("主动公开文件数 条 2543 78967"): nothing to cut
        rows += [[Cell(label), Cell(unit), Cell(year), Cell(total)] for label, unit, year, total in spaced]
        return Table(rows=rows, caption="统计表 (text)")
    parts = re.findall(r"\d+|[^\d]+", span)
    label = ""
    for i, part in enumerate(parts):
        if not part.isdigit():
            label += part
            continue
        unit = _FLAT_UNIT.search(label)  # glued: unit then digits, no space (spaced text is a real table's)
        if not unit:
            label += part  # a digit inside a label: its numbering ("其中：1、…")
            continue
        run, label_text, label = part, label.strip(), ""
        nxt = parts[i + 1] if i + 1 < len(parts) else ""
        if nxt[:1] in ("、", ".", "．") and len(run) > 1:
            run, label = run[:-1], run[-1]  # the next row's numbering
        cuts = [(run[:k], run[k:]) for k in range(1, len(run))
                if not (len(run[:k]) > 1 and run[0] == "0") and not (len(run[k:]) > 1 and run[k] == "0")
                and int(run[:k]) <= int(run[k:])]
        if len(cuts) > 1:
            # the report's prose states this year's value ("主动公开政府信息425条"): keep the one cut it names
            named = [c for c in cuts if re.search(rf"(?<![\d.]){c[0]}{unit.group(1)}", prose)]
            cuts = named if len(named) == 1 else cuts
        year, total = cuts[0] if len(cuts) == 1 else ("", "")
        rows.append([Cell(label_text[:unit.start()]), Cell(unit.group(1)), Cell(year), Cell(total)])
    return Table(rows=rows, caption="统计表 (flattened text)") if len(rows) > 1 else None
