"""The revisit policy (archive/revisit.py): a recrawl asks only for what is due, a change resets the
back-off, --full asks for everything, and no URL waits longer than the documented window."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from sampleweb_helpers import crawl, write_registry

from archive.revisit import MAX_INTERVAL_DAYS, in_season, is_due, next_interval

D = date(2026, 6, 1)  # outside the reporting season: nothing is kept daily for its year


def _asked(summary: dict) -> int:
    t = summary["totals"]
    return t["new"] + t["changed"] + t["unchanged"] + t["failed"]


def test_back_off_doubles_up_to_the_window_and_a_change_resets_it():
    days, seen = None, []
    for _ in range(7):
        days = next_interval(days, changed=False)
        seen.append(days)
    assert seen == [1, 2, 4, 8, 16, 16, 16]
    assert next_interval(8, changed=True) == 1
    assert is_due(None, "report", None, D)  # never visited
    assert is_due("2026-06-09", "listing", None, D)  # listings every night
    assert not is_due("2026-06-02", "report", None, D) and is_due("2026-06-01", "report", None, D)
    # the reporting season: last year's reports stay daily from January to March
    assert in_season("某县2025年政府信息公开工作年度报告", date(2026, 2, 10))
    assert not in_season("某县2024年政府信息公开工作年度报告", date(2026, 2, 10))
    assert not in_season("某县2025年政府信息公开工作年度报告", date(2026, 6, 1))
    assert is_due("2026-02-20", "report", "某县2025年政府信息公开工作年度报告", date(2026, 2, 10))


def test_recrawls_ask_only_for_what_is_due(tmp_path):
    from scraper.sampleweb import SampleWeb, serve_in_thread

    web = SampleWeb(seed=1, scale=1, night=1)
    server = serve_in_thread(web, port=0)
    try:
        reg = write_registry(web, server.url, tmp_path / "sites.toml")
        db = tmp_path / "g.db"

        def night(day: date, *extra: str, full: bool = False) -> dict:
            return crawl(reg, db, "--as-of", day.isoformat(), *extra, full=full)

        first = night(D)
        n = _asked(first)
        assert n > 20 and first["totals"]["not_due"] == 0
        # the next day every page is due once (first visit: daily), all unchanged; then they back off
        second = night(D + timedelta(days=1))
        assert second["totals"]["not_due"] == 0 and _asked(second) == n
        third = night(D + timedelta(days=2))
        not_due = third["totals"]["not_due"]
        assert not_due > 0 and _asked(third) + not_due == n
        assert third["totals"]["new"] == third["totals"]["changed"] == 0
        assert sum(s["not_due"] for s in third["sites"].values()) == not_due

        # night 2 edits reports silently; on a day their back-off has not reached, the policy misses
        # the held-back ones and --full catches them
        web.set_night(2)
        held = night(D + timedelta(days=2))
        full = night(D + timedelta(days=2), full=True)
        assert full["totals"]["not_due"] == 0 and full["full"] is True
        assert full["totals"]["changed"] > 0
        assert held["totals"]["not_due"] > 0
        # a change resets the back-off: the pages that changed are asked again the next day
        after = night(D + timedelta(days=3))
        assert after["totals"]["not_due"] > 0
        con = sqlite3.connect(db)
        changed = {r[0] for r in con.execute("SELECT url FROM captures WHERE run_id = ? AND outcome = 'changed'",
                                             [full["run_id"]])}
        asked = {r[0] for r in con.execute("SELECT url FROM captures WHERE run_id = ?", [after["run_id"]])}
        con.close()
        assert changed and changed <= asked
        # within the window every URL is due again: nothing waits longer than MAX_INTERVAL_DAYS
        late = night(D + timedelta(days=2 + MAX_INTERVAL_DAYS))
        assert late["totals"]["not_due"] == 0 and late["totals"]["changed"] == 0
    finally:
        server.stop()
