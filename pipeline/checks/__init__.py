"""The rules of spec/checks.md as data (`RULES`) and the two ways to run them.

`run_report_rules(ex)` checks one Extraction (used by `gongkai parse`); `run_archive_rules(reports,
expectations, as_of)` runs every rule over plain `ReportRecord`s (used by `gongkai check`). Both are
pure: no I/O, no database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any

from pipeline.checks import crawl, legacy, ocr, publication, table3, tables, text, years
from pipeline.checks.expectations import Expectations
from pipeline.checks.model import SCOPES, SEVERITIES, Finding, ReportRecord, Rule
from pipeline.checks.publication import ArchiveContext

__all__ = ["RULES", "RULES_BY_ID", "Finding", "ReportRecord", "Rule", "SCOPES", "SEVERITIES",
           "run_report_rules", "run_record_rules", "run_archive_rules"]

_T3 = ("apps.new.*", "apps.carried_in.*", "apps.result.*", "apps.carried_out.*")

RULES: list[Rule] = [
    Rule("T3-BALANCE", "error", "report", "表三 per column: 本年新收 + 上年结转 = 办理结果总计 + 结转下年度", _T3,
         table3.check_balance),
    Rule("T3-RESULT-SUM", "error", "report", "表三 per column: (七)总计 = Σ outcome rows", ("apps.result.*",),
         table3.check_result_sum),
    Rule("T3-ROW-SUM", "error", "report", "表三 per row: 总计 = Σ six applicant columns (小计 = Σ five org columns)",
         ("apps.*",), table3.check_row_sum),
    Rule("T3-BLANK", "warning", "report", "表三 cell printed blank, \"/\" or \"—\"", ("blank_cells",),
         table3.check_blank),
    Rule("T3-NEGATIVE", "error", "report", "表三 counts are whole numbers ≥ 0", ("apps.*",), table3.check_negative),
    Rule("T4-SUM", "error", "report", "表四: 维持 + 纠正 + 其他 + 尚未审结 = 总计 (复议, 直接起诉, 复议后起诉)",
         ("review.*", "suit.direct.*", "suit.after_review.*"), tables.check_t4_sum),
    Rule("T2-RANGE", "error", "report", "表二 counts ≥ 0 (except 2019 本年增/减)", ("proactive.*",),
         tables.check_t2_range),
    Rule("FORMAT-YEAR", "warning", "report", "2019–2020 use the 2019 format, 2021+ the 2021 format, with tables 二/三/四",
         ("year", "format", "tables"), tables.check_format_year),
    Rule("EXTRACT-FAILED", "warning", "report",
         "a national table is printed in the document but extraction could not read it (for a person to look at)",
         ("unread_tables",), tables.check_extract_failed),
    Rule("SECTIONS", "warning", "report", "a 2019+ report has sections 一 … 六", ("year", "sections"),
         tables.check_sections),
    Rule("TEXT-TABLE", "warning", "report", "a count in the prose equals the table value it names",
         ("text_claims", "metrics"), text.check_text_table),
    Rule("TEXT-PCT", "warning", "report", "a percentage in the prose equals the ratio of the counts it names (±0.05)",
         ("text_claims", "metrics"), text.check_text_pct),
    Rule("L-ANSWER-SUM", "error", "report", "legacy: 答复总数 = Σ answer categories", ("legacy.answers.*",),
         legacy.check_answer_sum),
    Rule("L-REVIEW-SUM", "error", "report", "legacy: 复议/诉讼 total = 维持 + 纠错 + 其他", ("review.*", "suit.*"),
         legacy.check_review_sum),
    Rule("L-STAFF-SUM", "error", "report", "staff.total = full_time + part_time", ("staff.*",), legacy.check_staff_sum),
    Rule("L-CHANNEL-SUM", "error", "report", "legacy: 申请总数 = Σ 申请方式", ("apps.new.total", "legacy.apps.*"),
         legacy.check_channel_sum),
    Rule("L-RATE", "warning", "report", "legacy: 答复率 = 答复 / 申请 (±0.5)",
         ("legacy.answers.rate_pct", "legacy.answers.total", "apps.new.total"), legacy.check_rate),
    Rule("IMAGE-ONLY", "warning", "report", "report published only as images / a scanned PDF", ("kind",),
         tables.check_image_only),
    Rule("OCR-IDENTITY", "warning", "report", "a table read by OCR breaks an identity of 表三/表四: check the cells on the scan",
         ("metrics", "provenance"), ocr.check_ocr_identity),
    Rule("YEAR-MISMATCH", "warning", "report", "title year, 统计期限 year and publication date agree",
         ("title", "text", "year", "published"), tables.check_year_mismatch),
    Rule("X-CARRY", "error", "years", "上年结转 (Y) = 结转下年度 (Y−1), 2020 onward",
         ("apps.carried_in.*", "apps.carried_out.*"), years.check_carry),
    Rule("X-CHANGE-PCT", "warning", "years", "a stated year-on-year change agrees with last year's value (±0.5)",
         ("*_change_pct",), years.check_change_pct),
    Rule("X-PREV-ITEMS", "warning", "years", "2019 format: 上一年项目数量 (Y) = 上一年项目数量 + 增减 (Y−1)",
         ("proactive.*.prev_items", "proactive.*.change"), years.check_prev_items),
    Rule("X-IN-FORCE", "warning", "years", "2021 format: 现行有效 (Y) = 现行有效 (Y−1) + 制发 − 废止",
         ("proactive.*.in_force", "proactive.*.issued", "proactive.*.repealed"), years.check_in_force),
    Rule("X-REPEAT", "warning", "years", "more than 50% of the prose repeats last year's (内容雷同)", ("text",),
         years.check_repeat),
    Rule("MISSING", "error", "publication", "an expected publisher has no report for the year after its deadline",
         ("publisher", "year"), publication.check_missing),
    Rule("LATE", "warning", "publication", "published after the deadline", ("publisher", "year", "published"),
         publication.check_late),
    Rule("DUPLICATE", "warning", "publication", "two reports for one publisher and year with different numbers",
         ("publisher", "year", "metrics"), publication.check_duplicate),
    Rule("CHANGED", "warning", "history", "an archived report changed after first capture (silent edit)",
         ("versions", "metrics", "text"), publication.check_changed),
    Rule("ATTACHMENT-MISMATCH", "warning", "history", "a number in an attachment differs from the page's",
         ("parent_id", "metrics"), publication.check_attachment),
    Rule("SITE-BROKEN", "error", "crawl",
         "a site's start listing fails, it lists no reports, or its reports no longer yield statistics",
         ("captures", "pages", "reports", "metrics"), crawl.check_site_broken),
]

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def run_record_rules(rec: ReportRecord) -> list[Finding]:
    """Every within-one-report rule on one record (nothing for a page that is not a report)."""
    if rec.kind == "not_report":
        return []
    found = [f for rule in RULES if rule.scope == "report" for f in rule.check(rule, rec)]
    return ocr.without_replaced(found, rec)


def run_report_rules(ex: Any) -> list[Finding]:
    """The within-report findings of one `Extraction` (the `flags` of `gongkai parse --json`)."""
    return run_record_rules(ReportRecord.from_extraction(ex))


def _predecessors(reports: list[ReportRecord], canonical) -> list[tuple[ReportRecord, ReportRecord]]:
    """(Y, Y−1) pairs of one publisher's reports; with several reports in a year, every combination."""
    by: dict[tuple[str, int], list[ReportRecord]] = defaultdict(list)
    for r in reports:
        if r.kind == "report" and r.role != "attachment" and r.parent_id is None and r.publisher and r.year is not None:
            by[(canonical(r.publisher), r.year)].append(r)
    return [(cur, prev) for (pub, year), rs in by.items() for cur in rs for prev in by.get((pub, year - 1), [])]


def run_archive_rules(reports: list[ReportRecord], expectations: Any = None,
                      as_of: date | None = None, within: bool = True,
                      skip: Collection[str] = ()) -> list[Finding]:
    """Every rule over the archive's records (all versions; non-current ones feed only CHANGED).

    `expectations`: a `pipeline.checks.expectations.Expectations` (None → built from the reports alone).
    `within=False` skips the within-report rules (when the caller ran them already); `skip` names
    rules the caller runs otherwise (MISSING from compact facts, when the records are one publisher's).
    """
    as_of = as_of or date.today()
    if expectations is None:
        expectations = Expectations.build(None, [r for r in reports if r.is_current])
    current = [r for r in reports if r.is_current]
    out: list[Finding] = []
    if within:
        # an attachment is checked as part of its report page (whose values it fills or must match:
        # ATTACHMENT-MISMATCH), not as a report of its own — that would flag each problem twice
        for r in current:
            if r.role != "attachment":
                out.extend(run_record_rules(r))
    for cur, prev in _predecessors(current, expectations.canonical):
        for rule in RULES:
            if rule.scope == "years":
                out.extend(rule.check(rule, cur, prev))
    ctx = ArchiveContext(reports=current, versions=list(reports), expectations=expectations, as_of=as_of)
    for rule in RULES:
        if rule.scope in ("publication", "history") and rule.id not in skip:
            out.extend(rule.check(rule, ctx))
    return out
