"""OCR values: traced to their recognised word (page, box, confidence), low ones approximate, and a table
whose identities fail after OCR flagged by OCR-IDENTITY instead of blaming the publisher."""

from __future__ import annotations

from test_checks import table3

from pipeline.checks import run_record_rules
from pipeline.checks.model import ReportRecord
from pipeline.extract.document import Document
from pipeline.extract.layout import Word
from pipeline.extract.model import Extraction, Provenance
from pipeline.extract.ocr import lines, text_of
from pipeline.extract.ocrcells import mark_ocr_values, parse_where


def _row(label: str, values: list[str], top: float, confs: list[float] | None = None, page: int = 2) -> list[Word]:
    confs = confs or [0.99] * len(values)
    words = [Word(label, 40, top, 230, top + 13, page=page, conf=0.99, source="ocr")]
    for i, (v, c) in enumerate(zip(values, confs, strict=True)):
        x = 250 + 43 * i
        words.append(Word(v, x, top + 0.4 * i, x + 9, top + 12 + 0.4 * i, page=page, conf=c, source="ocr"))
    return words


def test_lines_group_by_vertical_overlap_and_sort_by_x():
    words = _row("本年新收政府信息公开申请数量", ["64", "0", "0", "2", "0", "4", "70"], 248)
    words += _row("二、上年结转政府信息公开申请数量", ["0"] * 7, 278)
    shuffled = words[::-1]
    got = lines(shuffled)
    assert [len(line) for line in got] == [8, 8]
    assert text_of(shuffled).split("\n") == ["本年新收政府信息公开申请数量 64 0 0 2 0 4 70",
                                             "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0"]


def test_values_traced_to_their_word_and_low_confidence_marked_approximate():
    words = _row("本年新收政府信息公开申请数量", ["64", "0", "0", "2", "0", "4", "70"], 248,
                 confs=[0.99, 0.98, 0.97, 0.62, 0.99, 0.95, 0.99])
    doc = Document(source="pdf", words=words, text=text_of(words))
    ex = Extraction()
    cols = ("natural_person", "org_business", "org_research", "org_nonprofit", "org_legal", "org_other", "total")
    for col, v in zip(cols, (64, 0, 0, 2, 0, 4, 70), strict=True):
        ex.set(f"apps.new.{col}", v, Provenance("attachment", "table 三 row new", "64 0 0 2 0 4 70"))
    mark_ocr_values(doc, ex)
    assert {p.source for p in ex.provenance.values()} == {"ocr"}
    assert ex.approximate == {"apps.new.org_nonprofit"}
    cell = parse_where(ex.provenance["apps.new.org_nonprofit"].where)
    assert cell.page == 2 and cell.conf == 0.62
    assert cell.box == (379.0, 249.0, 388.0, 261.0)  # the fourth number's box, not the first "0"
    assert parse_where(ex.provenance["apps.new.org_business"].where).box[0] == 293.0
    assert ex.provenance["apps.new.total"].where.endswith("· table 三 row new")


def test_text_layer_values_of_a_mixed_pdf_stay_as_they_are():
    words = [Word("本年新收", 0, 0, 50, 10, source="pdf"), *_row("重复申请", ["3", "0", "3"], 100)]
    doc = Document(source="pdf", words=words)
    ex = Extraction()
    ex.set("proactive.total", 802, Provenance("text", "主动公开信息802条", "802条"))
    ex.set("apps.result.ignored.repeat.total", 3, Provenance("attachment", "row repeat", "3 0 3"))
    mark_ocr_values(doc, ex)
    assert ex.provenance["proactive.total"].source == "text"
    assert ex.provenance["apps.result.ignored.repeat.total"].source == "ocr"


def _ocr_record(metrics: dict, boxed: set[str]) -> ReportRecord:
    prov = {}
    for i, k in enumerate(sorted(metrics)):
        where = (f"OCR page 3 box ({250 + i},{100 + i},{260 + i},{112 + i}) conf 0.97 · table 三" if k in boxed
                 else "table 三")
        prov[k] = {"source": "ocr" if k in boxed else "table", "where": where, "raw": str(metrics[k])}
    return ReportRecord(id="r1", key="page:1", publisher="测试县", year=2023, format="2021", published="2024-01-20",
                        metrics=metrics, provenance=prov, url="https://x.gov.cn/scan.pdf")


def test_ocr_identity_replaces_the_identity_finding_and_names_cells_with_boxes():
    m = table3()
    m["apps.new.natural_person"] = 8  # misread 3 -> 8: the row and the column no longer add up
    rec = _ocr_record(m, set(m))
    found = run_record_rules(rec)
    rules = sorted({f.rule for f in found})
    assert rules == ["OCR-IDENTITY"]
    row = next(f for f in found if f.evidence["identity"] == "T3-ROW-SUM")
    assert row.severity == "warning" and row.cells == ("apps.new.total",)
    assert row.message.startswith("values read by OCR break T3-ROW-SUM: 表三 row new")
    cells = {c["key"]: c for c in row.evidence["cells"]}
    assert set(cells) == {"apps.new.total", *(f"apps.new.{c}" for c in
                                               ("natural_person", "org_business", "org_research", "org_nonprofit",
                                                "org_legal", "org_other"))}
    assert cells["apps.new.natural_person"]["value"] == 8
    assert cells["apps.new.natural_person"]["page"] == 3 and len(cells["apps.new.natural_person"]["box"]) == 4
    assert {f.evidence["identity"] for f in found} == {"T3-ROW-SUM", "T3-BALANCE"}


def test_identity_failures_without_ocr_values_stay_errors_and_consistent_ocr_tables_are_quiet():
    m = table3()
    m["apps.new.natural_person"] = 8
    assert {f.rule for f in run_record_rules(_ocr_record(m, set()))} == {"T3-ROW-SUM", "T3-BALANCE"}
    assert run_record_rules(_ocr_record(table3(), set(table3()))) == []


def test_rows_printing_the_same_numbers_keep_their_own_boxes():
    words = _row("属于国家秘密", ["0"] * 7, 100) + _row("其他法律行政法规禁止公开", ["0"] * 7, 130)
    doc = Document(source="pdf", words=words, text=text_of(words))
    ex = Extraction()
    cols = ("natural_person", "org_business", "org_research", "org_nonprofit", "org_legal", "org_other", "total")
    for row in ("state_secret", "law_forbidden"):
        for col in cols:
            ex.set(f"apps.result.withheld.{row}.{col}", 0,
                   Provenance("attachment", f"table 三 row result.withheld.{row}", "0 0 0 0 0 0 0"))
    mark_ocr_values(doc, ex)
    tops = {row: parse_where(ex.provenance[f"apps.result.withheld.{row}.org_legal"].where).box[1]
            for row in ("state_secret", "law_forbidden")}
    assert tops == {"state_secret": 102.0, "law_forbidden": 132.0}


def test_table_four_values_take_their_column_of_the_fifteen():
    nums = ["0", "1", "0", "0", "1", "0", "1", "0", "0", "1", "1", "0", "0", "0", "1"]
    words = [Word(n, 40 + 30 * i, 200, 48 + 30 * i, 212, page=0, conf=0.95, source="ocr") for i, n in enumerate(nums)]
    doc = Document(source="pdf", words=words, text=text_of(words))
    ex = Extraction()
    keys = [f"{g}.{o}" for g in ("review", "suit.direct", "suit.after_review")
            for o in ("upheld", "corrected", "other", "pending", "total")]
    for k, n in zip(keys, nums, strict=True):
        ex.set(k, int(n), Provenance("attachment", "table 四", " ".join(nums)))
    mark_ocr_values(doc, ex)
    xs = [parse_where(ex.provenance[k].where).box[0] for k in keys]
    assert xs == [40.0 + 30 * i for i in range(15)]
