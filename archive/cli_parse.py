"""`gongkai parse`: extract one saved page or document, no archive needed.

PATH_OR_URL is a file (HTML, text, PDF, DOCX, DOC, XLS/XLSX) or an http(s) URL fetched once with
urllib. `--json` prints the object of spec/cli.md; without it, a short readable summary.
"""

from __future__ import annotations

import json
import mimetypes
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from archive.cli import GongkaiError
from pipeline.limits import LIMITS

USER_AGENT = "gongkai/0.1 (+government report archive; polite single fetch)"
SUMMARY_METRICS = ("apps.new.total", "apps.carried_in.total", "apps.result.total.total", "apps.carried_out.total",
                   "review.total", "suit.total", "proactive.total", "fees.collected_yuan")


def read_input(path_or_url: str, timeout: float = 30.0) -> tuple[bytes, str, str | None]:
    """(body, url, content type) of a file or an http(s) URL; user mistakes raise GongkaiError."""
    if path_or_url.startswith(("http://", "https://")):
        req = urllib.request.Request(path_or_url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) only
                return resp.read(), resp.geturl(), resp.headers.get("Content-Type")
        except urllib.error.HTTPError as exc:
            raise GongkaiError(f"cannot fetch {path_or_url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GongkaiError(f"cannot fetch {path_or_url}: {reason}") from None
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


def report_flags(ex: Any) -> list[dict[str, Any]]:
    """Within-report findings from pipeline.checks, or [] while that module is not there."""
    try:
        from pipeline.checks import run_report_rules
    except ImportError:
        return []
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
    from archive.extracting import extract_document

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
