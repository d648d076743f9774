"""pipeline.formats: the one model of the national formats, and that no other module spells its labels."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pipeline import formats as F
from pipeline.formats import sections, table2, table3, table4

ROOT = Path(__file__).resolve().parent.parent
#: modules allowed to spell labels for now, with why
ALLOWED = {
}


def test_every_metric_key_of_the_tables_is_in_the_glossary_once_per_format():
    rows = F.glossary()
    keys = {(r["key"], r["format"]) for r in rows}
    assert len(keys) == len(rows)  # no duplicates
    assert ("apps.result.other.misc.total", "2021") in keys and ("apps.result.other.total", "2019") in keys
    assert ("apps.result.other.total", "2021") not in keys
    assert ("proactive.fees.amount_10k_yuan", "2021") in keys and ("proactive.fees.prev_items", "2019") in keys
    assert ("proactive.procurement.amount_yuan", "2021") not in keys
    assert ("suit.total", "2021") in keys and ("suit.total", "legacy") in keys
    for r in rows:
        assert r["meaning"] and r["row"] and r["unit"], r
    by = {(r["key"], r["format"]): r for r in rows}
    assert by[("proactive.fees.amount_10k_yuan", "2021")]["unit"] == "万元"
    assert by[("proactive.procurement.amount_yuan", "2019")]["unit"] == "元"
    assert by[("apps.result.withheld.state_secret.natural_person", "2019")]["row"] == "1.属于国家秘密"
    assert by[("suit.direct.pending", "2021")]["row"] == "行政诉讼 未经复议直接起诉"
    assert by[("suit.direct.pending", "2021")]["column"] == "尚未审结"
    # 23 data rows × 8 columns (with the optional 小计) in 2019, 25 in 2021 (domain.md §1.4)
    assert sum(1 for r in rows if r["table"] == "三" and r["format"] == "2019") == 23 * 8
    assert sum(1 for r in rows if r["table"] == "三" and r["format"] == "2021") == 25 * 8
    assert sum(1 for r in rows if r["table"] == "四" and r["format"] == "2021") == 15 + 1  # + derived suit.total


@pytest.mark.parametrize(("printed", "candidates", "group", "key"), [
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", table3.MATCH_ORDER, None, "result.partial"),
    ("(二) 部分公开", table3.MATCH_ORDER, None, "result.partial"),
    ('3.危及"三安全一稳定"', table3.MATCH_ORDER, None, "result.withheld.security_stability"),
    ("3.其他", table3.MATCH_ORDER, "other", "result.other.misc"),
    ("3.其他", table3.MATCH_ORDER, None, None),
    ("（六）其他处理", table3.MATCH_ORDER, None, "result.other"),
    ("一、本年度新收政府信息公开申请数量", table3.MATCH_ORDER, None, "new"),
    ("结转下一年度继续办理", table3.MATCH_ORDER, None, "carried_out"),
    ("本年新作数量", table2.COLUMN_MATCH_ORDER, None, "made"),                 # a typo real reports print
    ("本年新\n制作数量", table2.COLUMN_MATCH_ORDER, None, "made"),             # a wrapped header
    ("上一年项目本年收费金额", table2.COLUMN_MATCH_ORDER, None, "amount_10k_yuan"),  # a garbled header
    ("规范性文件", table2.ROW_MATCH_ORDER, None, "normative"),                  # 2019 name in a 2021 table
    ("ＳＳ规章", table2.ROW_MATCH_ORDER, None, None),
    ("规 章", table2.ROW_MATCH_ORDER, None, "rules"),
    ("行政法复议", table4.GROUP_MATCH_ORDER, None, "review"),                   # 平潭 2022's typo
    ("行政诉讼复议后起诉", table4.GROUP_MATCH_ORDER, None, "suit.after_review"),
    ("其它", table3.HEADER_MATCH_ORDER, None, "org_other"),
    ("法人或其他组织", table3.HEADER_MATCH_ORDER, None, None),
    ("法人或其他组织小计", table3.HEADER_MATCH_ORDER, None, "org_subtotal"),
])
def test_labels_match_tolerantly(printed, candidates, group, key):
    found = F.match(printed, candidates, group=group)
    assert (found.key if found else None) == key


def test_identities_are_the_checks_of_the_spec():
    bal = F.identities("T3-BALANCE", "2021")
    assert len(bal) == 1
    inst = {b["c"]: (left, right) for b, left, right in bal[0].instances()}
    assert inst["total"] == (("apps.new.total", "apps.carried_in.total"),
                             ("apps.result.total.total", "apps.carried_out.total"))
    (rs19,) = F.identities("T3-RESULT-SUM", "2019")
    (rs21,) = F.identities("T3-RESULT-SUM", "2021")
    assert "apps.result.other.{c}" in rs19.right and "apps.result.other.{c}" not in rs21.right
    assert len(rs19.right) == 19 and len(rs21.right) == 21
    (t4,) = F.identities("T4-SUM")
    assert [b["g"] for b, _, _ in t4.instances()] == ["review", "suit.direct", "suit.after_review"]
    assert {i.rule for i in F.identities(fmt="legacy")} == {"L-ANSWER-SUM", "L-REVIEW-SUM", "L-STAFF-SUM",
                                                             "L-CHANNEL-SUM"}


def test_table_shapes_follow_the_formats():
    assert [r.printed for r in table3.rows("2019")][-4:] == [
        "5.要求行政机关确认或重新出具已获取信息", "（六）其他处理", "（七）总计", "四、结转下年度继续办理"]
    assert [r.printed for r in table3.rows("2021")][-5:-2] == [
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]
    assert len(table3.rows("2019")) == 23 and len(table3.rows("2021")) == 25
    assert [b.caption for b in table2.T2_2019.blocks] == [f"第二十条第（{n}）项" for n in "一五六八九"]
    assert [b.caption for b in table2.T2_2021.blocks] == [f"第二十条第（{n}）项" for n in "一五六八"]
    assert table2.keys() >= {"proactive.fees.prev_items", "proactive.fees.change", "proactive.rules.in_force"}
    assert "proactive.fees.decisions" not in table2.keys()
    assert [s.numeral for s in sections.SECTIONS] == list("一二三四五六")


def _labels() -> set[str]:
    out: set[str] = set()
    for t in F.TABLES.values():
        for r in t.rows:
            out |= {F.bare(x) for x in r.labels()}
        for c in t.columns:
            out |= {F.bare(x) for x in (c.label, *c.variants)}
        out |= {F.bare(g.label) for g in t.groups}
    for s in sections.SECTIONS:
        out |= {F.bare(x) for x in (s.heading, *s.variants)}
    return {x for x in out if len(x) >= 4 and "{" not in x}


def spelled_labels(path: Path, labels: set[str]) -> list[tuple[int, str]]:
    """String constants (not docstrings) of a module that are a label of the model, or an alternative of a
    regular expression that is one: vocabulary, not prose or messages that mention a label."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            parts = {F.bare(x) for x in re.split(r"[|()?^$\\\[\]*+]", node.value)} | {F.bare(node.value)}
            for found in sorted(parts & labels):
                hits.append((node.lineno, found))
    return hits


def test_no_module_outside_the_model_spells_a_label_of_the_national_formats():
    labels = _labels()
    assert {"本年新收政府信息公开申请数量", "行政规范性文件", "尚未审结", "上一年项目数量"} <= labels
    offenders = {}
    for path in sorted([*ROOT.glob("pipeline/**/*.py"), *ROOT.glob("scraper/**/*.py"), *ROOT.glob("archive/**/*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("pipeline/formats/") or rel in ALLOWED:
            continue
        hits = spelled_labels(path, labels)
        if hits:
            offenders[rel] = hits
    assert offenders == {}


def test_the_label_scan_finds_a_spelled_label(tmp_path):
    mod = tmp_path / "m.py"
    mod.write_text('"""Docstrings may name 尚未审结."""\nROWS = ("予以公开", r"^本年新收政府信息公开申请数量|x")\n'
                   'MSG = "a sentence that mentions 尚未审结 is fine"\n', encoding="utf-8")
    assert spelled_labels(mod, _labels()) == [(2, "予以公开"), (2, "本年新收政府信息公开申请数量")]
