"""The checks on the sample web: flags equal the planted anomalies, and reviewers' decisions live on."""

from __future__ import annotations

from pipeline.checks import RULES_BY_ID


def _matches(flag: dict, anomaly: dict) -> bool:
    if flag["rule"] != anomaly["rule"]:
        return False
    if anomaly.get("report_url"):
        # pair subjects: "page vs …" (CHANGED), "page, attachment" (ATTACHMENT-MISMATCH)
        return flag["subject"].split(" vs ")[0].split(", ")[0] == anomaly["report_url"]
    return flag["subject"] == f"{anomaly['publisher']}/{anomaly['year']}"


def _planted(truth: dict, night: int, severity: str | None = None) -> list[dict]:
    out = []
    for a in truth["anomalies"]:
        if a["rule"] not in RULES_BY_ID or (a.get("nights") and night not in a["nights"]):
            continue
        if a["rule"] in ("CHANGED",) and night == 1:
            continue
        if severity is None or RULES_BY_ID[a["rule"]].severity == severity:
            out.append(a)
    return out


def test_every_planted_anomaly_is_flagged_by_the_right_rule(sample_crawl):
    flags = [f for f in sample_crawl["flags_night1"] if f["status"] == "open"]
    planted = _planted(sample_crawl["truth1"], 1)
    assert len(planted) >= 10
    missed = [a for a in planted if not any(_matches(f, a) for f in flags)]
    assert missed == []


def test_no_other_error_flag(sample_crawl):
    errors = [f for f in sample_crawl["flags_night1"] if f["severity"] == "error" and f["status"] == "open"]
    planted = _planted(sample_crawl["truth1"], 1, "error")
    extra = [(f["rule"], f["subject"], f["message"]) for f in errors if not any(_matches(f, a) for a in planted)]
    assert extra == []


def test_repeat_flags_are_exactly_the_planted_copies(sample_crawl):
    """内容雷同: the sample's prose is rewritten every year, so only the planted copies repeat last year's."""
    flags = [f for f in sample_crawl["flags_night1"] if f["rule"] == "X-REPEAT" and f["status"] == "open"]
    planted = [a for a in sample_crawl["truth1"]["anomalies"] if a["rule"] == "X-REPEAT"]
    assert planted
    urls = sorted(a["report_url"] for a in planted)
    assert sorted(next((u for u in urls if f["subject"].startswith(u + " vs ")), f["subject"]) for f in flags) == urls


def _by_id(flags):
    return {f["id"]: f for f in flags}


def test_dismissed_flags_stay_dismissed_after_a_recrawl_and_a_check(sample_crawl):
    ids = sample_crawl["dismissed"]
    for key in ("flags_after_recrawl", "flags_after_check"):
        flags = _by_id(sample_crawl[key])
        assert flags[ids["stays"]]["status"] == "dismissed", key
        assert flags[ids["evidence_changes"]]["status"] == "dismissed", key


def test_night_two_reopens_the_flag_whose_evidence_changed(sample_crawl):
    ids = sample_crawl["dismissed"]
    flags = _by_id(sample_crawl["flags_night2"])
    assert flags[ids["evidence_changes"]]["status"] == "open"
    assert flags[ids["stays"]]["status"] == "dismissed"


def test_night_two_flags_the_silent_edits_and_resolves_the_fixed_report(sample_crawl):
    truth2, flags = sample_crawl["truth2"], sample_crawl["flags_night2"]
    edits = [a for a in truth2["anomalies"] if a["rule"] == "CHANGED"]
    assert edits
    for a in edits:
        assert any(f["rule"] == "CHANGED" and f["status"] == "open" and a["report_url"] in f["subject"] for f in flags), a
    fixed = next(a["report_url"] for a in edits if a.get("edit") == "fix")
    gone = [f for f in flags if f["subject"] == fixed and f["rule"].startswith("T3-")]
    assert gone and all(f["status"] == "resolved" for f in gone)
