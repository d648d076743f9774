"""`gongkai discover` and `gongkai registry check`: from portals to registry entries, within bounds."""

from __future__ import annotations

import json
import sqlite3
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sampleweb_helpers import LOCAL_CRAWL, gongkai

from conftest import real_fixture
from scraper import discover as D
from scraper.proposals import merge, proposals
from scraper.registry import load_registry, parse_registry


# -- pure judgements ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kind", [
    ("青石县", "government"), ("柳塘白沙镇", "government"), ("平潭综合实验区", "government"),
    ("云岭市人民政府", "government"), ("鹤鸣区卫生健康委员会", "department"), ("青石县人民政府办公室", "department"),
    ("松岩县交通运输局", "department"), ("恩格贝生态示范区管委会", "government"),
    ("青石县自来水有限公司", None), ("松岩县慈善总会", None), ("云岭市第一中学", None),
])
def test_publisher_kind(name, kind):
    assert D.publisher_kind(name) == kind


def test_links_towards_a_column_go_first():
    assert D.link_priority("政府信息公开年报", "http://a.gov.test/x/") > D.link_priority("政务公开", "http://a.gov.test/zwgk/")
    assert D.link_priority("政务公开", "http://a.gov.test/zwgk/") > D.link_priority("联系我们", "http://a.gov.test/lx.html")
    assert D.link_priority("更多", "http://a.gov.test/zfxxgk/zfxxgknb/") > D.link_priority("更多", "http://a.gov.test/x/")
    assert D.link_priority("图片", "http://a.gov.test/logo.png") == 0


def test_real_pingtan_listing_is_a_jsonapi_report_column():
    path = real_fixture("pingtan_listing.html")
    body = path.read_bytes()
    col, why = D.analyse_listing(body.decode("utf-8", "replace"), "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/", body)
    assert col is not None, why
    assert col.style == "jsonapi"
    assert col.publisher == "平潭综合实验区" and D.publisher_kind(col.publisher) == "government"
    assert col.name == "政府信息公开年报" and col.pages >= 2
    assert col.years[0] <= 2016 and col.years[-1] >= 2024
    props, _ = proposals([col])
    assert [(p.id, p.style, p.start_urls) for p in props] == [("pingtan", "jsonapi", [col.url])]
    assert props[0].publishers[0][:2] == ("平潭综合实验区", "government")


def test_real_ordos_listing_is_a_trs_column_among_news():
    path = real_fixture("ordos_egb_listing_2020.html")
    body = path.read_bytes()
    url = "http://www.ordos.gov.cn/egb/xxgk/ndbg/index.html"
    col, why = D.analyse_listing(body.decode("utf-8", "replace"), url, body)
    assert col is not None, why
    assert col.style == "trs" and col.pages >= 2
    # the column mixes news items (恩格贝…会议) with reports: only report titles count
    assert all("会议" not in t for t in col.reports.values())
    assert len(col.reports) == 4 and col.publisher == "鄂尔多斯市"


def test_a_listing_of_company_reports_is_not_a_column():
    page = "<html><head><title>公共企事业单位信息公开</title></head><body><ul>" + "".join(
        f'<li><a href="/q/{y}.html">青石县自来水有限公司{y}年度信息公开工作年度报告</a></li>' for y in (2021, 2022, 2023)
    ) + "</ul></body></html>"
    col, why = D.analyse_listing(page, "http://a.gov.test/ggqsy/index.html")
    assert col is None and "not government" in why


def test_a_news_page_about_reports_is_not_a_column():
    page = ('<html><body><a href="/n/1.html">我县召开政府信息公开年报编制工作培训会</a>'
            '<a href="/n/2.html">关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知</a></body></html>')
    col, why = D.analyse_listing(page, "http://a.gov.test/xwzx/index.html")
    assert col is None


def test_merge_adds_only_what_is_new_and_keeps_the_users_edits():
    col = D.Column(url="http://a.gov.test/zfxxgknb/index.html", name="政府信息公开年报", style="trs",
                   style_evidence="TRS", reports={f"http://a.gov.test/zfxxgknb/t{y}.html": f"甲县{y}年政府信息公开工作年度报告"
                                                  for y in (2021, 2022)})
    props, _ = proposals([col], {"a.gov.test": "甲县人民政府"})
    text, changes = merge("", props, today="2026-12-04")
    assert changes["added_sites"] == ["a"]
    reg = parse_registry(text)
    assert reg.sites[0].verified is False and reg.sites[0].style == "trs"
    assert [(p.name, p.kind, p.first_year) for p in reg.sites[0].publishers] == [("甲县", "government", 2021)]
    assert "# found by gongkai discover" in text
    # the user edits the entry (a comment, an earlier first year), then discover finds a second column
    edited = text.replace("first_year = 2021", "first_year = 2012  # legal first year") + "\n# my note\n"
    col2 = D.Column(url="http://a.gov.test/bm/czj/zfxxgknb/index.html", name="财政局年报", style="trs",
                    style_evidence="TRS", reports={"http://a.gov.test/bm/czj/zfxxgknb/t1.html": "甲县财政局2022年政府信息公开工作年度报告"})
    props2, _ = proposals([col, col2], {"a.gov.test": "甲县人民政府"})
    text2, changes2 = merge(edited, props2, today="2026-12-05")
    reg2 = parse_registry(text2)
    assert len(reg2.sites) == 1 and changes2 == {"added_sites": [], "added_urls": 1, "added_publishers": 1,
                                                  "unchanged_sites": []}
    assert set(reg2.sites[0].start_urls) == {col.url, col2.url}
    assert {p.name: p.first_year for p in reg2.sites[0].publishers} == {"甲县": 2012, "甲县财政局": 2022}
    assert "# legal first year" in text2 and "# my note" in text2
    # a third run finds nothing new: the file stays byte for byte
    text3, changes3 = merge(text2, props2)
    assert text3 == text2 and changes3["unchanged_sites"] == ["a"]


# -- the sample web's portals --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_discovery(tmp_path_factory):
    from scraper.sampleweb import SampleWeb, serve_in_thread

    tmp = tmp_path_factory.mktemp("discover")
    web = SampleWeb(seed=1, scale=1, night=1)
    server = serve_in_thread(web, port=0)
    try:
        out = tmp / "sites.toml"
        roots = [s.base + "/" for s in web.sites()]
        first = gongkai("discover", *roots, "--proxy", server.url, "--delay", "0", "--out", str(out), timeout=240)
        text1 = out.read_text(encoding="utf-8")
        again = gongkai("discover", *roots, "--proxy", server.url, "--delay", "0", "--out", str(out), timeout=240)
        check = gongkai("registry", "check", "--sites", str(out), "--delay", "0", "--verify", timeout=240)
        yield {"web": web, "server": server, "tmp": tmp, "out": out, "first": first, "text1": text1,
               "again": again, "check": check, "log": server.log()}
    finally:
        server.stop()


def test_discover_finds_every_report_column_and_no_decoy(sample_discovery):
    first, web = sample_discovery["first"], sample_discovery["web"]
    assert first.returncode == 0, first.stderr[-2000:]
    found = tomllib.loads(sample_discovery["text1"])
    want = tomllib.loads(web.registry_toml())
    got = {s["id"]: s for s in found["sites"]}
    assert set(got) == {s["id"] for s in want["sites"]}
    for site in want["sites"]:
        mine = got[site["id"]]
        assert sorted(mine["start_urls"]) == sorted(site["start_urls"]), site["id"]
        assert mine["style"] == site["style"] and mine["name"] == site["name"]
        assert mine["allowed_hosts"] == site["allowed_hosts"] and mine["verified"] is False
        assert {(p["name"], p["kind"]) for p in mine["publishers"]} == {(p["name"], p["kind"]) for p in site["publishers"]}
        for p in mine["publishers"]:
            legal = next(q for q in site["publishers"] if q["name"] == p["name"])
            assert p["first_year"] >= legal["first_year"]
    # no decoy became an entry: company reports, news, the calendar, the collection
    urls = {u for s in found["sites"] for u in s["start_urls"]}
    assert not any(k in u for u in urls for k in ("/ggqsy/", "/xwzx/", "/calendar/", "/ndbghz/"))
    err = first.stderr
    assert "not government" in err and "collection" in err and "query variant" in err


def test_discover_stays_on_the_given_hosts(sample_discovery):
    hosts = {entry["host"] for entry in sample_discovery["log"]}
    assert hosts and hosts <= {s.host for s in sample_discovery["web"].sites()}
    assert "link(s) to other hosts" in sample_discovery["first"].stderr  # the 中国政府网 link on every home page


def test_rerunning_discover_merges_and_never_duplicates(sample_discovery):
    again = sample_discovery["again"]
    assert again.returncode == 0, again.stderr[-2000:]
    text2 = sample_discovery["out"].read_text(encoding="utf-8")
    reg = load_registry(sample_discovery["out"])
    ids = [s.id for s in reg.sites]
    assert len(ids) == len(set(ids)) == 5
    for s in reg.sites:
        assert len(s.start_urls) == len(set(s.start_urls))
        names = [p.name for p in s.publishers]
        assert len(names) == len(set(names))
    assert text2.count("[[sites]]") == sample_discovery["text1"].count("[[sites]]")


def test_registry_check_verifies_the_discovered_entries(sample_discovery):
    check = sample_discovery["check"]
    assert check.returncode == 0, check.stdout + check.stderr[-2000:]
    assert "verified: heming, liutang, qingshi, songyan, yunling" in check.stdout
    reg = load_registry(sample_discovery["out"])
    assert all(s.verified for s in reg.sites)
    assert "reports on" in check.stdout and "2012–2025" in check.stdout


def test_registry_check_fails_on_a_wrong_style(sample_discovery):
    bad = sample_discovery["tmp"] / "bad.toml"
    text = sample_discovery["out"].read_text(encoding="utf-8").replace('style = "gbk"', 'style = "hanweb"')
    bad.write_text(text, encoding="utf-8")
    out = gongkai("registry", "check", "songyan", "--sites", str(bad), "--delay", "0", "--json", timeout=120)
    assert out.returncode == 1
    res = json.loads(out.stdout)
    assert res[0]["id"] == "songyan" and not res[0]["ok"]
    assert all("pages as gbk, registry says hanweb" in c["why"] for c in res[0]["listings"])


def test_a_crawl_of_the_discovered_registry_archives_every_report(sample_discovery, tmp_path):
    reg = tmp_path / "sites.toml"
    reg.write_text(sample_discovery["out"].read_text(encoding="utf-8") + LOCAL_CRAWL, encoding="utf-8")
    db = tmp_path / "g.db"
    out = gongkai("crawl", "--sites", str(reg), "--db", str(db), "--json", "--no-progress", timeout=300)
    assert out.returncode in (0, 1), out.stderr[-2000:]
    truth = sample_discovery["web"].truth()
    con = sqlite3.connect(db)
    ok = {r[0] for r in con.execute("SELECT DISTINCT url FROM pages WHERE status = 200")}
    con.close()
    reports = {r["url"] for r in truth["reports"]}
    assert len(reports) >= 50 and reports - ok == set()
    assert {a["url"] for a in truth["attachments"]} - ok == set()


# -- hostile sites ---------------------------------------------------------------------------------
class _Hostile(BaseHTTPRequestHandler):
    """A proxy for three made-up hosts: a trap portal, a broken portal, and the host it redirects to."""

    log: list[str] = []

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        u = urlsplit(self.path)
        type(self).log.append(f"{u.netloc}{u.path}?{u.query}")
        if u.netloc == "broken.gov.test":
            return self._send(500, "<h1>500</h1>")
        if u.netloc != "trap.gov.test" or u.path == "/robots.txt":
            return self._send(404, "not here")
        if u.path == "/":
            links = "".join(f'<a href="/p/{i}.html">政务公开{i}</a>' for i in range(10_000))
            return self._send(200, f'<html><body><a href="/zwgk/zfxxgknb/index.html">政府信息公开年报</a>'
                                   f'<a href="/cal.html?m=1">办事日历</a><a href="/go.html">部门信息公开</a>{links}</body></html>')
        if u.path == "/cal.html":
            m = int((u.query or "m=1").split("=")[1])
            return self._send(200, f'<html><body><a href="/cal.html?m={m + 1}">下个月 政务公开</a></body></html>')
        if u.path == "/go.html":
            self.send_response(302)
            self.send_header("Location", "http://other.gov.test/zfxxgknb/index.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if u.path == "/zwgk/zfxxgknb/index.html":
            items = "".join(f'<li><a href="/zwgk/zfxxgknb/{y}01/t{y}0101_1.html">陷阱县{y - 1}年政府信息公开工作年度报告</a></li>'
                            for y in (2022, 2023, 2024))
            return self._send(200, f"<html><head><title>政府信息公开年报</title></head><body><ul>{items}</ul></body></html>")
        i = u.path.rsplit("/", 1)[-1].split(".")[0]
        more = "".join(f'<a href="/p/{i}-{j}.html">信息公开{j}</a>' for j in range(20))
        return self._send(200, f"<html><body>{more}</body></html>")

    def _send(self, status: int, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_discover_on_hostile_sites_stays_within_its_bounds():
    _Hostile.log = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        proxy = f"http://127.0.0.1:{server.server_address[1]}"
        out = gongkai("discover", "http://trap.gov.test/", "http://broken.gov.test/", "--proxy", proxy,
                      "--delay", "0", "--max-pages", "80", "--max-seconds", "60", "--json", timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout)
    # the one real column is still found among the traps
    assert [s["start_urls"] for s in res["sites"]] == [["http://trap.gov.test/zwgk/zfxxgknb/index.html"]]
    assert res["sites"][0]["publishers"] == [{"name": "陷阱县", "kind": "government", "first_year": 2021}]
    # bounded: pages, links per page, query variants; nothing requested off the given hosts
    fetched = [x for x in _Hostile.log if not x.endswith("/robots.txt?")]
    assert len(fetched) <= 80
    assert {x.split("/")[0] for x in _Hostile.log} <= {"trap.gov.test", "broken.gov.test"}
    assert "http://other.gov.test/zfxxgknb/index.html" in res["refused"]
    assert res["failed"] == {"http://broken.gov.test/": "HTTP 500"}
    could_not = " ".join(res["could_not"])
    assert "page budget" in could_not and "too many links" in could_not
    assert "failed: http://broken.gov.test/: HTTP 500" in out.stderr
