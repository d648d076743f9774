"""Reference tables the archive carries so it explains itself without the specs beside it.

Each table is generated from the code's own source of truth (`rules` from `pipeline.checks.RULES`,
`metric_keys` from the model of the formats, `pipeline.formats.glossary()`), and rewritten by
`refresh_reference` only when its rows differ — so SQL users can join a flag to what its rule checks and a
metric to the row and column the report prints, and `gongkai serve` shows the same words as descriptions.
docs/metrics.md is generated from the same rows (`metrics_markdown`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from pipeline.checks import RULES
from pipeline.formats import glossary


@dataclass(frozen=True)
class Reference:
    """One generated table: its columns (first = primary key), what it and each column mean, its rows."""

    name: str
    description: str
    columns: dict[str, tuple[type, str]]  # column -> (type, description)
    rows: Callable[[], list[dict[str, Any]]]

    @property
    def pk(self) -> str:
        return next(iter(self.columns))


def _rule_rows() -> list[dict[str, Any]]:
    return [{"id": r.id, "severity": r.severity, "scope": r.scope, "description": r.description,
             "reads": json.dumps(list(r.reads), ensure_ascii=False)} for r in RULES]


_TABLE_NAMES = {"二": "表二", "三": "表三", "四": "表四", "legacy": "统计表"}


def _metric_rows() -> list[dict[str, Any]]:
    """One row per metric key of the national tables: where the report prints it, in its own words."""
    by_key: dict[str, list[dict[str, str]]] = {}
    for g in glossary():
        by_key.setdefault(g["key"], []).append(g)
    rows = []
    for key in sorted(by_key):
        gs = by_key[key]

        def joined(field: str, gs=gs) -> str:
            return " / ".join(dict.fromkeys(g[field] for g in gs if g[field]))
        first = gs[0]
        label = " / ".join(p for p in (_TABLE_NAMES.get(first["table"], first["table"]), first["block"],
                                       first["row"], first["column"]) if p)
        rows.append({"key": key, "label_zh": label, "table_id": first["table"], "formats": joined("format"),
                     "row": joined("row"), "column": joined("column"), "block": joined("block"),
                     "unit": joined("unit"), "meaning": joined("meaning")})
    return rows


def metrics_markdown() -> str:
    """docs/metrics.md: the metric keys of the national tables, from the model (kept in step by a test)."""
    lines = ["# Metric keys of the national tables", "",
             "Generated from the model of the formats (`pipeline.formats.glossary()`, the same rows as the archive's",
             "`metric_keys` table): what each key of `metrics.key` is, in the report's own words. Prose-only and",
             "report-level keys are described in shared/spec/metrics.md. Regenerate with",
             "`python -c \"from archive.reference import metrics_markdown; print(metrics_markdown(), end='')\" "
             "> docs/metrics.md`.", ""]
    current = None
    order = list(_TABLE_NAMES)
    for r in sorted(_metric_rows(), key=lambda r: (order.index(r["table_id"]) if r["table_id"] in order else 9,
                                                   r["key"])):
        if r["table_id"] != current:
            current = r["table_id"]
            lines += ["", f"## {_TABLE_NAMES.get(current, current)}", "",
                      "| key | formats | row | column | unit | meaning |", "|---|---|---|---|---|---|"]
        cells = [f"`{r['key']}`", r["formats"], (r["block"] + " " if r["block"] else "") + r["row"], r["column"],
                 r["unit"], r["meaning"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


REFERENCES: dict[str, Reference] = {r.name: r for r in (
    Reference("rules", "What each rule of the checks verifies (flags.rule → rules.id), from the rules data of "
                       "pipeline/checks (shared/spec/checks.md).", {
        "id": (str, "rule id, as in flags.rule"), "severity": (str, "error / warning"),
        "scope": (str, "report (one report) / years (Y against Y−1) / publication (who published when) / "
                       "history (versions, attachments) / crawl (a site across its crawl runs)"),
        "description": (str, "what must hold, in words"),
        "reads": (str, "the metric keys or report fields it reads (JSON)")}, _rule_rows),
    Reference("metric_keys", "What each metric key of the national tables is (metrics.key → metric_keys.key), in "
                             "the report's own words: the table, row and column that print it, from the model of "
                             "the formats (pipeline/formats; docs/metrics.md).", {
        "key": (str, "metric key, as in metrics.key"),
        "label_zh": (str, "where the report prints it: table / sub-table / row / column (Chinese headers of gongkai "
                          "export)"),
        "table_id": (str, "二 / 三 / 四 / legacy (统计表)"), "formats": (str, "report formats that print it"),
        "row": (str, "printed row label(s)"), "column": (str, "printed column label(s)"),
        "block": (str, "table 二's sub-table (第二十条第…项)"), "unit": (str, "unit as printed (件, 万元 …)"),
        "meaning": (str, "what it counts, in words")}, _metric_rows),
)}


def table_specs() -> dict[str, tuple[dict, dict]]:
    """The reference tables in `archive.schema.TABLES` form (columns, options)."""
    return {r.name: ({c: t for c, (t, _) in r.columns.items()}, {"pk": r.pk}) for r in REFERENCES.values()}


def refresh_reference(db: sqlite_utils.Database) -> list[str]:
    """Rewrite each reference table whose rows differ from the code's (tables exist: ensure_schema made them).
    Returns the names rewritten (none when the archive is up to date: no needless write)."""
    changed = []
    for ref in REFERENCES.values():
        want = ref.rows()
        cols = list(ref.columns)
        have = [dict(zip(cols, row, strict=True)) for row in
                db.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{ref.name}] ORDER BY rowid").fetchall()]
        if have == want:
            continue
        with db.conn:
            db.execute(f"DELETE FROM [{ref.name}]")
            db[ref.name].insert_all(want)
        changed.append(ref.name)
    return changed
