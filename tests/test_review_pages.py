"""The review pages a person opens, on a crawled sample web (real flags of the checks): the home page at /
(last run, open flags by rule with what each checks, publishers missing the latest year, search), and
flag pages whose evidence comes as fields first (MISSING: deadline, days overdue; LATE: deadline, published,
days late; X-CARRY: the two values and where each comes from), the decision form beside it, JSON last."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date
from html import unescape

import pytest
from test_serve import PASSWORD, login

from archive.config import resolve_paths
from archive.serve import make_datasette


@pytest.fixture(scope="module")
def site(sample_crawl):
    paths = resolve_paths(sample_crawl["tmp"] / "night1.db", sample_crawl["tmp"] / "archive")
    ds = make_datasette(paths, password=PASSWORD)
    asyncio.run(ds.invoke_startup())
    flags = [f for f in sample_crawl["flags_night1"] if f["status"] == "open"]
    return {"ds": ds, "truth": sample_crawl["truth1"], "flags": flags}


def get(ds, path, **kw):
    r = asyncio.run(ds.client.get(path, **kw))
    assert r.status_code == 200, (path, r.status_code)
    return r.text


def field(html: str, name: str) -> str:
    m = re.search(rf'<dd data-field="{name}">(.*?)</dd>', html, re.S)
    assert m, f"no evidence field {name}"
    return unescape(m.group(1)).strip()


def flag_of(site, rule: str, **match) -> dict:
    return next(f for f in site["flags"] if f["rule"] == rule and all(f.get(k) == v for k, v in match.items()))


def test_home_page_is_the_archive_at_a_glance(site):
    html = get(site["ds"], "/")
    assert "<h1>gongkai 政府信息公开年报档案</h1>" in html  # ours, not Datasette's list of tables
    run = html[html.index('id="last-run"'):html.index("<h2>Open flags by rule</h2>")]
    assert "#1" in run and "finished" in run
    # open flags by rule, each with what it checks (rules table) and a link to its queue
    by_rule = dict(re.findall(r'<tr data-rule="([^"]+)">.*?<td>(\d+)</td>', html, re.S))
    want: dict[str, int] = {}
    for f in site["flags"]:
        want[f["rule"]] = want.get(f["rule"], 0) + 1
    assert {k: int(v) for k, v in by_rule.items()} == want
    assert "表三 per column: 本年新收 + 上年结转 = 办理结果总计 + 结转下年度" in html
    assert 'href="/-/gongkai?rule=T3-BALANCE"' in html
    # the publishers missing the latest due year: those the sample web leaves unpublished on night 1
    missing = re.search(r'id="missing-this-year">(.*?)</table>', html, re.S).group(1)
    due = max(a["year"] for a in site["truth"]["anomalies"] if a["rule"] == "MISSING")
    planted = sorted(a["publisher"] for a in site["truth"]["anomalies"] if a["rule"] == "MISSING" and a["year"] == due)
    assert f"missing their {due} report" in html
    assert sorted(re.findall(r"<tr><td>([^<]+)</td>", missing)) == planted
    # a search box over the reports' full text
    assert re.search(r'<form method="get" action="/[^"]+/search_reports"[^>]*id="search"', html)


def test_missing_flag_shows_deadline_and_days_overdue(site):
    planted = next(a for a in site["truth"]["anomalies"] if a["rule"] == "MISSING" and not a.get("nights"))
    flag = flag_of(site, "MISSING", publisher=planted["publisher"], year=planted["year"])
    html = get(site["ds"], f"/-/gongkai/flag/{flag['id']}")
    assert field(html, "deadline") == planted["deadline"]
    as_of = field(html, "as_of")
    assert int(field(html, "days_overdue")) == (date.fromisoformat(as_of) - date.fromisoformat(planted["deadline"])).days


def test_late_flag_shows_deadline_published_and_days_late(site):
    planted = next(a for a in site["truth"]["anomalies"] if a["rule"] == "LATE")
    flag = flag_of(site, "LATE", subject=planted["report_url"])
    html = get(site["ds"], f"/-/gongkai/flag/{flag['id']}")
    assert field(html, "deadline") == planted["deadline"]
    assert field(html, "published") == planted["published"]
    days = (date.fromisoformat(planted["published"]) - date.fromisoformat(planted["deadline"])).days
    assert int(field(html, "days_late")) == days > 0


def test_carry_flag_shows_the_two_values_and_where_each_comes_from(site):
    flag = next(f for f in site["flags"] if f["rule"] == "X-CARRY")
    ev = flag["evidence"] if isinstance(flag["evidence"], dict) else json.loads(flag["evidence"])
    html = get(site["ds"], f"/-/gongkai/flag/{flag['id']}")
    pair = re.search(r'id="disagreeing-values">(.*?)</div>\s*</div>', html, re.S)
    assert pair
    sides = re.findall(r'<div data-side="([^"]+)">.*?<strong>([^<]+)</strong>\s*<code>([^<]+)</code><br>([^<·]+)',
                       html, re.S)
    assert [(s[1].strip(), s[2], s[3].strip()) for s in sides] == [
        (str(v["value"]), v["key"], v["where"]) for v in ev["values"][:2]]
    assert "上年结转" in sides[0][3] and "结转下年度" in sides[1][3]


def test_t3_flag_decision_form_beside_the_evidence_and_json_last(site):
    ds = site["ds"]
    flag = next(f for f in site["flags"] if f["rule"] == "T3-BALANCE")
    html = asyncio.run(ds.client.get(f"/-/gongkai/flag/{flag['id']}", cookies=login(ds))).text
    ev = flag["evidence"] if isinstance(flag["evidence"], dict) else json.loads(flag["evidence"])
    assert field(html, "expected") == str(ev["expected"]) and field(html, "found") == str(ev["found"])
    order = [html.index(s) for s in ('id="evidence-fields"', 'id="decide"', 'id="report-values"', 'id="evidence-json"')]
    assert order == sorted(order)  # fields, then the form (before the report's ~200 values), JSON last
    # the form sits in the same row as the evidence (the aside of the top grid), not under the values
    top = html[html.index('class="gk-grid gk-top"'):html.index('id="report-values"')]
    assert '<aside id="decision-panel">' in top and 'id="decide"' in top
