"""A small archive for the serve tests: two publishers, three reports, a WARC capture, open flags.

Built through the real code paths (schema, WarcStore, flags.sync_findings) so the pages are tested
against the archive the crawl and the checks actually write.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from archive import summary
from archive.config import Paths, resolve_paths
from archive.flags import sync_findings
from archive.schema import connect, ensure_schema
from archive.warc import WarcStore
from pipeline.checks import Finding

PUBLISHER = "平潭综合实验区"
OTHER = "福清市人民政府"
REPORT_URL = "http://www.pingtan.gov.cn/zfxxgk/ndbg/202202/t20220208_1.htm"
PAGE_HTML = ("<!doctype html><html><head><meta charset='utf-8'><title>平潭综合实验区2021年度政府信息公开工作年度报告</title>"
             "<script>document.title='SCRIPT RAN'</script></head><body><h1 id='t'>平潭综合实验区2021年度政府信息公开工作年度报告</h1>"
             "<p>本年新收政府信息公开申请70件，办结66件。</p></body></html>").encode()

METRICS_2021 = {
    "apps.new.total": 70, "apps.carried_in.total": 1, "apps.result.disclosed.total": 40,
    "apps.result.partial.total": 10, "apps.result.withheld.state_secret.total": 2,
    "apps.result.withheld.third_party.total": 1, "apps.result.unable.not_held.total": 8,
    "apps.result.ignored.repeat.total": 3, "apps.result.other.misc.total": 2,
    "apps.result.total.total": 67, "apps.carried_out.total": 4, "review.total": 2,
}
METRICS_2020 = {"apps.new.total": 50, "apps.result.disclosed.total": 30, "apps.result.partial.total": 12,
                "apps.result.total.total": 42, "apps.carried_out.total": 2}


def _where(key: str) -> str:
    return f"表三 {key.split('.')[1]} / 总计"


def build_archive(root: Path) -> Paths:
    """Write the archive under `root`; returns its paths (db + archive dir)."""
    paths = resolve_paths(root / "gk.db", root / "archive")
    store = WarcStore(paths.warc_dir)
    ref = store.write_capture(url=REPORT_URL, method="GET", status=200, reason="OK",
                              headers=[("Content-Type", "text/html; charset=utf-8")], body=PAGE_HTML,
                              request_headers=[("User-Agent", "test")])
    store.close()
    db = connect(paths.db)
    ensure_schema(db)
    db["sites"].insert({"id": "pingtan", "name": "平潭综合实验区政府", "enabled": 1})
    db["pages"].insert({"id": 1, "url": REPORT_URL, "version": 1, "site_id": "pingtan", "role": "report",
                        "status": 200, "content_type": "text/html; charset=utf-8",
                        "sha256": hashlib.sha256(PAGE_HTML).hexdigest(), "size": len(PAGE_HTML),
                        "fetched_at": "2022-02-09T01:00:00+00:00", "warc_file": ref.file, "warc_offset": ref.offset,
                        "warc_length": ref.length})
    reports = [
        {"id": 1, "page_id": 1, "url": REPORT_URL, "site_id": "pingtan", "role": "page", "year": 2021,
         "format": "2021", "publisher": PUBLISHER, "title": "平潭综合实验区2021年度政府信息公开工作年度报告",
         "published": "2022-02-08", "kind": "report", "version": 1, "is_current": 1,
         "text": "本年新收政府信息公开申请70件，办结66件，依申请公开工作平稳。"},
        {"id": 2, "page_id": None, "url": REPORT_URL.replace("2022", "2021"), "site_id": "pingtan", "role": "page",
         "year": 2020, "format": "2019", "publisher": PUBLISHER, "title": "平潭综合实验区2020年度政府信息公开工作年度报告",
         "published": "2021-01-30", "kind": "report", "version": 1, "is_current": 1,
         "text": "本年新收申请50件。"},
        {"id": 3, "page_id": None, "url": "http://www.fuqing.gov.cn/ndbg/2021.htm", "site_id": "fuqing", "role": "page",
         "year": 2021, "format": "2021", "publisher": OTHER, "title": "福清市2021年度政府信息公开工作年度报告",
         "published": "2022-03-01", "kind": "report", "version": 1, "is_current": 1,
         "text": "福清市人民政府办公室认真贯彻落实《中华人民共和国政府信息公开条例》。"},
    ]
    db["reports"].insert_all(reports)
    db.execute("INSERT INTO reports_fts(rowid, title, publisher, text) SELECT id, title, publisher, text FROM reports")
    rows = [{"report_id": 1, "key": k, "value": v, "source": "table", "where_": _where(k), "raw": str(v)}
            for k, v in METRICS_2021.items()]
    rows += [{"report_id": 2, "key": k, "value": v, "source": "table", "where_": _where(k), "raw": str(v)}
             for k, v in METRICS_2020.items()]
    db["metrics"].insert_all(rows)
    db.conn.commit()
    summary.rebuild(db)  # rows written around the archive writer: its per-key totals from scratch
    findings = [
        Finding(rule="T3-RESULT-SUM", severity="error", subject=REPORT_URL, cells=("apps.result.total.total",),
                message="表三 总计列：办理结果总计 67 ≠ 各项之和 66", report_id="1", publisher=PUBLISHER, year=2021,
                site="pingtan",
                evidence={"formula": "result.total = Σ result.* rows", "expected": 66, "found": 67,
                          "total": {"key": "apps.result.total.total", "value": 67, "source": "table",
                                    "where": "表三 （七）总计 / 总计", "raw": "67"}}),
        Finding(rule="X-CARRY", severity="error", subject=REPORT_URL, cells=("apps.carried_in.total",),
                message="2021 上年结转 1 ≠ 2020 结转下年度 2", report_id="1", publisher=PUBLISHER, year=2021,
                site="pingtan",
                evidence={"expected": 2, "found": 1, "values": [
                    {"report": REPORT_URL, "year": 2021, "key": "apps.carried_in.total", "value": 1,
                     "source": "table", "where": "表三 二、上年结转 / 总计", "raw": "1"},
                    {"report": reports[1]["url"], "year": 2020, "key": "apps.carried_out.total", "value": 2,
                     "source": "table", "where": "表三 四、结转下年度继续办理 / 总计", "raw": "2"}]}),
        Finding(rule="MISSING", severity="error", subject=f"{OTHER}|2022", cells=(),
                message=f"{OTHER} 2022 年度报告缺失（期限 2023-03-31）", publisher=OTHER, year=2022, site="fuqing",
                evidence={"expected": "a report by 2023-03-31", "found": "none archived"}),
    ]
    sync_findings(db, findings, now="2023-04-01T00:00:00+00:00")
    db.conn.close()
    return paths
