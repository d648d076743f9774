"""The building blocks of the format model: rows, columns, blocks, identities, tables.

Everything a reader, a check, the sample web or the glossary needs to know about a printed table is
data here: the label as the format prints it, the variants real reports print instead, the numbering,
the unit, the metric key of each cell, and the sums and balances between cells.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
#: punctuation a label may gain or lose between reports (quotes, commas, brackets, colons)
_PUNCT = re.compile(r"[“”\"'‘’、，,。（）()：:；;·．.]")
#: numbering in front of a label: 一、 / （一） / (一) / 1. / 1、 / （1） / 其中：
NUMBERING = re.compile(
    r"^(?:其中[:：]?)?(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）.、．]|[(（][一二三四五六七八九十\d]{1,3}[)）])+")


@lru_cache(maxsize=1 << 16)
def norm(text: str) -> str:
    """NFKC (full-width -> half-width), no whitespace: how two printings of one label compare."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))


@lru_cache(maxsize=1 << 16)
def bare(text: str) -> str:
    """`norm` without numbering in front and without punctuation: the words of a label only. Cached: every
    cell label of a page is compared with every label and variant of the model (~10^5 calls a report)."""
    s = norm(text)
    for _ in range(3):
        s2 = NUMBERING.sub("", s)
        s2 = re.sub(r"^其中[:：]?", "", s2)
        if s2 == s:
            break
        s = s2
    return _PUNCT.sub("", s)


@dataclass(frozen=True)
class Column:
    """One value column: its key (the last part of the metric key), printed label and variants.

    `cues` are regular expressions on the normalised header text that identify the column even when
    the header is wrapped or garbled ("本年新<br>制作数量", "上一年项目本年收费金额")."""

    key: str
    label: str
    variants: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    unit: str = "件"
    meaning: str = ""


@dataclass(frozen=True)
class Row:
    """One row: key (the middle part of the metric key), printed label (without numbering), numbering,
    the group it belongs to (（三）不予公开 …), the variants real reports print, and cues (regexes on the
    normalised label) that still find it when the label is cut, wrapped or misspelt.

    `group_cues` are cues that count only inside the row's group ("3.其他" is result.other.misc only
    under （六）其他处理). `formats` lists the formats that print the row."""

    key: str
    label: str
    numbering: str = ""
    group: str = ""
    variants: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    group_cues: tuple[str, ...] = ()
    unit: str = "件"
    meaning: str = ""
    formats: tuple[str, ...] = ("2019", "2021")

    @property
    def printed(self) -> str:
        return f"{self.numbering}{self.label}"

    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.variants)


@dataclass(frozen=True)
class Group:
    """A label cell spanning several rows (（三）不予公开 over its 8 reasons); not a row of its own."""

    key: str
    label: str
    numbering: str = ""
    variants: tuple[str, ...] = ()

    @property
    def printed(self) -> str:
        return f"{self.numbering}{self.label}"


@dataclass(frozen=True)
class Block:
    """A part of a table with its own header row (table 二's 第二十条第（N）项 sub-tables).

    `cells` lists the (row key, column key) pairs the block prints; by default every row × column."""

    caption: str
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]
    cells: tuple[tuple[str, str], ...] = ()

    def pairs(self) -> tuple[tuple[Row, Column], ...]:
        if not self.cells:
            return tuple(product(self.rows, self.columns))
        rows = {r.key: r for r in self.rows}
        cols = {c.key: c for c in self.columns}
        return tuple((rows[r], cols[c]) for r, c in self.cells)


@dataclass(frozen=True)
class Identity:
    """`Σ left = Σ right` for every binding of the placeholders in `each` (e.g. {c} over the columns).

    `rule` names the check of spec/checks.md that verifies it; `total` says which side is the printed
    total (a check reports that one as the cell in error)."""

    rule: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    each: tuple[tuple[str, tuple[str, ...]], ...] = ()
    meaning: str = ""
    formats: tuple[str, ...] = ("2019", "2021")

    def instances(self) -> Iterator[tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]]:
        """(binding, left keys, right keys) for every binding."""
        names = [n for n, _ in self.each]
        for values in product(*(vs for _, vs in self.each)):
            b = dict(zip(names, values, strict=True))
            yield b, tuple(k.format(**b) for k in self.left), tuple(k.format(**b) for k in self.right)


@dataclass(frozen=True)
class TableModel:
    """One national table in one format: its heading, blocks of rows × columns, and identities.

    `key_form` builds a metric key from a row key and a column key ("apps.{row}.{col}")."""

    id: str  # "二", "三", "四", "legacy"
    format: str  # "2019", "2021", "legacy"
    title: str
    heading: str  # the section heading that prints the table ("三、收到和处理政府信息公开申请情况")
    blocks: tuple[Block, ...]
    key_form: str
    identities: tuple[Identity, ...] = ()
    groups: tuple[Group, ...] = ()
    heading_variants: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> tuple[Row, ...]:
        seen: dict[str, Row] = {}
        for b in self.blocks:
            for r in b.rows:
                seen.setdefault(r.key, r)
        return tuple(seen.values())

    @property
    def columns(self) -> tuple[Column, ...]:
        seen: dict[str, Column] = {}
        for b in self.blocks:
            for c in b.columns:
                seen.setdefault(c.key, c)
        return tuple(seen.values())

    def key(self, row: str, col: str) -> str:
        return self.key_form.format(row=row, col=col)

    def cells(self) -> Iterator[tuple[str, Block, Row, Column]]:
        """(metric key, block, row, column) of every cell the table prints."""
        for b in self.blocks:
            for r, c in b.pairs():
                yield self.key(r.key, c.key), b, r, c

    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _, _, _ in self.cells())

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key == key)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def group(self, key: str) -> Group | None:
        return next((g for g in self.groups if g.key == key), None)
