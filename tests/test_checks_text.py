"""TEXT-TABLE / TEXT-PCT end to end: the prose claims extraction finds, checked against a table 三.

The synthetic report has the shape of 上海 2019: the 总计 column of table 三's detail rows printed
blank and organisation cells blank where nothing was counted, and the 总体情况 stating
予以公开及部分公开258件 / 无法提供265件 where the printed cells already give 272+3 and 337.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.checks import RULES_BY_ID
from pipeline.checks.model import ReportRecord
from pipeline.checks.table3 import APPLICANT_COLS
from pipeline.extract import extract

CASE = Path(__file__).parent / "cases" / "prose-claims-combined-categories" / "input.txt"


def _table3() -> dict[str, int]:
    m: dict[str, int] = {}

    def row(name: str, vals: tuple[int | None, ...], total: bool) -> None:
        m.update({f"apps.{name}.{c}": v for c, v in zip(APPLICANT_COLS, vals, strict=True) if v is not None})
        if total:
            m[f"apps.{name}.total"] = sum(v for v in vals if v is not None)

    row("new", (821, 35, None, None, 2, 1), True)  # 859; None: a blank cell
    row("carried_in", (18, None, None, None, None, None), True)
    row("result.disclosed", (258, 10, None, 2, 2, None), False)  # 272, 总计 cell blank
    row("result.partial", (3, None, None, None, None, None), False)
    row("result.unable.not_held", (252, 20, None, None, 5, None), False)  # 277
    row("result.unable.needs_creation", (44, 0, 0, 0, 0, 0), False)  # all printed: exactly 44
    row("result.unable.unclear", (14, 2, None, None, None, None), False)  # 337 in all
    m["apps.result.total.total"] = 805
    m["review.total"], m["suit.total"] = 7, 9
    return m


def _record(metrics: dict[str, int]) -> ReportRecord:
    ex = extract(CASE.read_bytes(), "", "text/plain")
    return ReportRecord(id="r1", key="page:1", publisher=ex.fields["publisher"], year=ex.fields["year"],
                        format="2019", published="2020-01-31", metrics=metrics, text_claims=ex.text_claims)


def _fired(rule_id: str, rec: ReportRecord):
    rule = RULES_BY_ID[rule_id]
    return list(rule.check(rule, rec))


def test_combined_category_against_blank_row_totals_is_flagged():
    fs = _fired("TEXT-TABLE", _record(_table3()))
    got = {f.cells: (f.evidence["found"], f.evidence["expected"]) for f in fs}
    assert got == {
        ("apps.result.disclosed.total", "apps.result.partial.total"): (258, 275),
        ("apps.result.unable.not_held.total", "apps.result.unable.needs_creation.total",
         "apps.result.unable.unclear.total"): (265, 337),
    }
    disclosed = next(f for f in fs if f.cells[0] == "apps.result.disclosed.total")
    assert "予以公开及部分公开258件" in disclosed.evidence["claims"][0]["sentence"]
    assert disclosed.evidence["exact"] is False and "at least" in disclosed.message
    assert disclosed.evidence["values"][0]["value"] == 272
    assert "lower bound" in disclosed.evidence["values"][0]["where"]


def test_quiet_when_blank_cells_could_make_up_the_stated_count():
    m = _table3()
    m["apps.result.disclosed.natural_person"] = 240  # printed 254 + 3 = 257 ≤ 258: blanks may hold 1
    m["apps.result.unable.not_held.natural_person"] = 180  # printed 265 ≤ 265
    assert _fired("TEXT-TABLE", _record(m)) == []


def test_all_cells_printed_the_row_sum_is_the_value():
    m = _table3()
    for key in ("apps.result.disclosed", "apps.result.partial"):
        for col in APPLICANT_COLS:
            m.setdefault(f"{key}.{col}", 0)
    m["apps.result.disclosed.natural_person"] = 240  # 254 + 3 = 257 ≠ 258 exactly
    fs = {f.cells: f for f in _fired("TEXT-TABLE", _record(m))}
    f = fs[("apps.result.disclosed.total", "apps.result.partial.total")]
    assert (f.evidence["found"], f.evidence["expected"], f.evidence["exact"]) == (258, 257, True)


def test_a_printed_total_is_used_as_printed():
    m = _table3()
    m["apps.result.disclosed.total"], m["apps.result.partial.total"] = 255, 3  # printed, disagreeing with its row
    fs = _fired("TEXT-TABLE", _record(m))
    assert ("apps.result.disclosed.total", "apps.result.partial.total") not in {f.cells for f in fs}
