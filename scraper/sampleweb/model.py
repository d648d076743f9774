"""The world of one sample site for one night: publishers, reports, listing items.

Everything derives from (seed, site index, night) through string-seeded RNGs, so the
same inputs always give the same site. Planted anomalies follow a fixed plan for the
first five sites and a random one for the rest.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from . import numbers as N
from .urls import PAGE_SIZE, STYLES, article_path, attachment_path, column_path, hexid, listing_page

AS_OF = "2026-06-30"
LAST_YEAR = 2025

# (region, pinyin, level) — fictional places; the first five form the scale-1 web.
BASE_SITES = [("青石县", "qingshi"), ("云岭市", "yunling"), ("鹤鸣区", "heming"),
              ("松岩县", "songyan"), ("柳塘县", "liutang")]
_A = [("青", "qing"), ("云", "yun"), ("鹤", "he"), ("松", "song"), ("柳", "liu"), ("望", "wang"),
      ("翠", "cui"), ("明", "ming"), ("金", "jin"), ("玉", "yu"), ("银", "yin"), ("白", "bai"),
      ("秀", "xiu"), ("兰", "lan"), ("枫", "feng"), ("桐", "tong"), ("梅", "mei"), ("竹", "zhu")]
_B = [("石", "shi"), ("岭", "ling"), ("鸣", "ming"), ("岩", "yan"), ("塘", "tang"), ("溪", "xi"),
      ("湾", "wan"), ("坪", "ping"), ("川", "chuan"), ("峰", "feng"), ("原", "yuan"), ("滩", "tan"),
      ("洲", "zhou"), ("岗", "gang"), ("泽", "ze"), ("垣", "yuan")]
DEPTS = [("发展和改革局", "fgj"), ("财政局", "czj"), ("教育局", "jyj"), ("自然资源局", "zrzyj"),
         ("市场监督管理局", "scjgj"), ("卫生健康委员会", "wjw"), ("生态环境局", "sthjj"),
         ("住房和城乡建设局", "zjj"), ("交通运输局", "jtysj"), ("人力资源和社会保障局", "rsj")]
TITLE_FORMS = ["{p}{y}年政府信息公开工作年度报告", "{p}{y}年度政府信息公开工作年度报告",
               "{p}{y}年政府信息公开年度报告"]


def _pairs() -> list[tuple[str, str]]:
    """Two-character names with unique pinyin, none clashing with the base sites."""
    seen = {pid for _, pid in BASE_SITES}
    out = []
    for a in _A:
        for b in _B:
            if a[1] + b[1] not in seen and a[0] + b[0] not in {r[:2] for r, _ in BASE_SITES}:
                seen.add(a[1] + b[1])
                out.append((a[0] + b[0], a[1] + b[1]))
    return out


_PAIRS = _pairs()


def site_identity(idx: int) -> tuple[str, str]:
    """(region name, host id) of site idx; unique for every idx up to 5 + 2 * len(_PAIRS)."""
    if idx < len(BASE_SITES):
        return BASE_SITES[idx]
    k = idx - len(BASE_SITES)
    if k >= 2 * len(_PAIRS):
        raise ValueError("scale too large")
    name, pid = _PAIRS[(k * 7) % len(_PAIRS)]
    return (name + "县", pid) if k < len(_PAIRS) else (name + "区", pid + "qu")


@dataclass
class Publisher:
    name: str
    kind: str
    first_year: int
    deadline: str | None
    code: str
    issuer: str
    size: int
    org_code: str


@dataclass
class Attachment:
    url: str
    fmt: str
    report: Report
    #: values the attached document prints differently from its page (a planted ATTACHMENT-MISMATCH)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class Report:
    publisher: Publisher
    year: int
    fmt: str
    title: str
    published: str
    doc_id: int
    url: str = ""
    kind: str = "report"
    metrics: dict[str, float] = field(default_factory=dict)
    blanks: set[str] = field(default_factory=set)
    approximate: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    stats_in: str = "page"
    repost_of: str | None = None
    variant: dict[str, object] = field(default_factory=dict)
    modified: str = ""
    index_no: str = ""
    doc_no: str = ""
    category: str = "政府信息公开年报"
    keywords: str = "年度报告"
    column: Column | None = None

    def visible_metrics(self) -> dict[str, float]:
        """Metrics as printed: blank cells removed, suit.total derived for tables."""
        if self.kind == "image_only":
            return {}
        m = {k: v for k, v in self.metrics.items() if k not in self.blanks}
        if self.fmt == "legacy":  # prose only states details of non-zero totals
            for grp in ("review", "suit"):
                if not m.get(f"{grp}.total"):
                    for k in ("upheld", "corrected", "other"):
                        m.pop(f"{grp}.{k}", None)
            if not m.get("apps.new.total"):  # ... but the 统计表 (fujian) prints its rows, zeros included
                table = {"legacy.answers.total", "legacy.answers.disclosed", "legacy.answers.partial",
                         "legacy.answers.refused"} if self.variant.get("fujian") else set()
                m = {k: v for k, v in m.items() if not k.startswith(("legacy.apps.", "legacy.answers."))
                     or k in table or (k.startswith("legacy.apps.") and self.variant.get("fujian"))}
        if self.fmt != "legacy" and "suit.direct.total" in m and "suit.after_review.total" in m:
            m["suit.total"] = m["suit.direct.total"] + m["suit.after_review.total"]
        if self.fmt == "2021":  # section 六 states "无收取信息处理费情况": no fee was collected
            m["fees.collected_yuan"] = 0
        return m


@dataclass
class Item:
    """One entry of a listing: what the column shows, and what the link leads to."""
    title: str
    url: str
    date: str
    kind: str  # report | non_report | stub | disallowed | offsite | error
    target: str = ""
    report: Report | None = None
    error: str = ""


@dataclass
class Column:
    name: str
    path: str
    col_no: int
    main: bool
    publisher: Publisher | None
    items: list[Item] = field(default_factory=list)

    def n_pages(self, style: str) -> int:
        return max(1, -(-len(self.items) // PAGE_SIZE[style]))


@dataclass
class Site:
    idx: int
    id: str
    region: str
    name: str
    style: str
    host: str
    site_code: str
    night: int
    publishers: list[Publisher] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    pages: dict[str, Item] = field(default_factory=dict)  # non-report article pages etc.
    stubs: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    disallowed: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    anomalies: list[dict] = field(default_factory=list)
    broken: bool = False
    edited: dict[str, str] = field(default_factory=dict)  # url -> edit kind

    @property
    def base(self) -> str:
        return f"http://{self.host}"


def _date(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}"


def deadline_for(p: Publisher, year: int) -> str:
    if p.deadline:
        mm, dd = p.deadline.split("-")
    elif year >= 2019 and p.kind == "department":
        mm, dd = "01", "31"
    else:
        mm, dd = "03", "31"
    return _date(year + 1, int(mm), int(dd))


def _pub_date(rng: random.Random, p: Publisher, year: int, late: bool) -> str:
    dl = dt.date.fromisoformat(deadline_for(p, year))
    if late:
        return (dl + dt.timedelta(days=rng.randint(12, 60))).isoformat()
    start = dt.date(year + 1, 1, 6)
    span = max(0, (dl - start).days - 2)
    return (start + dt.timedelta(days=rng.randint(0, span))).isoformat()


# ---------------------------------------------------------------- anomaly plans
# Each entry: (rule, publisher index, year, options)
FIXED_PLANS: dict[int, list[tuple[str, int, int, dict]]] = {
    0: [("MISSING", 1, 2022, {}), ("T3-BALANCE", 0, 2021, {"night2": "evidence", "heavy": True, "pdf": True}),
        ("LATE", 0, 2020, {}), ("IMAGE-ONLY", 1, 2019, {}), ("ATTACH-ONLY", 0, 2016, {"fmt": "pdf"}),
        ("JS-STUB", 2, 2023, {}), ("ERRORS", 0, 0, {})],
    1: [("T3-RESULT-SUM", 0, 2022, {"night2": "fix"}), ("L-ANSWER-SUM", 0, 2015, {}), ("LATE", 1, 2023, {}),
        ("ATTACH", 1, 2021, {"fmt": "docx", "mismatch": "apps.new.total"}), ("REPOST", 2, 2024, {}), ("META-STUB", 1, 2024, {}),
        ("OFFSITE", 0, 0, {}), ("X-REPEAT", 0, 2017, {})],
    2: [("T3-ROW-SUM", 0, 2020, {}), ("T4-SUM", 1, 2022, {}), ("ATTACH", 0, 2023, {"fmt": "xls"}),
        ("NEW-LATE", 2, 2025, {}), ("TEXT-EDIT", 0, 2024, {}), ("SPLIT-T4", 0, 2021, {})],
    3: [("X-CARRY", 0, 2021, {}), ("ATTACH-ONLY", 0, 2014, {"fmt": "doc"}), ("WRONG-CHARSET", 0, 2017, {}),
        ("BLANKS", 1, 2019, {}), ("MISSING", 2, 2016, {}), ("X-REPEAT", 1, 2024, {})],
    4: [("SITE-BROKEN", 0, 0, {}), ("MISSING", 2, 2017, {}), ("ORGS-BLANK", 1, 2023, {}),
        ("TOWNSHIP", 0, 0, {})],
}
RANDOM_POOL = ["MISSING", "LATE", "T3-BALANCE", "T3-RESULT-SUM", "T3-ROW-SUM", "T4-SUM", "X-CARRY",
               "L-ANSWER-SUM", "IMAGE-ONLY", "ATTACH", "SPLIT-T4", "BLANKS"]


def plan_for(seed: int, idx: int, n_pubs: int) -> list[tuple[str, int, int, dict]]:
    if idx in FIXED_PLANS:
        return FIXED_PLANS[idx]
    rng = random.Random(f"plan:{seed}:{idx}")
    out = []
    for rule in rng.sample(RANDOM_POOL, rng.randint(1, 3)):
        year = rng.randint(2013, 2018) if rule == "L-ANSWER-SUM" else rng.randint(2020, 2024)
        opts = {"fmt": rng.choice(["pdf", "docx", "xls", "doc"])} if rule == "ATTACH" else {}
        out.append((rule, rng.randrange(n_pubs), year, opts))
    return out


# ---------------------------------------------------------------- building
def build_site(seed: int, idx: int, night: int) -> Site:
    """Build site idx as served on the given night."""
    rng = random.Random(f"site:{seed}:{idx}")
    region, pid = site_identity(idx)
    style = STYLES[idx % len(STYLES)]
    site = Site(idx=idx, id=pid, region=region, name=f"{region}人民政府", style=style,
                host=f"www.{pid}.gov.test", site_code=f"{3300000000 + rng.randint(1, 99999999):010d}",
                night=night)
    # publishers
    gov = Publisher(region, "government", 2012, None, "zf", f"{region}人民政府办公室", rng.randint(40, 160),
                    f"{rng.randint(10**8, 10**9 - 1):09d}")
    site.publishers.append(gov)
    for name, code in rng.sample(DEPTS, rng.randint(2, 4)):
        site.publishers.append(Publisher(f"{region}{name}", "department", rng.choice([2012, 2012, 2014, 2016, 2019]),
                                         None, code, f"{region}{name}", rng.randint(8, 40),
                                         f"{rng.randint(10**8, 10**9 - 1):09d}"))
    plan = plan_for(seed, idx, len(site.publishers))
    rules = {}
    for rule, pi, year, opts in plan:
        rules.setdefault(rule, []).append((min(pi, len(site.publishers) - 1), year, opts))
    if "TOWNSHIP" in rules:
        town = region[:2] + "白沙镇" if idx else "白沙镇"
        site.publishers.append(Publisher(town, "government", 2019, "02-20", "bsz", f"{town}人民政府",
                                         rng.randint(3, 10), f"{rng.randint(10**8, 10**9 - 1):09d}"))
    site.broken = "SITE-BROKEN" in rules and night == 3
    tform = TITLE_FORMS[idx % len(TITLE_FORMS)]

    def has(rule: str, pi: int, year: int) -> dict | None:
        for p2, y2, opts in rules.get(rule, []):
            if p2 == pi and y2 == year:
                return opts
        return None

    # columns
    for pi, pub in enumerate(site.publishers):
        col_no = 1229000 + idx * 10 + pi if style == "hanweb" else 0
        path = column_path(style, pi == 0, pub.code, col_no)
        cname = "政府信息公开年报" if pi == 0 else f"{pub.name.removeprefix(region)}年报"
        site.columns.append(Column(cname, path, col_no, pi == 0, pub))
    doc_seq = [10000 + idx * 1000 + rng.randint(0, 500)]

    def next_id() -> int:
        doc_seq[0] += rng.randint(1, 40)
        return doc_seq[0]

    # reports per publisher, year by year (values first, anomalies applied after)
    for pi, pub in enumerate(site.publishers):
        col = site.columns[pi]
        prng = random.Random(f"pub:{seed}:{idx}:{pi}")
        carry: dict[str, int] = {}
        prev_t2: dict[str, float] | None = None
        prev_total: int | None = None
        for year in range(pub.first_year, LAST_YEAR + 1):
            fmt = N.fmt_of_year(year)
            size = pub.size
            # values are drawn even for skipped years so planting one gap changes nothing else
            if fmt == "legacy":
                metrics = N.gen_legacy(prng, size, prev_total)
                prev_total = int(metrics["proactive.total"])
            else:
                t3 = N.gen_table3(prng, fmt, carry, size, orgs_zero=has("ORGS-BLANK", pi, year) is not None)
                carry = {c: t3["carried_out"][c] for c in N.COLS}
                t2 = (N.gen_table2_2019 if fmt == "2019" else N.gen_table2_2021)(
                    prng, prev_t2 if (prev_t2 and fmt == "2019" and "proactive.fees.prev_items" in prev_t2)
                    or (prev_t2 and fmt == "2021" and "proactive.rules.in_force" in prev_t2) else None)
                prev_t2 = t2
                metrics = {**t2, **N.flatten_table3(t3), **N.gen_table4(prng, size),
                           "proactive.total": prng.randint(300, 9000)}
            late = has("LATE", pi, year) is not None
            new_late = has("NEW-LATE", pi, year)
            published = _pub_date(prng, pub, year, late or new_late is not None)
            doc_id = next_id()
            if has("MISSING", pi, year) is not None:
                site.anomalies.append({"rule": "MISSING", "site": site.id, "publisher": pub.name, "year": year,
                                       "deadline": deadline_for(pub, year)})
                continue
            if new_late is not None and night == 1:
                site.anomalies.append({"rule": "MISSING", "site": site.id, "publisher": pub.name, "year": year,
                                       "deadline": deadline_for(pub, year), "nights": [1]})
                continue
            title = tform.format(p=pub.name, y=year)
            rep = Report(pub, year, fmt, title, published, doc_id, metrics=metrics, modified=published)
            rep.column = col
            rep.variant = {
                "word": prng.random() < (0.7 if fmt != "legacy" else 0.4),
                "split_t4": fmt != "legacy" and prng.random() < 0.15,
                "typo": fmt == "2021" and prng.random() < 0.15,
                "fujian": fmt == "legacy" and style in ("trs", "gbk") and prng.random() < 0.5,
                "approx": fmt == "legacy" and prng.random() < 0.3,
                "fw_labels": prng.random() < 0.5,
            }
            rep.index_no = "" if prng.random() < 0.15 else f"{pub.org_code}/{year + 1}-{prng.randint(1, 99999):05d}"
            rep.doc_no = ""
            if rep.variant["approx"]:
                rep.approximate = ["training.trainees"]
            rep.url = site.base + article_path(style, col.path, col.col_no, published, doc_id)
            if new_late is not None:
                site.anomalies.append({"rule": "LATE", "site": site.id, "report_url": rep.url, "publisher": pub.name,
                                       "year": year, "published": published, "deadline": deadline_for(pub, year)})
            if late:
                site.anomalies.append({"rule": "LATE", "site": site.id, "report_url": rep.url, "publisher": pub.name,
                                       "year": year, "published": published, "deadline": deadline_for(pub, year)})
            site.reports.append(rep)
            col.items.append(Item(title, rep.url, published, "report", report=rep))
    _plant(site, rules, seed, night)
    _extras(site, rules, rng, next_id)
    for col in site.columns:
        col.items.sort(key=lambda it: (it.date, it.url), reverse=True)
    return site


def _find(site: Site, pi: int, year: int) -> Report | None:
    pub = site.publishers[pi]
    for r in site.reports:
        if r.publisher is pub and r.year == year and r.repost_of is None:
            return r
    return None


def _anom(site: Site, rule: str, rep: Report, cells: list[str], **kw: object) -> dict:
    a = {"rule": rule, "site": site.id, "report_url": rep.url, "publisher": rep.publisher.name,
         "year": rep.year, "cells": cells, **kw}
    a["values"] = {c: rep.metrics[c] for c in cells if c in rep.metrics}
    site.anomalies.append(a)
    return a


def _plant(site: Site, rules: dict, seed: int, night: int) -> None:
    """Apply planted errors, variants and night edits to the generated reports."""
    prng = random.Random(f"plant:{seed}:{site.idx}")
    for rule, entries in rules.items():
        for pi, year, opts in entries:
            rep = _find(site, pi, year)
            if rep is None:
                continue
            m = rep.metrics
            fixed = opts.get("night2") == "fix" and night >= 2
            if rule == "T3-BALANCE" and rep.fmt != "legacy":
                k = 3 if (opts.get("night2") == "evidence" and night >= 2) else 2
                m["apps.new.natural_person"] += k
                m["apps.new.total"] += k
                _anom(site, rule, rep, ["apps.new.natural_person", "apps.new.total"])
                rep.variant.update(word=True, heavy=bool(opts.get("heavy")))
            elif rule == "T3-RESULT-SUM" and rep.fmt != "legacy":
                if not fixed:
                    m["apps.result.disclosed.natural_person"] += 2
                    m["apps.result.disclosed.total"] += 2
                    _anom(site, rule, rep, ["apps.result.total.natural_person", "apps.result.total.total"],
                          nights=[1] if opts.get("night2") == "fix" else None)
            elif rule == "T3-ROW-SUM" and rep.fmt != "legacy":
                a, b = "apps.result.disclosed.natural_person", "apps.result.unable.not_held.natural_person"
                if m[b] == 0:
                    m[b] += 1
                    m[b.replace("natural_person", "total")] += 1
                    m["apps.result.disclosed.natural_person"] -= 1
                    m["apps.result.disclosed.total"] -= 1
                m[a] += 1
                m[b] -= 1
                _anom(site, rule, rep, [a, a.replace("natural_person", "total"), b, b.replace("natural_person", "total")])
            elif rule == "T4-SUM" and rep.fmt != "legacy":
                m["review.total"] += 1
                _anom(site, rule, rep, ["review.upheld", "review.corrected", "review.other", "review.pending",
                                        "review.total"])
            elif rule == "X-CARRY" and rep.fmt != "legacy" and rep.year >= 2020:
                for c in ("natural_person", "total"):
                    m[f"apps.carried_in.{c}"] += 1
                    m[f"apps.result.disclosed.{c}"] += 1
                    m[f"apps.result.total.{c}"] += 1
                site.anomalies.append({"rule": "X-CARRY", "site": site.id, "publisher": rep.publisher.name,
                                       "year": rep.year, "report_url": rep.url,
                                       "cells": ["apps.carried_in.natural_person", "apps.carried_in.total"]})
            elif rule == "L-ANSWER-SUM" and rep.fmt == "legacy":
                m["legacy.answers.total"] += 5
                m.pop("legacy.answers.rate_pct", None)
                _anom(site, rule, rep, ["legacy.answers.total"])
            elif rule == "IMAGE-ONLY":
                rep.kind, rep.stats_in = "image_only", "none"
                rep.title += "（图片版）"
                site.anomalies.append({"rule": "IMAGE-ONLY", "site": site.id, "report_url": rep.url,
                                       "publisher": rep.publisher.name, "year": rep.year})
            elif rule in ("ATTACH", "ATTACH-ONLY"):
                fmt = opts.get("fmt", "pdf")
                if fmt == "xls" and rep.fmt == "legacy":
                    fmt = "pdf"
                _attach(site, rep, fmt)
                key = opts.get("mismatch")
                if key and key in m:
                    att = rep.attachments[-1]
                    att.metrics[key] = m[key] + 10
                    _anom(site, "ATTACHMENT-MISMATCH", rep, [key], attachment_url=att.url,
                          attachment_values=dict(att.metrics))
                if rule == "ATTACH-ONLY":
                    rep.stats_in = "attachment"
            elif rule == "SPLIT-T4":
                rep.variant["split_t4"] = True
            elif rule == "BLANKS" and rep.fmt != "legacy":
                rep.blanks = {k for k in rep.metrics if k.startswith("apps.result.") and k.endswith(".total")
                              and not k.startswith("apps.result.total.")}
            elif rule == "ORGS-BLANK" and rep.fmt != "legacy":
                rep.blanks = {k for k in rep.metrics if k.startswith("apps.") and k.rsplit(".", 1)[1] in N.COLS[1:]}
            elif rule == "X-REPEAT":  # 内容雷同: last year's prose, this year's numbers
                prev = _find(site, pi, year - 1)
                if prev is not None and prev.fmt == rep.fmt and prev.kind == rep.kind == "report":
                    rep.variant["prose_year"] = year - 1
                    site.anomalies.append({"rule": "X-REPEAT", "site": site.id, "report_url": rep.url,
                                           "publisher": rep.publisher.name, "year": rep.year})
            elif rule == "WRONG-CHARSET":
                rep.variant["wrong_charset"] = True
            elif rule == "TEXT-EDIT" and night >= 2:
                rep.variant["text_edit"] = True
            if opts.get("pdf"):
                _attach(site, rep, "pdf")
            if opts.get("night2") and night >= 2:
                rep.modified = "2026-05-1" + str(min(night, 2))
                site.edited[rep.url] = opts["night2"]
                site.anomalies.append({"rule": "CHANGED", "site": site.id, "report_url": rep.url,
                                       "publisher": rep.publisher.name, "year": rep.year, "night": 2,
                                       "edit": opts["night2"]})
            if rule == "TEXT-EDIT" and night >= 2:
                rep.modified = "2026-05-12"
                site.edited[rep.url] = "text"
                site.anomalies.append({"rule": "CHANGED", "site": site.id, "report_url": rep.url,
                                       "publisher": rep.publisher.name, "year": rep.year, "night": 2,
                                       "edit": "text"})
    if "SITE-BROKEN" in rules and night == 3:
        site.anomalies.append({"rule": "SITE-BROKEN", "site": site.id, "night": 3})
    for a in site.anomalies:
        if a.get("nights") is None:
            a.pop("nights", None)
    del prng


def _attach(site: Site, rep: Report, fmt: str) -> None:
    col = rep.column
    assert col is not None
    url = site.base + attachment_path(site.style, col.path, rep.published, rep.doc_id, fmt)
    rep.attachments.append(Attachment(url, fmt, rep))


def _extras(site: Site, rules: dict, rng: random.Random, next_id) -> None:
    """Non-report items, reposts, redirect stubs and the hazards of the main column."""
    main = site.columns[0]
    st, base = site.style, site.base

    def art(col: Column, date: str) -> str:
        return base + article_path(st, col.path, col.col_no, date, next_id())

    r = site.region
    for title, date in (("关于2014年政府信息公开工作要点落实情况的函", "2014-11-20"),
                        (f"{r}政府信息公开指南", "2020-03-02"),
                        (f"{r}召开2023年政务公开工作推进会", "2023-04-18"),
                        (f"{r}2022年政务公开工作要点", "2022-05-09")):
        it = Item(title, art(main, date), date, "non_report")
        main.items.append(it)
        site.pages[it.url] = it
    for pi, year, _ in rules.get("REPOST", []):
        orig = _find(site, 0, year)
        if orig is None:
            continue
        col = site.columns[pi]
        date = (dt.date.fromisoformat(orig.published) + dt.timedelta(days=3)).isoformat()
        rep = Report(orig.publisher, year, orig.fmt, orig.title, date, next_id(), metrics=orig.metrics,
                     variant=dict(orig.variant), index_no=orig.index_no, modified=date, column=col)
        rep.url = art(col, date)
        rep.repost_of = orig.url
        site.reports.append(rep)
        col.items.append(Item(rep.title, rep.url, date, "report", report=rep))
    for kind in ("JS-STUB", "META-STUB"):
        for pi, year, _ in rules.get(kind, []):
            rep = _find(site, pi, year)
            if rep is None:
                continue
            col = site.columns[pi]
            col.items = [it for it in col.items if it.report is not rep]
            stub = art(col, rep.published)
            site.stubs[stub] = rep.url
            col.items.append(Item(rep.title, stub, rep.published, "stub", target=rep.url))
            site.pages[stub] = Item(rep.title, stub, rep.published, "js" if kind == "JS-STUB" else "meta",
                                    target=rep.url)
    if "ERRORS" in rules:
        hz = [("政务公开工作动态（一）", "2021-06-01", "404"), ("政务公开工作动态（二）", "2021-07-01", "500"),
              ("政务公开工作动态（三）", "2021-08-01", "timeout"), ("政务公开工作动态（四）", "2021-09-01", "truncated")]
        for title, date, kind in hz:
            url = art(main, date)
            main.items.append(Item(title, url, date, "error", error=kind))
            site.errors[url] = kind
        loop = base + main.path + "redirect/a.html"
        site.errors[loop] = "redirect_loop"
        main.items.append(Item("政务公开专题（旧版）", loop, "2019-10-10", "error", error="redirect_loop"))
        dis = base + main.path + "preview/t20240110_1.html"
        site.disallowed.append(dis)
        main.items.append(Item(f"{r}2023年政府信息公开工作年度报告（审核稿）", dis, "2024-01-10", "disallowed"))
        site.pages[dis] = Item("审核稿", dis, "2024-01-10", "non_report")
    if "ERRORS" in rules or "OFFSITE" in rules:
        for url, title in ((f"http://tongji.{site.id}.gov.test/tjgb/2024/index.html", f"{r}2024年统计公报"),
                           ("http://www.qingshi.gov.test/zwgk/xwzx/t20240301_77.html" if site.id != "qingshi"
                            else "http://www.yunling.gov.test/col/col9/index.html", "兄弟县区政务公开动态")):
            site.offsite.append(url)
            main.items.append(Item(title, url, "2024-03-05", "offsite"))


def listing_urls(site: Site, col: Column) -> list[str]:
    return [site.base + listing_page(site.style, col.path, i) for i in range(col.n_pages(site.style))]


def robots_disallow(site: Site) -> list[str]:
    return [site.columns[0].path + "preview/"] if site.disallowed else []


__all__ = ["AS_OF", "Site", "Report", "Item", "Column", "Publisher", "Attachment", "build_site",
           "deadline_for", "listing_urls", "robots_disallow", "hexid"]
