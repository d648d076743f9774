"""Who must publish a report for which year, and by when (spec/checks.md "Deadlines").

Expected publishers: every publisher of the site registry from its `first_year`, plus every
publisher already seen in the archive from its first archived year (so a gap year is MISSING).
Deadlines (report for year Y, published in Y+1): Y ≥ 2019 departments 01-31, governments 03-31
(条例 2019 art. 49); Y ≤ 2018 everyone 03-31 (old art. 31); the registry may override per publisher.
Pure: archive/ reads the registry's publishers (`archive.checking.registry_publishers`) and hands them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

#: days after the legal deadline before a report counts as MISSING
DEFAULT_GRACE_DAYS = 0

_DEPARTMENT_SUFFIXES = ("局", "委", "委员会", "办", "办公室", "办公厅", "厅", "部", "署", "院", "所", "中心", "站",
                        "队", "处", "科", "室", "会", "馆", "司", "行", "监狱")


def normalise(name: str | None) -> str:
    """Publisher names compare without whitespace (titles are printed with stray spaces)."""
    return re.sub(r"\s+", "", name or "")


def guess_kind(name: str) -> str:
    """"department" for bodies like 沭阳县发展和改革局 or 上海市人民政府办公厅, else "government"."""
    n = normalise(name)
    if n.endswith("人民政府"):
        return "government"
    return "department" if n.endswith(_DEPARTMENT_SUFFIXES) else "government"


def legal_deadline(year: int, kind: str) -> date:
    """The statutory date by which the report for `year` must be published."""
    if year >= 2019 and kind == "department":
        return date(year + 1, 1, 31)
    return date(year + 1, 3, 31)


@dataclass(frozen=True)
class Publisher:
    """A body expected to publish yearly reports (from the registry, or seen in the archive)."""

    name: str
    kind: str = "government"
    first_year: int | None = None
    last_year: int | None = None
    #: "MM-DD" in year Y+1, overriding the legal deadline (township and local rules)
    deadline: str | None = None
    site: str | None = None
    aliases: tuple[str, ...] = ()
    from_registry: bool = False


@dataclass(frozen=True)
class Expected:
    """Publisher × year whose deadline (+ grace) has passed."""

    publisher: str
    year: int
    deadline: date
    due: date
    site: str | None = None


@dataclass
class Expectations:
    """Expected publishers and their deadlines; `expected(reports, as_of)` lists what is due."""

    publishers: dict[str, Publisher] = field(default_factory=dict)
    grace_days: int = DEFAULT_GRACE_DAYS
    _alias: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, publishers: Iterable[Publisher] | None = None, reports: Iterable[Any] = (),
              grace_days: int = DEFAULT_GRACE_DAYS) -> Expectations:
        """From the registry's publishers (if any) plus every publisher seen in `reports` (records with
        .publisher/.year/.site)."""
        exp = cls(grace_days=grace_days)
        for p in publishers or ():
            exp.add(p)
        exp.add_seen(reports)
        return exp

    def add(self, p: Publisher) -> None:
        self.publishers[p.name] = p
        for a in p.aliases:
            self._alias[a] = p.name

    def canonical(self, name: str | None) -> str:
        n = normalise(name)
        return self._alias.get(n, n)

    def add_seen(self, reports: Iterable[Any]) -> None:
        """Publishers already in the archive are expected from their first archived year."""
        first: dict[str, tuple[int, str | None]] = {}
        for r in reports:
            if not r.publisher or r.year is None or getattr(r, "kind", "report") == "not_report":
                continue
            n = self.canonical(r.publisher)
            if n not in first or r.year < first[n][0]:
                first[n] = (r.year, getattr(r, "site", None))
        for n, (year, site) in first.items():
            known = self.publishers.get(n)
            if known is None:
                self.add(Publisher(name=n, kind=guess_kind(n), first_year=year, site=site))
            elif known.first_year is None:
                self.add(Publisher(**{**known.__dict__, "first_year": year}))

    def deadline(self, publisher: str, year: int) -> date:
        """The publisher's deadline for the report of `year` (override, else the legal one)."""
        p = self.publishers.get(self.canonical(publisher)) or Publisher(name=publisher, kind=guess_kind(publisher))
        if p.deadline:
            month, day = (int(x) for x in p.deadline.split("-"))
            return date(year + 1, month, day)
        return legal_deadline(year, p.kind)

    def expected(self, as_of: date) -> list[Expected]:
        """Every (publisher, year) from its first year whose deadline + grace is before `as_of`."""
        out = []
        for p in self.publishers.values():
            if p.first_year is None:
                continue
            year = p.first_year
            while p.last_year is None or year <= p.last_year:
                dl = self.deadline(p.name, year)
                due = dl + timedelta(days=self.grace_days)
                if due >= as_of:
                    break
                out.append(Expected(p.name, year, dl, due, p.site))
                year += 1
        return out
