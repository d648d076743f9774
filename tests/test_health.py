"""Site health (SITE-BROKEN), the run report and the exit-code policy, on small archives written
row by row the way the crawler and the extractor write them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from archive import health
from archive.flags import sync_findings
from archive.schema import connect, ensure_schema

START = "http://www.a.gov.test/xxgk/nb/index.html"
T0 = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


class Archive:
    """Writes one site's nights into a fresh archive."""

    def __init__(self, path, sites=("a", "b")) -> None:
        self.db = connect(path)
        ensure_schema(self.db)
        for s in sites:
            self.db["sites"].insert({"id": s, "name": f"{s}县人民政府", "style": "trs", "enabled": 1,
                                     "start_urls": json.dumps([START.replace("//www.a.", f"//www.{s}.")])})
        self.version: dict[str, int] = {}
        self.page_of: dict[str, int] = {}
        self.nights = 0

    def _page(self, run_id, site, url, role, status=200) -> int:
        v = self.version.get(url, 0) + 1
        self.version[url] = v
        pid = self.db["pages"].insert({"url": url, "version": v, "site_id": site, "role": role, "status": status,
                                       "sha256": f"{url}#{v}", "run_id": run_id,
                                       "fetched_at": self.at}).last_pk
        self.page_of[url] = pid
        return pid

    def _capture(self, run_id, site, url, outcome, status=200, page_id=None, kind=None) -> None:
        self.db["captures"].insert({"run_id": run_id, "url": url, "site_id": site, "status": status, "outcome": outcome,
                                    "page_id": page_id, "fetched_at": self.at, "error_kind": kind,
                                    "error": f"HTTP {status} for {url}" if kind else None})

    def night(self, reports: dict[str, tuple] | None = None, listing: int = 200, site: str = "a",
              status: str = "finished", crawled: tuple[str, ...] | None = None,
              year: int = 2024) -> int:
        """One run: the site's start listing answers `listing`; `reports` maps a report URL to
        (outcome 'new' / 'changed' / 'unchanged', extraction found statistics[, page role, default report])."""
        self.nights += 1
        start = T0 + timedelta(days=self.nights)
        self.at = iso(start)
        run_id = self.db["crawl_runs"].insert({"started_at": iso(start), "status": status,
                                               "finished_at": iso(start + timedelta(minutes=5)) if status == "finished" else None,
                                               "sites": json.dumps(list(crawled or (site,))),
                                               "summary": json.dumps({"crawl_seconds": 240.5, "extract_seconds": 30.0})}).last_pk
        url = START.replace("//www.a.", f"//www.{site}.")
        if listing < 400:
            self._capture(run_id, site, url, "new", 200, self._page(run_id, site, url, "listing"))
        else:
            self._capture(run_id, site, url, "new", listing, self._page(run_id, site, url, "listing", listing))
            self._capture(run_id, site, url, "error", listing, kind=f"http_{listing}")
        for rurl, (outcome, stats, *role) in (reports or {}).items():
            if outcome == "unchanged":
                self._capture(run_id, site, rurl, "unchanged", 200, self.page_of[rurl])
                continue
            pid = self._page(run_id, site, rurl, role[0] if role else "report")
            self._capture(run_id, site, rurl, outcome, 200, pid)
            rid = self.db["reports"].insert({"page_id": pid, "url": rurl, "site_id": site, "role": "page",
                                             "kind": "report" if stats else "not_report", "publisher": f"{site}县",
                                             "year": year, "version": self.version[rurl], "is_current": 1}).last_pk
            if stats:
                self.db["metrics"].insert_all([{"report_id": rid, "key": "apps.new.total", "value": 7},
                                               {"report_id": rid, "key": "proactive.rules.issued", "value": 2}])
            else:
                self.db["metrics"].insert({"report_id": rid, "key": "staff.total", "value": 3})
        self.db.conn.commit()
        return run_id


def reps(n: int, outcome: str = "new", stats: bool = True, site: str = "a") -> dict[str, tuple[str, bool]]:
    return {f"http://www.{site}.gov.test/xxgk/nb/{i}.html": (outcome, stats) for i in range(n)}


@pytest.fixture
def arch(tmp_path):
    return Archive(tmp_path / "g.db")


def health_of(db, site="a", run_id=None) -> dict:
    return next(h for h in health.site_health(db, run_id) if h["site"] == site)


def test_healthy_nights(arch):
    arch.night(reps(3))
    arch.night(reps(3, "unchanged"))
    h = health_of(arch.db)
    assert (h["status"], h["problem"], h["last_run"], h["report_captures"], h["last_good_run"]) == ("ok", None, 2, 3, 2)
    assert health_of(arch.db, "b")["status"] == "not crawled"
    assert health.archive_findings(arch.db) == []


def test_listing_404_then_back(arch):
    arch.night(reps(3))
    bad1 = arch.night(listing=404)
    h = health_of(arch.db)
    assert (h["status"], h["problem"], h["first_bad_run"], h["last_good_run"]) == ("broken", health.LISTING, bad1, 1)
    ev = h["evidence"]
    assert ev["problem"] == health.LISTING
    assert ev["first_bad"]["failed"] == [{"url": START, "status": 404, "error": "http_404",
                                          "fetched_at": arch.at}]
    assert ev["last_good"]["run"] == 1 and ev["last_good"]["report_captures"] == 3
    assert ev["last_good"]["capture"]["url"] == START and ev["last_good"]["capture"]["status"] == 200
    [f] = health.archive_findings(arch.db)
    assert (f.rule, f.severity, f.subject, f.site) == ("SITE-BROKEN", "error", "site:a", "a")
    assert "start listing cannot be fetched" in f.message and "http_404" in f.message
    assert "last good run 1" in f.message
    assert health.sync_site_health(arch.db)["opened"] == 1
    # still broken the next night: same first bad run, same evidence, the flag is left alone
    arch.night(listing=404)
    h = health_of(arch.db)
    assert (h["first_bad_run"], h["last_run"]) == (bad1, 3)
    assert health.sync_site_health(arch.db) == {"opened": 0, "reopened": 0, "evidence_changed": 0,
                                                "resolved": 0, "unchanged": 1}
    # the site comes back: the flag is resolved, not deleted
    arch.night(reps(3, "unchanged"))
    assert health_of(arch.db)["status"] == "ok"
    assert health.sync_site_health(arch.db)["resolved"] == 1
    assert [r["status"] for r in arch.db.query("SELECT status FROM flags WHERE rule = 'SITE-BROKEN'")] == ["resolved"]


def test_no_report_links(arch):
    arch.night(reps(4))
    bad = arch.night({})  # the listing answers, but lists nothing we recognise as a report
    h = health_of(arch.db)
    assert (h["status"], h["problem"], h["first_bad_run"]) == ("broken", health.LINKS, bad)
    assert h["evidence"]["first_bad"]["report_captures"] == 0
    assert h["evidence"]["first_bad"]["before"] == 4


def test_site_that_never_listed_reports_is_not_broken(arch):
    arch.night({})
    arch.night({})
    assert health_of(arch.db)["status"] == "ok"


def test_template_change_loses_statistics(arch):
    arch.night(reps(3))
    bad = arch.night(reps(3, "changed", stats=False))
    h = health_of(arch.db)
    assert (h["status"], h["problem"], h["first_bad_run"]) == ("broken", health.STATS, bad)
    assert h["evidence"]["first_bad"]["lost"] == 3
    assert h["evidence"]["first_bad"]["example"]["version"] == 2
    [f] = health.archive_findings(arch.db)
    assert "no longer yield statistics" in f.message


def test_new_reports_without_statistics_after_good_ones(arch):
    arch.night(reps(2))
    new = {f"http://www.a.gov.test/xxgk/nb/new{i}.html": ("new", False) for i in range(2)}
    arch.night({**reps(2, "unchanged"), **new})
    assert health_of(arch.db)["problem"] == health.STATS


def test_one_report_without_statistics_is_not_a_broken_site(arch):
    arch.night(reps(2))
    arch.night({**reps(1, "unchanged"), "http://www.a.gov.test/xxgk/nb/img.html": ("new", False),
                "http://www.a.gov.test/xxgk/nb/ok.html": ("new", True)})
    assert health_of(arch.db)["status"] == "ok"


def test_column_items_that_are_not_reports_do_not_break_a_site(arch):
    arch.night(reps(2))
    news = {f"http://www.a.gov.test/xxgk/nb/news{i}.html": ("new", False, "item") for i in range(3)}
    arch.night({**reps(2, "unchanged"), **news})
    h = health_of(arch.db)
    assert (h["status"], h["report_captures"]) == ("ok", 2)


def test_column_items_found_to_be_reports_count_and_can_lose_statistics(arch):
    odd = {f"http://www.a.gov.test/xxgk/nb/odd{i}.html": ("new", True, "item") for i in range(2)}
    arch.night(odd)
    assert health_of(arch.db)["report_captures"] == 2
    arch.night({u: ("changed", False, "item") for u in odd})
    h = health_of(arch.db)
    assert (h["problem"], h["evidence"]["first_bad"]["lost"]) == (health.STATS, 2)


def test_first_run_without_statistics_is_not_broken(arch):
    arch.night(reps(3, stats=False))
    assert health_of(arch.db)["status"] == "ok"


def test_interrupted_run_is_ignored_unless_it_is_the_run_being_closed(arch):
    arch.night(reps(3))
    running = arch.night(listing=404, status="running")
    assert health_of(arch.db)["status"] == "ok"
    assert health_of(arch.db, run_id=running)["status"] == "broken"


def test_runs_that_did_not_crawl_the_site_do_not_count(arch):
    arch.night(reps(3))
    arch.night(reps(2, site="b"), site="b", crawled=("b",))  # gongkai crawl --only b
    h = health_of(arch.db)
    assert (h["status"], h["last_run"]) == ("ok", 1)
    assert health_of(arch.db, "b")["last_run"] == 2


def test_site_broken_does_not_touch_other_rules_flags(arch):
    from pipeline.checks.model import Finding

    sync_findings(arch.db, [Finding("T3-BALANCE", "error", "http://x/1.html", ("total",), "m", {"v": 1})])
    arch.night(reps(1))
    arch.night(listing=404)
    health.sync_site_health(arch.db)
    arch.night(reps(1, "unchanged"))
    health.sync_site_health(arch.db)
    rows = {r["rule"]: r["status"] for r in arch.db.query("SELECT rule, status FROM flags")}
    assert rows == {"T3-BALANCE": "open", "SITE-BROKEN": "resolved"}


def test_run_report_and_exit_code(arch):
    r1 = arch.night(reps(2), year=2024)
    rep = health.run_report(arch.db, r1)
    assert [(r["publisher"], r["year"], r["url"]) for r in rep["new_reports"]] == [
        ("a县", 2024, "http://www.a.gov.test/xxgk/nb/0.html"), ("a县", 2024, "http://www.a.gov.test/xxgk/nb/1.html")]
    assert rep["changed_reports"] == []
    assert rep["durations"] == {"total_seconds": 300.0, "crawl_seconds": 240.5, "extract_seconds": 30.0}
    assert rep["pages"] == {"new": 3, "changed": 0, "unchanged": 0, "failed": 0}
    assert rep["new_flags"]["by_rule"] == {} and rep["sites_broken"] == [] and rep["sites_failing"] == []
    assert health.exit_code(rep) == 0

    r2 = arch.night({"http://www.a.gov.test/xxgk/nb/0.html": ("changed", True),
                     "http://www.a.gov.test/xxgk/nb/1.html": ("unchanged", True)})
    from pipeline.checks.model import Finding

    during = arch.at  # a flag opened by run 2's checks
    sync_findings(arch.db, [Finding("LATE", "warning", "s1", (), "late", {})], run_id=r2, now=during)
    rep = health.run_report(arch.db, r2)
    assert [r["url"] for r in rep["changed_reports"]] == ["http://www.a.gov.test/xxgk/nb/0.html"]
    assert rep["new_reports"] == []
    assert rep["new_flags"]["by_rule"] == {"LATE": 1}
    assert (rep["new_flags"]["errors"], rep["new_flags"]["warnings"]) == (0, 1)
    assert health.exit_code(rep) == 0  # a new warning waits for the review queue

    sync_findings(arch.db, [Finding("T3-BALANCE", "error", "s2", (), "bad", {})], run_id=r2, now=during)
    rep = health.run_report(arch.db, r2)
    assert rep["new_flags"]["by_rule"] == {"LATE": 1, "T3-BALANCE": 1}
    assert rep["new_flags"]["errors"] == 1
    assert [i["rule"] for i in rep["new_flags"]["items"]] == ["T3-BALANCE"]
    assert health.exit_code(rep) == 1
    # flags of run 2 are not new in run 1
    assert health.run_report(arch.db, r1)["new_flags"]["by_rule"] == {}


def test_run_report_broken_and_failing_sites(arch):
    arch.night(reps(2))
    r2 = arch.night(listing=404)
    rep = health.run_report(arch.db, r2)
    assert [(s["site"], s["problem"], s["last_good_run"], s["first_bad_run"]) for s in rep["sites_broken"]] == [
        ("a", health.LISTING, 1, r2)]
    assert rep["sites_failing"] == [{"site": "a", "failed": 1, "fetched": 1}]
    assert rep["errors"] == {"http_404": 1}
    assert health.exit_code(rep) == 1


def test_exit_code_policy():
    assert health.exit_code({}) == 0
    assert health.exit_code({"new_flags": {"errors": 0, "warnings": 5}}) == 0
    assert health.exit_code({"new_flags": {"reopened_errors": 1}}) == 1
    assert health.exit_code({"sites_failing": [{"site": "a"}]}) == 1
