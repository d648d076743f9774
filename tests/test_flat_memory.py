"""Flat memory (issue 15 item 5): what grows with the archive lives in SQLite, not in a dict or set.

Structural, not timed: the archive answers latest() from SQLite with at most a bounded cache, the
duplicate filter's seen set is a table in its file."""

from __future__ import annotations

import hashlib
import sqlite3

from scrapy import Request

from archive import store
from archive.config import resolve_paths
from archive.store import Archive
from scraper.dupefilter import SQLiteDupeFilter

URL = "http://www.qingshi.gov.test/zwgk/{}.html"


def _capture(arch, run_id, url, body):
    return arch.record_response(run_id=run_id, site_id="qingshi", role="report", url=url, method="GET",
                                fingerprint=hashlib.sha1(url.encode()).hexdigest(), status=200, reason="OK",
                                headers=[("Content-Type", "text/html"), ("ETag", f'"{len(body)}"')], body=body,
                                request_headers=[("User-Agent", "gongkai")])


def _per_url_containers(arch) -> dict[str, int]:
    """Sizes of the archive's dicts/sets/lists (what could hold something per archived URL)."""
    return {k: len(v) for k, v in vars(arch).items() if isinstance(v, dict | set | list)}


def test_latest_versions_are_looked_up_in_sqlite_with_a_bounded_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "LATEST_CACHE", 50)
    paths = resolve_paths(tmp_path / "g.db")
    a = Archive(paths)
    run, _ = a.start_run("r.toml", ["qingshi"])
    n = 500
    for i in range(n):
        assert _capture(a, run, URL.format(i), f"<p>{i}</p>".encode())[0] == "new"
        a.record_attachment(report_url=URL.format(i), url=URL.format(i) + ".pdf", name="a", site_id="qingshi")
    a.flush()
    assert all(size <= 50 for size in _per_url_containers(a).values()), _per_url_containers(a)
    # every page, also those the cache let go of, is still known: unchanged bytes are a revisit
    for i in (0, 1, n // 2, n - 1):
        outcome, page = _capture(a, run, URL.format(i), f"<p>{i}</p>".encode())
        assert outcome == "unchanged" and page.version == 1
    assert _capture(a, run, URL.format(3), b"<p>edited</p>")[0] == "changed"
    a.close()

    # a fresh Archive loads nothing: latest() is answered from SQLite
    b = Archive(paths)
    assert not any(_per_url_containers(b).values())
    assert b.latest(URL.format(3)).version == 2
    assert b.latest(URL.format(4)).etag == '"8"'
    assert b.latest(URL.format(n)) is None
    assert len(b._cache) == 3
    latest = {p.url: p.version for p in b.latest_pages()}
    assert len(latest) == n and latest[URL.format(3)] == 2 and latest[URL.format(7)] == 1
    assert b.db.execute("SELECT count(*) FROM attachments").fetchone()[0] == n
    b.close()


def test_a_resumed_run_asks_sqlite_what_it_already_captured(tmp_path):
    paths = resolve_paths(tmp_path / "g.db")
    a = Archive(paths)
    run, _ = a.start_run("r.toml", ["qingshi"])
    _, page = _capture(a, run, URL.format(1), b"<p>1</p>")
    a.flush()
    a.db.conn.close()  # killed
    b = Archive(paths)
    run2, resumed = b.start_run("r.toml", ["qingshi"])
    done = b.done_in_run(run2)
    assert resumed and not isinstance(done, dict)
    fp = hashlib.sha1(URL.format(1).encode()).hexdigest()
    assert done.get(fp).warc_offset == page.warc_offset and done.get("nope") is None
    # a capture made after the resume is not "done before": a retry of it is fetched, as before
    _capture(b, run2, URL.format(2), b"<p>2</p>")
    b.flush()
    assert done.get(hashlib.sha1(URL.format(2).encode()).hexdigest()) is None
    b.close()


def test_the_dupefilter_keeps_its_seen_set_in_its_sqlite_file(tmp_path):
    df = SQLiteDupeFilter(str(tmp_path))
    urls = [f"http://a.test/{i}" for i in range(300)]
    assert not any(df.request_seen(Request(u)) for u in urls)
    assert all(df.request_seen(Request(u)) for u in urls)
    assert df.request_seen(Request(urls[0] + "#frag"))  # canonical URL, as Scrapy's own filter
    assert not df.request_seen(Request(urls[0], method="POST", body=b"page=2"))
    assert not df._fingerprints  # Scrapy's in-memory set stays empty
    df.close("finished")
    assert sqlite3.connect(tmp_path / "requests.seen.sqlite").execute("SELECT count(*) FROM seen").fetchone()[0] == 301
    again = SQLiteDupeFilter(str(tmp_path))  # JOBDIR: a paused job resumes with its seen set
    assert again.request_seen(Request(urls[5]))
    again.close("finished")


def test_without_jobdir_the_seen_file_is_temporary():
    df = SQLiteDupeFilter()
    assert not df.request_seen(Request("http://a.test/"))
    path = df.path
    assert path.exists()
    df.close("finished")
    assert not path.exists()


def test_the_crawl_uses_the_sqlite_dupefilter():
    from scraper import settings

    assert settings.DUPEFILTER_CLASS == "scraper.dupefilter.SQLiteDupeFilter"
