"""Time `pipeline.extract.extract` on one core: a 350 KB Word-pasted page and a 40 KB page.

Usage: python bench/bench_extract.py [FILE ...]   (default: ../shared 平潭 2021 page + a built 40 KB page)
Prints the median and best of N runs per file (after one warm-up). Targets: < 200 ms and < 20 ms.
Not a timed test: machines differ; run it by hand after touching the hot path.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extract import extract  # noqa: E402

REAL = ROOT.parent / "shared" / "fixtures" / "real" / "pingtan_2021.html"
OWN = ROOT / "tests" / "fixtures" / "html" / "split_numbers.html"
PARA = ('<p class="MsoNormal" style="TEXT-INDENT: 32pt; LINE-HEIGHT: 28pt; mso-line-height-rule: exactly">'
        '<span style="FONT-FAMILY: 仿宋_GB2312; FONT-SIZE: 16pt; mso-ascii-font-family: 仿宋">'
        '全年主动公开政府信息2645条，主要通过政府网站、政务新媒体等媒介进行公开。</span></p>\n')


def page_40k() -> bytes:
    """The synthetic split-numbers report padded with Word-style paragraphs to 40 KB."""
    html = OWN.read_text(encoding="utf-8")
    pad = ""
    while len((html + pad).encode()) < 40_000:
        pad += PARA
    return html.replace("<p>一、总体情况</p>", "<p>一、总体情况</p>" + pad, 1).encode()


def bench(name: str, body: bytes, runs: int = 30) -> None:
    extract(body)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        ex = extract(body)
        times.append((time.perf_counter() - t) * 1000)
    print(f"{name:<28} {len(body) / 1024:7.0f} KB  median {statistics.median(times):7.1f} ms  "
          f"best {min(times):7.1f} ms  metrics {len(ex.metrics)}")


def main(argv: list[str]) -> None:
    if argv:
        for p in argv:
            bench(Path(p).name, Path(p).read_bytes())
        return
    if REAL.exists():
        bench(REAL.name, REAL.read_bytes())
    else:
        print(f"{REAL} not present; pass files as arguments")
    bench("built_40k.html", page_40k())


if __name__ == "__main__":
    main(sys.argv[1:])
