"""The revisit policy: which URLs a nightly recrawl asks for, so a night costs what changed.

As web archives schedule their crawls: listings (a column's pages) are asked every night, since new
reports appear there; a report page, item or attachment that was unchanged on its last visit waits
1, 2, 4 … days, up to MAX_INTERVAL_DAYS, before it is revalidated again; a change (or a first
capture) resets it to daily. A URL is never dropped: its back-off is capped, so a silent edit is
caught within MAX_INTERVAL_DAYS days (docs/running-nightly.md). Pages of the current reporting
season (the previous year's reports, in January to March: the deadline is 31 January and late or
corrected reports follow) stay daily. `gongkai crawl --full` ignores the policy.

State is one row per URL in the `revisits` table; `is_due` is the one decision, used by the
single-process crawl and the distributed one alike (through `RevisitPolicy`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

#: the longest back-off: the window within which a silent edit of an unchanged page is caught
MAX_INTERVAL_DAYS = 16
#: roles asked every night whatever their history (where new reports appear)
DAILY_ROLES = frozenset({"listing", "listing_page"})
#: months of the reporting season (reports of the previous year are due by 31 January)
SEASON_MONTHS = frozenset({1, 2, 3})
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")

#: (url, role, title) -> due?  What the spider is given (it never asks the archive itself).
DueCheck = Callable[[str, str, "str | None"], bool]


def in_season(title: str | None, as_of: date) -> bool:
    """True when title names the year whose reports are being published now (January to March)."""
    if as_of.month not in SEASON_MONTHS or not title:
        return False
    return any(int(y) == as_of.year - 1 for y in _YEAR.findall(title))


def is_due(next_due: str | None, role: str, title: str | None, as_of: date) -> bool:
    """The policy: never seen, a listing, in season, or its back-off has elapsed."""
    if next_due is None or role in DAILY_ROLES or in_season(title, as_of):
        return True
    return as_of.isoformat() >= next_due


def next_interval(previous_days: int | None, changed: bool) -> int:
    """1 after a change or first visit; otherwise double the last interval, up to the maximum."""
    if changed or not previous_days:
        return 1
    return min(previous_days * 2, MAX_INTERVAL_DAYS)


class RevisitPolicy:
    """The due check for one run, over the archive's `revisits` table; counts what it held back."""

    def __init__(self, db, as_of: date, full: bool = False) -> None:
        self.db, self.as_of, self.full = db, as_of, full
        self.not_due = 0

    def __call__(self, url: str, role: str, title: str | None = None) -> bool:
        if self.full:
            return True
        row = self.db.execute("SELECT next_due FROM revisits WHERE url = ?", [url]).fetchone()
        due = is_due(row[0] if row else None, role, title, self.as_of)
        if not due:
            self.not_due += 1
        return due

    def links(self, url: str) -> list[tuple[str, str]]:
        return known_links(self.db, url)


def known_links(db, url: str) -> list[tuple[str, str]]:
    """(url, role) of what the archived url led to last time (its attachments, images, redirect
    target): a page held back does not hold back a link of its own that is due."""
    return [(r[0], r[1] or "attachment") for r in db.execute(
        "SELECT DISTINCT url, role FROM pages WHERE referrer = ? AND url != ?", [url, url]).fetchall()]


def record_run(db, run_id: int, as_of: date) -> int:
    """After a run: move each URL this run fetched along its back-off (a change resets it). A failed
    fetch leaves its state alone, so it is asked again on its next due day; a redirect has none (it is
    asked every night: its target is reached only through it). Returns URLs updated."""
    rows = db.execute(
        "SELECT url, max(outcome IN ('new', 'changed')) FROM captures WHERE run_id = ? "
        "AND (status < 300 OR status = 304) "
        "AND outcome IN ('new', 'changed', 'unchanged') GROUP BY url", [run_id]).fetchall()
    prev = {}
    for i in range(0, len(rows), 500):
        chunk = [r[0] for r in rows[i:i + 500]]
        prev.update(db.execute(f"SELECT url, interval_days FROM revisits WHERE url IN ({','.join('?' * len(chunk))})",
                               chunk).fetchall())
    out = []
    for url, changed in rows:
        days = next_interval(prev.get(url), bool(changed))
        out.append((url, as_of.isoformat(), days, (as_of + timedelta(days=days)).isoformat()))
    with db.conn:
        db.conn.executemany("INSERT INTO revisits (url, last_checked, interval_days, next_due) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT(url) DO UPDATE SET last_checked = excluded.last_checked, "
                            "interval_days = excluded.interval_days, next_due = excluded.next_due", out)
    return len(out)
