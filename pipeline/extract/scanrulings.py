"""Ruled tables in a page image: the cell grid a scan's table lines draw, for the printed-PDF table builder.

A scan has no text layer and no vector rulings, only pixels; but the report's tables are printed ruled, and
their lines are what tells a merged label cell (三、本年度办理结果 over ten rows, 法人或其他组织 over five
columns) from a row of numbers. Words placed by position alone lose that, so this module finds the lines
themselves: long thin runs of dark pixels, horizontal and vertical (the page deskewed first by the angle of
its horizontal lines, `skew`, which the OCR also takes out of the words' boxes, so words and lines share one
frame). Lines that cross make a table; their positions are
the grid, and each slot of the grid joins its neighbour where the line between them is not drawn, which
gives the merged cells. Each OCR word goes to the cell its centre lies in (pdf.cell_text), and the cells go to
the same builder as a printed PDF's (pdf.ruled_tables: joined across page breaks, spans, layout rows cut).
A word the OCR boxed across a ruling is cut there; a value it missed beside a ruling is read again from the
cell's own ink.
A table cut by a page break has no line on its cut side: the ends of its vertical lines near the page's top
or bottom stand in for it there, marked as not ruled, so the builder mends a cell cut in two.

API:
    find_lines(gray, scale) -> (horizontals, verticals)      (pixel coordinates of the given image)
    cell_boxes(horizontals, verticals, height, scale) -> list of tables, each a list of
        (x0, top, x1, bottom, top ruled, bottom ruled) in pixels
    skew(gray, scale) -> angle | None                         (from the horizontal lines)
    page_frags(image, angle, scale, page, words, reread, limits) -> PageTables(frags, words, errors)
        (points, as the words are)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.extract.layout import Word
from pipeline.extract.pdf import Frag, cell_text, without_containers
from pipeline.extract.wordtables import VALUE
from pipeline.limits import LIMITS, LimitExceeded, Limits

#: a pixel darker than this (0-255 grey) may be part of a line (light grey rulings print at ~160)
DARK = 200
#: the shortest run that is a line, in points (longer than a printed character, shorter than a table cell)
MIN_LINE_PT = 15.0
#: a line thicker than this (points) is a filled block or a picture, not a ruling
MAX_THICK_PT = 4.0
#: a page image with more long dark runs than this is a photo or a texture, not a ruled page
_MAX_RUNS = 200_000
#: grid slots of one table (a report's largest has ~500)
_MAX_SLOTS = 20_000
#: gaps in a line (blur, a faint print) up to this many pixels are bridged
_GAP_PX = 2
#: positions of lines this close (points) are one grid line (rows and columns are wider than this)
_SNAP_PT = 4.0
#: a grid slot's side is drawn when lines cover this share of it
_COVER = 0.6
#: vertical lines ending within this share of the page height from its top/bottom may be cut by the break
_EDGE_BAND = 0.2


@dataclass
class Line:
    """One ruling in pixels: `at` is its y (horizontal) or x (vertical), [lo, hi] its extent along itself."""

    at: float
    lo: float
    hi: float
    thick: int


def find_lines(gray: Any, scale: float = 1.0) -> tuple[list[Line], list[Line]]:
    """Horizontal and vertical rulings of a grey image (numpy uint8, rows x columns); `scale` = pixels per point."""
    import numpy as np

    dark = np.asarray(gray) < DARK
    min_len = max(8, int(MIN_LINE_PT * scale))
    max_thick = max(2, int(math.ceil(MAX_THICK_PT * scale)))
    return _lines(dark, min_len, max_thick), _lines(dark.T, min_len, max_thick)


def _runs(dark: Any, min_len: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of the dark runs of at least min_len pixels along the rows, small gaps bridged."""
    import numpy as np

    closed = dark.copy()
    for g in range(1, _GAP_PX + 1):  # bridge a gap of up to g pixels: dark on both sides within g
        left = np.zeros_like(dark)
        right = np.zeros_like(dark)
        left[:, g:] = dark[:, :-g]
        right[:, :-g] = dark[:, g:]
        closed |= left & right
    padded = np.zeros((closed.shape[0], closed.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = closed
    diff = np.diff(padded, axis=1)
    starts = np.argwhere(diff == 1)
    ends = np.argwhere(diff == -1)
    keep = ends[:, 1] - starts[:, 1] >= min_len
    if int(keep.sum()) > _MAX_RUNS:
        raise LimitExceeded("long dark runs of one page image", _MAX_RUNS, int(keep.sum()))
    return list(zip(starts[keep, 0].tolist(), starts[keep, 1].tolist(), ends[keep, 1].tolist(), strict=True))


def _lines(dark: Any, min_len: int, max_thick: int) -> list[Line]:
    """Long runs along the rows of a boolean image, runs of neighbouring rows merged into one ruling."""
    open_: list[list] = []  # [first row, last row, lo, hi, row sum, rows]
    done: list[list] = []
    for y, x0, x1 in _runs(dark, min_len):
        still = []
        for ln in open_:
            (still if ln[1] >= y - 2 else done).append(ln)
        open_ = still
        for ln in open_:
            if ln[1] < y and x0 <= ln[3] + _GAP_PX and x1 >= ln[2] - _GAP_PX:
                ln[1], ln[2], ln[3] = y, min(ln[2], x0), max(ln[3], x1)
                ln[4] += y
                ln[5] += 1
                break
        else:
            open_.append([y, y, x0, x1, y, 1])
    done += open_
    return [Line(ln[4] / ln[5], float(ln[2]), float(ln[3]), ln[1] - ln[0] + 1)
            for ln in done if ln[1] - ln[0] + 1 <= max_thick]


#: skew angles tried (degrees): a scan fed in crooked by up to this much
_MAX_SKEW_DEG = 2.0
#: the skew is measured from runs at least this long (points): table lines, not characters
_SKEW_RUN_PT = 20.0
#: and only when they add up to this many points
_SKEW_MIN_PT = 600.0


def skew(gray: Any, scale: float = 1.0) -> float | None:
    """The page's skew angle (radians, the slope of its horizontal lines, y down) measured from its long
    horizontal runs: the angle at which they stack into the sharpest rows. None when the page has too
    few of them to tell (no ruled table); then the OCR's text boxes tell."""
    import numpy as np

    try:
        runs = np.asarray(_runs(np.asarray(gray) < DARK, max(8, int(_SKEW_RUN_PT * scale))), dtype=float)
    except LimitExceeded:
        return None  # a photo or a texture: the text boxes tell
    if not len(runs) or (runs[:, 2] - runs[:, 1]).sum() < _SKEW_MIN_PT * scale:
        return None
    # points every few pixels along each run, binned linearly by their row once the angle is taken out
    step = 4.0
    count = np.ceil((runs[:, 2] - runs[:, 1]) / step).astype(int)
    first = np.cumsum(count) - count
    along = (np.arange(count.sum()) - np.repeat(first, count)) * step
    arr = np.stack([np.repeat(runs[:, 0], count), np.repeat(runs[:, 1], count) + along], axis=1)

    def sharpness(deg: float) -> float:
        rows = arr[:, 0] - arr[:, 1] * math.tan(math.radians(deg))
        rows -= rows.min()
        low = np.floor(rows)
        frac = rows - low
        low = low.astype(int)
        hist = np.bincount(low, weights=1 - frac, minlength=low.max() + 2)
        hist[1:] += np.bincount(low, weights=frac, minlength=low.max() + 1)[: len(hist) - 1]
        return float((hist ** 2).sum())

    best = max(np.arange(-_MAX_SKEW_DEG, _MAX_SKEW_DEG + 1e-9, 0.05), key=sharpness)
    best = max(np.arange(best - 0.05, best + 0.05 + 1e-9, 0.01), key=sharpness)
    return math.radians(float(best)) if abs(best) > 0.05 else 0.0


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _groups(hs: list[Line], vs: list[Line], tol: float) -> list[tuple[list[Line], list[Line]]]:
    """Lines that cross or touch each other, as connected sets: one set per table."""
    parent = list(range(len(hs) + len(vs)))
    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h.lo - tol <= v.at <= h.hi + tol and v.lo - tol <= h.at <= v.hi + tol:
                parent[_find(parent, i)] = _find(parent, len(hs) + j)
    sets: dict[int, tuple[list[Line], list[Line]]] = {}
    for i, h in enumerate(hs):
        sets.setdefault(_find(parent, i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        sets.setdefault(_find(parent, len(hs) + j), ([], []))[1].append(v)
    return [g for g in sets.values() if len(g[0]) + len(g[1]) >= 3 and g[1]]


def _snap(values: list[float], tol: float) -> list[float]:
    """Positions within `tol` of each other -> their mean, ascending."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _covered(lines: list[Line], at: float, lo: float, hi: float, tol: float) -> bool:
    """Lines at `at` cover most of [lo, hi]."""
    cover = sum(max(0.0, min(ln.hi, hi) - max(ln.lo, lo)) for ln in lines if abs(ln.at - at) <= tol)
    return cover >= _COVER * (hi - lo)


def cell_boxes(hs: list[Line], vs: list[Line], height: float, scale: float = 1.0) -> list[list[tuple]]:
    """The tables the rulings draw, each a list of cells (x0, top, x1, bottom, top ruled, bottom ruled) in
    pixels, top to bottom, left to right."""
    tol = max(3.0, 1.5 * scale)
    tables = [_table_cells(ghs, gvs, height, scale) for ghs, gvs in _groups(hs, vs, tol)]
    return [t for t in tables if len(t) >= 2]


def _table_cells(hs: list[Line], vs: list[Line], height: float, scale: float) -> list[tuple]:
    """One table's cells: the lines' positions are the grid, and a slot joins its neighbour where no line is
    drawn between them (a merged cell)."""
    snap = _SNAP_PT * scale
    xs = _snap([v.at for v in vs], snap)
    ys = _snap([h.at for h in hs], snap)
    if len(xs) < 2 or not ys:
        return []
    # a table cut by the page break: its verticals' ends near the page's edge close it, unruled
    top, bottom = min(v.lo for v in vs), max(v.hi for v in vs)
    virtual = []
    if top < ys[0] - snap and top < _EDGE_BAND * height:
        virtual.append(top)
    if bottom > ys[-1] + snap and bottom > (1 - _EDGE_BAND) * height:
        virtual.append(bottom)
    ys = _snap(ys + virtual, snap)
    if len(ys) < 2:
        return []
    rows, cols = len(ys) - 1, len(xs) - 1
    if rows * cols > _MAX_SLOTS:
        raise LimitExceeded("grid slots of one ruled table", _MAX_SLOTS, rows * cols)
    at_y = [[h for h in hs if abs(h.at - y) <= snap] for y in ys]
    at_x = [[v for v in vs if abs(v.at - x) <= snap] for x in xs]
    h_drawn = [[_covered(at_y[i], ys[i], xs[j], xs[j + 1], snap) for j in range(cols)] for i in range(rows + 1)]
    v_drawn = [[_covered(at_x[j], xs[j], ys[i], ys[i + 1], snap) for j in range(cols + 1)] for i in range(rows)]
    parent = list(range(rows * cols))
    for i in range(rows):
        for j in range(cols):
            if j + 1 < cols and not v_drawn[i][j + 1]:
                parent[_find(parent, i * cols + j)] = _find(parent, i * cols + j + 1)
            if i + 1 < rows and not h_drawn[i + 1][j]:
                parent[_find(parent, i * cols + j)] = _find(parent, (i + 1) * cols + j)
    slots: dict[int, list[tuple[int, int]]] = {}
    for i in range(rows):
        for j in range(cols):
            slots.setdefault(_find(parent, i * cols + j), []).append((i, j))
    cells = []
    for members in slots.values():
        i0, i1 = min(i for i, _ in members), max(i for i, _ in members) + 1
        j0, j1 = min(j for _, j in members), max(j for _, j in members) + 1
        top_ruled = all(h_drawn[i0][j] for j in range(j0, j1))
        bottom_ruled = all(h_drawn[i1][j] for j in range(j0, j1))
        cells.append((xs[j0], ys[i0], xs[j1], ys[i1], top_ruled, bottom_ruled))
    return sorted(cells, key=lambda c: (c[1], c[0]))


def deskew(image: Any, angle: float) -> Any:
    """The page image turned by -angle (radians) about its centre, as the OCR turned the words' boxes."""
    if not angle:
        return image
    from PIL import Image

    return image.rotate(math.degrees(angle), resample=Image.Resampling.BILINEAR, fillcolor=255)


#: a value read again from its cell is kept at this recogniser score or more (below APPROX_CONF: approximate)
_REREAD_MIN_CONF = 0.5
#: a table smaller than this (points, either side) is an icon or a box drawn round a word, not a table
_MIN_TABLE_PT = 30.0
#: what an OCR engine reads a ruling as, at the edge of a cell's text
_RULE_MARKS = "|｜丨"


@dataclass
class PageTables:
    """The ruled tables of one page image: fragments for the PDF builder, the Words read again from their
    cells, and the limits hit on the way (one-line errors)."""

    frags: list[Frag] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def page_frags(image: Any, angle: float, scale: float, page: int, words: list[Word],
               reread: Callable[[Any], tuple[str, float] | None] | None = None,
               limits: Limits = LIMITS) -> PageTables:
    """The ruled tables of one page image (PIL, grey) as the PDF builder's fragments, in the words' units
    (pixels / scale); each cell holds the text of the words whose centres lie in it (a word the OCR read
    across a ruling, two cells' texts in one box, is cut at the ruling first).

    A value the OCR missed or garbled beside a ruling (a digit touching a line is read as "/1" or not at
    all) is read again from its cell: `reread` (a line recogniser) gets the ink of a cell that lies in a row
    and a column of values but holds none; what it reads as a value becomes the cell's text and a new Word
    (for the values' provenance). Raises LimitExceeded for an image too large or too busy to search."""
    import numpy as np

    if image.width * image.height > limits.ruling_max_pixels:
        raise LimitExceeded("image pixels searched for table rulings", limits.ruling_max_pixels,
                            image.width * image.height)
    gray = np.asarray(deskew(image.convert("L"), angle))
    hs, vs = find_lines(gray, scale)
    if max(len(hs), len(vs)) > limits.ruling_max_lines:
        raise LimitExceeded("lines of one page image", limits.ruling_max_lines, max(len(hs), len(vs)))
    on_page = [w for w in words if w.page == page]
    out = PageTables()
    rereads = 0
    tables = cell_boxes(hs, vs, float(gray.shape[0]), scale)
    kept = set(without_containers([c[:4] for t in tables for c in t]))
    for cells in tables:
        boxes = [(round(c[0] / scale, 2), round(c[1] / scale, 2), round(c[2] / scale, 2), round(c[3] / scale, 2),
                  c[4], c[5]) for c in cells if c[:4] in kept]
        if len(boxes) < 2:
            continue
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        if bbox[2] - bbox[0] < _MIN_TABLE_PT or bbox[3] - bbox[1] < _MIN_TABLE_PT / 2:
            continue
        inside = split_at_cells(on_page, [b[:4] for b in boxes])
        frag_cells = [[x0, top, x1, bottom, cell_text(inside, (x0, top, x1, bottom)).strip(_RULE_MARKS + " "), tr, br]
                      for x0, top, x1, bottom, tr, br in boxes]
        for cell in _unread_values(frag_cells) if reread is not None else []:
            if rereads >= limits.ruling_max_rereads:
                out.errors.append(str(LimitExceeded("table cells read again on one page", limits.ruling_max_rereads)))
                reread = None
                break
            rereads += 1
            word = _reread(gray, cell, scale, page, reread)
            if word is not None:
                cell[4] = word.text
                out.words.append(word)
        out.frags.append(Frag(page, bbox, frag_cells))
    return out


def _is_value(text: str) -> bool:
    return bool(text) and all(VALUE.match(t) for t in text.split())


def _unread_values(cells: list[list]) -> list[list]:
    """Cells that should hold a value but hold none: empty or a short garble without CJK text, in a row
    of two more values (table 二's three columns), or in a row with another value and a column with two
    more."""
    def same(a: float, b: float) -> bool:
        return abs(a - b) <= 1.0

    out = []
    for c in cells:
        text = c[4]
        if _is_value(text) or (text and (len(text) > 4 or any(not ch.isascii() for ch in text))):
            continue
        row = [o for o in cells if o is not c and same(o[1], c[1]) and same(o[3], c[3]) and _is_value(o[4])]
        col = [o for o in cells if o is not c and same(o[0], c[0]) and same(o[2], c[2]) and _is_value(o[4])]
        if len(row) >= 2 or (row and len(col) >= 2):
            out.append(c)
    return out


def _reread(gray: Any, cell: list, scale: float, page: int,
            reread: Callable[[Any], tuple[str, float] | None]) -> Word | None:
    """Read one cell's ink again (the cell inset past its rulings, cropped to its dark pixels)."""
    import numpy as np

    inset = max(3, round(2.5 * scale))
    x0, top = int(cell[0] * scale) + inset, int(cell[1] * scale) + inset
    x1, bottom = int(cell[2] * scale) - inset, int(cell[3] * scale) - inset
    if x1 - x0 < 4 or bottom - top < 4:
        return None
    part = gray[top:bottom, x0:x1]
    ys, xs = np.nonzero(part < DARK)
    if not len(ys):
        return None
    pad = inset
    a0, a1 = max(0, ys.min() - pad), min(part.shape[0], ys.max() + pad + 1)
    b0, b1 = max(0, xs.min() - pad), min(part.shape[1], xs.max() + pad + 1)
    got = reread(np.ascontiguousarray(part[a0:a1, b0:b1]))
    if got is None:
        return None
    text, conf = got[0].strip(_RULE_MARKS + " "), got[1]
    if not _is_value(text) or conf < _REREAD_MIN_CONF:
        return None
    return Word(text, round((x0 + b0) / scale, 1), round((top + a0) / scale, 1), round((x0 + b1) / scale, 1),
                round((top + a1) / scale, 1), page=page, conf=round(min(conf, 1.0), 4), source="ocr")


def _char_width(ch: str) -> float:
    return 0.5 if ch.isascii() else 1.0


def split_at_cells(words: list[Word], boxes: list[tuple[float, float, float, float]]) -> list[Word]:
    """Words cut where a cell boundary crosses them (the OCR boxes one text line, even over a ruling):
    each piece gets the characters printed on its side, by their widths (a CJK character twice a digit's),
    the cut moved to a space, a ruling mark or a change between digits and other text when one is near."""
    out = []
    for w in words:
        h = max(w.bottom - w.top, 1.0)
        cuts = sorted({x for x0, top, x1, bottom in boxes if top <= w.mid_y <= bottom
                       for x in (x0, x1) if w.x0 + 0.4 * h < x < w.x1 - 0.4 * h})
        if not cuts or len(w.text) < 2:
            out.append(w)
            continue
        widths = [_char_width(c) for c in w.text]
        unit = (w.x1 - w.x0) / sum(widths)
        edges = [w.x0]
        for cw in widths:
            edges.append(edges[-1] + cw * unit)
        at = [_cut_index(w.text, edges, x, unit) for x in cuts]
        at = sorted({k for k in at if 0 < k < len(w.text)})
        for a, b in zip([0, *at], [*at, len(w.text)], strict=True):
            text = w.text[a:b].strip(_RULE_MARKS + " ")
            if text:
                out.append(Word(text, round(edges[a], 1), w.top, round(edges[b], 1), w.bottom, w.page, w.conf, w.source))
    return out


def _cut_index(text: str, edges: list[float], x: float, unit: float) -> int:
    """The character boundary nearest x, preferring a natural one (space, ruling mark, digit|other) nearby."""
    near = min(range(len(edges)), key=lambda k: abs(edges[k] - x))

    def natural(k: int) -> bool:
        if k <= 0 or k >= len(text):
            return False
        a, b = text[k - 1], text[k]
        return a in " " + _RULE_MARKS or b in " " + _RULE_MARKS or a.isdigit() != b.isdigit()

    options = [k for k in range(len(edges)) if abs(edges[k] - x) <= 1.5 * unit and natural(k)]
    return min(options, key=lambda k: abs(edges[k] - x)) if options else near
