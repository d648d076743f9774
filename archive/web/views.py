"""The review pages: queue, flag (evidence beside the archived page), raw capture, publisher charts,
login, and the one write (confirm/dismiss). Reading is public; deciding needs a reviewer login."""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from datasette import Forbidden, NotFound, Response
from datasette.utils import baseconv

from archive.web.metadata import PUBLISHER_SQL
from archive.web.ocrcrop import ocr_crop
from archive.web.svg import hbar_chart, year_bars

REVIEW_ACTION = "gongkai-review"
LOGIN_DAYS = 7
#: headers for replayed captures: no scripts, no network (never the live site), no sniffing
CAPTURE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"


@dataclass(frozen=True)
class ServeConfig:
    """What the plugin needs to know about this `gongkai serve` (kept off /-/metadata: it holds the password)."""

    db_name: str
    db_path: Path
    warc_dir: Path
    password: str | None = None


def config(datasette) -> ServeConfig | None:
    return getattr(datasette, "gongkai_config", None)


def _cfg(datasette) -> ServeConfig:
    cfg = config(datasette)
    if cfg is None:
        raise NotFound("gongkai is not configured on this Datasette")
    return cfg


async def _rows(datasette, sql: str, params: dict | list | None = None) -> list[dict[str, Any]]:
    db = datasette.get_database(_cfg(datasette).db_name)
    res = await db.execute(sql, params or {})
    return [dict(r) for r in res.rows]


async def _has_table(datasette, name: str) -> bool:
    db = datasette.get_database(_cfg(datasette).db_name)
    return await db.table_exists(name)


async def _render(datasette, request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    context = {"db_name": _cfg(datasette).db_name, **context}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status)


def _num(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


async def can_review(datasette, actor: dict | None) -> bool:
    return bool(actor) and await datasette.permission_allowed(actor, REVIEW_ACTION, default=False)


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
        where, params = ["status = :status"], {"status": status}
        for k, v in filters.items():
            if v:
                where.append(f"{k} = :{k}")
                params[k] = v
        context["flags"] = await _rows(datasette, f"""SELECT id, severity, rule, publisher, year, site, message,
            first_seen FROM flags WHERE {' AND '.join(where)}
            ORDER BY severity = 'error' DESC, rule, publisher, year, id LIMIT 500""", params)
        by_rule = await _rows(datasette, "SELECT rule, count(*) AS n FROM flags WHERE status = :s "
                                         "GROUP BY rule ORDER BY n DESC, rule", {"s": status})
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


def _json_load(text: Any, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


async def flag_page(datasette, request) -> Response:
    """One flag: message, evidence, the report's values, its archived page (iframe) and history."""
    flag_id = int(request.url_vars["flag_id"])
    if not await _has_table(datasette, "flags"):
        raise NotFound("this archive has no flags yet (run gongkai check)")
    rows = await _rows(datasette, "SELECT * FROM flags WHERE id = ?", [flag_id])
    if not rows:
        raise NotFound(f"no flag {flag_id}")
    flag = rows[0]
    evidence = _json_load(flag.get("evidence"), {})
    cells = _json_load(flag.get("cells"), [])
    cited = cited_values(evidence)
    report, metrics, page = None, [], None
    rid = flag.get("report_id")
    if rid is not None and str(rid).isdigit():
        found = await _rows(datasette, "SELECT id, title, url, year, publisher, format, published, page_id, "
                                       "version, is_current FROM reports WHERE id = ?", [int(rid)])
        report = found[0] if found else None
    if report:
        involved = {c.get("key") for c in cited} | {c for c in cells if isinstance(c, str)}
        metrics = await _rows(datasette, "SELECT key, value, source, where_, raw FROM metrics "
                                         "WHERE report_id = ? ORDER BY key", [report["id"]])
        for m in metrics:
            m["value"] = _num(m["value"])
            m["involved"] = m["key"] in involved
        metrics.sort(key=lambda m: (not m["involved"], m["key"]))
        if report.get("page_id") is not None:
            pages = await _rows(datasette, "SELECT id, url, content_type, fetched_at, sha256, version "
                                           "FROM pages WHERE id = ?", [report["page_id"]])
            page = pages[0] if pages else None
    events = []
    if await _has_table(datasette, "flag_events"):
        events = await _rows(datasette, "SELECT at, event, who, note FROM flag_events WHERE flag_id = ? "
                                        "ORDER BY at, id", [flag_id])
    actor = request.actor
    context = {
        "flag": flag, "evidence": evidence, "summary": evidence_summary(evidence), "cited": cited,
        "evidence_json": json.dumps(evidence, ensure_ascii=False, indent=2), "cells": cells,
        "report": report, "metrics": metrics, "page": page, "events": events,
        "can_review": await can_review(datasette, actor), "actor": actor,
        "login_url": datasette.urls.path("/-/gongkai/login?" + urlencode({"next": request.path})),
        "message": request.args.get("message"),
    }
    return await _render(datasette, request, "gongkai_flag.html", context)


async def decide(datasette, request) -> Response:
    """POST confirm/dismiss + note: the only write of `gongkai serve`, on its own write connection."""
    if request.method != "POST":
        return Response.text("POST only", status=405)
    cfg = _cfg(datasette)
    flag_id = int(request.url_vars["flag_id"])
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
        from archive import flags
        from archive.schema import connect

        db = connect(cfg.db_path)
        try:
            (flags.confirm if action == "confirm" else flags.dismiss)(db, flag_id, note=note, who=who)
        finally:
            db.conn.close()

    try:
        await asyncio.to_thread(write)
    except KeyError:
        raise NotFound(f"no flag {flag_id}") from None
    done = "confirmed" if action == "confirm" else "dismissed"
    return Response.redirect(datasette.urls.path(f"/-/gongkai/flag/{flag_id}?" + urlencode({"message": done})))


# ----------------------------------------------------------------------------- raw capture


async def capture(datasette, request) -> Response:
    """The archived bytes of one page version with their stored Content-Type (never the live site)."""
    from archive.warc import read_record

    cfg = _cfg(datasette)
    page_id = int(request.url_vars["page_id"])
    rows = await _rows(datasette, "SELECT warc_file, warc_offset, content_type FROM pages WHERE id = ?", [page_id])
    if not rows or not rows[0]["warc_file"]:
        raise NotFound(f"no archived page {page_id}")
    row = rows[0]
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
        pubs = await _rows(datasette, "SELECT publisher, count(*) AS reports, min(year) AS first, max(year) AS last "
                                      "FROM reports WHERE is_current = 1 AND publisher IS NOT NULL "
                                      "GROUP BY publisher ORDER BY publisher")
        return await _render(datasette, request, "gongkai_publishers.html", {"publishers": pubs})
    rows = await _rows(datasette, PUBLISHER_SQL, {"publisher": name})
    for r in rows:
        for k, v in r.items():
            r[k] = _num(v)
    years = [r["year"] for r in rows]
    apps_chart = year_bars(years, {"applications": [r["applications"] for r in rows]},
                           f"{name}: 本年新收申请 (apps.new.total)")
    outcome_names = ["disclosed", "partial", "withheld", "unable", "ignored", "other"]
    outcomes_chart = year_bars(years, {n: [r[n] for r in rows] for n in outcome_names},
                               f"{name}: 办理结果 (outcomes)", stacked=True)
    query_url = datasette.urls.path(f"/{_cfg(datasette).db_name}/publisher_outcomes?" + urlencode({"publisher": name}))
    return await _render(datasette, request, "gongkai_publisher.html", {
        "name": name, "rows": rows, "apps_chart": apps_chart, "outcomes_chart": outcomes_chart,
        "outcome_names": outcome_names, "query_url": query_url})


# ----------------------------------------------------------------------------- login


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/-/gongkai"


async def login(datasette, request) -> Response:
    """A reviewer logs in with the shared review password; the signed ds_actor cookie carries who it is."""
    cfg = _cfg(datasette)
    context: dict[str, Any] = {"enabled": bool(cfg.password), "error": None, "next": _safe_next(request.args.get("next"))}
    if request.method == "POST":
        form = await request.post_vars()
        context["next"] = _safe_next(form.get("next"))
        user = (form.get("username") or "").strip()
        password = form.get("password") or ""
        if not cfg.password:
            context["error"] = "Reviewing is switched off: start gongkai serve with GONGKAI_REVIEW_PASSWORD or --password-file."
        elif not user:
            context["error"] = "Say who you are (your name is recorded with each decision)."
        elif not hmac.compare_digest(password.encode(), cfg.password.encode()):
            await asyncio.sleep(0.3)
            context["error"] = "Wrong password."
        else:
            response = Response.redirect(context["next"])
            expires = baseconv.base62.encode(int(time.time()) + LOGIN_DAYS * 86400)
            actor = {"id": user, "gongkai_reviewer": True}
            response.set_cookie("ds_actor", datasette.sign({"a": actor, "e": expires}, "actor"),
                                httponly=True, samesite="lax", max_age=LOGIN_DAYS * 86400)
            return response
        return await _render(datasette, request, "gongkai_login.html", context, status=403)
    return await _render(datasette, request, "gongkai_login.html", context)


ROUTES = [
    (r"^/-/gongkai/?$", queue),
    (r"^/-/gongkai/flag/(?P<flag_id>\d+)$", flag_page),
    (r"^/-/gongkai/flag/(?P<flag_id>\d+)/decide$", decide),
    (r"^/-/gongkai/capture/(?P<page_id>\d+)$", capture),
    (r"^/-/gongkai/publisher$", publisher),
    (r"^/-/gongkai/login$", login),
    (r"^/-/gongkai/ocr-crop/(?P<report_id>\d+)/(?P<key>[\w.]+)$", ocr_crop),
]
