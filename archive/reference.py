"""Reference tables the archive carries so it explains itself without the specs beside it.

Each table is generated from the code's own source of truth (`rules` from `pipeline.checks.RULES`; a
`metric_keys` table from the model of the formats can be added as one more `Reference`), and rewritten
by `refresh_reference` only when its rows differ — so SQL users can join a flag to what its rule checks,
and `gongkai serve` shows the same words as descriptions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils


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
    from pipeline.checks import RULES

    return [{"id": r.id, "severity": r.severity, "scope": r.scope, "description": r.description,
             "reads": json.dumps(list(r.reads), ensure_ascii=False)} for r in RULES]


REFERENCES: dict[str, Reference] = {r.name: r for r in (
    Reference("rules", "What each rule of the checks verifies (flags.rule → rules.id), from the rules data of "
                       "pipeline/checks (shared/spec/checks.md).", {
        "id": (str, "rule id, as in flags.rule"), "severity": (str, "error / warning"),
        "scope": (str, "report (one report) / years (Y against Y−1) / publication (who published when) / "
                       "history (versions, attachments)"),
        "description": (str, "what must hold, in words"),
        "reads": (str, "the metric keys or report fields it reads (JSON)")}, _rule_rows),
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
                db.execute(f"SELECT {', '.join(cols)} FROM [{ref.name}] ORDER BY rowid").fetchall()]
        if have == want:
            continue
        with db.conn:
            db.execute(f"DELETE FROM [{ref.name}]")
            db[ref.name].insert_all(want)
        changed.append(ref.name)
    return changed
