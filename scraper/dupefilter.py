"""Scrapy's duplicate filter with its seen set in an SQLite file instead of a Python set.

`RFPDupeFilter` keeps every request fingerprint of the run in memory (~120 bytes each), so a crawl's memory
grows with the number of pages it visits. This subclass keeps the same fingerprints (Scrapy's request
fingerprinter: canonical URL, method, body) in a table on disk; SQLite's own page cache (bounded) holds the
hot part. The same requests are filtered: only where the set lives differs.

Without JOBDIR the file is temporary (one run, removed when the spider closes); with JOBDIR it is
`requests.seen.sqlite` there and kept, so a paused job resumes with its seen set, as Scrapy's own file.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from scrapy.dupefilters import RFPDupeFilter

#: SQLite page cache of the seen set, in KiB (negative: a size, not a page count)
CACHE_KIB = 4096


class SQLiteDupeFilter(RFPDupeFilter):
    """RFPDupeFilter whose seen fingerprints live in SQLite (DUPEFILTER_CLASS in scraper/settings.py)."""

    def __init__(self, path: str | None = None, debug: bool = False, *, fingerprinter=None) -> None:
        # no path for the parent: it would read Scrapy's requests.seen into its in-memory set
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self._tmpdir = None if path else tempfile.mkdtemp(prefix="gongkai-seen-")
        self.path = Path(path or self._tmpdir) / "requests.seen.sqlite"
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        # a run's seen set is rebuilt by the run (archive/nightly resumes from the archive): no journal,
        # no fsync; one transaction stays open, committed only on close
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (fp BLOB PRIMARY KEY) WITHOUT ROWID")
        self.db.execute("BEGIN")

    def request_seen(self, request) -> bool:
        cur = self.db.execute("INSERT OR IGNORE INTO seen (fp) VALUES (?)", (self._fingerprint(request),))
        return cur.rowcount == 0

    def close(self, reason: str = "") -> None:
        super().close(reason)
        if self.db is None:
            return
        self.db.execute("COMMIT")
        self.db.close()
        self.db = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
