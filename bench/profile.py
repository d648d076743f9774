"""Profile a gongkai command with py-spy and print where the time goes (inclusive and self, by function).

Usage: python bench/profile.py [--rate 100] [--top 30] [--filter SUBSTRING] -- gongkai ARGS...
e.g.   python bench/profile.py -- reparse --db bench/out/quarter.db --archive bench/out/archive
       python bench/profile.py -- crawl --sites bench/out/sites.toml --db /tmp/p.db --no-progress
(the crawl needs `gongkai web` serving the registry's proxy). Samples only on-CPU time (py-spy without
--idle); the raw collapsed stacks are kept in bench/out/profile.txt.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def summarise(raw: Path, top: int, only: str | None = None) -> str:
    total, own, incl = 0, collections.Counter(), collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        if only and not any(only in f for f in frames):
            continue
        total += int(n)
        own[frames[-1]] += int(n)
        for f in set(frames):
            incl[f] += int(n)
    out = [f"{total} samples" + (f" under {only}" if only else "")]
    out.append("inclusive:")
    out += [f"  {n * 100 / total:5.1f}%  {f}" for f, n in incl.most_common(top)]
    out.append("self:")
    out += [f"  {n * 100 / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--filter")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    args = a.args[1:] if a.args[:1] == ["--"] else a.args
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    raw = BENCH / "out" / "profile.txt"
    raw.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([spy, "record", "-r", str(a.rate), "-f", "raw", "-o", str(raw), "--", sys.executable, "-c",
                    "from archive.cli import main; main()", *args], check=False, stdout=subprocess.DEVNULL)
    print(summarise(raw, a.top, a.filter))


if __name__ == "__main__":
    main()
