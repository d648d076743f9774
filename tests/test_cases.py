"""Every case folder of tests/cases, and the real pages of ../shared (and their printed PDFs) by one runner.

A new real-world variant is a new folder under tests/cases (see tests/casebook.py for the format), not a new
guard plus a one-off test.
"""

from __future__ import annotations

import pytest
from casebook import CASES, case_diffs, case_names, run_case, score

from conftest import REAL, SHARED
from pipeline.extract import extract


@pytest.mark.parametrize("name", case_names())
def test_case(name):
    ex, flags, expected = run_case(CASES / name)
    assert expected.get("about"), f"case {name}: say in expected.json what it shows"
    diffs = case_diffs(ex, flags, expected)
    assert not diffs, "\n".join(diffs)


def test_there_are_cases():
    assert len(case_names()) >= 8


def _keyed() -> list[str]:
    return sorted(p.name.removesuffix(".key.json") for p in REAL.glob("*.key.json")) if REAL.exists() else []


def _real_input(name: str):
    for ext in (".html", ".txt"):
        if (REAL / (name + ext)).exists():
            return REAL / (name + ext)
    return None


_NO_SHARED = pytest.mark.skipif(not REAL.exists(), reason="../shared/fixtures/real not present beside the project")


@_NO_SHARED
@pytest.mark.parametrize("name", _keyed() or ["(none)"])
def test_real_page_extracts_to_its_key(name):
    """The keyed real pages (HTML, text): every field and table cell of the key, nothing wrong or spurious.
    Prose values are scored (formats-prose owns them this round) but must never be wrong."""
    import json

    path = _real_input(name)
    if path is None:
        pytest.skip(f"no page for {name}.key.json")
    key = json.loads((REAL / f"{name}.key.json").read_text(encoding="utf-8"))
    ex = extract(path.read_bytes())
    s = score(ex, key, path.name)
    print(s.line())
    table_missing = [k for k in s.missing if not k.startswith(("proactive.total", "fees.", "legacy.", "staff.",
                                                               "budget.", "training.", "complaints."))]
    assert s.fields_wrong == []
    assert s.wrong == [] and s.spurious == []
    assert s.cells_right == s.cells_total, table_missing


_RENDERED = sorted(p.name for p in (REAL / "rendered").glob("*.pdf") if ".scan." not in p.name) \
    if (REAL / "rendered").exists() else []


@pytest.mark.skipif(not _RENDERED, reason="../shared/fixtures/real/rendered not present beside the project")
@pytest.mark.parametrize("pdf", _RENDERED or ["(none)"])
def test_printed_pdf_is_scored_against_its_key(pdf, capsys):
    """The keyed pages printed to PDF: the score is reported per file (the PDF front end is being rebuilt this
    round); what must already hold is that nothing is wrong or invented."""
    import json

    key = json.loads((REAL / (pdf.removesuffix(".pdf") + ".key.json")).read_text(encoding="utf-8"))
    ex = extract((REAL / "rendered" / pdf).read_bytes(), f"http://rendered.test/{pdf}", "application/pdf")
    s = score(ex, key, pdf)
    with capsys.disabled():
        print("\n  " + s.line())
    assert s.wrong == [], s.wrong
    assert [x for x in s.spurious if x.split("=")[0].startswith(("apps.", "review.", "suit."))] == []


def test_shared_is_where_the_runner_looks():
    assert REAL == SHARED / "fixtures" / "real"
