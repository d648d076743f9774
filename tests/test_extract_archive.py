"""Extraction over the archive: errors are recorded per document and the rest goes on; reparse
re-extracts from the raw captures, keeps the old values and lists what changed."""

from __future__ import annotations

import hashlib
import json

import pytest

from archive.config import resolve_paths
from archive.extracting import extract_pending, reparse
from archive.store import Archive

REPORT = """<html><head><meta charset="utf-8"><title>青石县2021年政府信息公开工作年度报告</title>
<meta name="ArticleTitle" content="青石县2021年政府信息公开工作年度报告"><meta name="PubDate" content="2022-01-20 10:00">
</head><body><div class="TRS_Editor"><p>本报告统计期限自2021年1月1日起至2021年12月31日止。</p>
<p>一、总体情况</p><p>2021年，全县主动公开政府信息1234条。</p>
<p>六、其他需要报告的事项</p><p>2021年，无收取信息处理费情况。</p>
<p><a href="./W020220120.pdf">附件</a></p></div></body></html>""".encode()


def _put(arch, run, url, body, ctype, role):
    return arch.record_response(run_id=run, site_id="qingshi", role=role, url=url, method="GET",
                                fingerprint=hashlib.sha1(url.encode()).hexdigest(), status=200, reason="OK",
                                headers=[("Content-Type", ctype)], body=body, request_headers=[])


@pytest.fixture
def archive_with_pages(tmp_path):
    arch = Archive(resolve_paths(tmp_path / "g.db"))
    run, _ = arch.start_run("r.toml", ["qingshi"])
    base = "http://www.qingshi.gov.test/zwgk/zfxxgk/zfxxgknb/202201/"
    _put(arch, run, base + "t20220120_1.html", REPORT, "text/html; charset=utf-8", "report")
    _put(arch, run, base + "W020220120.pdf", b"%PDF-1.4\n1 0 obj <</Type /Catalog", "application/pdf", "attachment")
    _put(arch, run, base + "W020220121.docx", b"PK\x03\x04 not really a zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "attachment")
    _put(arch, run, base + "t20220122_2.html", REPORT[: len(REPORT) // 2], "text/html; charset=utf-8", "report")
    arch.record_attachment(report_url=base + "t20220120_1.html", url=base + "W020220120.pdf", name="附件", site_id="qingshi")
    arch.flush()
    yield arch
    arch.close()


def test_bad_documents_are_recorded_and_the_rest_goes_on(archive_with_pages):
    db = archive_with_pages.db
    stats = extract_pending(db, archive_with_pages.paths.warc_dir)
    assert stats.extracted == 4
    errors = {r["url"].rsplit("/", 1)[-1]: r["error"] for r in db.query("SELECT url, error FROM extraction_errors")}
    assert set(errors) == {"W020220120.pdf", "W020220121.docx"}
    assert "PDF" in errors["W020220120.pdf"] and "DOCX" in errors["W020220121.docx"]
    good = next(db.query("SELECT * FROM reports WHERE url LIKE '%t20220120_1.html'"))
    assert (good["title"], good["year"], good["published"]) == ("青石县2021年政府信息公开工作年度报告", 2021, "2022-01-20")
    metrics = {m["key"]: m["value"] for m in db.query("SELECT key, value FROM metrics WHERE report_id = ?", [good["id"]])}
    assert metrics["proactive.total"] == 1234 and metrics["fees.collected_yuan"] == 0
    # the truncated page still yields what it has: its title
    cut = next(db.query("SELECT title, year FROM reports WHERE url LIKE '%t20220122_2.html'"))
    assert cut["year"] == 2021
    # nothing left pending: a second pass extracts nothing again
    assert extract_pending(db, archive_with_pages.paths.warc_dir).extracted == 0


def test_reparse_lists_changed_values_and_keeps_the_old_ones(archive_with_pages):
    db = archive_with_pages.db
    warc = archive_with_pages.paths.warc_dir
    extract_pending(db, warc)
    rid = next(db.query("SELECT id FROM reports WHERE url LIKE '%t20220120_1.html'"))["id"]
    # an older parser had read another number, and missed the fee
    with db.conn:
        db.execute("UPDATE metrics SET value = 1000 WHERE report_id = ? AND key = 'proactive.total'", [rid])
        db.execute("DELETE FROM metrics WHERE report_id = ? AND key = 'fees.collected_yuan'", [rid])
    stats = reparse(db, warc)
    changed = {c["url"].rsplit("/", 1)[-1]: c["changes"] for c in stats.changed_values}
    assert changed == {"t20220120_1.html": {"fees.collected_yuan": (None, 0), "proactive.total": (1000, 1234)}}
    rows = list(db.query("SELECT id, is_current FROM reports WHERE url LIKE '%t20220120_1.html' ORDER BY id"))
    assert [r["is_current"] for r in rows] == [0, 1]
    old = {m["key"]: m["value"] for m in db.query("SELECT key, value FROM metrics WHERE report_id = ?", [rows[0]["id"]])}
    assert old["proactive.total"] == 1000  # the old result stays, marked not current
    assert reparse(db, warc).changed_values == []  # idempotent
    json.dumps(stats.changed_values)
