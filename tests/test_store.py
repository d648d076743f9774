"""The capture store: versions, revisits, WARC read-back, the lock."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.config import resolve_paths
from archive.lock import CrawlLock, LockBusy
from archive.store import Archive
from archive.warc import read_record

URL = "http://www.qingshi.gov.test/zwgk/zfxxgk/zfxxgknb/202202/t20220208_1.html"


def _capture(arch, run_id, body, status=200, url=URL, headers=None):
    return arch.record_response(run_id=run_id, site_id="qingshi", role="report", url=url, method="GET",
                                fingerprint=hashlib.sha1(url.encode()).hexdigest(), status=status, reason="OK",
                                headers=headers or [("Content-Type", "text/html; charset=utf-8")], body=body,
                                request_headers=[("User-Agent", "gongkai")])


@pytest.fixture
def arch(tmp_path):
    a = Archive(resolve_paths(tmp_path / "g.db"))
    yield a
    a.close()


def test_versions_revisits_and_nothing_overwritten(arch):
    run, _ = arch.start_run("r.toml", ["qingshi"])
    v1 = "青石县2021年政府信息公开工作年度报告".encode()
    assert _capture(arch, run, v1)[0] == "new"
    assert _capture(arch, run, v1)[0] == "unchanged"
    assert _capture(arch, run, v1 + b"<p>edit</p>")[0] == "changed"
    arch.flush()
    pages = list(arch.db.query("SELECT version, sha256, size FROM pages WHERE url = ? ORDER BY version", [URL]))
    assert [p["version"] for p in pages] == [1, 2]
    assert pages[0]["sha256"] == hashlib.sha256(v1).hexdigest()
    outcomes = [r["outcome"] for r in arch.db.query("SELECT outcome FROM captures ORDER BY id")]
    assert outcomes == ["new", "unchanged", "changed"]


def test_not_modified_is_a_revisit_of_the_latest_version(arch):
    run, _ = arch.start_run("r.toml", ["qingshi"])
    body = b"<html>gbk \xc7\xe0\xca\xaf</html>"
    _, page = _capture(arch, run, body, headers=[("ETag", '"abc"'), ("Content-Type", "text/html")])
    outcome, again = _capture(arch, run, b"", status=304)
    assert outcome == "unchanged" and again.id == page.id
    assert arch.latest(URL).etag == '"abc"'


def test_warc_reads_back_to_the_bytes_and_sha256_recorded(arch):
    run, _ = arch.start_run("r.toml", ["qingshi"])
    bodies = {f"{URL}?n={i}": bytes(range(256)) * (i + 1) for i in range(5)}
    for url, body in bodies.items():
        _capture(arch, run, body, url=url, headers=[("Content-Type", "application/pdf"), ("Content-Encoding", "identity")])
    arch.flush()
    for row in arch.db.query("SELECT url, sha256, warc_file, warc_offset FROM pages"):
        rec = read_record(arch.paths.warc_dir, row["warc_file"], row["warc_offset"])
        assert rec.body == bodies[row["url"]]
        assert hashlib.sha256(rec.body).hexdigest() == row["sha256"]
    # every file is a valid WARC from start to end, with request records beside the responses
    types = []
    for f in arch.paths.warc_dir.iterdir():
        with open(f, "rb") as fh:
            types += [r.rec_type for r in ArchiveIterator(fh)]
    assert types.count("response") == 5 and types.count("request") == 5 and types.count("warcinfo") == 1
    assert types.count("metadata") == 5


def test_errors_are_recorded_with_their_kind(arch):
    run, _ = arch.start_run("r.toml", ["qingshi"])
    arch.record_error(run_id=run, site_id="qingshi", url=URL, method="GET", fingerprint="x", kind="timeout",
                      message="timed out")
    arch.flush()
    assert [(r["outcome"], r["error_kind"]) for r in arch.db.query("SELECT outcome, error_kind FROM captures")] == [
        ("error", "timeout")]


def test_an_interrupted_run_is_resumed(tmp_path):
    paths = resolve_paths(tmp_path / "g.db")
    a = Archive(paths)
    run, resumed = a.start_run("r.toml", ["qingshi"])
    _capture(a, run, b"<html>1</html>")
    a.flush()
    a.db.conn.close()  # the process dies without finishing the run
    b = Archive(paths)
    run2, resumed2 = b.start_run("r.toml", ["qingshi"])
    assert (run2, resumed, resumed2) == (run, False, True)
    assert len(b.done_in_run(run2)) == 1
    b.finish_run(run2, "finished", {})
    run3, resumed3 = b.start_run("r.toml", ["qingshi"])
    assert run3 != run and not resumed3
    b.close()


def test_lock_excludes_a_second_process(tmp_path):
    lock = CrawlLock(tmp_path / "g.db.lock")
    with lock:
        code = ("import sys; from archive.lock import CrawlLock, LockBusy\n"
                f"try:\n    CrawlLock(r'{tmp_path / 'g.db.lock'}').acquire()\nexcept LockBusy as e:\n    print(e); sys.exit(3)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.returncode == 3 and "another crawl" in out.stdout
    CrawlLock(tmp_path / "g.db.lock").acquire()  # free again once released
    with pytest.raises(LockBusy):
        CrawlLock(tmp_path / "g.db.lock").acquire()
