"""The review pages: queue, flag (evidence beside the archived page), raw capture, publisher charts,
and the one write (confirm/dismiss). Reading is public; deciding needs a reviewer login (auth.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote, urlencode

import sqlite_utils
from datasette import Forbidden, NotFound, Response

from archive import flags, queries
from archive.schema import connect
from archive.warc import read_record
from archive.web.ocrcrop import ocr_crop
from archive.web.serveconfig import ServeConfig, config, require_config  # noqa: F401 - ServeConfig: API
from archive.web.svg import hbar_chart, year_bars

REVIEW_ACTION = "gongkai-review"
#: how long a decision waits for a crawl's write transaction before answering 503
DECIDE_WAIT_MS = 20_000
#: headers for replayed captures: no scripts, no network (never the live site), no sniffing
CAPTURE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"


def _row_id(request, name: str) -> int:
    """A route's numeric id; one SQLite cannot hold (…99999999999999999999) is a 404, not a 500."""
    value = int(request.url_vars[name])
    if not 0 < value < 2**63:
        raise NotFound(f"no such {name.replace('_', ' ')}: {value}")
    return value


async def _read(datasette, fn, *args: Any, **kwargs: Any) -> Any:
    """A read of archive/queries.py (the library the CLI presents too) on Datasette's read-only connection."""
    db = datasette.get_database(require_config(datasette).db_name)
    return await db.execute_fn(lambda conn: fn(sqlite_utils.Database(conn, recursive_triggers=False), *args, **kwargs))


async def _has_table(datasette, name: str) -> bool:
    db = datasette.get_database(require_config(datasette).db_name)
    return await db.table_exists(name)


async def _render(datasette, request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    context = {"db_name": require_config(datasette).db_name, **context}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status)


def _num(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


async def can_review(datasette, actor: dict | None) -> bool:
    return bool(actor) and await datasette.permission_allowed(actor, REVIEW_ACTION, default=False)


# ----------------------------------------------------------------------------- home


async def home(datasette, request) -> Response:
    """The archive at a glance (replaces Datasette's table list at /): last night's run, open flags by
    rule with what each rule checks, publishers missing the latest due year, a search box."""
    ctx: dict[str, Any] = {"run": None, "run_summary": {}, "by_rule": [], "chart": None, "missing": [],
                           "due_year": None, "counts": {}, "has_flags": await _has_table(datasette, "flags")}
    run = await _read(datasette, queries.last_run)
    if run:
        ctx["run"] = run
        summary = _json_load(run.get("summary"), {})
        ctx["run_summary"] = summary if isinstance(summary, dict) else {}
    ctx["counts"] = await _read(datasette, queries.annual_counts)  # annual_reports' rows, kept on write
    if ctx["has_flags"]:
        ctx["by_rule"] = await _read(datasette, queries.open_by_rule)
        ctx["chart"] = hbar_chart([(r["rule"], r["n"]) for r in ctx["by_rule"]], "open flags per rule")
        as_of = (ctx["run"] or {}).get("as_of") or ""
        missing = await _read(datasette, queries.missing, int(as_of[:4]) - 1 if as_of[:4].isdigit() else None)
        ctx["due_year"] = int(as_of[:4]) - 1 if as_of[:4].isdigit() else missing["latest_year"]
        ctx["missing"] = missing["flags"]
        for m in ctx["missing"]:
            m["deadline"] = _json_load(m.pop("evidence"), {}).get("deadline")
        ctx["missing_all"] = missing["all"]
    return await _render(datasette, request, "gongkai_home.html", ctx)


# ----------------------------------------------------------------------------- queue


async def queue(datasette, request) -> Response:
    """Open flags (filterable) with flags-per-rule chart: where a reviewer starts."""
    args = request.args
    status = args.get("status") or "open"
    filters = {k: args.get(k) or "" for k in ("rule", "site", "year", "severity")}
    context: dict[str, Any] = {"status": status, "filters": filters, "flags": [], "chart": None,
                               "statuses": ("open", "confirmed", "dismissed", "resolved"), "has_flags": False}
    if await _has_table(datasette, "flags"):
        context["has_flags"] = True
        page = await _read(datasette, queries.queue_page, status, **filters)
        context["flags"], by_rule = page["flags"], page["by_rule"]
        context["chart"] = hbar_chart([(r["rule"], r["n"]) for r in by_rule], f"{status} flags per rule")
        context["rules"] = [r["rule"] for r in by_rule]
    return await _render(datasette, request, "gongkai_queue.html", context)


# ----------------------------------------------------------------------------- one flag


def cited_values(evidence: Any) -> list[dict[str, Any]]:
    """Every value in the evidence that says where it came from ({"key", "value", …}), in order."""
    out: list[dict[str, Any]] = []

    def walk(node: Any, label: str) -> None:
        if isinstance(node, dict):
            if "key" in node and "value" in node:
                out.append({"role": label, **node})
                return
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, label)

    walk(evidence, "")
    return out


def evidence_summary(evidence: Any) -> dict[str, Any]:
    """The fields a reviewer reads first: expected vs found, the formula, the tolerance."""
    if not isinstance(evidence, dict):
        return {}
    return {k: evidence[k] for k in ("formula", "expected", "found", "tolerance") if k in evidence}


def _days_between(a: Any, b: Any) -> int | None:
    from datetime import date

    try:
        return (date.fromisoformat(str(b)[:10]) - date.fromisoformat(str(a)[:10])).days
    except ValueError:
        return None


#: rule -> the evidence fields a reviewer reads first, in order (label, evidence key); computed ones below
FIELDS_BY_RULE: dict[str, list[tuple[str, str]]] = {
    "MISSING": [("publisher", "publisher"), ("year", "year"), ("deadline", "deadline"), ("days overdue", "days_overdue"),
                ("checked as of", "as_of"), ("grace days", "grace_days")],
    "LATE": [("deadline", "deadline"), ("published", "published"), ("days late", "days_late")],
}
GENERIC_FIELDS: list[tuple[str, str]] = [("formula", "formula"), ("expected", "expected"), ("found", "found"),
                                         ("tolerance", "tolerance")]


def evidence_fields(rule: str, evidence: Any) -> list[dict[str, Any]]:
    """The evidence as labelled fields ({"label", "name", "value"}), before any JSON: for MISSING the deadline
    and days overdue, for LATE the deadline, publication and days late; otherwise expected / found; then any
    other plain value of the evidence."""
    if not isinstance(evidence, dict):
        return []
    ev = dict(evidence)
    if rule == "MISSING" and "deadline" in ev and "days_overdue" not in ev:
        days = _days_between(ev["deadline"], ev.get("as_of"))
        if days is not None:
            ev["days_overdue"] = days - int(ev.get("grace_days") or 0)
    if rule == "LATE" and "days_late" not in ev and "deadline" in ev:
        ev["days_late"] = _days_between(ev["deadline"], ev.get("published"))
    wanted = FIELDS_BY_RULE.get(rule, GENERIC_FIELDS)
    out = [{"label": label, "name": key, "value": _num(ev[key])} for label, key in wanted if key in ev]
    shown = {f["name"] for f in out}
    out += [{"label": k.replace("_", " "), "name": k, "value": _num(v)} for k, v in ev.items()
            if k not in shown and isinstance(v, str | int | float) and not isinstance(v, bool)]
    return out


def disagreeing_values(rule: str, evidence: Any) -> list[dict[str, Any]]:
    """The two values that disagree, each with where it comes from (report, year, provenance): this year's
    上年结转 against last year's 结转下年度 (X-CARRY), the page against its attachment (ATTACHMENT-MISMATCH),
    report a against report b (DUPLICATE). Empty when the evidence has no such pair (T3: see expected/found)."""
    if not isinstance(evidence, dict):
        return []
    if rule == "ATTACHMENT-MISMATCH" and isinstance(evidence.get("page"), dict):
        return [{"side": "page", **evidence["page"]}, {"side": "attachment", **(evidence.get("attachment") or {})}]
    values = evidence.get("values")
    if rule.startswith("X-") and isinstance(values, list) and len(values) >= 2:
        cur, prev = values[0], values[1]
        if isinstance(cur, dict) and isinstance(prev, dict):
            return [{"side": f"this report ({cur.get('year', '')})", **cur},
                    {"side": f"last year's report ({prev.get('year', '')})", **prev}]
    return []


def _json_load(text: Any, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


async def flag_page(datasette, request) -> Response:
    """One flag: message, evidence, the report's values, its archived page (iframe) and history."""
    flag_id = _row_id(request, "flag_id")
    if not await _has_table(datasette, "flags"):
        raise NotFound("this archive has no flags yet (run gongkai check)")
    flag = await _read(datasette, queries.flag, flag_id)
    if flag is None:
        raise NotFound(f"no flag {flag_id}")
    evidence = _json_load(flag.get("evidence"), {})
    cells = _json_load(flag.get("cells"), [])
    cited = cited_values(evidence)
    report, metrics, page = None, [], None
    rid = flag.get("report_id")
    if rid is not None and str(rid).isdigit():
        shown = await _read(datasette, queries.flag_report, int(rid))
        report, metrics, page = shown["report"], shown["metrics"], shown["page"]
    if report:
        involved = {c.get("key") for c in cited} | {c for c in cells if isinstance(c, str)}
        for m in metrics:
            m["value"] = _num(m["value"])
            m["involved"] = m["key"] in involved
        metrics.sort(key=lambda m: (not m["involved"], m["key"]))
    events = await _read(datasette, queries.flag_history, flag_id)
    actor = request.actor
    context = {
        "flag": flag, "evidence": evidence, "summary": evidence_summary(evidence), "cited": cited,
        "fields": evidence_fields(flag.get("rule") or "", evidence),
        "pair": disagreeing_values(flag.get("rule") or "", evidence),
        "evidence_json": json.dumps(evidence, ensure_ascii=False, indent=2), "cells": cells,
        "report": report, "metrics": metrics, "page": page, "events": events,
        "can_review": await can_review(datasette, actor), "actor": actor,
        "login_url": datasette.urls.path("/-/gongkai/login?" + urlencode({"next": request.path})),
        "message": request.args.get("message"),
    }
    return await _render(datasette, request, "gongkai_flag.html", context)


def done_word(action: str) -> str:
    return "confirmed" if action == "confirm" else "dismissed"


async def decide(datasette, request) -> Response:
    """POST confirm/dismiss + note: the only write of `gongkai serve`, on its own write connection."""
    if request.method != "POST":
        return Response.text("POST only", status=405)
    cfg = require_config(datasette)
    flag_id = _row_id(request, "flag_id")
    if not await can_review(datasette, request.actor):
        raise Forbidden("log in as a reviewer to confirm or dismiss flags (/-/gongkai/login)")
    form = await request.post_vars()
    action = form.get("action")
    note = (form.get("note") or "").strip()
    if action not in ("confirm", "dismiss"):
        return Response.text("action must be confirm or dismiss", status=400)
    if not note:
        return Response.text("a note is required: say why", status=400)
    who = str(request.actor.get("id") or "reviewer")

    def write() -> None:
        db = connect(cfg.db_path, busy_ms=DECIDE_WAIT_MS)  # waits for a crawl's writer (BEGIN IMMEDIATE)
        try:
            (flags.confirm if action == "confirm" else flags.dismiss)(db, flag_id, note=note, who=who)
        finally:
            db.conn.close()

    try:
        await asyncio.to_thread(write)
    except KeyError:
        raise NotFound(f"no flag {flag_id}") from None
    except flags.ArchiveBusy as exc:
        return Response.text(f"not {done_word(action)}: {exc}", status=503, headers={"Retry-After": "30"})
    done = done_word(action)
    return Response.redirect(datasette.urls.path(f"/-/gongkai/flag/{flag_id}?" + urlencode({"message": done})))


# ----------------------------------------------------------------------------- raw capture


async def capture(datasette, request) -> Response:
    """The archived bytes of one page version with their stored Content-Type (never the live site)."""
    cfg = require_config(datasette)
    page_id = _row_id(request, "page_id")
    row = await _read(datasette, queries.capture_location, page_id)
    if not row or not row["warc_file"]:
        raise NotFound(f"no archived page {page_id}")
    try:
        rec = await asyncio.to_thread(read_record, cfg.warc_dir, row["warc_file"], row["warc_offset"])
    except (OSError, ValueError) as exc:
        return Response.text(f"capture {page_id} cannot be read: {exc}", status=500)
    stored = {k.lower(): v for k, v in rec.headers}
    content_type = stored.get("content-type") or row["content_type"] or "application/octet-stream"
    headers = {"content-security-policy": CAPTURE_CSP, "x-content-type-options": "nosniff",
               "referrer-policy": "no-referrer", "x-gongkai-captured": rec.date,
               "cache-control": "private, max-age=3600"}
    if stored.get("content-encoding"):
        headers["content-encoding"] = stored["content-encoding"]
    if request.args.get("download"):
        name = rec.url.rstrip("/").rsplit("/", 1)[-1] or f"page-{page_id}"
        headers["content-disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(rec.body, status=200, headers=headers, content_type=content_type)


# ----------------------------------------------------------------------------- publisher charts


async def publisher(datasette, request) -> Response:
    """A publisher's applications and outcomes per year, as charts and a table; or the list of publishers."""
    name = request.args.get("name") or ""
    if not name:
        pubs = await _read(datasette, queries.publishers)
        return await _render(datasette, request, "gongkai_publishers.html", {"publishers": pubs})
    rows = await _read(datasette, queries.publisher_years, name)
    for r in rows:
        for k, v in r.items():
            r[k] = _num(v)
    years = [r["year"] for r in rows]
    apps_chart = year_bars(years, {"applications": [r["applications"] for r in rows]},
                           f"{name}: 本年新收申请 (apps.new.total)")
    outcome_names = ["disclosed", "partial", "withheld", "unable", "ignored", "other"]
    outcomes_chart = year_bars(years, {n: [r[n] for r in rows] for n in outcome_names},
                               f"{name}: 办理结果 (outcomes)", stacked=True)
    query_url = datasette.urls.path(f"/{require_config(datasette).db_name}/publisher_outcomes?" + urlencode({"publisher": name}))
    return await _render(datasette, request, "gongkai_publisher.html", {
        "name": name, "rows": rows, "apps_chart": apps_chart, "outcomes_chart": outcomes_chart,
        "outcome_names": outcome_names, "query_url": query_url})


ROUTES = [
    (r"^/$", home),
    (r"^/-/gongkai/?$", queue),
    (r"^/-/gongkai/flag/(?P<flag_id>\d+)$", flag_page),
    (r"^/-/gongkai/flag/(?P<flag_id>\d+)/decide$", decide),
    (r"^/-/gongkai/capture/(?P<page_id>\d+)$", capture),
    (r"^/-/gongkai/publisher$", publisher),
    (r"^/-/gongkai/ocr-crop/(?P<report_id>\d+)/(?P<key>[\w.]+)$", ocr_crop),
]
