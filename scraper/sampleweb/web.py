"""SampleWeb: routes requests to generated pages, and states the ground truth.

Pages are rendered lazily and cached, so large scales start instantly; the same
(seed, scale, night) always yields the same bytes.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from . import pages as P
from . import portal
from .model import AS_OF, Item, Report, Site, build_site, listing_urls, robots_disallow, site_identity
from .office import CONTENT_TYPES, make_attachment, make_png
from .registry import registry_toml
from .report_doc import build_doc
from .scans import add_scans, scans_available
from .truth import build_truth
from .urls import PAGE_SIZE, attachment_path

HTML_CT = {"trs": "text/html; charset=UTF-8", "hanweb": "text/html;charset=UTF-8", "jsonapi": "text/html; charset=utf-8",
           "gbk": "text/html", "jcms": "text/html; charset=utf-8"}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    sleep: float = 0.0
    truncate: bool = False


@lru_cache(maxsize=2048)  # more than the largest scale: a miss rebuilds a whole site
def _site(seed: int, idx: int, night: int, scans: int = 0) -> Site:
    site = build_site(seed, idx, night)
    if scans:
        add_scans(site, scans)
    return site


def _http_date(iso: str) -> str:
    d = dt.datetime.fromisoformat(iso).replace(hour=1, tzinfo=dt.UTC)
    return email.utils.format_datetime(d, usegmt=True)


def image_urls(site: Site, rep: Report) -> list[str]:
    col = rep.column
    assert col is not None
    return [site.base + attachment_path(site.style, col.path, rep.published, rep.doc_id * 10 + i, "png") for i in (1, 2, 3)]


class SampleWeb:
    """A deterministic web of government disclosure sites (see package docstring)."""

    def __init__(self, seed: int = 1, scale: int = 1, night: int = 1, slow_seconds: float = 6.0,
                 scans: int = 0) -> None:
        """`scans`: how many of site 0's reports are published as a scanned PDF instead (scraper/sampleweb/scans.py;
        OCR costs seconds a page, so the default web has none and `gongkai demo` asks for one)."""
        self.seed, self.scale, self.night, self.slow_seconds = seed, scale, night, slow_seconds
        self.scans = scans if scans_available() else 0
        self.n_sites = 5 if scale == 1 else scale
        self.hosts = {}
        for i in range(self.n_sites):
            self.hosts[f"www.{site_identity(i)[1]}.gov.test"] = i
        self._cache: OrderedDict[tuple, Response] = OrderedDict()

    # ---------------------------------------------------------------- sites and routes
    def site(self, idx: int, night: int | None = None) -> Site:
        return _site(self.seed, idx, self.night if night is None else night, self.scans if idx == 0 else 0)

    def sites(self, night: int | None = None) -> list[Site]:
        return [self.site(i, night) for i in range(self.n_sites)]

    def routes(self, idx: int, night: int | None = None) -> dict[str, tuple]:
        return _routes(self.seed, idx, self.night if night is None else night, self.scans if idx == 0 else 0)

    def set_night(self, n: int) -> None:
        self.night = n

    def respond(self, method: str, host: str, target: str, headers: dict[str, str] | None = None,
                body: bytes = b"") -> Response:
        """Answer one request for a site host (target = path with query)."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        host = host.split(":")[0].lower()
        if host not in self.hosts:
            return Response(404, b"unknown host", [("Content-Type", "text/plain")])
        idx = self.hosts[host]
        parts = urlsplit(target)
        path = parts.path or "/"
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if method == "POST" and body:
            try:
                q.update({k: str(v) for k, v in json.loads(body).items()})
            except (ValueError, AttributeError):
                q.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
        night = self.night
        route = self.routes(idx, night).get(path)
        site = self.site(idx, night)
        if route is None:
            dyn = self._dynamic(site, path, q)
            if dyn is not None:
                return dyn
            return Response(404, _not_found(site), [("Content-Type", HTML_CT[site.style])])
        kind = route[0]
        if kind == "error":
            return self._error(site, path, route[1])
        key = (self.seed, idx, night, path, self.scans)
        resp = self._cache.get(key)
        if resp is None:
            resp = self._render(site, route)
            self._cache[key] = resp
            if len(self._cache) > 4096:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        etag = next((v for k, v in resp.headers if k == "ETag"), None)
        lm = next((v for k, v in resp.headers if k == "Last-Modified"), None)
        inm, ims = headers.get("if-none-match"), headers.get("if-modified-since")
        if etag and inm and etag in [t.strip() for t in inm.split(",")] or (
                lm and ims and not inm and _not_after(lm, ims)):
            return Response(304, b"", [h for h in resp.headers if h[0] in ("ETag", "Last-Modified")])
        return resp

    def _render(self, site: Site, route: tuple) -> Response:
        kind, obj = route[0], route[1]
        st = site.style
        ct = HTML_CT[st]
        lm = None
        if kind == "index":
            text = portal.home(site)
        elif kind == "robots":
            dis = "".join(f"Disallow: {p}\n" for p in robots_disallow(site))
            return _resp(site, b"User-agent: *\n" + dis.encode() + b"\n", "text/plain", None)
        elif kind == "listing":
            col, i = obj, route[2]
            text = P.listing(site, col, i)
            lm = max([it.date for it in col.items] + [it.report.modified for it in col.items if it.report])
        elif kind == "report":
            text = P.article_page(site, obj, image_urls(site, obj))
            lm = obj.modified
            if obj.variant.get("wrong_charset"):
                return Response(200, text.encode("gb18030"), [("Content-Type", "text/html; charset=utf-8")])
        elif kind == "page":
            it = obj
            if it.kind == "js":
                return _resp(site, P.js_stub(P.path_of(it.target)).encode(), "text/html", None)
            if it.kind == "meta":
                return _resp(site, P.meta_stub(P.path_of(it.target)).encode(), "text/html", None)
            text, lm = P.plain_page(site, it), it.date
        elif kind == "attachment":
            att = obj
            rep = replace(att.report, metrics={**att.report.metrics, **att.metrics}) if att.metrics else att.report
            blob = make_attachment(build_doc(rep), att.fmt)
            return _resp(site, blob, CONTENT_TYPES[att.fmt], att.report.modified)
        elif kind == "portal":
            text = obj
        elif kind == "png":
            return _resp(site, make_png(320, 60, route[2] * 17 + obj.year), "image/png", obj.published)
        else:
            raise ValueError(kind)
        data = text.encode("gb18030") if st == "gbk" else text.encode("utf-8")
        return _resp(site, data, ct, lm)

    def _dynamic(self, site: Site, path: str, q: dict[str, str]) -> Response | None:
        if path == portal.CALENDAR:
            page = portal.calendar(site, q)
            if page is None:
                return None
            return Response(200, page.encode("gb18030" if site.style == "gbk" else "utf-8"),
                            [("Content-Type", HTML_CT[site.style])])
        if site.broken:
            return None
        if site.style == "hanweb" and path == "/module/web/jpage/dataproxy.jsp":
            col = next((c for c in site.columns if str(c.col_no) == q.get("columnid")), None)
            if col is None:
                return None
            try:
                start, end = int(q.get("startrecord", 1)), int(q.get("endrecord", 15))
            except ValueError:
                return Response(400, b"bad request")
            return Response(200, P.hanweb_proxy(site, col, start, end).encode(), [("Content-Type", "text/xml;charset=UTF-8")])
        if site.style == "jsonapi" and path == "/api/list":
            col = next((c for c in site.columns if str(P.channel_id(c)) == q.get("channelid")), None)
            if col is None:
                return Response(200, b'{"total":0,"page":1,"size":10,"data":[]}', [("Content-Type", "application/json;charset=UTF-8")])
            try:
                page, size = int(q.get("page", 1)), int(q.get("size", PAGE_SIZE["jsonapi"]))
            except ValueError:
                return Response(400, b"bad request")
            return Response(200, P.json_list(site, col, page, size).encode(), [("Content-Type", "application/json;charset=UTF-8")])
        return None

    def _error(self, site: Site, path: str, kind: str) -> Response:
        ct = [("Content-Type", HTML_CT[site.style])]
        if kind == "500":
            return Response(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", ct)
        if kind == "timeout":
            return Response(200, P.plain_page(site, _fake_item(site, path)).encode(), ct, sleep=self.slow_seconds)
        if kind == "truncated":
            return Response(200, P.plain_page(site, _fake_item(site, path)).encode(), ct, truncate=True)
        if kind == "redirect_loop":
            other = path.replace("/a.html", "/b.html") if path.endswith("/a.html") else path.replace("/b.html", "/a.html")
            return Response(302, b"", [("Location", site.base + other), ("Content-Length", "0")])
        return Response(404, _not_found(site), ct)

    # ---------------------------------------------------------------- truth and registry
    def truth(self) -> dict:
        return build_truth(self)

    def registry_toml(self, proxy_url: str | None = None) -> str:
        return registry_toml(self, proxy_url)

    def get_bytes(self, url: str, night: int | None = None) -> tuple[int, bytes]:
        """Status and body of a GET (used by tests and change computation)."""
        saved = self.night
        if night is not None:
            self.night = night
        try:
            u = urlsplit(url)
            r = self.respond("GET", u.netloc, u.path + (f"?{u.query}" if u.query else ""))
            return r.status, r.body
        finally:
            self.night = saved


def _not_after(lm: str, ims: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(lm) <= email.utils.parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False


def _resp(site: Site, data: bytes, ct: str, lm: str | None) -> Response:
    headers = [("Content-Type", ct)]
    if site.style != "gbk":
        headers.append(("ETag", '"' + hashlib.sha1(data).hexdigest()[:20] + '"'))
        if lm:
            headers.append(("Last-Modified", _http_date(lm)))
    return Response(200, data, headers)


def _fake_item(site: Site, path: str):
    it = next((i for c in site.columns for i in c.items if P.path_of(i.url) == path), None)
    return it or Item("政务公开工作动态", site.base + path, "2021-06-01", "non_report")


def _not_found(site: Site) -> bytes:
    page = "<html><head><title>404</title></head><body><p>对不起，您访问的页面不存在或已删除。</p></body></html>"
    return page.encode("gb18030" if site.style == "gbk" else "utf-8")


@lru_cache(maxsize=2048)  # more than the largest scale: a miss rebuilds a whole site
def _routes(seed: int, idx: int, night: int, scans: int = 0) -> dict[str, tuple]:
    site = _site(seed, idx, night, scans)
    r: dict[str, tuple] = {"/": ("index", None), "/robots.txt": ("robots", None)}
    if not site.broken:
        for col in site.columns:
            n = 1 if site.style in ("hanweb", "jsonapi") else col.n_pages(site.style)
            for i, url in enumerate(listing_urls(site, col)[:n]):
                r[P.path_of(url)] = ("listing", col, i)
    for rep in site.reports:
        r[P.path_of(rep.url)] = ("report", rep)
        for a in rep.attachments:
            r[P.path_of(a.url)] = ("attachment", a)
        if rep.kind == "image_only":
            for i, u in enumerate(image_urls(site, rep)):
                r[P.path_of(u)] = ("png", rep, i)
    for url, it in site.pages.items():
        r[P.path_of(url)] = ("page", it)
    for path, page in portal.routes(site).items():
        r.setdefault(path, ("portal", page))
    for url, kind in site.errors.items():
        r[P.path_of(url)] = ("error", kind)
        if kind == "redirect_loop":
            r[P.path_of(url).replace("/a.html", "/b.html")] = ("error", kind)
    return r


__all__ = ["SampleWeb", "Response", "AS_OF"]
