"""Table 四 sums, table 二 ranges, and whether a report uses the format mandated for its year."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.checks.model import (
    Finding,
    ReportRecord,
    Rule,
    cite,
    finding,
    num,
    total_mismatch,
)
from pipeline.formats import identities, sections, table4

T4_GROUPS: tuple[str, ...] = table4.GROUP_KEYS
T4_PARTS: tuple[str, ...] = table4.PART_KEYS
SECTION_NUMERALS: tuple[str, ...] = sections.NUMERALS
NATIONAL_TABLES: tuple[str, ...] = ("二", "三", "四")
_T4_PARTS_PRINTED = "+".join(o.label for o in table4.OUTCOMES[:4])


def check_t4_sum(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """维持 + 纠正 + 其他 + 尚未审结 = 总计 for 复议 and both kinds of 诉讼 (pipeline.formats.table4)."""
    if rec.kind == "not_report" or rec.format == "legacy":
        return
    for ident in identities("T4-SUM"):
        for b, (total_key,), keys in ident.instances():
            g = b["g"]
            bad = total_mismatch(rec, total_key, keys)
            if bad:
                found, s = bad
                yield finding(rule, rec, [total_key], f"表四 {g}: 总计 {num(found)} ≠ {_T4_PARTS_PRINTED} {num(s)}",
                              {"formula": f"{g}: upheld + corrected + other + pending = total",
                               "expected": num(s), "found": num(found),
                               "values": [cite(rec, k) for k in (total_key, *keys)]})


def check_t2_range(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """Table 二 counts are ≥ 0; only the 2019 format's 本年增/减 may be negative."""
    if rec.kind == "not_report":
        return
    for k in sorted(rec.metrics):
        if not k.startswith("proactive.") or k.endswith(".change") or k.endswith("_change_pct"):
            continue
        v = rec.metrics[k]
        if v is not None and v < 0:
            yield finding(rule, rec, [k], f"表二 {k} = {num(v)} is negative",
                          {"expected": "≥ 0", "found": num(v), "values": [cite(rec, k)]})


def expected_format(year: int) -> str:
    """legacy up to 2018, 国办公开办函〔2019〕60号 for 2019–2020, 〔2021〕30号 from 2021."""
    return "legacy" if year <= 2018 else "2019" if year <= 2020 else "2021"


def check_format_year(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """A 2019+ report must use its year's format and carry tables 二/三/四."""
    if rec.kind != "report" or rec.year is None or rec.year < 2019:
        return
    want = expected_format(rec.year)
    if rec.format and rec.format != want:
        yield finding(rule, rec, ["format"],
                      f"{rec.year} report uses the {rec.format} format; the {want} format is mandated for {rec.year}",
                      {"expected": want, "found": rec.format, "year": rec.year})
    if rec.tables is not None:
        # a table printed but not read is the reader's failure (EXTRACT-FAILED), not the publisher's
        unread = rec.unread_tables or []
        lacking = [t for t in NATIONAL_TABLES if t not in rec.tables and t not in unread]
        if lacking:
            yield finding(rule, rec, ["tables"],
                          f"{rec.year} report lacks table(s) {'、'.join(lacking)} of the mandated format",
                          {"expected": list(NATIONAL_TABLES), "found": list(rec.tables), "missing": lacking})


def check_extract_failed(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """A national table is printed (its labels are in the document) but extraction could not read it:
    a person should look at the document; the report is not blamed for lacking the table."""
    if rec.kind == "not_report" or not rec.unread_tables:
        return
    tables = list(rec.unread_tables)
    yield finding(rule, rec, [f"table {t}" for t in tables],
                  f"table(s) {'、'.join(tables)} are printed in the document but could not be read: "
                  "extraction failed, the numbers need a person to look at the document",
                  {"unread_tables": tables, "read_tables": list(rec.tables or []), "url": rec.url,
                   "title": rec.title})


def check_sections(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """A 2019+ report has the six sections 一 … 六 of the national format."""
    if rec.kind != "report" or rec.year is None or rec.year < 2019 or rec.sections is None:
        return
    lacking = [s for s in SECTION_NUMERALS if s not in rec.sections]
    if lacking:
        yield finding(rule, rec, (), f"section(s) {'、'.join(lacking)} missing (the format has 一 … 六)",
                      {"expected": list(SECTION_NUMERALS), "found": list(rec.sections), "missing": lacking})


def check_image_only(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """Published as images or a scanned PDF: nothing could be read, so nothing else was checked."""
    if rec.kind == "image_only":
        yield finding(rule, rec, (), "report published only as images / a scanned PDF: no statistics could be read",
                      {"kind": rec.kind, "url": rec.url, "title": rec.title})


_TITLE_YEAR = re.compile(r"(\d{4})\s*年")
_PERIOD = re.compile(r"统计期限[^。]{0,20}?(\d{4})\s*年\s*1\s*月\s*1\s*日[^。]{0,6}?至\s*(\d{4})\s*年\s*12\s*月\s*31\s*日")


def period_year(text: str) -> int | None:
    """The year of the intro's 统计期限自YYYY年1月1日起至YYYY年12月31日止, if stated."""
    m = _PERIOD.search(text or "")
    return int(m.group(2)) if m else None


def check_year_mismatch(rule: Rule, rec: ReportRecord) -> Iterator[Finding]:
    """Title year, 统计期限 year and publication date must agree (published after the year ended)."""
    if rec.kind == "not_report":
        return
    found: dict[str, object] = {}
    m = _TITLE_YEAR.search(rec.title or "")
    if m:
        found["title_year"] = int(m.group(1))
    py = period_year(rec.text)
    if py is not None:
        found["period_year"] = py
    years = {v for v in found.values()}
    if len(years) > 1:
        yield finding(rule, rec, ["title", "统计期限"],
                      f"title says {found['title_year']} but 统计期限 says {found['period_year']}",
                      {**found, "title": rec.title})
    year = rec.year if rec.year is not None else next(iter(years), None)
    if year is not None and rec.published and rec.published[:4].isdigit() and int(rec.published[:4]) <= year:
        yield finding(rule, rec, ["published"],
                      f"published {rec.published}, before the reporting year {year} ended",
                      {"year": year, "published": rec.published, "expected": f"after {year}-12-31", **found})
