"""Positioned words -> text lines and unruled tables (a grid built from where the words sit).

Many report PDFs print their tables without rulings, and an OCR engine only ever gives boxes; both leave a
table as words at positions. Depends only on `Word`, so the PDF text layer and OCR boxes share it.

How a grid is found: words -> lines (words whose vertical extents overlap, per page) -> segments (runs of a
line split where the gap is wider than a character) -> a table region is a run of lines where value
segments (numbers, blank marks) line up in two or more columns. The usual count of values per row is the
number of columns, and rows with that count give each column's x-range (values come in column order even
where a cell is printed wider than its column); when the header names more columns than the values fill
(blank columns print nothing) its lowest-level headings are the columns. Each line with values anchors a
row, and label-only lines (a label wrapped over two or three lines, printed above and below its values) join
the nearest anchor. Header lines above the first row give the column headings: a piece inside one column is
that column's heading (stacked pieces joined), one over several columns a spanning heading. A table going on
at the top of the next page without a header of its own, with as many columns, is the same table.

API:
    group_lines(words) -> list[list[Word]]    (reading order: page, then top to bottom, each line left to right)
    join_line(words) -> str                    (one line's text; a space only where the gap is wide)
    word_tables(words) -> list[Table]
"""

from __future__ import annotations

import re
from statistics import median

from pipeline.extract.document import Cell, Table
from pipeline.extract.layout import Word

#: a value cell as printed: a number (with unit, percent or sign), or a mark that a cell is blank/zero
VALUE = re.compile(r"^[-+]?\d(?:[\d,，.]*\d)?(?:%|元|万元|件|条|个|人次?)?$|^[-—–/／×无]$")
#: lines of one table may be this many line heights apart before the table is taken to have ended
_MAX_LINE_GAP = 3.0


def group_lines(words: list[Word]) -> list[list[Word]]:
    """Words -> lines: a word joins a line when its vertical extent overlaps the line's by half its height
    (CJK text, Latin digits in another font and superscripts sit at slightly different tops)."""
    lines: list[list[Word]] = []
    bands: list[tuple[int, float, float]] = []
    for w in sorted(words, key=lambda w: (w.page, w.top, w.x0)):
        h = max(w.bottom - w.top, 0.1)
        for i in range(len(bands) - 1, max(-1, len(bands) - 4), -1):
            page, top, bottom = bands[i]
            if page == w.page and min(bottom, w.bottom) - max(top, w.top) >= 0.5 * min(h, bottom - top):
                lines[i].append(w)
                bands[i] = (page, min(top, w.top), max(bottom, w.bottom))
                break
        else:
            lines.append([w])
            bands.append((w.page, w.top, w.bottom))
    out = [sorted(line, key=lambda w: w.x0) for line in lines]
    return sorted(out, key=lambda ln: (ln[0].page, min(w.top for w in ln)))


def _height(words: list[Word]) -> float:
    return median([w.bottom - w.top for w in words]) if words else 10.0


def join_line(line: list[Word]) -> str:
    """The text of one line: words touching each other are glued (CJK has no spaces), others get one space."""
    if not line:
        return ""
    h = _height(line)
    out = line[0].text
    for prev, w in zip(line, line[1:], strict=False):
        out += ("" if w.x0 - prev.x1 < 0.25 * h else " ") + w.text
    return out


def _segments(line: list[Word]) -> list[list[Word]]:
    """A line cut where the gap between words is wider than a character: the line's cells."""
    h = _height(line)
    segs = [[line[0]]]
    for prev, w in zip(line, line[1:], strict=False):
        gap = w.x0 - prev.x1
        if gap > 0.9 * h or (gap > 0.3 * h and VALUE.match(w.text) and not VALUE.match(prev.text)):
            segs.append([w])
        else:
            segs[-1].append(w)
    return segs


def _is_value(seg: list[Word]) -> bool:
    return all(VALUE.match(w.text) for w in seg)


def _span(seg: list[Word]) -> tuple[float, float]:
    return seg[0].x0, seg[-1].x1


def word_tables(words: list[Word]) -> list[Table]:
    """Unruled tables among positioned words, each as a Table of Cells (header rows first)."""
    found: list[tuple[Table, bool, int, int, int]] = []  # table, has a header, columns, first and last page
    for region in _regions(group_lines(words)):
        made = _region_table(region)
        if made is None:
            continue
        table, has_header, ncols = made
        first, last = region[0][0].page, region[-1][0].page
        prev = found[-1] if found else None
        # a table going on at the top of the next page: no header of its own, as many columns
        if prev is not None and prev[4] + 1 == first and not has_header and prev[2] == ncols:
            prev[0].rows.extend(table.rows)
            found[-1] = (prev[0], prev[1], ncols, prev[3], last)
        else:
            found.append((table, has_header, ncols, first, last))
    return [t for t, *_ in found]


def _regions(lines: list[list[Word]]) -> list[list[list[Word]]]:
    """Runs of lines around lines with two or more value segments, with the label/header lines between and
    just above them; a run ends at a page change or a wide vertical gap."""
    value_lines = [sum(_is_value(s) for s in _segments(ln)) >= 2 for ln in lines]
    regions: list[list[int]] = []
    i, taken = 0, 0
    while i < len(lines):
        if not value_lines[i]:
            i += 1
            continue
        start = i
        while start > taken and _close(lines[start - 1], lines[start]) and not _prose(lines[start - 1], lines[i]):
            start -= 1
        end = i
        j = i + 1
        while j < len(lines) and _close(lines[j - 1], lines[j]) and (value_lines[j] or not _prose(lines[j], lines[i])):
            if value_lines[j]:
                end = j
            j += 1
        # label lines after the last value line still belong to it when they start left of the values
        while end + 1 < len(lines) and _close(lines[end], lines[end + 1]) and not value_lines[end + 1] \
                and _starts_left_of_values(lines[end + 1], lines[end]):
            end += 1
        regions.append(list(range(start, end + 1)))
        i = taken = end + 1
    return [[lines[k] for k in r] for r in regions if sum(value_lines[k] for k in r) >= 2]


def _close(a: list[Word], b: list[Word]) -> bool:
    h = _height(a + b)
    return a[0].page == b[0].page and min(w.top for w in b) - max(w.bottom for w in a) < _MAX_LINE_GAP * h


def _prose(line: list[Word], value_line: list[Word]) -> bool:
    """A line of running text: one segment from the label side across the first value column (a heading
    that spans value columns starts right of the labels)."""
    segs = _segments(line)
    if len(segs) > 1:
        return False
    first_value = next((s for s in _segments(value_line) if _is_value(s)), None)
    if first_value is None:
        return False
    x0, x1 = _span(segs[0])
    return x0 < first_value[0].x0 and x1 > first_value[0].x1 + _height(line)


def _starts_left_of_values(line: list[Word], value_line: list[Word]) -> bool:
    first_value = next((s for s in _segments(value_line) if _is_value(s)), None)
    return first_value is not None and line[-1].x1 < first_value[0].x0


def _columns(value_rows: list[list[list[Word]]]) -> list[tuple[float, float]]:
    """x-ranges of the value columns. The usual count of values per row is the number of columns; rows that
    have that many give each column's range (values in a row come in column order, even where a cell is
    printed wider than its column); other rows' values overlapping no range add nothing."""
    counts = [len(r) for r in value_rows]
    n = max(set(counts), key=lambda c: (counts.count(c), c))
    cols = [[float("inf"), float("-inf")] for _ in range(n)]
    for r in value_rows:
        if len(r) == n:
            for k, seg in enumerate(r):
                x0, x1 = _span(seg)
                cols[k][0], cols[k][1] = min(cols[k][0], x0), max(cols[k][1], x1)
    return [(a, b) for a, b in cols]


def _col_of(cols: list[tuple[float, float]], x0: float, x1: float) -> list[int]:
    """Columns a segment covers: those it overlaps, or the one nearest its middle."""
    hit = [i for i, (a, b) in enumerate(cols) if min(b, x1) - max(a, x0) > 0]
    if hit:
        return hit
    mid = (x0 + x1) / 2
    return [min(range(len(cols)), key=lambda i: abs((cols[i][0] + cols[i][1]) / 2 - mid))]


def _header_columns(words: list[Word], cols: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The header's own columns when it names more than the values fill (blank columns print no value):
    its lowest-level headings (a heading over several others spans them) grouped where they overlap or
    nearly touch (letter-spaced 社 会 公 益), used when each value column falls in a different one."""
    if not words:
        return cols
    h = _height(words)

    def spans_others(w: Word) -> bool:
        under = [o for o in words if o is not w and o.top > w.top + h / 2 and w.x0 - 1 <= o.mid_x <= w.x1 + 1]
        return len({round(o.mid_x / h) for o in under}) >= 2 and w.x1 - w.x0 > 2.5 * h

    leaves = sorted((w for w in words if not spans_others(w)), key=lambda w: w.x0)
    groups: list[list[float]] = []
    for w in leaves:
        if groups and w.x0 <= groups[-1][1] + 0.5 * h:
            groups[-1][1] = max(groups[-1][1], w.x1)
        else:
            groups.append([w.x0, w.x1])
    if len(groups) <= len(cols):
        return cols
    owner = [min(range(len(groups)), key=lambda g: abs((groups[g][0] + groups[g][1]) / 2 - (a + b) / 2))
             for a, b in cols]
    if len(set(owner)) != len(owner) or owner != sorted(owner):
        return cols
    return [(a, b) for a, b in groups]


def _place_values(cols: list[tuple[float, float]], values: list[list[Word]]) -> list[str]:
    out = [""] * len(cols)
    if len(values) == len(cols):
        return [join_line(v) for v in values]
    for v in values:
        x0, x1 = _span(v)
        k = min(range(len(cols)), key=lambda i: abs((cols[i][0] + cols[i][1]) / 2 - (x0 + x1) / 2))
        out[k] = join_line(v)
    return out


def _region_table(region: list[list[Word]]) -> tuple[Table, bool, int] | None:
    """One region -> (Table, whether it printed a header, number of value columns)."""
    segs = [_segments(ln) for ln in region]
    is_row = [sum(_is_value(s) for s in ss) >= 2 for ss in segs]
    first_row = is_row.index(True)
    # values right of the labels: a number ending a label ("…申请数量 3") would otherwise start a column
    value_rows = [[s for s in ss if _is_value(s)] for ss, row in zip(segs, is_row, strict=True) if row]
    cols = _columns(value_rows)
    if len(cols) < 2:
        return None
    left = cols[0][0]
    header_lines, body = segs[:first_row], list(zip(segs[first_row:], is_row[first_row:], strict=True))
    if all(_span(s)[1] <= left for ss in header_lines for s in ss):
        # nothing over the value columns: the lines above the first values are its wrapped label
        header_lines, body = [], list(zip(segs, is_row, strict=True))
    else:
        cols = _header_columns([w for ss in header_lines for s in ss for w in s if w.x1 > left], cols)
        left = min(left, cols[0][0])
    # header: pieces within one column are stacked, pieces over several columns span them
    heads = [""] * len(cols)
    spanning: list[tuple[int, int, str]] = []
    corner = ""
    for ss in header_lines:
        for s in ss:
            x0, x1 = _span(s)
            if x1 <= left:
                corner += join_line(s)
                continue
            hit = _col_of(cols, x0, x1)
            if len(hit) > 1:
                spanning.append((hit[0], hit[-1] + 1, join_line(s)))
            else:
                heads[hit[0]] += join_line(s)
    # body: rows anchored at value lines; label-only lines join the nearest anchor
    anchors = [i for i, (_, row) in enumerate(body) if row]
    labels = {i: "" for i in anchors}
    values: dict[int, list[str]] = {i: [""] * len(cols) for i in anchors}
    label_parts: dict[int, list[tuple[float, str]]] = {i: [] for i in anchors}
    for i, (ss, row) in enumerate(body):
        line = [w for s in ss for w in s]
        mid = (min(w.top for w in line) + max(w.bottom for w in line)) / 2
        target = i if row else min(anchors, key=lambda a: (abs(_mid(body[a][0]) - mid), a))
        vals = [s for s in ss if row and _is_value(s) and _span(s)[1] > left]
        if row:
            values[i] = _place_values(cols, vals)
        for s in ss:
            if not any(s is v for v in vals):
                label_parts[target].append((mid, join_line(s)))
    rows: list[list[Cell]] = []
    if spanning:
        spans = sorted(spanning)
        head_row = [Cell("", 1, 1)]
        at = 0
        for a, b, text in spans:
            if a < at:
                continue
            head_row += [Cell("") for _ in range(at, a)] + [Cell(text, 1, b - a)]
            at = b
        head_row += [Cell("") for _ in range(at, len(cols))]
        rows.append(head_row)
    if any(heads) or corner:
        rows.append([Cell(corner), *(Cell(h) for h in heads)])
    for a in anchors:
        labels[a] = "".join(t for _, t in sorted(label_parts[a], key=lambda p: p[0]))
        rows.append([Cell(labels[a]), *(Cell(v) for v in values[a])])
    return Table(rows=rows), bool(header_lines), len(cols)


def _mid(ss: list[list[Word]]) -> float:
    line = [w for s in ss for w in s]
    return (min(w.top for w in line) + max(w.bottom for w in line)) / 2
