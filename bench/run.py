"""`make bench`: how fast and how big, each figure measured in the same run as its baseline.

Usage: python bench/run.py [--scale N] [--mem-pages 10000,50000] [--reports 100000] [--quick] [--out DIR]
       python bench/run.py --stages queries --results bench/out/results-queries.json   # one stage alone

Stages (see bench/README.md for what each figure means):
  crawl    `gongkai crawl` of the sample web (served by `gongkai web` in its own process), first crawl
  bare     the baseline: a bare Scrapy spider fetching the same requests with the same concurrency
  recrawl  `gongkai crawl` again over the unchanged web (conditional requests); publishers the checks re-ran
  cores    extraction of the first crawl's documents with one worker vs one per core
  extract  pipeline.extract.extract vs BeautifulSoup(html, "lxml").get_text() on one core
  extract_pdf  pipeline.extract.extract of text PDFs vs pdfplumber's extract_text on one core
  reparse  `gongkai reparse` of the whole archive and of a quarter of it (how it scales)
  memory   peak RSS of crawls of ~10k and ~50k pages (the first crawl is the 10k one at the default scale)
  queries  review-queue queries and GROUP BYs over metrics on a synthesised archive of 100k reports
Prints a table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

PY = sys.executable
GONGKAI = [PY, "-c", "from archive.cli import main; main()"]
#: pages the sample web serves per site (robots, index, listings, reports, items, attachments, images)
PAGES_PER_SITE = 62
#: the same politeness for gongkai and the bare spider: none (the server is local), same concurrency
CONCURRENCY, PER_DOMAIN, TIMEOUT, RETRIES = 32, 8, 5, 1
LOCAL_CRAWL = f"""
[crawl]
download_delay = 0
autothrottle = false
concurrency = {CONCURRENCY}
concurrency_per_domain = {PER_DOMAIN}
retry_times = {RETRIES}
"""
SHARED_REAL = Path(os.environ.get("GONGKAI_BENCH_SHARED") or ROOT.parent / "shared") / "fixtures" / "real"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- machine ------------------------------------------------------------------------------------
def machine() -> dict:
    from importlib.metadata import version

    import lxml
    import scrapy

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version(), "scrapy": scrapy.__version__,
            "sqlite": sqlite3.sqlite_version, "sqlite_utils": version("sqlite-utils"),
            "lxml": lxml.__version__, "date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit}


# -- the sample web in its own process ----------------------------------------------------------
class Web:
    """`gongkai web --scale N` on a free port, in its own process (it does not share the crawler's GIL).
    A fresh server per crawl: every crawl starts from the same cold page cache."""

    def __init__(self, scale: int, logfile: Path, cpus: set[int] | None = None) -> None:
        self.scale, self.logfile, self.cpus = scale, logfile, cpus

    def __enter__(self) -> Web:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(self.logfile, "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen([*GONGKAI, "web", "--scale", str(self.scale), "--port", str(self.port)],
                                     stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT,
                                     preexec_fn=_pin(self.cpus))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for _ in range(200):
            try:
                served = opener.open(f"{self.url}/_registry.toml", timeout=5).read().decode()
                # the bench's own [crawl] table replaces the sample web's (same settings for both crawlers)
                self.registry = re.sub(r"(?ms)^\[crawl\]\n.*?(?=^\[|\Z)", "", served) + LOCAL_CRAWL
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"sample web did not start (see {self.logfile})")

    def write_registry(self, path: Path) -> Path:
        path.write_text(self.registry, encoding="utf-8")
        return path

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._log.close()


def _pin(cpus: set[int] | None):
    return (lambda: os.sched_setaffinity(0, cpus)) if cpus else None


# -- processes ----------------------------------------------------------------------------------
def run_measured(cmd: list[str], env: dict | None = None) -> dict:
    """Run a command to its end: wall seconds, exit code, stdout, stderr."""
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})})
    return {"wall_seconds": time.monotonic() - t0, "rc": proc.returncode, "stdout": proc.stdout,
            "stderr": proc.stderr}


def gongkai_crawl(registry: Path, db: Path, probe: Path, crawl_only: bool = False) -> dict:
    env = {"GONGKAI_BENCH_PROBE": str(probe), "GONGKAI_BENCH_CRAWL_ONLY": "1" if crawl_only else "0",
           "PYTHONUNBUFFERED": "1"}
    r = run_measured([PY, str(BENCH / "probe.py"), "crawl", "--sites", str(registry), "--db", str(db), "--json",
                      "--no-progress"], env=env)
    if r["rc"] not in (0, 1):
        raise RuntimeError(f"gongkai crawl failed ({r['rc']}): {r['stderr'][-3000:]}")
    summary = json.loads(r["stdout"][r["stdout"].index("{"):])
    rec = json.loads(probe.read_text())
    return {"wall_seconds": r["wall_seconds"], "summary": summary, "probe": rec}


def run_requests(db: Path, run_id: int) -> list[dict]:
    """What a run fetched (distinct request keys), as requests for the bare spider."""
    conn = sqlite3.connect(db)
    out = []
    for key, method in conn.execute("SELECT DISTINCT url, method FROM captures WHERE run_id = ?", [run_id]):
        if method == "POST" and "__wb_post_data=" in key:
            i = key.rfind("__wb_post_data=")
            out.append({"url": key[: i - 1], "method": "POST", "body": key[i + len("__wb_post_data="):]})
        else:
            out.append({"url": key, "method": method})
    conn.close()
    return out


# -- stages -------------------------------------------------------------------------------------
def stage_crawl(res: dict, work: Path, scale: int) -> None:
    db = work / "crawl.db"
    for p in (db, work / "crawl.db-wal", work / "crawl.db-shm"):
        p.unlink(missing_ok=True)
    shutil.rmtree(work / "archive", ignore_errors=True)
    log(f"first crawl: gongkai crawl of the sample web at scale {scale}")
    with Web(scale, work / "web-crawl.log") as web:
        first = gongkai_crawl(web.write_registry(work / "sites.toml"), db, work / "probe-crawl.json")
    reqs = run_requests(db, first["summary"]["run_id"])
    (work / "requests.json").write_text(json.dumps(reqs), encoding="utf-8")
    s, p = first["summary"], first["probe"]
    res["crawl"] = {"scale": scale, "pages": len(reqs), "crawl_seconds": p["crawl_seconds"],
                    "close_seconds": round(p["close_seconds"], 2), "extract_seconds": s.get("extract_seconds"),
                    "wall_seconds": round(first["wall_seconds"], 2), "totals": s["totals"],
                    "documents_extracted": s.get("extracted"), "reports_extracted": s.get("reports_extracted"),
                    "body_bytes": p["wire_body_bytes"],
                    "responses": p["scrapy"].get("downloader/response_count"),
                    "crawl_peak_rss_kb": p["crawl_peak_rss_kb"], "peak_rss_kb": p["peak_rss_kb"],
                    "start_rss_kb": p["start_rss_kb"],
                    "publishers_checked": (s.get("checks") or {}).get("publishers_checked")}
    log(f"first crawl: {len(reqs)} pages in {p['crawl_seconds']:.1f} s crawl + {p['close_seconds']:.1f} s "
        f"extract/checks")


def stage_bare(res: dict, work: Path, scale: int) -> None:
    log("baseline: bare Scrapy spider over the same requests")
    with Web(scale, work / "web-bare.log") as web:
        r = run_measured([PY, str(BENCH / "bare_spider.py"), str(work / "requests.json"), "--proxy", web.url,
                          "--concurrency", str(CONCURRENCY), "--per-domain", str(PER_DOMAIN), "--timeout",
                          str(TIMEOUT), "--retry-times", str(RETRIES)])
    if r["rc"] != 0:
        raise RuntimeError(f"bare spider failed: {r['stderr'][-3000:]}")
    res["bare"] = json.loads(r["stdout"].strip().splitlines()[-1])
    log(f"bare: {res['bare']['pages']} pages in {res['bare']['seconds']:.1f} s")


def stage_recrawl(res: dict, work: Path, scale: int) -> None:
    log("recrawl of the unchanged web")
    with Web(scale, work / "web-recrawl.log") as web:
        again = gongkai_crawl(web.write_registry(work / "sites.toml"), work / "crawl.db", work / "probe-recrawl.json")
    s, p = again["summary"], again["probe"]
    res["recrawl"] = {"crawl_seconds": p["crawl_seconds"], "close_seconds": round(p["close_seconds"], 2),
                      "wall_seconds": round(again["wall_seconds"], 2), "totals": s["totals"],
                      "documents_extracted": s.get("extracted"),
                      "body_bytes": p["wire_body_bytes"],
                      "request_bytes": p["scrapy"].get("downloader/request_bytes"),
                      "responses": p["scrapy"].get("downloader/response_count"),
                      "peak_rss_kb": p["peak_rss_kb"],
                      # item 2 of issue 15: the checks re-run only for publishers whose reports changed
                      "publishers_checked": (s.get("checks") or {}).get("publishers_checked")}
    conn = sqlite3.connect(work / "crawl.db")
    for status, n in conn.execute("SELECT status, count(*) FROM captures WHERE run_id = ? GROUP BY status",
                                  [s["run_id"]]):
        res["recrawl"][f"status_{status}"] = n
    conn.close()
    log(f"recrawl: {res['recrawl']['wall_seconds']:.1f} s, {res['recrawl']['status_304']} x 304, "
        f"{s.get('extracted')} re-extracted")


def stage_cores(res: dict, work: Path, n_docs: int) -> None:
    """Extraction of the first crawl's documents (archive/extracting.py extract_all: capped workers, results in
    order) with one worker vs one per core, on the same documents, the machine otherwise idle (item 3 of
    issue 15: goal >= 1.7x on 2 cores). The first n_docs report pages and attachments of the archive."""
    from archive.extracting import extract_all
    from archive.guarded import workers_default

    conn = sqlite3.connect(work / "crawl.db")
    conn.row_factory = sqlite3.Row
    pages = [dict(r) for r in conn.execute(
        "SELECT * FROM pages WHERE role IN ('report','item','attachment') AND status = 200 ORDER BY id LIMIT ?",
        [n_docs])]
    conn.close()
    cores = workers_default()
    out = {"documents": len(pages), "cores": cores}
    for label, n in (("one_core", 1), ("all_cores", cores)):
        log(f"extraction of {len(pages)} documents with {n} worker(s)")
        t = time.monotonic()
        done = sum(1 for _ in extract_all(work / "archive" / "warc", pages, workers=n))
        out[f"{label}_seconds"] = round(time.monotonic() - t, 2)
        out[f"{label}_docs_per_s"] = round(done / max(1e-9, out[f"{label}_seconds"]), 1)
    res["cores"] = out
    log(f"extraction: {out['one_core_docs_per_s']}/s on one core, {out['all_cores_docs_per_s']}/s on {cores}")


def _pages_for_extraction(work: Path) -> dict[str, list[tuple[str, bytes]]]:
    """2021-format Word-pasted report pages (the largest, ~350 KB where the web has them) and legacy prose
    report pages, from the crawled archive; plus the real pages of ../shared when present."""
    from archive.extracting import decode_content
    from archive.warc import read_record

    conn = sqlite3.connect(work / "crawl.db")
    groups: dict[str, list[tuple[str, bytes]]] = {"word_2021": [], "legacy_prose": []}
    sql = ("SELECT p.url, p.warc_file, p.warc_offset FROM reports r JOIN pages p ON p.id = r.page_id "
           "WHERE r.role = 'page' AND r.kind = 'report' AND r.format = ? ORDER BY p.size DESC LIMIT ?")
    for group, fmt, n in (("word_2021", "2021", 12), ("legacy_prose", "legacy", 60)):
        for url, wf, wo in conn.execute(sql, [fmt, n * 3]):
            rec = read_record(work / "archive" / "warc", wf, wo)
            body = decode_content(rec.headers, rec.body)
            if group == "word_2021" and b"MsoNormal" not in body:
                continue
            groups[group].append((url, body))
            if len(groups[group]) >= n:
                break
    conn.close()
    for name, group in (("pingtan_2021.html", "word_2021"), ("pingtan_2018.html", "legacy_prose")):
        if (SHARED_REAL / name).exists():
            groups[group].append((f"file:{name}", (SHARED_REAL / name).read_bytes()))
    return groups


def _rate(fn, pages: list[tuple[str, bytes]], min_seconds: float) -> float:
    """Pages per second of fn over the pages (one warm-up pass, then passes until min_seconds)."""
    for url, body in pages:
        fn(url, body)
    n, t0 = 0, time.perf_counter()
    while True:
        for url, body in pages:
            fn(url, body)
        n += len(pages)
        if time.perf_counter() - t0 >= min_seconds:
            return n / (time.perf_counter() - t0)


def stage_extract(res: dict, work: Path, min_seconds: float) -> None:
    from bs4 import BeautifulSoup

    from pipeline.extract import extract

    log("extraction vs BeautifulSoup get_text, one core")
    groups = _pages_for_extraction(work)
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(old)})
    out = {}
    try:
        for group, pages in groups.items():
            if not pages:
                continue
            ours = _rate(lambda url, body: extract(body, url), pages, min_seconds)
            base = _rate(lambda url, body: BeautifulSoup(body, "lxml").get_text(), pages, min_seconds)
            sizes = [len(b) for _, b in pages]
            out[group] = {"pages": len(pages), "kb_median": round(statistics.median(sizes) / 1024),
                          "kb_max": round(max(sizes) / 1024), "real_pages": sum(u.startswith("file:") for u, _ in pages),
                          "reports_per_s": round(ours, 1), "bs4_per_s": round(base, 1)}
            log(f"extract {group}: {ours:.1f}/s vs bs4 {base:.1f}/s")
    finally:
        os.sched_setaffinity(0, old)
    res["extract"] = out


def _sub_archive(src: Path, dst: Path, fraction: float) -> int:
    """A smaller archive: the same database restricted to the first `fraction` of the sites (same WARCs)."""
    for p in (dst, dst.with_name(dst.name + "-wal"), dst.with_name(dst.name + "-shm")):
        p.unlink(missing_ok=True)
    s, d = sqlite3.connect(src), sqlite3.connect(dst)
    s.backup(d)
    s.close()
    sites = [r[0] for r in d.execute("SELECT id FROM sites ORDER BY id")]
    keep = sites[: max(1, int(len(sites) * fraction))]
    d.execute("CREATE TEMP TABLE keep (id TEXT PRIMARY KEY)")
    d.executemany("INSERT INTO keep VALUES (?)", [(k,) for k in keep])
    d.execute("DELETE FROM metrics WHERE report_id IN (SELECT id FROM reports WHERE site_id NOT IN (SELECT id FROM keep))")
    for table in ("reports", "captures", "pages", "attachments"):
        d.execute(f"DELETE FROM {table} WHERE site_id NOT IN (SELECT id FROM keep)")
    d.execute("INSERT INTO reports_fts(reports_fts) VALUES ('rebuild')")
    d.commit()
    d.execute("VACUUM")
    n = d.execute("SELECT count(*) FROM reports WHERE is_current = 1 AND role = 'page'").fetchone()[0]
    d.close()
    return n


def _reparse(db: Path, archive: Path, probe: Path) -> dict:
    r = run_measured([PY, str(BENCH / "probe.py"), "reparse", "--db", str(db), "--archive", str(archive), "--json"],
                     env={"GONGKAI_BENCH_PROBE": str(probe)})
    if r["rc"] != 0:
        raise RuntimeError(f"reparse failed: {r['stderr'][-3000:]}")
    out = json.loads(r["stdout"])
    return {"reports": out["reparsed"], "changed": len(out["changed"]), "seconds": round(r["wall_seconds"], 2),
            "reports_per_s": round(out["reparsed"] / r["wall_seconds"], 1),
            "peak_rss_kb": json.loads(probe.read_text())["peak_rss_kb"], "db_mb": round(db.stat().st_size / 1e6, 1)}


def stage_reparse(res: dict, work: Path) -> None:
    log("gongkai reparse of the whole archive")
    whole = _reparse(work / "crawl.db", work / "archive", work / "probe-reparse.json")
    quarter_db = work / "quarter.db"
    _sub_archive(work / "crawl.db", quarter_db, 0.25)
    log("gongkai reparse of a quarter of the archive")
    quarter = _reparse(quarter_db, work / "archive", work / "probe-reparse-quarter.json")
    res["reparse"] = {"whole": whole, "quarter": quarter}
    log(f"reparse: {whole['reports_per_s']}/s whole, {quarter['reports_per_s']}/s quarter")


def max_scale() -> int:
    """The largest scale the sample web can serve (its site names run out)."""
    from scraper.sampleweb.model import site_identity

    lo, hi = 1, 100_000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            site_identity(mid - 1)
            lo = mid
        except ValueError:
            hi = mid - 1
    return lo


def stage_memory(res: dict, work: Path, mem_pages: list[int], main_scale: int, cpus: set[int] | None) -> None:
    """Peak RSS of crawls of each size in mem_pages (the first crawl stands for the size it has). Crawl phase
    only (no extraction). With cpus, the crawler and its server are pinned there while timed stages run
    on the other core: memory is not a timing."""
    top = max_scale()
    res["memory"] = {"runs": [], "pinned_cpus": sorted(cpus) if cpus else None, "max_scale": top}
    have = res.get("crawl", {})
    for pages in mem_pages:
        scale = max(2, round(pages / PAGES_PER_SITE))
        if scale > top:
            log(f"memory: the sample web serves at most {top} sites (~{top * PAGES_PER_SITE} pages), not "
                f"~{pages} pages: crawling the largest it has")
            scale = top
        if have and scale == main_scale:
            res["memory"]["runs"].append({"target_pages": pages, "scale": scale, "pages": have["pages"],
                                          "crawl_peak_rss_kb": have["crawl_peak_rss_kb"],
                                          "peak_rss_kb": have["peak_rss_kb"], "from": "first crawl"})
            continue
        db = work / f"mem{pages}.db"
        for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            p.unlink(missing_ok=True)
        shutil.rmtree(work / f"mem{pages}", ignore_errors=True)
        log(f"memory: crawl of ~{pages} pages (scale {scale}, crawl phase only)")
        with Web(scale, work / f"web-mem{pages}.log", cpus) as web:
            reg = web.write_registry(work / f"sites-mem{pages}.toml")
            env = {**os.environ, "GONGKAI_BENCH_PROBE": str(work / f"probe-mem{pages}.json"),
                   "GONGKAI_BENCH_CRAWL_ONLY": "1", "GONGKAI_ARCHIVE": str(work / f"mem{pages}")}
            subprocess.run([PY, str(BENCH / "probe.py"), "crawl", "--sites", str(reg), "--db", str(db), "--json",
                            "--no-progress"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           preexec_fn=_pin(cpus), check=False)
        rec = json.loads((work / f"probe-mem{pages}.json").read_text())
        n = sqlite3.connect(db).execute("SELECT count(DISTINCT url) FROM captures").fetchone()[0]
        res["memory"]["runs"].append({"target_pages": pages, "scale": scale, "pages": n,
                                      "crawl_seconds": round(rec["crawl_seconds"], 1),
                                      "crawl_peak_rss_kb": rec["crawl_peak_rss_kb"], "peak_rss_kb": rec["peak_rss_kb"],
                                      "from": "crawl only"})
        log(f"memory: {n} pages, crawl peak RSS {rec['crawl_peak_rss_kb'] / 1024:.0f} MB")


def stage_queries(res: dict, work: Path, n_reports: int) -> None:
    import synth

    log(f"queries: building a synthetic archive of {n_reports} reports")
    res["queries_build"] = synth.build(work / "synth.db", n_reports)
    log("queries: timing")
    res["queries"] = synth.time_queries(work / "synth.db")


def snapshot(work: Path) -> Path:
    """A frozen copy of the source tree to run from, so commits landing during a long run do not change the
    code under test half-way (the sample web of the recrawl must be the one of the first crawl)."""
    dst = work / "src"
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(ROOT, dst, ignore=shutil.ignore_patterns(".venv", ".git", "out", "__pycache__", "*.egg-info",
                                                             "demo", ".pytest_cache", ".ruff_cache", "*.db*"))
    return dst


# -- table --------------------------------------------------------------------------------------
def _pdfs_for_extraction(n_sample: int = 12) -> list[tuple[str, bytes]]:
    """Text PDFs: the sample web's reports laid out by its reportlab writer (2019/2021 formats, tables across
    pages), plus the real pages of ../shared printed to PDF by Chromium (rendered/*.pdf, not the scans)."""
    from scraper.sampleweb.office import make_attachment
    from scraper.sampleweb.report_doc import build_doc
    from scraper.sampleweb.web import SampleWeb

    out: list[tuple[str, bytes]] = []
    web = SampleWeb(seed=1, scale=4)
    for site in web.sites():
        for rep in site.reports:
            if rep.fmt in ("2019", "2021") and len(out) < n_sample:
                out.append((rep.url.rsplit(".", 1)[0] + ".pdf", make_attachment(build_doc(rep), "pdf")))
    rendered = SHARED_REAL / "rendered"
    if rendered.exists():
        out += [(f"file:{p.name}", p.read_bytes()) for p in sorted(rendered.glob("*.pdf"))
                if not p.name.endswith(".scan.pdf")]
    return out


def _pdfplumber_text(body: bytes) -> str:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(body)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def stage_extract_pdf(res: dict, min_seconds: float, n_sample: int = 12) -> None:
    """PDF reports/s of pipeline.extract.extract against pdfplumber's own extract_text on the same files."""
    from pipeline.extract import extract

    log("PDF extraction vs pdfplumber extract_text, one core")
    pdfs = _pdfs_for_extraction(n_sample)
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(old)})
    try:
        ours = _rate(lambda url, body: extract(body, url, "application/pdf"), pdfs, min_seconds)
        base = _rate(lambda url, body: _pdfplumber_text(body), pdfs, min_seconds)
    finally:
        os.sched_setaffinity(0, old)
    sizes = [len(b) for _, b in pdfs]
    res["extract_pdf"] = {"pdfs": len(pdfs), "real_pdfs": sum(u.startswith("file:") for u, _ in pdfs),
                          "kb_median": round(statistics.median(sizes) / 1024), "kb_max": round(max(sizes) / 1024),
                          "reports_per_s": round(ours, 2), "pdfplumber_text_per_s": round(base, 2)}
    log(f"extract pdf: {ours:.2f}/s vs pdfplumber extract_text {base:.2f}/s")


def figures(res: dict) -> list[dict]:
    """The table: figure, value, baseline, ratio, goal, met."""
    rows: list[dict] = []

    def add(figure, value, baseline=None, ratio=None, goal="", met=None, unit=""):
        rows.append({"figure": figure, "value": value, "baseline": baseline, "ratio": ratio, "goal": goal,
                     "met": met, "unit": unit})

    c, b = res.get("crawl"), res.get("bare")
    if c and b:
        ours, bare = c["pages"] / c["crawl_seconds"], b["pages"] / b["seconds"]
        add("crawl throughput, crawl phase (pages/s)", round(ours, 1), round(bare, 1), round(ours / bare, 2),
            ">= 0.7x bare", ours / bare >= 0.7)
        whole = c["pages"] / c["wall_seconds"]
        add("  whole `gongkai crawl` incl. extraction+checks (pages/s)", round(whole, 1), round(bare, 1),
            round(whole / bare, 2), "(context)", None)
    r = res.get("recrawl")
    if c and r:
        add("recrawl unchanged web: time (s, whole command)", round(r["wall_seconds"], 1), round(c["wall_seconds"], 1),
            round(r["wall_seconds"] / c["wall_seconds"], 3), "<= 0.10x first", r["wall_seconds"] <= 0.1 * c["wall_seconds"])
        add("  recrawl: crawl phase (s)", round(r["crawl_seconds"], 1), round(c["crawl_seconds"], 1),
            round(r["crawl_seconds"] / c["crawl_seconds"], 3), "(context)", None)
        add("recrawl: body bytes received", r["body_bytes"], c["body_bytes"],
            round(r["body_bytes"] / max(1, c["body_bytes"]), 4), "(context)", None)
        add("recrawl: 304 responses / captures", r.get("status_304", 0), sum(v for k, v in r.items()
            if k.startswith("status_")), None, "(context)", None)
        add("recrawl: pages re-extracted", r["documents_extracted"], c["documents_extracted"], None, "0",
            r["documents_extracted"] == 0)
        if r.get("publishers_checked") is not None:
            add("recrawl: publishers the checks re-evaluated", r["publishers_checked"], c.get("publishers_checked"),
                None, "~0 (only changed ones)", r["publishers_checked"] <= max(1, (c.get("publishers_checked") or 0) // 100))
            add("  recrawl: extraction + checks after the crawl phase (s)", r["close_seconds"], c["close_seconds"],
                round(r["close_seconds"] / max(1e-9, c["close_seconds"]), 3), "(context)", None)
    k = res.get("cores")
    if k:
        ratio = k["all_cores_docs_per_s"] / max(1e-9, k["one_core_docs_per_s"])
        add(f"extraction of {k['documents']} documents: {k['cores']} cores vs 1 (docs/s)", k["all_cores_docs_per_s"],
            k["one_core_docs_per_s"], round(ratio, 2), ">= 1.7x on 2 cores", ratio >= 1.7 if k["cores"] >= 2 else None)
    for group, e in (res.get("extract") or {}).items():
        add(f"extraction {group} ({e['pages']} pages, median {e['kb_median']} KB) reports/s", e["reports_per_s"],
            e["bs4_per_s"], round(e["reports_per_s"] / e["bs4_per_s"], 2), ">= 0.5x bs4",
            e["reports_per_s"] / e["bs4_per_s"] >= 0.5)
    ep = res.get("extract_pdf")
    if ep:
        add(f"extraction of text PDFs ({ep['pdfs']} files, {ep['real_pdfs']} real, median {ep['kb_median']} KB) reports/s",
            ep["reports_per_s"], ep["pdfplumber_text_per_s"], round(ep["reports_per_s"] / ep["pdfplumber_text_per_s"], 2),
            ">= 0.5x pdfplumber text", ep["reports_per_s"] / ep["pdfplumber_text_per_s"] >= 0.5)
    rp = res.get("reparse")
    if rp:
        w, q = rp["whole"], rp["quarter"]
        add(f"reparse whole archive ({w['reports']} reports) reports/s", w["reports_per_s"], None, None, "-", None)
        add(f"reparse quarter archive ({q['reports']} reports) reports/s", q["reports_per_s"], w["reports_per_s"],
            round(q["reports_per_s"] / w["reports_per_s"], 2), "(scaling: ~1.0 = linear)", None)
    qs = res.get("queries") or {}
    replaced = {q["baseline"] for q in qs.values() if q.get("baseline")}
    for name, q in qs.items():
        base = qs.get(q.get("baseline") or "")
        if name in replaced:  # the slow form a figure replaces: its baseline, not a goal of its own
            add(f"  query {name} (median ms, baseline)", q["median_ms"], None, None, "(baseline)", None)
            continue
        add(f"query {name} (median ms)", q["median_ms"], base["median_ms"] if base else None,
            round(q["median_ms"] / base["median_ms"], 4) if base and base["median_ms"] else None, "< 100 ms",
            q["median_ms"] < 100)
    qb = res.get("queries_build") or {}
    if qb.get("summary_rebuild_seconds") is not None:
        add(f"metric_summary rebuilt from scratch ({qb['reports']:,} reports) (s)", qb["summary_rebuild_seconds"],
            None, None, "(context)", None)
    o = res.get("ocr")
    if o:
        add(f"OCR seconds per scanned page, one core ({o['pages']} pages of {o['source']})",
            o["seconds_per_page_one_core"], None, None, "(context: ~3 s idle)", None)
        add(f"OCR pages/s on all {o['cores']} cores (one process each)", o["pages_per_s_all_cores"],
            round(1 / o["seconds_per_page_one_core"], 3), round(o["pages_per_s_all_cores"] * o["seconds_per_page_one_core"], 2),
            "(scaling: ~cores)", None)
    m = res.get("memory", {}).get("runs", [])
    if len(m) >= 2:
        small, big = m[0], m[-1]
        ratio = big["crawl_peak_rss_kb"] / small["crawl_peak_rss_kb"]
        add(f"peak RSS crawl phase: {big['pages']} (target {big['target_pages']}) vs {small['pages']} pages (MB)",
            round(big["crawl_peak_rss_kb"] / 1024), round(small["crawl_peak_rss_kb"] / 1024), round(ratio, 2),
            "<= 1.2x", ratio <= 1.2)
        if small.get("peak_rss_kb"):
            add(f"  peak RSS whole first crawl incl. extraction+checks, {small['pages']} pages (MB)",
                round(small["peak_rss_kb"] / 1024), None, None, "(context)", None)
    return rows


def print_table(rows: list[dict], res: dict) -> None:
    m = res["machine"]
    print(f"\ngongkai bench — {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, "
          f"Scrapy {m['scrapy']}, SQLite {m['sqlite']}; {m['date']} ({res.get('total_seconds', 0):.0f} s)")
    head = f"{'figure':<72} {'value':>12} {'baseline':>12} {'ratio':>7}  {'goal':<24} met"
    print(head)
    print("-" * len(head))
    for r in rows:
        met = "" if r["met"] is None else ("yes" if r["met"] else "NO")
        fmt = lambda v: "" if v is None else (f"{v:,}" if isinstance(v, int) else str(v))  # noqa: E731
        print(f"{r['figure']:<72} {fmt(r['value']):>12} {fmt(r['baseline']):>12} {fmt(r['ratio']):>7}  "
              f"{r['goal']:<24} {met}")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, help="sample-web scale of the first crawl (default: ~10,000 pages)")
    ap.add_argument("--mem-pages", default="10000,50000", help="page counts of the memory figure")
    ap.add_argument("--reports", type=int, default=100_000, help="reports in the synthesised archive")
    ap.add_argument("--stages", default="crawl,bare,recrawl,cores,extract,extract_pdf,reparse,memory,queries,ocr")
    ap.add_argument("--quick", action="store_true", help="small sizes, to try the benchmark out (~2 min)")
    ap.add_argument("--out", default=str(BENCH / "out"), help="work folder (archives, logs)")
    ap.add_argument("--results", default=str(BENCH / "results.json"))
    ap.add_argument("--no-snapshot", action="store_true", help="run the working tree as it is, not a frozen copy")
    args = ap.parse_args(argv)
    if not args.no_snapshot and not os.environ.get("GONGKAI_BENCH_SNAPSHOT"):
        work = Path(args.out)
        work.mkdir(parents=True, exist_ok=True)
        src = snapshot(work.resolve())
        env = {**os.environ, "GONGKAI_BENCH_SNAPSHOT": "1", "GONGKAI_BENCH_SHARED": str(ROOT.parent / "shared")}
        argv2 = [*(argv if argv is not None else sys.argv[1:]), "--out", str(work.resolve()),
                 "--results", str(Path(args.results).resolve())]
        sys.exit(subprocess.run([PY, str(src / "bench" / "run.py"), *argv2], env=env, cwd=src).returncode)
    mem_pages = [int(x) for x in args.mem_pages.split(",")]
    if args.quick:
        mem_pages, args.reports = [1000, 3000], 5000
        args.scale = args.scale or 16
    scale = args.scale or round(mem_pages[0] / PAGES_PER_SITE)
    stages = args.stages.split(",")
    work = Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    res: dict = {"machine": machine(), "args": {"scale": scale, "mem_pages": mem_pages, "reports": args.reports,
                                                "quick": args.quick, "concurrency": CONCURRENCY,
                                                "per_domain": PER_DOMAIN, "timeout": TIMEOUT, "retries": RETRIES}}
    t0 = time.monotonic()
    timings: dict[str, float] = {}

    def timed(name, fn):
        if name in stages:
            t = time.monotonic()
            fn()
            timings[name] = round(time.monotonic() - t, 1)

    timed("crawl", lambda: stage_crawl(res, work, scale))
    timed("bare", lambda: stage_bare(res, work, scale))
    timed("recrawl", lambda: stage_recrawl(res, work, scale))
    # both cores free: before the memory crawl takes one of them
    timed("cores", lambda: stage_cores(res, work, 400 if args.quick else 2000))
    # the memory crawls (not timed) run on core 0 while the one-core stages run on core 1
    cores = sorted(os.sched_getaffinity(0))
    parallel = len(cores) >= 2 and "memory" in stages
    mem_thread = None
    if parallel:
        import threading

        mem_thread = threading.Thread(target=lambda: timed("memory", lambda: stage_memory(
            res, work, mem_pages, scale, {cores[0]})), daemon=True)
        mem_thread.start()
        os.sched_setaffinity(0, {cores[1]})
    try:
        timed("extract", lambda: stage_extract(res, work, 1.0 if args.quick else 3.0))
        timed("extract_pdf", lambda: stage_extract_pdf(res, 1.0 if args.quick else 3.0, 4 if args.quick else 12))
        timed("reparse", lambda: stage_reparse(res, work))
        timed("queries", lambda: stage_queries(res, work, args.reports))
    finally:
        os.sched_setaffinity(0, set(cores))
    if mem_thread is not None:
        mem_thread.join()
    elif "memory" in stages:
        timed("memory", lambda: stage_memory(res, work, mem_pages, scale, None))
    from bench_ocr import stage_ocr  # on every core, after the memory crawls have let them go

    timed("ocr", lambda: stage_ocr(res, work))
    res["stage_seconds"] = timings
    res["total_seconds"] = round(time.monotonic() - t0, 1)
    res["figures"] = figures(res)
    print_table(res["figures"], res)
    Path(args.results).write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {args.results}")
    return res


if __name__ == "__main__":
    main()
