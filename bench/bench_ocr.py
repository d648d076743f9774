"""OCR cost: seconds per scanned page on one core, and pages/s on every core (one process per core).

Usage: python bench/bench_ocr.py [--pages N]   (also `stage_ocr` of bench/run.py, stage "ocr")
Pages: the first N pages of ../shared/fixtures/real/rendered/*.scan.pdf (150 dpi scans), else the sample
web's scan of one of its reports. Each process loads the engine once (not timed), as extraction's workers do.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED_RENDERED = Path(os.environ.get("GONGKAI_BENCH_SHARED") or ROOT.parent / "shared") / "fixtures" / "real" / "rendered"


def scan_pages(n: int) -> list[bytes]:
    """Up to n one-page image PDFs, from the real scans when they are there."""
    import pypdfium2 as pdfium

    sources = sorted(SHARED_RENDERED.glob("*.scan.pdf")) if SHARED_RENDERED.exists() else []
    blobs = [p.read_bytes() for p in sources] or [_sample_scan()]
    out: list[bytes] = []
    for blob in blobs:
        src = pdfium.PdfDocument(blob)
        for i in range(len(src)):
            if len(out) >= n:
                return out
            one = pdfium.PdfDocument.new()
            one.import_pages(src, [i])
            buf = io.BytesIO()
            one.save(buf)
            out.append(buf.getvalue())
    return out


def _sample_scan() -> bytes:
    from urllib.parse import urlsplit

    from scraper.sampleweb import SampleWeb

    web = SampleWeb(scans=1)
    url = next(a["url"] for a in web.truth()["attachments"] if a["format"] == "scan")
    u = urlsplit(url)
    return web.respond("GET", u.netloc, u.path).body


def _ocr_one(body: bytes) -> float:
    from pipeline.extract.ocr import ocr_pdf
    from pipeline.limits import Budget

    t = time.perf_counter()
    ocr_pdf(body, Budget(600))
    return time.perf_counter() - t


def _warm(_: int) -> None:
    from pipeline.extract.ocr import engine

    engine()


def measure(n_pages: int = 6) -> dict:
    pages = scan_pages(n_pages)
    cores = sorted(os.sched_getaffinity(0))
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cores[-1]})
    try:
        _warm(0)
        one = [_ocr_one(p) for p in pages]
    finally:
        os.sched_setaffinity(0, old)
    with ProcessPoolExecutor(max_workers=len(cores)) as pool:
        list(pool.map(_warm, range(len(cores) * 2)))
        t = time.perf_counter()
        list(pool.map(_ocr_one, pages * 2))
        wall = time.perf_counter() - t
    return {"pages": len(pages), "source": "real scans" if SHARED_RENDERED.exists() else "sample web scan",
            "seconds_per_page_one_core": round(statistics.median(one), 2), "best_one_core": round(min(one), 2),
            "cores": len(cores), "pages_per_s_all_cores": round(2 * len(pages) / wall, 3)}


def stage_ocr(res: dict, work: Path | None = None) -> None:
    res["ocr"] = measure()


if __name__ == "__main__":
    n = int(sys.argv[sys.argv.index("--pages") + 1]) if "--pages" in sys.argv else 6
    print(measure(n))
