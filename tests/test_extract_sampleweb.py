"""Every report of the sample government web extracts to its ground truth, field by field and metric by metric.

The sample web (scraper/sampleweb) prints pages in five CMS styles (TRS, Hanweb, JSON-API, GBK, JCMS), three
report formats (legacy, 2019, 2021), Word-pasted and ~350 KB pages, reports whose statistics are only in a
PDF/DOC attachment, image-only reports and reposts. Bytes come straight from the generator (no server); a
report page without statistics takes them from its attachments as the archive does
(archive.extracting._merge_attachment).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import pytest

from archive.extracting import _has_stats, _merge_attachment
from pipeline.extract import extract
from pipeline.extract.model import Extraction
from scraper.sampleweb import SampleWeb

FIELDS = ("title", "year", "format", "publisher", "issuer", "published", "index_no", "doc_no", "category",
          "keywords", "site_name", "site_domain", "site_id_code", "column_name", "url")
STAT_PREFIXES = ("apps.", "proactive.", "review.", "suit.", "legacy.")


@lru_cache(maxsize=8)
def _web(seed: int, scale: int, night: int) -> SampleWeb:
    return SampleWeb(seed=seed, scale=scale, night=night)


@lru_cache(maxsize=8)
def _truth(seed: int, scale: int, night: int) -> dict:
    return _web(seed, scale, night).truth()


def _fetch(web: SampleWeb, url: str) -> tuple[int, bytes, str | None]:
    u = urlsplit(url)
    resp = web.respond("GET", u.netloc, u.path + (f"?{u.query}" if u.query else ""))
    ctype = next((v for k, v in resp.headers if k.lower() == "content-type"), None)
    return resp.status, resp.body, ctype


def _extract_report(web: SampleWeb, rep: dict) -> Extraction:
    """The page, with the statistics of its attachments when the page has none (as the archive merges)."""
    status, body, ctype = _fetch(web, rep["url"])
    assert status == 200, (rep["url"], status)
    ex = extract(body, rep["url"], ctype)
    for att_url in rep["attachments"]:
        a_status, a_body, a_ctype = _fetch(web, att_url)
        assert a_status == 200, (att_url, a_status)
        att = extract(a_body, att_url, a_ctype)
        assert not att.errors, (att_url, att.errors)
        if not _has_stats(ex.metrics) and _has_stats(att.metrics):
            _merge_attachment(ex, att, att_url)
    return ex


def _differences(rep: dict, ex: Extraction) -> list[str]:
    """Every way the extraction departs from the truth, one line each naming the key."""
    out = []
    if ex.kind != rep["kind"]:
        out.append(f"kind: expected {rep['kind']!r}, got {ex.kind!r}")
    for f in FIELDS:
        if f in rep["fields"] and ex.fields.get(f) != rep["fields"][f]:
            out.append(f"field {f}: expected {rep['fields'][f]!r}, got {ex.fields.get(f)!r}")
    want = rep["metrics"]
    for k, v in sorted(want.items()):
        if k not in ex.metrics:
            out.append(f"metric {k}: expected {v!r}, missing")
        elif ex.metrics[k] != v:
            out.append(f"metric {k}: expected {v!r}, got {ex.metrics[k]!r}")
    for k in sorted(set(ex.metrics) - set(want)):
        if not k.startswith("extra."):
            out.append(f"metric {k}: not in the truth, got {ex.metrics[k]!r}")
    approx_want = set(rep["approximate"]) & set(want)
    approx_got = {k for k in ex.approximate if k in ex.metrics and not k.startswith("extra.")}
    if approx_want != approx_got:
        out.append(f"approximate: expected {sorted(approx_want)}, got {sorted(approx_got)}")
    for k in ex.metrics:
        prov = ex.provenance.get(k)
        if prov is None or prov.source not in ("table", "text", "attachment"):
            out.append(f"metric {k}: no provenance")
    return out


def _report_id(rep: dict) -> str:
    return f"{rep['site']}-{rep['year']}-{rep['publisher']}-{rep['url'].rsplit('/', 1)[-1]}"


REPORTS = _truth(1, 1, 1)["reports"]


@pytest.mark.parametrize("rep", REPORTS, ids=[_report_id(r) for r in REPORTS])
def test_report_extracts_to_truth(rep: dict) -> None:
    ex = _extract_report(_web(1, 1, 1), rep)
    diffs = _differences(rep, ex)
    assert diffs == [], f"{rep['url']} ({rep['format']}, stats in {rep['stats_in']}):\n" + "\n".join(diffs)


def test_the_sample_covers_every_case() -> None:
    """The per-report test above is only as good as the variety it meets."""
    truth, web = _truth(1, 1, 1), _web(1, 1, 1)
    styles = {s["id"]: s["style"] for s in truth["sites"]}
    assert {styles[r["site"]] for r in REPORTS} == {"trs", "hanweb", "jsonapi", "gbk", "jcms"}
    assert {r["format"] for r in REPORTS} == {"legacy", "2019", "2021"}
    assert {r["kind"] for r in REPORTS} == {"report", "image_only"}
    assert any(r["repost_of"] for r in REPORTS)
    only_att = [r for r in REPORTS if r["stats_in"] == "attachment"]
    att_formats = {a["format"] for a in truth["attachments"] if a["report_url"] in {r["url"] for r in only_att}}
    assert {"pdf", "doc"} <= att_formats
    assert {a["format"] for a in truth["attachments"]} == {"pdf", "docx", "xls", "doc"}
    sizes = {r["url"]: len(_fetch(web, r["url"])[1]) for r in REPORTS}
    assert max(sizes.values()) > 300_000  # the Word-pasted page
    compared = sum(len(r["metrics"]) for r in REPORTS)
    assert len(REPORTS) > 250 and compared > 20_000


def test_attachment_only_reports_take_statistics_from_the_attachment() -> None:
    web = _web(1, 1, 1)
    for rep in (r for r in REPORTS if r["stats_in"] == "attachment"):
        ex = _extract_report(web, rep)
        assert ex.kind == "report"
        assert ex.metrics == rep["metrics"]
        assert all(ex.provenance[k].source == "attachment" for k in ex.metrics)
        assert ex.fields["issuer"] == rep["fields"]["issuer"]  # page fields stay the page's


#: statistics stated only in the prose, which a spreadsheet of the tables (统计表 .xls) does not carry
PROSE_ONLY = ("proactive.total", "proactive.total_change_pct", "fees.collected_yuan")


def _attachment_differences(web: SampleWeb, att: dict, rep: dict) -> list[str]:
    """An attachment read alone: the report's title, year, publisher, format and the statistics it prints."""
    status, body, ctype = _fetch(web, att["url"])
    assert status == 200 and ctype == att["content_type"], att["url"]
    ex = extract(body, att["url"], ctype)
    printed = att.get("metrics", rep["metrics"])  # a planted ATTACHMENT-MISMATCH prints other values
    want = {k: v for k, v in printed.items() if not (att["format"] == "xls" and k in PROSE_ONLY)}
    out = [f"error: {e}" for e in ex.errors]
    if ex.kind != "report":
        out.append(f"kind: expected 'report', got {ex.kind!r}")
    for f in ("title", "year", "publisher", "format"):
        if ex.fields.get(f) != rep["fields"][f]:
            out.append(f"field {f}: expected {rep['fields'][f]!r}, got {ex.fields.get(f)!r}")
    out += [f"metric {k}: expected {v!r}, got {ex.metrics.get(k, 'nothing')!r}"
            for k, v in sorted(want.items()) if ex.metrics.get(k) != v]
    out += [f"metric {k}: not printed, got {ex.metrics[k]!r}" for k in sorted(set(ex.metrics) - set(want))
            if not k.startswith("extra.")]
    out += [f"metric {k}: no provenance" for k in ex.metrics if k not in ex.provenance]
    return out


def test_every_attachment_alone_carries_its_report() -> None:
    """PDF (wrapped text layer), DOCX, XLS (统计表) and DOC attachments, read without their page: what the
    ATTACHMENT-MISMATCH rule compares and what a report published only as a file is made of."""
    web, truth = _web(1, 1, 1), _truth(1, 1, 1)
    by_url = {r["url"]: r for r in truth["reports"]}
    failures = []
    for att in truth["attachments"]:
        failures += [f"{att['url']} ({att['format']}): {d}" for d in _attachment_differences(web, att, by_url[att["report_url"]])]
    assert failures == []


def test_image_only_report_has_no_metrics() -> None:
    web = _web(1, 1, 1)
    images = [r for r in REPORTS if r["kind"] == "image_only"]
    assert images
    for rep in images:
        ex = _extract_report(web, rep)
        assert (ex.kind, ex.metrics, ex.fields["year"]) == ("image_only", {}, rep["year"])
        assert ex.fields["title"].endswith("（图片版）") and ex.fields["publisher"] == rep["publisher"]


def test_repost_extracts_like_its_original() -> None:
    web = _web(1, 1, 1)
    by_url = {r["url"]: r for r in REPORTS}
    reposts = [r for r in REPORTS if r["repost_of"]]
    assert reposts
    for rep in reposts:
        a, b = _extract_report(web, rep), _extract_report(web, by_url[rep["repost_of"]])
        assert a.metrics == b.metrics and a.fields["publisher"] == b.fields["publisher"] == rep["publisher"]
        assert a.fields["column_name"] != b.fields["column_name"]


def test_non_reports_are_not_reports() -> None:
    truth, web = _truth(1, 1, 1), _web(1, 1, 1)
    assert len(truth["non_reports"]) >= 10
    wrong = []
    for url in truth["non_reports"]:
        status, body, ctype = _fetch(web, url)
        assert status == 200, url
        ex = extract(body, url, ctype)
        if ex.kind != "not_report" or ex.metrics:
            wrong.append((url, ex.kind, ex.fields.get("title"), sorted(ex.metrics)[:5]))
    assert wrong == []


def test_night_two_edits_extract_to_their_new_truth() -> None:
    web1, web2 = _web(1, 1, 1), _web(1, 1, 2)
    truth2 = _truth(1, 1, 2)
    changed = set(truth2["changed"]["2"])
    before = {r["url"]: r for r in REPORTS}
    edited = [r for r in truth2["reports"] if r["url"] in changed]
    assert len(edited) >= 3
    metric_edits = 0
    for rep in edited:
        ex = _extract_report(web2, rep)
        diffs = _differences(rep, ex)
        assert diffs == [], f"night 2 {rep['url']}:\n" + "\n".join(diffs)
        if rep["url"] in before and before[rep["url"]]["metrics"] != rep["metrics"]:
            metric_edits += 1
            assert _extract_report(web1, before[rep["url"]]).metrics == before[rep["url"]]["metrics"]
    assert metric_edits >= 2


def test_scale_ten_sweep() -> None:
    """Another seed at scale 10: the random anomaly plans and variants of 10 sites, all in one test."""
    web, truth = _web(2, 10, 1), _truth(2, 10, 1)
    failures, compared = [], 0
    for rep in truth["reports"]:
        diffs = _differences(rep, _extract_report(web, rep))
        compared += len(rep["metrics"]) + len(rep["fields"])
        failures += [f"{rep['url']}: {d}" for d in diffs]
    by_url = {r["url"]: r for r in truth["reports"]}
    for att in truth["attachments"]:
        failures += [f"{att['url']}: {d}" for d in _attachment_differences(web, att, by_url[att["report_url"]])]
    assert len(truth["reports"]) > 400 and compared > 40_000 and len(truth["attachments"]) >= 6
    assert failures == [], f"{len(failures)} differences, first ones:\n" + "\n".join(failures[:25])
