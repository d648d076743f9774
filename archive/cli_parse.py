"""`gongkai parse`: extract one saved page or document, no archive needed.

PATH_OR_URL is a file (HTML, text, PDF, DOCX, DOC, XLS/XLSX) or an http(s) URL fetched once with
urllib, through the URL guard (scraper/urlguard.py): redirects stay on the URL's host, size and time
are bounded. `--json` prints the object of spec/cli.md; without it, a short readable summary.
"""

from __future__ import annotations

import http.client
import json
import mimetypes
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import click

from archive.errors import GongkaiError
from pipeline.checks import run_report_rules
from pipeline.limits import LIMITS
from scraper import urlguard
from scraper.settings import USER_AGENT

SUMMARY_METRICS = ("apps.new.total", "apps.carried_in.total", "apps.result.total.total", "apps.carried_out.total",
                   "review.total", "suit.total", "proactive.total", "fees.collected_yuan")


def read_input(path_or_url: str, timeout: float = 30.0) -> tuple[bytes, str, str | None]:
    """(body, url, content type) of a file or an http(s) URL; user mistakes raise GongkaiError."""
    scheme = urlsplit(path_or_url).scheme
    if len(scheme) > 1 and not Path(path_or_url).exists():  # a URL (one letter would be a drive)
        return fetch(path_or_url, timeout)
    path = Path(path_or_url)
    if not path.exists():
        raise GongkaiError(f"no such file: {path_or_url}")
    if path.is_dir():
        raise GongkaiError(f"is a directory, not a document: {path_or_url}")
    try:
        with open(path, "rb") as fh:  # one byte past the limit is enough to say the file is too large
            body = fh.read(LIMITS.max_bytes + 1)
    except OSError as exc:
        raise GongkaiError(f"cannot read {path_or_url}: {exc.strerror or exc}") from None
    return body, "", mimetypes.guess_type(path.name)[0]


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only when the URL guard allows it: http(s) on the first URL's own host."""

    def __init__(self, url: str) -> None:
        self.url, self.hosts = url, urlguard.own_host(url)

    def http_error_302(self, req, fp, code, msg, headers):
        location = headers.get("Location") or headers.get("URI")
        if location:
            target = urljoin(req.full_url, location.strip())
            refusal = urlguard.check(target, self.hosts)
            if refusal is not None:
                fp.close()
                raise GongkaiError(f"cannot fetch {self.url}: redirect {code} to {target[:200]} refused "
                                   f"({refusal.reason}: only the same host, over http or https)")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(url: str) -> urllib.request.OpenerDirector:
    """http and https handlers only (no file:, ftp:, data:), redirects through the URL guard."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor(),
                    _SameHostRedirects(url)):
        opener.add_handler(handler)
    return opener


def fetch(url: str, timeout: float = 30.0, max_bytes: int = LIMITS.max_bytes) -> tuple[bytes, str, str | None]:
    """One polite GET of an http(s) URL, bounded: redirects within its host only, at most max_bytes,
    at most timeout seconds in all (a slow drip counts), and a body shorter than announced is an error."""
    refusal = urlguard.check(url, urlguard.own_host(url))
    if refusal is not None:
        raise GongkaiError(f"cannot fetch {url[:200]}: {refusal.message}")
    deadline = time.monotonic() + timeout
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT + " parse"})
    try:
        with _opener(url).open(req, timeout=timeout) as resp:
            declared = resp.headers.get("Content-Length")
            declared_n = int(declared) if declared and declared.strip().isdigit() else None
            if declared_n is not None and declared_n > max_bytes:
                raise GongkaiError(f"cannot fetch {url}: {declared_n} bytes announced, over the limit of {max_bytes}")
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise GongkaiError(f"cannot fetch {url}: not finished after {timeout:g} s")
                chunk = resp.read1(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise GongkaiError(f"cannot fetch {url}: body over the limit of {max_bytes} bytes")
                chunks.append(chunk)
            if declared_n is not None and size < declared_n:
                raise GongkaiError(f"cannot fetch {url}: body cut short ({size} of {declared_n} bytes announced)")
            return b"".join(chunks), resp.geturl(), resp.headers.get("Content-Type")
    except urllib.error.HTTPError as exc:
        raise GongkaiError(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from None
    except http.client.IncompleteRead as exc:
        raise GongkaiError(f"cannot fetch {url}: body cut short ({len(exc.partial)} bytes read)") from None
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc or type(exc).__name__
        raise GongkaiError(f"cannot fetch {url}: {reason}") from None


def report_flags(ex: Any) -> list[dict[str, Any]]:
    """Within-report findings of pipeline.checks, as JSON-ready dicts."""
    out = []
    for f in run_report_rules(ex):
        out.append(f.to_json() if hasattr(f, "to_json") else dict(f))
    return out


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The readable summary: fields, tables found, headline metrics, flags and errors."""
    lines = [data.get("title") or "(no title)"]
    for key in ("kind", "year", "format", "publisher", "issuer", "published", "index_no", "url"):
        if data.get(key) is not None:
            lines.append(f"  {key:<10} {data[key]}")
    metrics = data.get("metrics", {})
    lines.append(f"  metrics    {len(metrics)}" + (f" ({len(data.get('approximate', []))} approximate)"
                                                   if data.get("approximate") else ""))
    for key in SUMMARY_METRICS:
        if key in metrics:
            lines.append(f"    {key:<26} {metrics[key]}")
    flags = data.get("flags", [])
    lines.append(f"  flags      {len(flags)}")
    for f in flags:
        lines.append(f"    [{f.get('severity')}] {f.get('rule')}: {f.get('message')}")
    for err in data.get("errors", []):
        lines.append(f"  error      {err}")
    return lines


@click.command("parse")
@click.argument("path_or_url")
@click.option("--json", "as_json", is_flag=True, help="Print the extraction as one JSON object (spec/cli.md).")
def parse_command(path_or_url: str, as_json: bool) -> None:
    """Extract one saved page or document (file path or http(s) URL) without an archive."""
    from archive.extracting import extract_document  # lazy: sqlite-utils loads for this command only

    body, url, content_type = read_input(path_or_url)
    ex = extract_document(body, url, content_type)  # in a worker capped like the archive's extraction
    data = ex.to_json(report_flags(ex))
    data["tables"] = list(ex.tables)
    data["blank_cells"] = list(ex.blank_cells)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    lines = summary_lines(data)
    lines.insert(len(lines) - len(data["flags"]) - len(data["errors"]) - 1,
                 f"  tables     {' '.join(ex.tables) or '-'}" + (f"  (blank cells: {len(ex.blank_cells)})"
                                                                 if ex.blank_cells else ""))
    click.echo("\n".join(lines))


COMMANDS = [parse_command]
