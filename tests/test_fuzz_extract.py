"""Hostile-input fuzzing of the extractors: seeded random mutations (byte flips, truncation, splicing,
repeated regions, hostile markup) of the sample web's pages and documents (HTML, PDF, DOCX, DOC, XLS) and of
tests/fixtures/html. No exception may escape `extract`, every error must be a one-line string, and memory
stays bounded: the whole run is in a subprocess capped at 1 GiB of address space."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SEED = 20261204
#: wall-clock budget of the mutations (the test as a whole stays under 30 s)
BUDGET_S = 14.0
MAX_CASES = 400
KINDS = {"report", "not_report", "image_only"}
HOSTILE = [b'<td rowspan="100000" colspan="99999">1</td>', b"<table><tr>" * 50, b'<tr><td colspan="1e9">',
           b"\x00" * 64, b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"&#0;&#xFFFFFF;" * 20,
           b"<!--" * 10, b"</div>" * 200]


def corpus() -> list[tuple[str, bytes]]:
    """(url, bytes): the sample web's first reports and one attachment of each format, and the fixtures."""
    from scraper.sampleweb import SampleWeb

    web = SampleWeb(seed=1, scale=1, night=1)
    truth = web.truth()
    docs: list[tuple[str, bytes]] = []
    for rep in truth["reports"][:3]:
        status, body = web.get_bytes(rep["url"])
        if status == 200:
            docs.append((rep["url"], body))
    seen = set()
    for att in truth["attachments"]:
        if att["format"] not in seen:
            status, body = web.get_bytes(att["url"])
            if status == 200:
                seen.add(att["format"])
                docs.append((att["url"], body))
    for path in sorted((TESTS / "fixtures" / "html").glob("*.html")):
        docs.append((f"http://www.fixture.gov.test/{path.name}", path.read_bytes()))
    return docs


def mutate(rng: random.Random, body: bytes, other: bytes) -> tuple[str, bytes]:
    how = rng.choice(("flip", "truncate", "splice", "repeat", "hostile"))
    n = len(body)
    if how == "flip":
        out = bytearray(body)
        for _ in range(rng.randint(1, 24)):
            out[rng.randrange(n)] = rng.randrange(256)
        return how, bytes(out)
    if how == "truncate":
        return how, body[: rng.randrange(n)]
    if how == "splice":
        i, j = rng.randrange(n), rng.randrange(len(other))
        return how, body[:i] + other[j: j + rng.randint(1, 4096)] + body[i:]
    if how == "repeat":
        i = rng.randrange(n)
        j = min(n, i + rng.randint(1, 2048))
        return how, body[:i] + body[i:j] * rng.randint(2, 200) + body[j:]
    i = rng.randrange(n)
    return how, body[:i] + rng.choice(HOSTILE) * rng.randint(1, 30) + body[i:]


def fuzz_main() -> None:
    """Runs in the capped subprocess; prints one JSON line of what it saw."""
    from pipeline.extract import extract

    docs = corpus()
    rng = random.Random(SEED)
    seen = {"cases": 0, "with_errors": 0, "bad_errors": [], "bad_kinds": [], "slowest": 0.0, "kinds": []}
    kinds = set()
    start = time.monotonic()
    while seen["cases"] < MAX_CASES and time.monotonic() - start < BUDGET_S:
        url, body = rng.choice(docs)
        how, mutated = mutate(rng, body, rng.choice(docs)[1])
        t = time.monotonic()
        ex = extract(mutated, url)  # an exception escaping here fails the test (non-zero exit, traceback)
        seen["slowest"] = max(seen["slowest"], time.monotonic() - t)
        seen["cases"] += 1
        kinds.add(url.rsplit(".", 1)[-1])
        seen["with_errors"] += bool(ex.errors)
        for e in ex.errors:
            if not isinstance(e, str) or "\n" in e or "Traceback" in e or not e.strip():
                seen["bad_errors"].append([url, how, repr(e)[:300]])
        if ex.kind not in KINDS:
            seen["bad_kinds"].append([url, how, ex.kind])
    seen["kinds"] = sorted(kinds)
    seen["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(seen))


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1024 ** 3, 1024 ** 3))


def test_mutated_documents_never_crash_the_extractors_and_give_one_line_errors():
    code = f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(TESTS)!r}]; import test_fuzz_extract as f; f.fuzz_main()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90,
                         preexec_fn=_cap, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["bad_errors"] == [] and seen["bad_kinds"] == []
    assert seen["cases"] >= 60, seen  # enough cases ran within the budget to mean something
    assert {"html", "pdf", "docx", "doc", "xls"} <= set(seen["kinds"]), seen["kinds"]
    assert seen["with_errors"] > 0  # mutations do break documents, and that is said
    assert seen["slowest"] < 10 and seen["rss_mb"] < 700, seen
