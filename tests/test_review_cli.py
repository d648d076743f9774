"""`gongkai check / flags / flag show|confirm|dismiss / status` on a small temp archive."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from archive.cli import _register, cli
from tests.test_flags import make_archive


@pytest.fixture
def dbfile(tmp_path):
    path = tmp_path / "g.db"
    d = make_archive(str(path))
    d["crawl_runs"].insert({"id": 1, "started_at": "2024-06-01T01:00", "finished_at": "2024-06-01T01:05",
                            "status": "done", "registry": None}, pk="id")
    d["sites"].insert({"id": "ceshi", "last_crawled": "2024-06-01T01:05"}, pk="id")
    d.close()
    return str(path)


def gk(*args, env=None):
    _register()
    return CliRunner().invoke(cli, list(args), env={"USER": "tester", **(env or {})}, catch_exceptions=False)


def checked(dbfile):
    out = gk("check", "--db", dbfile, "--as-of", "2024-06-01", "--json")
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def flags_json(dbfile, *args):
    out = gk("flags", "--db", dbfile, "--json", *args)
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_check_summary_and_rerun(dbfile):
    s = checked(dbfile)
    assert s["by_rule"] == {"CHANGED": 1, "LATE": 1, "T4-SUM": 1, "X-CARRY": 1} and s["opened"] == 4
    s2 = checked(dbfile)
    assert s2["opened"] == 0 and s2["unchanged"] == 4
    out = gk("check", "--db", dbfile, "--as-of", "2024-06-01")
    assert out.exit_code == 0 and "open flags by rule" in out.output and "T4-SUM" in out.output


def test_check_fail_on(dbfile):
    assert gk("check", "--db", dbfile, "--as-of", "2024-06-01", "--fail-on", "error").exit_code == 1
    assert gk("check", "--db", dbfile, "--as-of", "2024-06-01", "--fail-on", "warning").exit_code == 1
    for f in flags_json(dbfile):
        if f["severity"] == "error":
            assert gk("flag", "dismiss", str(f["id"]), "--db", dbfile, "--note", "known").exit_code == 0
    assert gk("check", "--db", dbfile, "--as-of", "2024-06-01", "--fail-on", "error").exit_code == 0
    assert gk("check", "--db", dbfile, "--as-of", "2024-06-01", "--fail-on", "warning").exit_code == 1


def test_flags_filters_json_csv(dbfile):
    checked(dbfile)
    all_open = flags_json(dbfile)
    assert sorted(f["rule"] for f in all_open) == ["CHANGED", "LATE", "T4-SUM", "X-CARRY"]
    t4 = flags_json(dbfile, "--rule", "T4-SUM")
    assert len(t4) == 1 and t4[0]["evidence"]["expected"] == 2 and t4[0]["evidence"]["found"] == 3
    assert t4[0]["cells"] == ["review.total"] and t4[0]["subject"] == "http://t/2023.htm"
    assert [f["rule"] for f in flags_json(dbfile, "--year", "2022")] == []
    assert sorted(f["rule"] for f in flags_json(dbfile, "--site", "ceshi", "--year", "2023")) == [
        "CHANGED", "LATE", "T4-SUM", "X-CARRY"]
    assert flags_json(dbfile, "--site", "nosuch") == []
    assert flags_json(dbfile, "--status", "dismissed") == []
    out = gk("flags", "--db", dbfile, "--csv", "--rule", "X-CARRY")
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert len(rows) == 1 and rows[0]["rule"] == "X-CARRY" and rows[0]["severity"] == "error"
    assert json.loads(rows[0]["evidence"])["expected"] == 1
    table = gk("flags", "--db", dbfile)
    assert table.exit_code == 0 and "X-CARRY" in table.output and "测试县" in table.output


def test_flag_show_confirm_dismiss(dbfile):
    checked(dbfile)
    fid = flags_json(dbfile, "--rule", "T4-SUM")[0]["id"]
    out = gk("flag", "show", str(fid), "--db", dbfile, "--json")
    shown = json.loads(out.output)
    assert shown["rule"] == "T4-SUM" and shown["status"] == "open"
    assert {v["key"]: (v["value"], v["archive_now"]) for v in shown["values"]}["review.total"] == (3, 3)
    assert [h["event"] for h in shown["history"]] == ["opened"]
    text = gk("flag", "show", str(fid), "--db", dbfile)
    assert text.exit_code == 0 and "review.total" in text.output and "where review.total" in text.output

    out = gk("flag", "confirm", str(fid), "--db", dbfile, "--note", "表四 really wrong")
    assert out.exit_code == 0 and "confirmed by tester" in out.output
    xid = flags_json(dbfile, "--rule", "X-CARRY")[0]["id"]
    out = gk("flag", "dismiss", str(xid), "--db", dbfile, "--note", "publisher corrected it", "--by", "li")
    assert out.exit_code == 0 and "dismissed by li" in out.output
    assert gk("flag", "dismiss", str(xid), "--db", dbfile).exit_code == 2  # --note is required
    checked(dbfile)  # decisions survive a re-run
    assert [(f["id"], f["decided_by"]) for f in flags_json(dbfile, "--status", "confirmed")] == [(fid, "tester")]
    assert [(f["id"], f["note"]) for f in flags_json(dbfile, "--status", "dismissed")] == [
        (xid, "publisher corrected it")]
    shown = json.loads(gk("flag", "show", str(xid), "--db", dbfile, "--json").output)
    assert [(h["event"], h["who"]) for h in shown["history"]] == [("opened", None), ("dismissed", "li")]
    pair = {(v["year"], v["key"]): v["archive_now"] for v in shown["values"]}
    assert pair == {(2023, "apps.carried_in.total"): 0, (2022, "apps.carried_out.total"): 1}


def test_status(dbfile):
    checked(dbfile)
    out = gk("status", "--db", dbfile, "--json")
    s = json.loads(out.output)
    assert [r["id"] for r in s["runs"]] == [1]
    assert s["open_by_rule"] == {"CHANGED": 1, "LATE": 1, "T4-SUM": 1, "X-CARRY": 1}
    assert s["open_by_site"] == {"ceshi": 4}
    assert s["sites"] == [{"site": "ceshi", "last_crawled": "2024-06-01T01:05", "reports": 2, "latest_year": 2023,
                           "open_flags": 4, "health": "not crawled", "problem": None}]
    text = gk("status", "--db", dbfile)
    assert text.exit_code == 0 and "open flags by site" in text.output and "ceshi" in text.output


@pytest.mark.parametrize("args", [["check"], ["flags"], ["flag", "show", "1"], ["status"],
                                  ["flag", "confirm", "1", "--note", "x"]])
def test_missing_db_is_one_clear_line(tmp_path, args, capsys):
    from archive.cli import main

    with pytest.raises(SystemExit) as exc:
        main([*args, "--db", str(tmp_path / "nope.db")])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no archive at" in err[0]
    assert not (tmp_path / "nope.db").exists()


def test_unknown_flag_and_bad_date(dbfile, capsys):
    from archive.cli import main

    for args, needle in ((["flag", "show", "999"], "no flag with id 999"),
                         (["check", "--as-of", "yesterday"], "--as-of must be a date")):
        with pytest.raises(SystemExit) as exc:
            main([*args, "--db", dbfile])
        assert exc.value.code == 2
        assert needle in capsys.readouterr().err
