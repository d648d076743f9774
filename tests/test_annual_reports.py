"""One row per publisher and year: the `annual_reports` view, and every SQL example of the README and of
the demo's hints run against a crawled sample web, their numbers checked against the sample web's truth
(no publisher-year counted twice). Also the `rules` table and the wide export built on the view."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from sampleweb_helpers import gongkai

from archive.demo import TRY_NEXT_SQL

#: a query reading the reports table itself (where a page and its attachment both count)
DIRECT = re.compile(r"\b(?:FROM|JOIN)\s+reports\b", re.I)
README = Path(__file__).resolve().parents[1] / "README.md"


def readme_sql() -> list[str]:
    """The SQL of every `gongkai sql … "…"` example of the README."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    return [m for b in blocks for m in re.findall(r'gongkai sql --db \S+ (?:--csv |--json )?"(.*?)"', b, re.S)]


@pytest.fixture(scope="module")
def archive(sample_crawl):
    """The night-1 archive with its checks run (as `gongkai demo` leaves it), and the truth of that night."""
    truth = sample_crawl["truth1"]
    per_year: dict[tuple[str, int], dict] = {}
    for r in truth["reports"]:
        if r["repost_of"] is None:
            per_year[(r["fields"]["publisher"], r["year"])] = r
    return {"db": sample_crawl["tmp"] / "night1.db", "truth": truth, "per_year": per_year}


def _query(db: Path, sql: str) -> list[dict]:
    out = gongkai("sql", "--db", str(db), "--json", " ".join(sql.split()))
    assert out.returncode == 0, (sql, out.stderr)
    return json.loads(out.stdout)


def _check_numbers(rows: list[dict], per_year: dict) -> None:
    """No publisher-year twice; its applications equal the report's; per-year sums equal the truth's."""
    if rows and {"publisher", "year"} <= set(rows[0]):
        twice = [k for k, n in Counter((r["publisher"], r["year"]) for r in rows).items() if n > 1]
        assert twice == []
        assert all((r["publisher"], r["year"]) in per_year for r in rows)
        for r in rows:
            if "applications" in r:
                assert r["applications"] == per_year[(r["publisher"], r["year"])]["metrics"]["apps.new.total"], r
    elif rows and {"year", "applications"} <= set(rows[0]):
        want: Counter = Counter()
        reports: Counter = Counter()
        for (_, year), rep in per_year.items():
            if "apps.new.total" in rep["metrics"]:
                want[year] += rep["metrics"]["apps.new.total"]
                reports[year] += 1
        assert {r["year"]: r["applications"] for r in rows} == dict(want)
        assert {r["year"]: r["reports"] for r in rows} == dict(reports)


def test_the_view_has_one_row_per_publisher_year_of_the_truth(archive):
    rows = _query(archive["db"], "SELECT * FROM annual_reports")
    assert sorted((r["publisher"], r["year"]) for r in rows) == sorted(archive["per_year"])
    # the sample web publishes reports twice: attachments of their page, and a repost in a department's column
    linked = [r for r in rows if json.loads(r["other_report_ids"])]
    assert len(linked) >= 5 and all(r["n_reports"] == 1 + len(json.loads(r["other_report_ids"])) for r in rows)
    assert all(r["role"] == "page" for r in linked)  # ties (a complete attachment) go to the page
    repost = next(r for r in archive["truth"]["reports"] if r["repost_of"])
    row = next(r for r in rows if (r["publisher"], r["year"]) == (repost["fields"]["publisher"], repost["year"]))
    assert row["n_pages"] == 2 and row["url"] == repost["repost_of"]  # the original, published first


def test_a_planted_page_attachment_disagreement_is_flagged(archive):
    planted = [a for a in archive["truth"]["anomalies"] if a["rule"] == "ATTACHMENT-MISMATCH"]
    assert planted
    rows = _query(archive["db"], "SELECT * FROM annual_reports WHERE disagreement IS NOT NULL")
    assert len(rows) == len(planted)
    for a in planted:
        rep = next(r for r in archive["truth"]["reports"] if r["url"] == a["report_url"])
        row = next(r for r in rows if (r["publisher"], r["year"]) == (rep["fields"]["publisher"], rep["year"]))
        assert row["disagreement"] == "ATTACHMENT-MISMATCH" and row["url"] == a["report_url"]
        (other,) = json.loads(row["other_report_ids"])
        att = _query(archive["db"], f"SELECT url, parent_report_id FROM reports WHERE id = {int(other)}")[0]
        assert att == {"url": a["attachment_url"], "parent_report_id": row["report_id"]}
        flag = _query(archive["db"], "SELECT evidence FROM flags WHERE rule = 'ATTACHMENT-MISMATCH'")
        (key,) = a["cells"]
        ev = json.loads(flag[0]["evidence"])
        assert (ev["expected"], ev["found"]) == (a["values"][key], a["attachment_values"][key])


def test_every_readme_sql_example_counts_each_publisher_year_once(archive):
    examples = readme_sql()
    assert len(examples) >= 5
    for sql in examples:
        assert not DIRECT.search(sql), f"README example queries reports instead of annual_reports: {sql}"
        _check_numbers(_query(archive["db"], sql), archive["per_year"])
    # the examples return what they promise on the demo-like archive
    apps = _query(archive["db"], examples[1])
    assert len(apps) == sum("apps.new.total" in r["metrics"] for r in archive["per_year"].values())
    assert _query(archive["db"], examples[3])  # the planted disagreement


def test_the_demo_hints_count_each_publisher_year_once(archive):
    assert len(TRY_NEXT_SQL) >= 3
    for sql in TRY_NEXT_SQL:
        assert not DIRECT.search(sql), sql
        rows = _query(archive["db"], sql)
        assert rows, sql
        _check_numbers(rows, archive["per_year"])


def test_rules_table_says_what_each_rule_checks(archive):
    from pipeline.checks import RULES

    rows = _query(archive["db"], "SELECT * FROM rules ORDER BY rowid")
    assert [(r["id"], r["severity"], r["description"]) for r in rows] == [(r.id, r.severity, r.description)
                                                                          for r in RULES]
    assert json.loads(next(r for r in rows if r["id"] == "X-CARRY")["reads"]) == ["apps.carried_in.*",
                                                                               "apps.carried_out.*"]
    # every flag's rule is explained
    unexplained = _query(archive["db"], "SELECT DISTINCT rule FROM flags WHERE rule NOT IN (SELECT id FROM rules)")
    assert unexplained == []


def test_rules_table_is_refreshed_only_when_it_differs(tmp_path):
    from archive.reference import refresh_reference
    from archive.schema import connect, ensure_schema

    db = connect(tmp_path / "g.db")
    ensure_schema(db)
    assert refresh_reference(db) == []
    db.execute("UPDATE rules SET description = 'stale' WHERE id = 'MISSING'")
    db.conn.commit()
    assert refresh_reference(db) == ["rules"]
    assert db.execute("SELECT description FROM rules WHERE id = 'MISSING'").fetchone()[0] != "stale"


def test_datasette_describes_the_view_and_the_rules():
    from archive.reference import REFERENCES
    from archive.web.metadata import QUERIES, build_metadata

    tables = build_metadata("gk")["databases"]["gk"]["tables"]
    assert tables["rules"]["description"] == REFERENCES["rules"].description
    assert set(tables["rules"]["columns"]) == {"id", "severity", "scope", "description", "reads"}
    assert "other_report_ids" in tables["annual_reports"]["columns"]
    # the publisher's outcomes and the search read the view's choice as kept on write (archive/summary.py), equal to the view (test_summary)
    for name in ("publisher_outcomes", "search_reports"):
        assert "annual_choice" in QUERIES[name]["sql"]


# ----------------------------------------------------------------------------- the wide export


def test_export_csv_one_row_per_publisher_year_one_column_per_metric(archive):
    out = gongkai("export", "--db", str(archive["db"]), "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == len(archive["per_year"])
    assert len({(r["publisher"], r["year"]) for r in rows}) == len(rows)
    for r in rows:
        rep = archive["per_year"][(r["publisher"], int(r["year"]))]
        want = rep["metrics"].get("apps.new.total")
        assert r["apps.new.total"] == ("" if want is None else str(want))


def test_export_xlsx_with_chinese_headers(archive, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    out = gongkai("export", "--db", str(archive["db"]), "--format", "xlsx", "--out", str(path), "--chinese-headers")
    assert out.returncode == 0, out.stderr
    assert f"{len(archive['per_year'])} publisher-years written to {path}" in out.stderr
    ws = load_workbook(path, read_only=True)["annual_reports"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[:2] == ("发布机构", "年度") and len(rows) == len(archive["per_year"]) + 1
    # the label the report prints for apps.new.total (表三, row 一, column 总计), from the provenance
    col = next(i for i, h in enumerate(header) if h and "表三" in h and "本年新收" in h and h.endswith("总计"))
    assert not any(h and h.startswith("apps.new.") for h in header)
    for r in rows[1:]:
        r = r + (None,) * (len(header) - len(r))  # read-only openpyxl drops trailing empty cells
        want = archive["per_year"][(r[0], r[1])]["metrics"].get("apps.new.total")
        if archive["per_year"][(r[0], r[1])]["format"] != "legacy":
            assert r[col] == want


def test_export_parquet(archive, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="parquet export needs the [parquet] extra (pyarrow)")
    path = tmp_path / "out.parquet"
    out = gongkai("export", "--db", str(archive["db"]), "--format", "parquet", "--out", str(path))
    assert out.returncode == 0, out.stderr
    table = pq.read_table(path).to_pylist()
    assert len(table) == len(archive["per_year"])
    r = next(x for x in table if x["apps.new.total"] is not None)
    assert r["apps.new.total"] == archive["per_year"][(r["publisher"], r["year"])]["metrics"]["apps.new.total"]


def test_export_of_a_missing_archive_is_one_line(tmp_path):
    out = gongkai("export", "--db", str(tmp_path / "none.db"))
    assert out.returncode == 2 and out.stderr.strip().count("\n") == 0 and "no archive" in out.stderr
    assert not (tmp_path / "none.db").exists()


def test_export_of_an_archive_without_the_view_says_what_to_do(tmp_path):
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    out = gongkai("export", "--db", str(db))
    assert out.returncode == 2 and "gongkai check" in out.stderr and "Traceback" not in out.stderr


def test_export_of_a_file_that_is_no_archive_is_one_line_and_leaves_it_alone(tmp_path):
    bad = tmp_path / "binary.db"
    bad.write_bytes(bytes(range(256)) * 20)
    before = sorted(p.name for p in tmp_path.iterdir())
    out = gongkai("export", "--db", str(bad), "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "not a readable gongkai archive" in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before and bad.read_bytes() == bytes(range(256)) * 20
