"""Deterministic statistics for one publisher's reports, consistent with the checks.

Values are generated year by year so cross-year identities (carry-over, prev_items,
in_force) hold; planted anomalies are applied afterwards by ``anomalies.py``.
"""

from __future__ import annotations

import random

from pipeline.formats import table3 as F3

COLS = list(F3.APPLICANT_KEYS)
ALL_COLS = COLS + ["total"]

WITHHELD = [r.key.rsplit(".", 1)[1] for r in F3.LEAVES_COMMON if r.group == "withheld"]
UNABLE = [r.key.rsplit(".", 1)[1] for r in F3.LEAVES_COMMON if r.group == "unable"]
IGNORED = [r.key.rsplit(".", 1)[1] for r in F3.LEAVES_COMMON if r.group == "ignored"]
OTHER_2021 = [r.key.rsplit(".", 1)[1] for r in F3.OTHER_2021]


def result_leaves(fmt: str) -> list[str]:
    """Leaf rows of the 办理结果 block, in table order (pipeline.formats.table3)."""
    return [r.key for r in F3.leaves("2021" if fmt == "2021" else "2019")]


def t3_rows(fmt: str) -> list[str]:
    return ["new", "carried_in", *result_leaves(fmt), "result.total", "carried_out"]


_LEAF_WEIGHT = {"result.disclosed": 40, "result.partial": 8, "result.unable.not_held": 25,
                "result.unable.needs_creation": 4, "result.unable.unclear": 3,
                "result.ignored.petition": 3, "result.ignored.repeat": 3}


def fmt_of_year(year: int) -> str:
    return "legacy" if year <= 2018 else ("2019" if year <= 2020 else "2021")


def gen_table3(rng: random.Random, fmt: str, carried_in: dict[str, int], size: int,
               orgs_zero: bool = False) -> dict[str, dict[str, int]]:
    """Table 三 as {row: {col: value}} with every identity holding."""
    leaves = result_leaves(fmt)
    weights = [_LEAF_WEIGHT.get(r, 1) for r in leaves]
    t: dict[str, dict[str, int]] = {r: {} for r in t3_rows(fmt)}
    for c in COLS:
        if c == "natural_person":
            new = rng.randint(size // 3, size)
        elif orgs_zero:
            new = 0
        else:
            new = rng.randint(0, max(1, size // 12)) if rng.random() < 0.45 else 0
        cin = carried_in.get(c, 0)
        handled = new + cin
        cout = min(handled, rng.randint(0, 3)) if rng.random() < 0.35 else 0
        done = handled - cout
        counts = dict.fromkeys(leaves, 0)
        for r in rng.choices(leaves, weights, k=done):
            counts[r] += 1
        t["new"][c], t["carried_in"][c], t["carried_out"][c] = new, cin, cout
        t["result.total"][c] = done
        for r in leaves:
            t[r][c] = counts[r]
    for r in t:
        t[r]["total"] = sum(t[r][c] for c in COLS)
    return t


def flatten_table3(t: dict[str, dict[str, int]]) -> dict[str, int]:
    return {f"apps.{r}.{c}": v for r, cols in t.items() for c, v in cols.items()}


def gen_table4(rng: random.Random, size: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for grp in ("review", "suit.direct", "suit.after_review"):
        vals = [rng.randint(0, max(1, size // 40)) if rng.random() < 0.5 else 0 for _ in range(4)]
        for k, v in zip(("upheld", "corrected", "other", "pending"), vals, strict=True):
            out[f"{grp}.{k}"] = v
        out[f"{grp}.total"] = sum(vals)
    return out


def gen_table2_2019(rng: random.Random, prev: dict[str, float] | None) -> dict[str, float]:
    """2019-format table 二; prev_items continue last year's prev_items + change."""
    m: dict[str, float] = {}
    for k in ("rules", "normative"):
        made = rng.randint(0, 3) if k == "rules" else rng.randint(2, 60)
        m[f"proactive.{k}.made"] = made
        m[f"proactive.{k}.published"] = made
        base = prev.get(f"proactive.{k}.published_total", rng.randint(made, 400)) if prev else rng.randint(made, 400)
        m[f"proactive.{k}.published_total"] = int(base) + made if prev else max(int(base), made)
    for k, hi in (("licensing", 600), ("other_services", 40), ("penalty", 3000), ("coercion", 150), ("fees", 60)):
        if prev and f"proactive.{k}.prev_items" in prev:
            p = int(prev[f"proactive.{k}.prev_items"] + prev[f"proactive.{k}.change"])
        else:
            p = rng.randint(1, hi)
        m[f"proactive.{k}.prev_items"] = p
        m[f"proactive.{k}.change"] = rng.randint(-min(p, 20), 20)
        if k != "fees":
            m[f"proactive.{k}.decisions"] = rng.randint(0, hi * 3)
    m["proactive.procurement.items"] = rng.randint(0, 80)
    m["proactive.procurement.amount_yuan"] = round(rng.randint(0, 9_000_000_00) / 100, 2)
    return m


def gen_table2_2021(rng: random.Random, prev: dict[str, float] | None) -> dict[str, float]:
    """2021-format table 二; in_force continues last year's value."""
    m: dict[str, float] = {}
    for k in ("rules", "normative"):
        issued = rng.randint(0, 2) if k == "rules" else rng.randint(1, 80)
        key = f"proactive.{k}.in_force"
        base = int(prev[key]) if prev and key in prev else rng.randint(issued + 5, 700)
        repealed = rng.randint(0, min(base, 30))
        m[f"proactive.{k}.issued"] = issued
        m[f"proactive.{k}.repealed"] = repealed
        m[key] = base + issued - repealed
    for k, hi in (("licensing", 2000), ("penalty", 5000), ("coercion", 200)):
        m[f"proactive.{k}.decisions"] = rng.randint(0, hi)
    m["proactive.fees.amount_10k_yuan"] = round(rng.randint(0, 300_000_000) / 10000, 4)
    return m


ANSWER_KEYS = ["already_public", "disclosed", "partial", "refused", "not_this_agency",
               "not_exist", "amend", "other_channel"]
CHANNELS = ["in_person", "fax", "email", "online", "letter", "other"]


def gen_legacy(rng: random.Random, size: int, prev_total: int | None) -> dict[str, float]:
    """Statistics stated in a ≤2018 prose report (keys of the narrative table)."""
    m: dict[str, float] = {}
    total = rng.randint(size * 20, size * 200)
    m["proactive.total"] = total
    if prev_total:
        m["proactive.total_change_pct"] = round((total - prev_total) * 100 / prev_total, 2)
    apps = rng.randint(0, size)
    m["apps.new.total"] = apps
    chans = dict.fromkeys(CHANNELS, 0)
    for ch in rng.choices(CHANNELS, [5, 1, 3, 6, 3, 1], k=apps):
        chans[ch] += 1
    for ch, v in chans.items():
        m[f"legacy.apps.{ch}"] = v
    ans = dict.fromkeys(ANSWER_KEYS, 0)
    for a in rng.choices(ANSWER_KEYS, [6, 20, 4, 3, 6, 3, 1, 1], k=apps):
        ans[a] += 1
    for a, v in ans.items():
        m[f"legacy.answers.{a}"] = v
    m["legacy.answers.total"] = apps
    if apps:
        m["legacy.answers.rate_pct"] = 100
    for grp in ("review", "suit"):
        vals = [rng.randint(0, 3) if rng.random() < 0.3 else 0 for _ in range(3)]
        m[f"{grp}.upheld"], m[f"{grp}.corrected"], m[f"{grp}.other"] = vals
        m[f"{grp}.total"] = sum(vals)
    m["complaints.total"] = rng.randint(0, 5) if rng.random() < 0.4 else 0
    m["fees.collected_yuan"] = 0 if rng.random() < 0.7 else rng.randint(1, 60) * 10
    full = rng.randint(1, 6)
    part = rng.randint(0, 30)
    m["staff.full_time"], m["staff.part_time"], m["staff.total"] = full, part, full + part
    m["budget.amount_10k_yuan"] = round(rng.randint(5, 400) / 10, 1)
    m["training.sessions"] = rng.randint(1, 20)
    m["training.trainees"] = rng.randint(3, 60) * 50
    return m
