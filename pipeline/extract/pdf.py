"""PDF front end (pdfplumber): a text PDF -> Document with positioned words, text lines and tables.

Joined text loses a PDF's columns ("69 3 665" under three headers is only a row of numbers), so this front
end keeps what the page knows: every word with its box (Document.words), text lines built from words that
share a baseline band (a Latin digit run printed in another font sits a little higher than the CJK text
around it and must stay on its line), and tables from the ruling lines. A ruled table that runs over a page
break (browsers print long tables that way) is one Table: the fragment that ends a page and the one that
starts the next are joined when nothing but running headers/footers lies between them and their columns
agree; a header repeated on the next page is dropped, and a cell cut by the break (no ruling on either side
of it: a label spanning rows, a row split in two) is one cell again. A page laid out inside a bordered box
(CMS templates) is not one big table: cells holding other cells and full-width prose rows are the box's.
Pages without rulings are left to the word-grid reader (wordtables), which the OCR front end shares.
First-page lines carrying a labelled field (来源：… 时间：…) and the address a browser prints in the footer
go to chrome_text; a first-page header table (索引号 | … | 发布机构 | …) gives the header pairs.

API:
    load_pdf(body, limits=LIMITS) -> Document      (raises LimitExceeded; bad files give doc.errors)
    norm_text(s) -> str                             (Kangxi/compatibility ideographs -> unified ideographs)
The ruled-table builder is shared with the OCR front end (scanrulings finds the same cells in a page image):
    Frag, without_containers(boxes), cell_text(words, box), ruled_tables(frags, heights, words) -> list[Table]
    (join_fragments, grid, split_layout_rows), header_pairs(tables)
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass

from pipeline.extract.document import Cell, Document, Table
from pipeline.extract.layout import Word
from pipeline.extract.pdfstreams import check_streams
from pipeline.extract.textflow import HEADER_WORDS, reflow
from pipeline.extract.wordtables import group_lines, join_line, word_tables
from pipeline.limits import LIMITS, Budget, LimitExceeded, Limits

#: a ruling is drawn this close to another line or box edge (points)
_TOL = 2.0
#: rulings that stop within this share of the page height from its top/bottom may be cut by the page break
_EDGE_BAND = 0.2
#: the same column boundary printed on two pages may move by this much (points)
_SNAP = 6.0

logging.getLogger("pdfminer").setLevel(logging.ERROR)


def _compat_table() -> dict[int, str]:
    """Kangxi radicals, CJK radicals supplement and compatibility ideographs -> their unified ideograph.

    Chromium and many PDF producers map glyphs through these code points (⼀ U+2F00 for 一); NFKC maps them,
    but NFKC of a whole text would also fold full-width punctuation, which the readers expect as printed."""
    table = {}
    for lo, hi in ((0x2E80, 0x2FDF), (0xF900, 0xFAFF)):
        for cp in range(lo, hi + 1):
            n = unicodedata.normalize("NFKC", chr(cp))
            if n != chr(cp):
                table[cp] = n
    # simplified-form radicals with no NFKC mapping, as Chromium prints 民 长 门 页 …
    table.update({ord(r): u for r, u in zip("⺠⻓⻔⻚⻛⻜⻢⻥⻦⻨⻩⻬⻮⻰⻳⻅⻆⻋⻉⻄⻘⻝⻣⻤⻧",
                                            "民长门页风飞马鱼鸟麦黄齐齿龙龟见角车贝西青食骨鬼卤", strict=True)})
    return table


_COMPAT = _compat_table()


def norm_text(s: str) -> str:
    return s.translate(_COMPAT)


@dataclass
class Frag:
    """Cells of one ruled table on one page: [x0, top, x1, bottom, text, top ruled, bottom ruled]."""

    page: int
    bbox: tuple[float, float, float, float]
    cells: list[list]


def load_pdf(body: bytes, limits: Limits = LIMITS) -> Document:
    """A text PDF -> Document. Encrypted or corrupt files give a one-line error in doc.errors; a PDF over
    limits.max_pages or limits.max_seconds raises LimitExceeded (extraction records it and goes on)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    check_streams(body, limits)  # before pdfminer inflates any stream without a bound
    doc = Document(source="pdf")
    budget = Budget(limits.max_seconds)
    try:
        pdf = pdfplumber.open(io.BytesIO(body))
        pages = pdf.pages
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds for damaged files
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc  # pdfplumber wraps them
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            doc.errors.append("PDF is encrypted (a password is needed to read it)")
        else:
            doc.errors.append(f"PDF could not be read (corrupt or not a PDF): {type(cause).__name__}: {cause}".split("\n")[0])
        return doc
    with pdf:
        if len(pages) > limits.max_pages:
            raise LimitExceeded("pages of a PDF", limits.max_pages, len(pages))
        doc.pages = len(pages)
        if not pages:
            doc.errors.append("PDF has no pages")
        try:
            title = (pdf.metadata or {}).get("Title")
            doc.page_title = norm_text(title.decode("utf-8", "replace") if isinstance(title, bytes) else str(title or ""))
        except Exception:  # noqa: BLE001 - a broken info dictionary only costs the title
            pass
        frags: list[Frag] = []
        page_lines: list[list[str]] = []
        heights: list[float] = []
        chars = 0
        for n, page in enumerate(pages):
            budget.check()
            try:
                words = _page_words(page, n)
                page_frags = _page_tables(page, n, words)
                doc.images += len(page.images)
            except LimitExceeded:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
                doc.errors.append(f"PDF page {n + 1}: could not be read: {type(exc).__name__}: {exc}".split("\n")[0])
                words, page_frags = [], []
            doc.words.extend(words)
            frags.extend(page_frags)
            heights.append(float(page.height))
            lines = [(_in_margin(line, float(page.height)), join_line(line)) for line in group_lines(words)]
            chars += sum(len(s) for _, s in lines)
            if chars > limits.max_chars:
                raise LimitExceeded("characters per document", limits.max_chars, chars)
            page_lines.append(lines)
            page.close()  # pdfplumber caches each page's objects: keep memory to one page at a time
    running = _running_lines(page_lines)
    doc.text = reflow("\n".join(text for lines in page_lines for margin, text in lines
                                if not (margin and _digitless(text) in running)).strip())
    doc.tables = ruled_tables(frags, heights, doc.words)
    ruled_pages = {f.page for f in frags}
    doc.tables += word_tables([w for w in doc.words if w.page not in ruled_pages])
    if page_lines:
        chrome = [text for _, text in page_lines[0] if _LABELLED.search(text)]
        url = _printed_address(page_lines)
        if url:
            chrome.append(f"URL：{url}")
        doc.chrome_text = "\n".join(chrome)
        doc.header = header_pairs(doc.tables)
    return doc


#: the top and bottom share of a page where browsers and word processors print running headers/footers
_MARGIN = 0.05


def _in_margin(line: list[Word], height: float) -> bool:
    return all(w.bottom < _MARGIN * height or w.top > (1 - _MARGIN) * height for w in line)


def _digitless(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _running_lines(page_lines: list[list[tuple[bool, str]]]) -> set[str]:
    """Margin lines printed on two or more pages (digits aside: page numbers, dates): running headers and
    footers, not report text."""
    seen: dict[str, int] = {}
    for lines in page_lines:
        for key in {_digitless(t) for margin, t in lines if margin}:
            seen[key] = seen.get(key, 0) + 1
    return {k for k, n in seen.items() if n >= 2}


def _printed_address(page_lines: list[list[tuple[bool, str]]]) -> str | None:
    """The page's address as a browser prints it in the footer of every page of a printed web page."""
    found: dict[str, int] = {}
    for lines in page_lines:
        for url in {m.group(0) for margin, t in lines if margin for m in re.finditer(r"https?://\S+", t)}:
            found[url] = found.get(url, 0) + 1
    best = max(found.items(), key=lambda kv: kv[1], default=None)
    return best[0] if best and best[1] >= max(1, (len(page_lines) + 1) // 2) else None


#: a first-page line that carries a labelled field (来源：… 时间：2022-02-08, 发布日期：…)
_LABELLED = re.compile(r"(?:^|\s)(?:发布|公开|更新|成文|印发)?(?:时间|日期)\s*[:：]|(?:^|\s)(?:来源|信息来源|发布机构)\s*[:：]")


def _page_words(page, n: int) -> list[Word]:
    out = []
    for w in page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False):
        text = norm_text(w["text"]).strip()
        if text:
            out.append(Word(text, float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]), page=n))
    return out


def _page_tables(page, n: int, words: list[Word]) -> list[Frag]:
    """Ruled tables of one page. A table cut by a page break has no ruling on its cut side (a browser does
    not draw the border of a cell that goes on): the ends of the vertical rulings nearest the page's edges
    stand in for it, only there, so tables open on a side elsewhere stay to the word reader. Each cell
    records whether its top and bottom are really ruled, which tells a cell cut by the break."""
    settings: dict = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "snap_tolerance": 3,
                      "intersection_tolerance": 3}
    verticals = [e for e in page.edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 4]
    horizontals = [e for e in page.edges if e["orientation"] == "h" and e["x1"] - e["x0"] > 4]
    explicit: list[float] = []
    if verticals:
        h = float(page.height)
        top = min(e["top"] for e in verticals)
        bottom = max(e["bottom"] for e in verticals)
        if top < _EDGE_BAND * h:
            explicit.append(top)
        if bottom > (1 - _EDGE_BAND) * h:
            explicit.append(bottom)
    if explicit:
        settings["explicit_horizontal_lines"] = explicit
    from pdfplumber.table import cells_to_tables

    finder = page.debug_tablefinder(settings)
    frags = []
    for group in cells_to_tables(without_containers([tuple(float(v) for v in c) for c in finder.cells])):
        boxes = [tuple(float(v) for v in c) for c in group]
        if len(boxes) < 2:
            continue
        cells = [[x0, top, x1, bottom, cell_text(words, (x0, top, x1, bottom)),
                  _ruled(horizontals, x0, x1, top), _ruled(horizontals, x0, x1, bottom)]
                 for x0, top, x1, bottom in boxes]
        bbox = (min(c[0] for c in boxes), min(c[1] for c in boxes), max(c[2] for c in boxes), max(c[3] for c in boxes))
        frags.append(Frag(n, bbox, cells))
    return frags


def without_containers(boxes: list[tuple]) -> list[tuple]:
    """Drop the cells of a layout table that hold a whole table (a CMS page laid out in a table, the report
    table inside one of its cells): a box in which another box's middle lies is no cell of a grid."""
    def holds(outer: tuple, inner: tuple) -> bool:
        mx, my = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
        return outer is not inner and outer[0] + _TOL < mx < outer[2] - _TOL and outer[1] + _TOL < my < outer[3] - _TOL \
            and (inner[2] - inner[0]) * (inner[3] - inner[1]) < (outer[2] - outer[0]) * (outer[3] - outer[1])

    return [b for b in boxes if not any(holds(b, other) for other in boxes)]


def _ruled(horizontals: list[dict], x0: float, x1: float, y: float) -> bool:
    """A drawn line at height y covers most of [x0, x1]."""
    covered = sum(max(0.0, min(e["x1"], x1) - max(e["x0"], x0)) for e in horizontals if abs(e["top"] - y) <= _TOL)
    return covered >= 0.8 * (x1 - x0)


def cell_text(words: list[Word], box: tuple[float, float, float, float]) -> str:
    x0, top, x1, bottom = box
    inside = [w for w in words if x0 <= w.mid_x <= x1 and top <= w.mid_y <= bottom]
    text = ""
    for line in group_lines(inside):
        piece = join_line(line)
        text = text + piece if _cjk_join(text, piece) else f"{text} {piece}"
    return text


def ruled_tables(frags: list[Frag], heights: list[float], words: list[Word]) -> list[Table]:
    """Ruled fragments of a document's pages -> its tables: fragments joined across page breaks, each made a
    grid with spans, and the rows of a layout box cut away."""
    return [t for group in join_fragments(frags, heights, words) for t in split_layout_rows(grid(group))]


def join_fragments(frags: list[Frag], heights: list[float], words: list[Word]) -> list[list[Frag]]:
    """Fragments -> tables: a fragment continues the previous one when it is the first thing on the next page,
    the previous is the last thing on its page, and their outer edges agree."""
    groups: list[list[Frag]] = []
    for f in frags:
        prev = groups[-1][-1] if groups else None
        if prev is not None and _continues(prev, f, heights, words):
            groups[-1].append(f)
        else:
            groups.append([f])
    return groups


def _continues(a: Frag, b: Frag, heights: list[float], words: list[Word]) -> bool:
    if b.page != a.page + 1:
        return False
    if abs(a.bbox[0] - b.bbox[0]) > 3 * _TOL and abs(a.bbox[2] - b.bbox[2]) > 3 * _TOL:
        return False
    ha, hb = heights[a.page], heights[b.page]
    below = [w for w in words if w.page == a.page and w.top >= a.bbox[3] - _TOL and w.top <= (1 - _MARGIN) * ha]
    above = [w for w in words if w.page == b.page and w.bottom <= b.bbox[1] + _TOL and w.bottom >= _MARGIN * hb]
    if below or above:
        return False
    inner_a = [x for x in _xs(a) if a.bbox[0] + _TOL < x < a.bbox[2] - _TOL]
    inner_b = [x for x in _xs(b) if b.bbox[0] + _TOL < x < b.bbox[2] - _TOL]
    return not inner_b or any(abs(x - y) <= _SNAP for x in inner_b for y in inner_a)


def _xs(f: Frag) -> list[float]:
    return sorted({c[0] for c in f.cells} | {c[2] for c in f.cells})


def grid(group: list[Frag]) -> Table:
    """Cell boxes of one or more fragments -> a Table with spans. Later fragments are moved up to sit under
    the earlier ones and their column boundaries snapped to the earlier ones'; at a seam, a cell cut in two
    (neither half ruled at the break) is one cell again; a repeated header is dropped."""
    cells: list[list] = []
    seam = 0.0
    for i, f in enumerate(group):
        frag = [list(c) for c in f.cells]
        if i:
            offset = seam - f.bbox[1]
            xs = sorted({c[0] for c in cells} | {c[2] for c in cells})
            for c in frag:
                c[1] += offset
                c[3] += offset
                c[0], c[2] = _snap_to(xs, c[0]), _snap_to(xs, c[2])
            frag = _drop_repeated_header(cells, frag)
            _merge_seam(cells, frag, seam)
            seam = f.bbox[3] + offset
        else:
            seam = f.bbox[3]
        cells += frag
    ys = _cluster([c[1] for c in cells] + [c[3] for c in cells])
    xs = _cluster([c[0] for c in cells] + [c[2] for c in cells])
    rows: dict[int, list[tuple[int, Cell]]] = {}
    for x0, top, x1, bottom, text, *_ in cells:
        r0, r1, c0, c1 = _idx(ys, top), _idx(ys, bottom), _idx(xs, x0), _idx(xs, x1)
        rows.setdefault(r0, []).append((c0, Cell(" ".join(str(text).split()), max(1, r1 - r0), max(1, c1 - c0))))
    return Table(rows=[[c for _, c in sorted(rows[r], key=lambda rc: rc[0])] for r in sorted(rows)])


#: prose, not a cell: a long text with sentence punctuation
_PROSE = re.compile(r"[。；！？]")
#: a section heading of a report (三、收到和处理政府信息公开申请情况)
_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+\s*、")


def split_layout_rows(table: Table) -> list[Table]:
    """A page laid out in a bordered box makes the box and the report's tables one grid: rows that are one
    cell across the whole width holding prose or a section heading are the box's, not a table's. The grid is
    cut there (a heading becomes the next table's caption); an empty full-width row is dropped."""
    width = max((sum(c.colspan for c in row) for row in table.rows), default=0)
    covered: dict[int, int] = {}
    for r, row in enumerate(table.rows):
        for c in row:
            for dr in range(1, c.rowspan):
                covered[r + dr] = covered.get(r + dr, 0) + c.colspan
    out: list[Table] = []
    rows: list[list[Cell]] = []
    caption = table.caption
    for r, row in enumerate(table.rows):
        full = len(row) == 1 and row[0].colspan == width and not covered.get(r) and row[0].rowspan == 1
        text = row[0].text if full else ""
        if full and not text:
            continue
        if full and ((len(text) >= 60 and _PROSE.search(text)) or _HEADING.match(text)):
            if rows:
                out.append(Table(rows=rows, caption=caption))
            rows, caption = [], (text if _HEADING.match(text) and len(text) < 60 else "")
            continue
        rows.append(row)
    if rows:
        out.append(Table(rows=rows, caption=caption))
    return out


def _snap_to(points: list[float], v: float) -> float:
    near = min(points, key=lambda p: abs(p - v), default=v)
    return near if abs(near - v) <= _SNAP else v


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _TOL:
            out.append(v)
    return out


def _idx(points: list[float], v: float) -> int:
    return min(range(len(points)), key=lambda i: abs(points[i] - v))


def _drop_repeated_header(cells: list[list], frag: list[list]) -> list[list]:
    """A browser or word processor repeats a table's header rows at the top of each page: the deepest run of
    the next fragment's top rows that equals the table's own top rows (texts at the same places, no cell cut)
    is not data; the rest moves up in its place."""
    if not cells or not frag:
        return frag
    table_top, frag_top = min(c[1] for c in cells), min(c[1] for c in frag)

    def region(cs: list[list], top: float, depth: float) -> list[tuple] | None:
        inside = [c for c in cs if c[3] <= top + depth + _TOL]
        if any(c[1] < top + depth - _TOL < c[3] - 2 * _TOL for c in cs):
            return None  # a cell crosses the line: not a row boundary
        return sorted((round((c[0]) / _SNAP), round((c[1] - top) / _SNAP), str(c[4])) for c in inside)

    depth = 0.0
    for bottom in sorted({c[3] for c in frag}):
        d = bottom - frag_top
        mine, theirs = region(frag, frag_top, d), region(cells, table_top, d)
        if mine is None or theirs is None or not mine:
            continue
        if mine == theirs and any(t for *_, t in mine):
            depth = d
        else:
            break
    if not depth:
        return frag
    kept = [c for c in frag if c[3] > frag_top + depth + _TOL]
    for c in kept:
        c[1] -= depth
        c[3] -= depth
    return kept


def _merge_seam(cells: list[list], frag: list[list], seam: float) -> None:
    """Cells on both sides of a page break, of the same columns, neither ruled at the break: one cell."""
    above = [c for c in cells if abs(c[3] - seam) <= _TOL and not c[6]]
    for b in [c for c in frag if abs(c[1] - seam) <= _TOL and not c[5]]:
        a = next((c for c in above if abs(c[0] - b[0]) <= _TOL and abs(c[2] - b[2]) <= _TOL), None)
        if a is None:
            continue
        a[3], a[6] = b[3], b[6]
        a[4] = (str(a[4]) + str(b[4])) if _cjk_join(str(a[4]), str(b[4])) else f"{a[4]} {b[4]}".strip()
        frag.remove(b)


def _cjk_join(a: str, b: str) -> bool:
    """Two pieces of a wrapped cell are glued unless both sides of the cut are Latin letters or digits."""
    return not (a and b and a[-1].isascii() and b[0].isascii() and a[-1].isalnum() and b[0].isalnum())


def header_pairs(tables: list[Table]) -> dict[str, str]:
    """label -> value pairs of a first-page header table (名称 | …, 索引号 | … | 分类 | …) as the HTML loader
    reads them from the page: a cell whose text is a known header label, followed by its value cell."""
    out: dict[str, str] = {}
    for table in tables[:3]:
        for row in table.rows:
            for label, value in zip(row, row[1:], strict=False):
                key = re.sub(r"\s", "", label.text)
                if key in HEADER_WORDS and re.sub(r"\s", "", value.text) not in HEADER_WORDS:
                    out.setdefault(key, value.text)
    return out
