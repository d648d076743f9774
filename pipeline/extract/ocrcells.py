"""Which OCR word each value was read from: its confidence, page and box, kept in the value's provenance.

OCR digits can be wrong, so a value read from a scan must never pass as a sure one. After the readers have
run over the OCR text, each value is traced back to the recognised word(s) it came from (through the
provenance's raw text, which names the row's printed numbers); the value's provenance becomes source "ocr"
with `where` starting "OCR page P box (x0,top,x1,bottom) conf C", and a value whose word scored below
APPROX_CONF is marked approximate. OCR-IDENTITY (pipeline/checks/ocr.py) reads the box back to name the
cells that break a table's identities, and the flag page crops them from the archived capture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .document import Document
from .layout import Word
from .model import Extraction, Provenance
from .ocr import APPROX_CONF, lines

_NUM = re.compile(r"\d+(?:\.\d+)?")
_WHERE = re.compile(r"^OCR page (\d+) box \((-?[\d.]+),(-?[\d.]+),(-?[\d.]+),(-?[\d.]+)\) conf ([\d.]+)")
#: table 三's columns in print order (a row's seven numbers)
_T3_COLUMNS = ("natural_person", "org_business", "org_research", "org_nonprofit", "org_legal", "org_other", "total")


@dataclass(frozen=True)
class OcrCell:
    """Where an OCR value sits: page (0-based), box in the page's units, recogniser confidence."""

    page: int
    box: tuple[float, float, float, float]
    conf: float

    def where(self, rest: str) -> str:
        x0, top, x1, bottom = self.box
        return f"OCR page {self.page + 1} box ({x0:.0f},{top:.0f},{x1:.0f},{bottom:.0f}) conf {self.conf:.2f} · {rest}"


def parse_where(where: str | None) -> OcrCell | None:
    """The OcrCell a provenance `where` starts with, or None (not an OCR value, or not traced to a word)."""
    m = _WHERE.match(where or "")
    if not m:
        return None
    return OcrCell(int(m.group(1)) - 1, tuple(float(m.group(i)) for i in range(2, 6)), float(m.group(6)))


def _tokens(words: list[Word]) -> list[tuple[str, Word]]:
    return [(t, w) for w in words for t in _NUM.findall(w.text.replace(",", ""))]


def _same(token: str, value: float | int) -> bool:
    try:
        return float(token) == float(value)
    except ValueError:
        return False


#: table 四's fifteen numbers in print order: 行政复议, 未经复议直接起诉, 复议后起诉 × 维持 纠正 其他 尚未审结 总计
_T4_ORDER = tuple(f"{g}.{o}" for g in ("review", "suit.direct", "suit.after_review")
                  for o in ("upheld", "corrected", "other", "pending", "total"))


def _spans(raw: str, rows: list[list[tuple[str, Word]]]) -> list[list[tuple[str, Word]]]:
    """Every place (in reading order) where the raw text's numbers are printed in a row, in order."""
    wanted = [float(t) for t in _NUM.findall((raw or "").replace(",", ""))]
    out = []
    if not wanted:
        return out
    for row in rows:
        toks = [float(t) for t, _ in row]
        for start in range(len(toks) - len(wanted) + 1):
            if toks[start: start + len(wanted)] == wanted:
                out.append(row[start: start + len(wanted)])
    return out


def _pick(key: str, value: float | int, span: list[tuple[str, Word]]) -> Word | None:
    """The word of `key` in a printed run of numbers: by column for table 三's seven and table 四's fifteen,
    else the number equal to the value (the least sure one when it is printed more than once)."""
    col = key.rsplit(".", 1)[-1]
    if len(span) == len(_T3_COLUMNS) and col in _T3_COLUMNS and key.startswith("apps."):
        return span[_T3_COLUMNS.index(col)][1]
    if len(span) == len(_T4_ORDER) and key in _T4_ORDER:
        return span[_T4_ORDER.index(key)][1]
    hits = [w for t, w in span if _same(t, value)]
    return min(hits, key=lambda w: w.conf) if hits else None


class _Tracer:
    """Values to words. Rows printing the same numbers ("0 0 0 0 0 0 0") are told apart by order: the
    readers set a table's values row by row in print order, so each row (its provenance `where`) takes
    the next printed run with its numbers."""

    def __init__(self, rows: list[list[tuple[str, Word]]]) -> None:
        self.rows = rows
        self.claimed: dict[tuple[str, str], int] = {}
        self.used: dict[str, set[int]] = {}

    def word(self, key: str, value: float | int, prov: Provenance) -> Word | None:
        spans = _spans(prov.raw, self.rows)
        if not spans:
            return None
        slot = (prov.where, prov.raw)
        if slot not in self.claimed:
            used = self.used.setdefault(prov.raw, set())
            free = [i for i in range(len(spans)) if i not in used]
            self.claimed[slot] = free[0] if free else 0
            used.add(self.claimed[slot])
        return _pick(key, value, spans[self.claimed[slot]])


def mark_ocr_values(doc: Document, ex: Extraction, threshold: float = APPROX_CONF) -> None:
    """Turn the provenance of every value read from OCR text into an "ocr" one (box, conf); mark the
    unsure ones approximate. In a document read wholly by OCR every value is an OCR value, traced or not."""
    ocr_words = [w for w in doc.words if w.source == "ocr"]
    if not ocr_words:
        return
    wholly = all(w.source == "ocr" for w in doc.words)
    rows = [_tokens(line) for line in lines(ocr_words)]
    tracer = _Tracer([r for r in rows if r])
    for key, value in list(ex.metrics.items()):
        prov = ex.provenance.get(key)
        if prov is None or prov.source == "ocr":
            continue
        word = tracer.word(key, value, prov)
        if word is None and not wholly:
            continue  # a value of the text layer
        if word is None:
            ex.set(key, value, Provenance("ocr", f"OCR (word not traced) · {prov.where}", prov.raw), approximate=True)
            continue
        cell = OcrCell(word.page, (word.x0, word.top, word.x1, word.bottom), word.conf)
        ex.set(key, value, Provenance("ocr", cell.where(prov.where), prov.raw),
               approximate=word.conf < threshold or key in ex.approximate)
