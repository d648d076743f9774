"""The rules on the real keys of ../shared/fixtures/real (skipped when ../shared is absent).

Values of neighbouring years that have no saved page are read from the keys' own notes at test time.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from pipeline.checks import run_archive_rules, run_record_rules
from pipeline.checks.expectations import Expectations
from pipeline.checks.model import ReportRecord
from tests.conftest import real_key as _real_key

REAL_2019PLUS = ["pingtan_2019", "pingtan_2021", "pingtan_2023", "shuyang_fgj_2023"]
REAL_LEGACY = ["pingtan_2018", "fuyang_2018"]


def real_key(name: str) -> dict:
    return _real_key(f"{name}.key.json")


def record(name: str, **kw) -> ReportRecord:
    k = real_key(name)
    base = dict(id=name, key=k.get("url") or name, publisher=k["publisher"], year=k["year"], format=k["format"],
                published=k["published"], title=k["title"], url=k.get("url"), metrics=dict(k["metrics"]))
    base.update(kw)
    return ReportRecord(**base)


def note(name: str, pattern: str) -> int:
    """A number quoted in a key's notes (e.g. a neighbouring year's value)."""
    for n in real_key(name)["notes"]:
        m = re.search(pattern, n)
        if m:
            return int(m.group(1))
    pytest.fail(f"no note of {name} matches {pattern!r}")


@pytest.mark.parametrize("name", REAL_2019PLUS + REAL_LEGACY)
def test_real_keys_pass_every_within_report_rule(name):
    findings = run_record_rules(record(name))
    assert [f.identity for f in findings] == []


def test_within_report_error_rules_were_actually_evaluated_on_real_data():
    # a wrong value in each real report is caught: the rules read the real keys' cells
    for name in REAL_2019PLUS:
        r = record(name)
        r.metrics["apps.result.total.total"] += 1
        rules = {f.rule for f in run_record_rules(r)}
        # 沭阳's organisation columns are blank: the row sums cannot be evaluated (blank ≠ 0)
        expected = {"T3-BALANCE", "T3-RESULT-SUM"} | (set() if name == "shuyang_fgj_2023" else {"T3-ROW-SUM"})
        assert rules == expected, name


def blank_cells_from_notes(name: str) -> list[str]:
    for n in real_key(name)["notes"]:
        if n.startswith("blank cells"):
            return [c.strip() for c in n.split(":", 1)[1].split(",")]
    return []


def test_shuyang_blank_org_columns_give_one_t3_blank_warning_and_nothing_else():
    blanks = blank_cells_from_notes("shuyang_fgj_2023")
    assert len(blanks) == 125  # 25 rows × 5 organisation columns
    findings = run_record_rules(record("shuyang_fgj_2023", blank_cells=blanks))
    assert [(f.rule, f.severity, f.evidence["count"]) for f in findings] == [("T3-BLANK", "warning", 125)]


def pingtan_2022() -> ReportRecord:
    """平潭 2022 as the 2021/2023 keys' notes describe it (no page saved)."""
    return ReportRecord(
        id="pingtan_2022", key="pingtan_2022", publisher="平潭综合实验区", year=2022, format="2021",
        published="2023-02-20",
        metrics={"apps.carried_in.total": note("pingtan_2021", r"carried_out \d+ = 2022 carried_in (\d+)"),
                 "apps.carried_out.total": note("pingtan_2023", r"carried_in \d+ = 2022 carried_out (\d+)"),
                 "proactive.normative.in_force": note("pingtan_2023", r"vs 2022 \((\d+)\)")})


def test_pingtan_2021_2022_2023_carry_over_holds_and_in_force_breaks_after_the_cleanup():
    reports = [record("pingtan_2021"), pingtan_2022(), record("pingtan_2023")]
    findings = run_archive_rules(reports, Expectations.build(None, reports), as_of=date(2024, 6, 1), within=False)
    assert [f.rule for f in findings if f.rule == "X-CARRY"] == []
    in_force = [f for f in findings if f.rule == "X-IN-FORCE"]
    assert len(in_force) == 1
    f = in_force[0]
    k23 = real_key("pingtan_2023")["metrics"]
    assert f.severity == "warning" and f.cells == ("proactive.normative.in_force",)
    assert f.subject == f"{real_key('pingtan_2023')['url']} vs pingtan_2022"
    assert f.evidence["found"] == k23["proactive.normative.in_force"] == 470
    assert f.evidence["expected"] == 698 + 77 - 132 == 643
    assert [(v["year"], v["key"], v["value"]) for v in f.evidence["values"]] == [
        (2023, "proactive.normative.in_force", 470), (2022, "proactive.normative.in_force", 698),
        (2023, "proactive.normative.issued", 77), (2023, "proactive.normative.repealed", 132)]
    # X-IN-FORCE 2021 → 2022: the 2022 issued/repealed are unknown, so it does not fire
    assert all(f.year == 2023 for f in in_force)
    # only 2020 and 2022 reports are absent: MISSING for nothing else (2022 is in this list)
    assert sorted((f.rule, f.subject) for f in findings if f.rule == "MISSING") == []


def test_x_carry_fires_on_a_broken_chain_with_both_values_and_provenance():
    bad = pingtan_2022()
    bad.metrics["apps.carried_in.total"] = 0
    reports = [record("pingtan_2021"), bad]
    f = [f for f in run_archive_rules(reports, None, date(2024, 6, 1), within=False) if f.rule == "X-CARRY"]
    assert len(f) == 1
    assert f[0].cells == ("apps.carried_in.total", "2021:apps.carried_out.total")
    assert (f[0].evidence["expected"], f[0].evidence["found"]) == (1, 0)


def test_pingtan_2019_2020_carry_and_prev_items_hold():
    r19 = record("pingtan_2019")
    r20 = ReportRecord(id="pingtan_2020", publisher="平潭综合实验区", year=2020, format="2019", published="2021-03-05",
                       metrics={"apps.carried_in.total": note("pingtan_2019", r"carried_out \d+ = 2020 carried_in (\d+)"),
                                # domain.md §3.3 T2-2: 2020's 上一年项目数量 = 2019's + 本年增/减
                                **{f"proactive.{row}.prev_items": r19.metrics[f"proactive.{row}.prev_items"]
                                   + r19.metrics[f"proactive.{row}.change"]
                                   for row in ("licensing", "other_services", "penalty", "coercion", "fees")}})
    findings = run_archive_rules([r19, r20], None, date(2021, 6, 1), within=False)
    assert [f.rule for f in findings if f.rule.startswith("X-")] == []
    r20.metrics["proactive.penalty.prev_items"] += 1
    f = [f for f in run_archive_rules([r19, r20], None, date(2021, 6, 1), within=False) if f.rule == "X-PREV-ITEMS"]
    assert [(x.cells, x.evidence["expected"]) for x in f] == [(("proactive.penalty.prev_items",), 2648)]


def test_real_publication_dates_are_on_time_and_gaps_are_missing():
    reports = [record(n) for n in ("pingtan_2019", "pingtan_2021", "pingtan_2023", "shuyang_fgj_2023")]
    findings = run_archive_rules(reports, None, as_of=date(2025, 4, 15), within=False)
    assert [f.identity for f in findings if f.rule == "LATE"] == []
    missing = sorted(f.subject for f in findings if f.rule == "MISSING")
    # 平潭 (government, due 31 March): 2020, 2022, 2024; 沭阳发改局 (department, due 31 January): 2024
    assert missing == ["平潭综合实验区/2020", "平潭综合实验区/2022", "平潭综合实验区/2024", "沭阳县发展和改革局/2024"]
    dept = Expectations.build(None, reports)
    assert dept.deadline("沭阳县发展和改革局", 2023) == date(2024, 1, 31)
    assert dept.deadline("平潭综合实验区", 2023) == date(2024, 3, 31)
    assert dept.deadline("平潭综合实验区", 2018) == date(2019, 3, 31)


def test_fuyang_legacy_identities_hold_and_break_when_edited():
    r = record("fuyang_2018")
    assert run_record_rules(r) == []
    r.metrics["legacy.answers.other"] += 1
    r.metrics["legacy.answers.rate_pct"] = 90
    assert sorted(f.rule for f in run_record_rules(r)) == ["L-ANSWER-SUM", "L-RATE"]

