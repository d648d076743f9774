"""Scoring a scan's extraction against its real page's answer key: table cells right / wrong / missing,
and whether each wrong value is flagged (inside a table an OCR-IDENTITY flag names, or marked approximate).

Used by tests/test_ocr_real.py; `python tests/ocr_score.py [--cache DIR] NAME...` prints the same scores.
With --cache, the recogniser's raw result for each page image is kept in DIR (a pickle keyed by the image's
sha256), so experiments on the table readers do not OCR the pages again (a development aid only).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

TABLE_PREFIXES = ("apps.", "review.", "suit.", "proactive.rules.", "proactive.normative.", "proactive.licensing.",
                  "proactive.other_services.", "proactive.penalty.", "proactive.coercion.", "proactive.fees.",
                  "proactive.procurement.")
_TABLE_OF = (("apps.", "三"), ("review.", "四"), ("suit.", "四"), ("proactive.", "二"))


def table_of(key: str) -> str:
    return next(t for p, t in _TABLE_OF if key.startswith(p))


@dataclass
class Score:
    name: str
    right: int = 0
    wrong: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    #: wrong values neither in a table OCR-IDENTITY flags nor marked approximate
    silent: list[str] = field(default_factory=list)
    fields_missing: list[str] = field(default_factory=list)

    @property
    def cells(self) -> int:
        return self.right + len(self.wrong) + len(self.missing)

    @property
    def rate(self) -> float:
        return self.right / self.cells if self.cells else 0.0

    def line(self) -> str:
        return (f"{self.name}: {self.right}/{self.cells} right ({100 * self.rate:.1f}%), {len(self.wrong)} wrong, "
                f"{len(self.missing)} missing, {len(self.silent)} wrong outside a flagged table; "
                f"fields missing: {', '.join(self.fields_missing) or 'none'}")


def score(name: str, ex, key: dict) -> Score:
    from pipeline.checks import run_report_rules

    flagged = {table_of(c) for f in run_report_rules(ex) if f.rule == "OCR-IDENTITY" for c in f.cells}
    s = Score(name)
    for k, v in key["metrics"].items():
        if not k.startswith(TABLE_PREFIXES):
            continue
        got = ex.metrics.get(k)
        if got is None:
            s.missing.append(k)
        elif got == v:
            s.right += 1
        else:
            s.wrong.append(f"{k}: key={v} got={got}")
            if table_of(k) not in flagged and k not in ex.approximate:
                s.silent.append(k)
    s.fields_missing = [f for f in ("title", "year", "publisher") if key.get(f) and not ex.fields.get(f)]
    return s


def cache_recogniser(directory: Path) -> None:
    """Make pipeline.extract.ocr's engine remember its result per page image in `directory`."""
    import hashlib
    import pickle

    import pipeline.extract.ocr as ocr

    directory.mkdir(parents=True, exist_ok=True)
    real = ocr.engine

    def cached(image, **kw):
        path = directory / f"{hashlib.sha256(image.tobytes() + str(image.shape).encode()).hexdigest()}.pkl"
        if path.exists():
            return pickle.loads(path.read_bytes())
        out = real()(image, **kw)
        path.write_bytes(pickle.dumps(out))
        return out

    ocr.engine = lambda: cached


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    args = sys.argv[1:]
    if args[:1] == ["--cache"]:
        cache_recogniser(Path(args[1]))
        args = args[2:]
    from pipeline.extract import extract

    rendered = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"
    for name in args or ["pingtan_2018", "pingtan_2019", "pingtan_2021", "pingtan_2023", "shuyang_fgj_2023"]:
        ex = extract((rendered / "rendered" / f"{name}.scan.pdf").read_bytes(), f"{name}.scan.pdf")
        s = score(name, ex, json.loads((rendered / f"{name}.key.json").read_text(encoding="utf-8")))
        print(s.line())
        for w in s.wrong:
            print("   wrong", w)
        print("   missing", " ".join(s.missing))
        print("   errors", ex.errors, "kind", ex.kind, "approx", len(ex.approximate))
