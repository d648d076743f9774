"""A second `gongkai demo` keeps the review decisions of the first: the old demo folder is moved aside (and
the output says where), and each decision is re-applied to the new archive's flag of the same identity when
its evidence is unchanged."""

from __future__ import annotations

import shutil
import sqlite3

from sampleweb_helpers import gongkai

from archive import flags
from archive.schema import connect


def _flag(db, rule: str) -> dict:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return dict(con.execute("SELECT * FROM flags WHERE rule = ? AND status = 'open' ORDER BY id LIMIT 1",
                                [rule]).fetchone())
    finally:
        con.close()


def test_a_second_demo_keeps_the_decisions_of_the_first(sample_crawl, tmp_path):
    old = tmp_path / "demo"
    old.mkdir()
    # a demo archive of the same sample web, where a reviewer has decided two flags
    shutil.copy(sample_crawl["tmp"] / "night1.db", old / "gongkai.db")
    db = connect(old / "gongkai.db")
    t3, missing = _flag(old / "gongkai.db", "T3-BALANCE"), _flag(old / "gongkai.db", "MISSING")
    flags.dismiss(db, t3["id"], note="表中含撤回申请，不是错误", who="李审阅")
    flags.confirm(db, missing["id"], note="网站上确实没有", who="李审阅")
    db.conn.close()

    out = gongkai("demo", "--dir", "demo", cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    asides = [p for p in tmp_path.iterdir() if p.name.startswith("demo.")]
    assert len(asides) == 1
    # the old archive is kept whole, and the output says where
    assert str(asides[0]) in out.stdout
    con = sqlite3.connect(asides[0] / "gongkai.db")
    assert con.execute("SELECT status, note FROM flags WHERE id = ?", [t3["id"]]).fetchone() == (
        "dismissed", "表中含撤回申请，不是错误")
    con.close()
    # both decisions live on in the new archive (MISSING's evidence names the day it was checked, which is
    # not a change of evidence)
    assert "kept 2 of 2 review decision(s)" in out.stdout
    con = sqlite3.connect(tmp_path / "demo" / "gongkai.db")
    try:
        row = con.execute("SELECT status, note, decided_by FROM flags WHERE identity = ?", [t3["identity"]]).fetchone()
        assert row == ("dismissed", "表中含撤回申请，不是错误", "李审阅")
        assert con.execute("SELECT status, note FROM flags WHERE identity = ?", [missing["identity"]]).fetchone() == (
            "confirmed", "网站上确实没有")
    finally:
        con.close()


def test_a_demo_folder_without_decisions_is_simply_replaced(tmp_path):
    from archive.demo import set_aside

    d = tmp_path / "demo"
    d.mkdir()
    (d / "gongkai.db").write_bytes(b"")
    assert set_aside(d) == (None, [])
    assert not d.exists() and list(tmp_path.iterdir()) == []
