"""The wide export: one row per publisher and year (the `annual_reports` view), one column per metric key,
for people who live in Excel. A library function per format; `gongkai export` (cli_export.py) is its CLI.

Chinese headers come from `label_for_keys`: a `metric_keys` table in the archive when there is one (the
glossary of the model of the formats, key -> label_zh), else the printed row / column labels that the
extraction recorded as each value's provenance (table cells only; prose-only keys keep their key).
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet")

#: the view's columns that lead each row, with their header in Chinese
BASE_COLUMNS: dict[str, str] = {
    "publisher": "发布机构", "year": "年度", "format": "格式", "published": "发布日期", "report_id": "报告编号",
    "role": "来源", "url": "网址", "other_report_ids": "同年其他报告", "disagreement": "不一致",
}


class ExportError(Exception):
    """Something the user can fix (no view, missing library): one line, no traceback."""


@dataclass
class WideTable:
    keys: list[str]
    headers: list[str]
    rows: list[list[Any]]


def _num(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def label_for_keys(con: sqlite3.Connection, keys: list[str]) -> dict[str, str]:
    """Chinese label per metric key (missing keys: no label known). The hook the glossary fills:
    a `metric_keys(key, label_zh)` table wins over the labels recorded in provenance."""
    labels: dict[str, str] = {}
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    if "metric_keys" in tables:
        cols = {r[1] for r in con.execute("PRAGMA table_info(metric_keys)")}
        if "label_zh" in cols:
            labels.update({k: v for k, v in con.execute("SELECT key, label_zh FROM metric_keys") if v})
    counts: dict[str, Counter] = defaultdict(Counter)
    for key, where in con.execute("SELECT key, where_ FROM metrics WHERE source IN ('table', 'attachment') "
                                  "AND where_ IS NOT NULL"):
        if key not in labels:
            # an attachment's provenance is "file.pdf: 表三 …": the label is after the file name
            counts[key][where.split(": ", 1)[-1] if ": " in where else where] += 1
    for key, c in counts.items():
        labels[key] = c.most_common(1)[0][0]
    return {k: labels[k] for k in keys if k in labels}


def wide_table(con: sqlite3.Connection, chinese_headers: bool = False) -> WideTable:
    """Rows of the view with their metrics spread into columns, keys in the order the reports print them."""
    cols = ", ".join(BASE_COLUMNS)
    try:
        cur = con.execute(f"SELECT {cols} FROM annual_reports ORDER BY publisher, year")
    except sqlite3.OperationalError as exc:
        raise ExportError(f"this archive has no annual_reports view ({exc}); "
                          "run `gongkai check` once to bring it up to date") from None
    base = cur.fetchall()  # rows in BASE_COLUMNS order
    values: dict[int, dict[str, Any]] = defaultdict(dict)
    order: dict[str, int] = {}
    for report_id, key, value, rowid in con.execute(
            "SELECT m.report_id, m.key, m.value, m.rowid FROM metrics m JOIN annual_reports a "
            "ON a.report_id = m.report_id WHERE m.value IS NOT NULL"):
        values[report_id][key] = _num(value)
        order[key] = min(order.get(key, rowid), rowid)
    keys = sorted(order, key=lambda k: (order[k], k))
    if chinese_headers:
        labels = label_for_keys(con, keys)
        seen: Counter = Counter(labels.values())
        headers = list(BASE_COLUMNS.values()) + [
            (f"{labels[k]} [{k}]" if seen[labels[k]] > 1 else labels[k]) if k in labels else k for k in keys]
    else:
        headers = list(BASE_COLUMNS) + keys
    rid = list(BASE_COLUMNS).index("report_id")
    rows = [list(b) + [values[b[rid]].get(k) for k in keys] for b in base]
    return WideTable(keys, headers, rows)


def write_csv(table: WideTable, out) -> None:
    """CSV (with a BOM when written to a file, so Excel reads the Chinese right)."""
    w = csv.writer(out)
    w.writerow(table.headers)
    w.writerows(table.rows)


def write_xlsx(table: WideTable, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("annual_reports")
    ws.freeze_panes = "C2"
    ws.append(table.headers)
    for row in table.rows:
        ws.append(row)
    wb.save(path)


def write_parquet(table: WideTable, path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("parquet needs pyarrow: pip install 'gongkai[parquet]' (or use --format csv/xlsx)") from None
    cols = {}
    for i, h in enumerate(table.headers):
        column = [r[i] for r in table.rows]
        if i >= len(BASE_COLUMNS):  # metric values: one numeric type per column (ints and floats mix)
            column = [None if v is None else float(v) for v in column]
        cols[h] = pa.array(column)
    pq.write_table(pa.table(cols), path)


def export(con: sqlite3.Connection, fmt: str, out: Path | None, chinese_headers: bool = False) -> tuple[int, str]:
    """Write the wide table; returns (rows, where). csv without `out` goes to stdout."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    table = wide_table(con, chinese_headers)
    if fmt == "csv" and out is None:
        import sys

        buf = io.StringIO()
        write_csv(table, buf)
        sys.stdout.write(buf.getvalue())
        return len(table.rows), "stdout"
    path = out or Path(f"annual_reports.{fmt}")
    if fmt == "csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            write_csv(table, fh)
    elif fmt == "xlsx":
        write_xlsx(table, path)
    else:
        write_parquet(table, path)
    return len(table.rows), str(path)
