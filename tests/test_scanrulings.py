"""The ruling finder of scanned pages (pipeline.extract.scanrulings) on small synthetic page images drawn
with numpy: the lines found, the cell grid with its merged cells, the skew, words cut at a ruling, a cell
re-read, a table cut by the page break, and the limits. No OCR: the words are given."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from pipeline.extract.layout import Word
from pipeline.extract.pdf import grid
from pipeline.extract.scanrulings import cell_boxes, find_lines, page_frags, skew, split_at_cells
from pipeline.limits import LimitExceeded, Limits

#: a table of 3 columns x 4 rows in pixels; the top-left label cell spans two rows, the header of the two
#: value columns is one cell over both
XS, YS = (100, 400, 550, 700), (100, 160, 220, 280, 340)


def _ruled(height: int = 600, width: int = 800, grey: int = 30) -> np.ndarray:
    img = np.full((height, width), 255, dtype=np.uint8)
    x0, x1, y0, y1 = XS[0], XS[-1], YS[0], YS[-1]
    for y in YS:
        img[y:y + 2, x0:x1 + 2] = grey
    for x in XS:
        img[y0:y1 + 2, x:x + 2] = grey
    img[YS[1]:YS[1] + 2, XS[0]:XS[1]] = 255     # the label cell spans rows 0-1: no line under its first row
    img[YS[0] + 2:YS[1], XS[2]:XS[2] + 2] = 255  # the header spans both value columns
    img[250:262, 300:330] = 0                     # a word's ink inside a cell: no line
    return img


def test_lines_and_grid_with_merged_cells():
    hs, vs = find_lines(_ruled())
    # the 2-pixel lines at their middles; under the label's first row the line starts at the values
    assert sorted(h.at for h in hs) == [y + 0.5 for y in YS]
    assert [(h.lo, h.hi) for h in hs if h.at == YS[1] + 0.5] == [(XS[1], XS[-1] + 2)]
    assert sorted(v.at for v in vs) == [x + 0.5 for x in XS]
    assert [v.lo for v in vs if v.at == XS[2] + 0.5] == [YS[1]]  # the header spans both value columns
    assert all(ln.thick == 2 for ln in hs + vs)
    (cells,) = cell_boxes(hs, vs, 600.0)
    boxes = {(round(c[0]), round(c[1]), round(c[2]), round(c[3])) for c in cells}
    x = [round(v) for v in sorted({c[0] for c in cells} | {c[2] for c in cells})]
    y = [round(v) for v in sorted({c[1] for c in cells} | {c[3] for c in cells})]
    assert len(x) == 4 and len(y) == 5
    assert all(abs(a - b) <= 1 for a, b in zip(x, XS, strict=True)) and all(abs(a - b) <= 1 for a, b in zip(y, YS, strict=True))
    assert (x[0], y[0], x[1], y[2]) in boxes          # label over two rows
    assert (x[1], y[0], x[3], y[1]) in boxes          # header over two columns
    assert len(cells) == 1 + 1 + 2 + 3 + 3            # label, header, row 1's two values, rows 2 and 3
    assert all(c[4] and c[5] for c in cells)          # every side ruled


def test_light_grey_rulings_and_tiny_boxes():
    assert len(cell_boxes(*find_lines(_ruled(grey=160)), 600.0)[0]) == 10
    img = np.full((300, 300), 255, dtype=np.uint8)
    img[50:52, 50:62] = img[60:62, 50:62] = img[50:62, 50:52] = img[50:62, 60:62] = 0  # an icon's frame
    assert cell_boxes(*find_lines(img), 300.0) == []


def test_skew_measured_from_the_lines_and_taken_out():
    page = Image.fromarray(_ruled()).rotate(0.4, resample=Image.Resampling.BILINEAR, fillcolor=255)
    angle = skew(np.asarray(page))
    assert angle is not None and abs(math.degrees(angle) + 0.4) < 0.08
    assert skew(np.full((300, 300), 255, dtype=np.uint8)) is None  # no lines: the text boxes tell
    frags = page_frags(page, angle, 1.0, 0, []).frags
    assert len(frags) == 1 and len(frags[0].cells) == 10


def test_words_go_to_the_cell_of_their_centre_and_are_cut_at_rulings():
    words = [Word("项目", 110, 110, 150, 130), Word("本年 申报", 410, 170, 690, 190),
             Word("12", 560, 290, 580, 310), Word("7", 420, 290, 430, 310)]
    cut = split_at_cells(words, [(400, 160, 550, 220), (550, 160, 700, 220)])
    assert [w.text for w in cut] == ["项目", "本年", "申报", "12", "7"]
    tables = page_frags(Image.fromarray(_ruled()), 0.0, 1.0, 0, words).frags
    (frag,) = tables
    table = grid([frag])
    assert [c.text for c in table.rows[0]] == ["项目", ""]
    assert table.rows[0][0].rowspan == 2 and table.rows[0][1].colspan == 2
    assert [c.text for c in table.rows[1]] == ["本年", "申报"]
    assert [c.text for c in table.rows[3]] == ["", "7", "12"]


def test_a_missed_value_is_read_again_from_its_cell():
    seen = []

    def reread(ink):
        seen.append(ink.shape)
        return "9", 0.95

    words = [Word("4", 410, 170, 420, 190), Word("5", 560, 170, 570, 190),
             Word("甲", 110, 230, 130, 250), Word("1", 410, 230, 420, 250),
             Word("乙", 110, 290, 130, 310), Word("2", 410, 290, 420, 310), Word("3", 560, 290, 570, 310)]
    # row 2's second value cell holds nothing and no ink: nothing to read again
    got = page_frags(Image.fromarray(_ruled()), 0.0, 1.0, 0, words, reread)
    assert got.words == [] and seen == []
    with_ink = np.array(_ruled())
    with_ink[235:250, 600:606] = 0  # a digit's ink the OCR missed there
    got = page_frags(Image.fromarray(with_ink), 0.0, 1.0, 0, words, reread)
    assert [w.text for w in got.words] == ["9"] and len(seen) == 1
    assert 595 <= got.words[0].x0 < 606 <= got.words[0].x1 and got.words[0].conf == 0.95
    row2 = [c[4] for c in got.frags[0].cells if round(c[1]) == 220]
    assert row2 == ["甲", "1", "9"]


def test_a_table_cut_by_the_page_break_is_closed_unruled():
    img = np.full((1000, 800), 255, dtype=np.uint8)
    for y in (100, 160):
        img[y:y + 2, 100:702] = 0
    for x in (100, 400, 700):
        img[100:990, x:x + 2] = 0  # the verticals run on to the page's bottom: no closing line
    (cells,) = cell_boxes(*find_lines(img), 1000.0)
    bottom = [c for c in cells if c[3] > 900]
    assert len(bottom) == 2 and not any(c[5] for c in bottom) and all(c[4] for c in bottom)


def test_limits_are_recorded_not_crashed():
    img = Image.fromarray(_ruled())
    with pytest.raises(LimitExceeded):
        page_frags(img, 0.0, 1.0, 0, [], limits=Limits(ruling_max_pixels=1000))
    with pytest.raises(LimitExceeded):
        page_frags(img, 0.0, 1.0, 0, [], limits=Limits(ruling_max_lines=2))
    words = [Word("4", 410, 170, 420, 190), Word("5", 560, 170, 570, 190), Word("1", 410, 230, 420, 250),
             Word("2", 410, 290, 420, 310), Word("3", 560, 290, 570, 310)]
    got = page_frags(img, 0.0, 1.0, 0, words, lambda ink: ("5", 0.99), limits=Limits(ruling_max_rereads=0))
    assert got.frags and any("read again" in e for e in got.errors)
