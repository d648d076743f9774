"""/-/gongkai/ocr-crop/<report>/<key>: the box an OCR value was read from, cut from the archived capture.

The flag page of an OCR-IDENTITY flag shows these crops beside the values so a reviewer sees what was
printed without leaving the page; nothing is fetched from the live site."""

from __future__ import annotations

import asyncio
import sqlite3

import sqlite_utils
from datasette import NotFound, Response

from archive.ocrscan import crop_png
from archive.web.serveconfig import require_config


async def ocr_crop(datasette, request) -> Response:
    cfg = require_config(datasette)
    report_id, key = int(request.url_vars["report_id"]), request.url_vars["key"]

    def cut() -> bytes | None:
        conn = sqlite3.connect(f"file:{cfg.db_path}?mode=ro", uri=True)
        try:
            return crop_png(sqlite_utils.Database(conn), cfg.warc_dir, report_id, key)
        finally:
            conn.close()

    try:
        png = await asyncio.to_thread(cut)
    except (OSError, ValueError, sqlite3.Error) as exc:
        return Response.text(f"crop of {key} cannot be cut: {exc}", status=500)
    if png is None:
        raise NotFound(f"{key} of report {report_id} was not read by OCR from a box")
    return Response(png, status=200, content_type="image/png",
                    headers={"cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"})
