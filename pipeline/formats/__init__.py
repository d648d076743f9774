"""The one model of the national report formats, as data.

Tables 二, 三 and 四 of the 2019 (国办公开办函〔2019〕60号) and 2021 (〔2021〕30号) formats and the legacy
统计表: every row and column with its metric key (spec/metrics.md), printed label, numbering, the variants
real reports print, units, and the identities between cells that the checks verify. Extraction, the
checks, the sample web and the glossary read it; no other module spells a label of the formats.

Public interface:
  TABLES                      every TableModel, keyed by (table id, format)
  table(id, fmt)              one TableModel ("二"/"三"/"四"/"legacy", "2019"/"2021"/"legacy")
  identities(rule=None, fmt)  the Identity objects (optionally of one rule / format)
  glossary()                  rows of {key, table, format, row, column, unit, meaning} for every metric key
  norm(text), bare(text)      label normalisation (NFKC, whitespace; + numbering and punctuation stripped)
  match(text, candidates)     the first Row/Column whose label, variants or cues match a printed label
Modules: model (dataclasses), table2, table3, table4, legacy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TypeVar

from . import legacy, table2, table3, table4
from .model import NUMBERING, Block, Column, Group, Identity, Row, TableModel, bare, norm

__all__ = ["TABLES", "Block", "Column", "Group", "Identity", "NUMBERING", "Row", "TableModel", "bare", "glossary",
           "identities", "legacy", "match", "norm", "table", "table2", "table3", "table4"]

FORMATS: tuple[str, ...] = ("2019", "2021")

TABLES: dict[tuple[str, str], TableModel] = {
    ("二", "2019"): table2.T2_2019, ("二", "2021"): table2.T2_2021,
    ("三", "2019"): table3.T3_2019, ("三", "2021"): table3.T3_2021,
    ("四", "2019"): table4.T4_2019, ("四", "2021"): table4.T4_2021,
    ("legacy", "legacy"): legacy.LEGACY,
}


def table(id: str, fmt: str) -> TableModel:
    return TABLES[(id, fmt)]


def identities(rule: str | None = None, fmt: str | None = None) -> tuple[Identity, ...]:
    """Identities of every table, of one rule and/or format (each distinct identity once)."""
    out: list[Identity] = []
    for t in TABLES.values():
        for i in t.identities:
            if (rule is None or i.rule == rule) and (fmt is None or fmt in i.formats) and i not in out:
                out.append(i)
    return tuple(out)


T = TypeVar("T", Row, Column)


@lru_cache(maxsize=256)
def _cue(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def match(text: str, candidates: Iterable[T], group: str | None = None) -> T | None:
    """The first candidate a printed label names: its label or a variant equal after `bare`, else one of
    its cues (regexes on the `norm`ed label) found. `group` is the group the label sits in (for rows whose
    cues hold only there, e.g. 3.其他 under （六）其他处理)."""
    cands = tuple(candidates)
    n, b = norm(text), bare(text)
    if not n:
        return None
    for c in cands:
        if isinstance(c, Row) and c.group_cues and group == c.group:
            if any(_cue(p).search(n) for p in c.group_cues):
                return c
    for c in cands:
        labels = (c.label, *c.variants)
        if any(bare(lab) == b for lab in labels) and not (isinstance(c, Row) and c.group_cues and group != c.group):
            return c
    for c in cands:
        if any(_cue(p).search(n) for p in c.cues):
            return c
    return None


def glossary() -> list[dict[str, str]]:
    """One row per (metric key, format) of the national tables and the legacy table: key, table, format,
    row label, column label, unit and meaning in words — for the `metric_keys` table and docs/metrics.md."""
    out: list[dict[str, str]] = []
    for (tid, fmt), t in TABLES.items():
        for key, block, row, col in t.cells():
            if tid == "legacy":
                unit, col_label, meaning = row.unit, "", row.meaning
            else:
                unit = col.unit if col.unit != "件" else row.unit
                col_label = col.label
                meaning = f"{row.meaning}: {col.meaning}"
            out.append({"key": key, "table": tid, "format": fmt,
                        "row": row.printed if tid != "四" else _t4_row(row),
                        "column": col_label, "block": block.caption, "unit": unit, "meaning": meaning})
    d, a = table4.SUIT_TOTAL
    for fmt in FORMATS:
        out.append({"key": d, "table": "四", "format": fmt, "row": "行政诉讼", "column": "总计", "block": "",
                    "unit": "件", "meaning": f"lawsuits in total (derived: {' + '.join(a)})"})
    return out


def _t4_row(row: Row) -> str:
    return row.label if row.key == "review" else f"{table4.SUIT_HEAD} {row.label}"
