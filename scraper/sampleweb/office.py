"""Attachment files of a report (PDF, DOC, DOCX, XLS) and placeholder scan images (PNG)."""

from __future__ import annotations

import io
import re
import struct
import zlib

from .pdfwriter import make_pdf
from .report_doc import Block, Cell, grid
from .scans import scan_report
from .wordbin import doc_text, make_doc

CONTENT_TYPES = {
    "pdf": "application/pdf", "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "png": "image/png",
    "scan": "application/pdf",
}


def _dense(rows: list[list[Cell]]) -> list[list[str]]:
    cells = grid(rows)
    h = max(r + rs for r, _, rs, _, _ in cells)
    w = max(c + cs for _, c, _, cs, _ in cells)
    out = [[""] * w for _ in range(h)]
    for r, c, _, _, t in cells:
        out[r][c] = t
    return out


def make_attachment(blocks: list[Block], fmt: str) -> bytes:
    """Render the report blocks as an attachment of the given format."""
    if fmt == "pdf":
        return make_pdf(blocks)
    if fmt == "doc":
        paras = [b.text for b in blocks if b.kind != "table"]
        return make_doc(doc_text(paras, [_dense(b.rows or []) for b in blocks if b.kind == "table"]))
    if fmt == "docx":
        return _docx(blocks)
    if fmt == "xls":
        return _xls(blocks)
    if fmt == "scan":
        return scan_report(blocks)
    raise ValueError(fmt)


def _docx(blocks: list[Block]) -> bytes:
    import docx
    d = docx.Document()
    d.core_properties.created = __import__("datetime").datetime(2020, 1, 1)  # no clock in the bytes
    for b in blocks:
        if b.kind == "title":
            d.add_heading(b.text, level=1)
        elif b.kind == "h":
            d.add_heading(b.text, level=2)
        elif b.kind == "p":
            d.add_paragraph(b.text)
        else:
            dense = _dense(b.rows or [])
            t = d.add_table(rows=len(dense), cols=len(dense[0]))
            for row, trow in zip(dense, t.rows, strict=True):
                for txt, cell in zip(row, trow.cells, strict=True):
                    cell.text = txt
    buf = io.BytesIO()
    d.save(buf)
    return _fix_zip_times(buf.getvalue())


def _fix_zip_times(blob: bytes) -> bytes:
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", b"", data)
            zi = zipfile.ZipInfo(info.filename, (2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return out.getvalue()


SHEET_NAMES = {"t2": "表二 主动公开", "t3": "表三 申请情况", "t4": "表四 复议诉讼", "t4a": "表四 行政复议",
               "t4b": "表四 直接起诉", "t4c": "表四 复议后起诉", "fujian": "统计表"}


def _xls(blocks: list[Block]) -> bytes:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    title = next((b.text for b in blocks if b.kind == "title"), "")
    for b in blocks:
        if b.kind != "table":
            continue
        ws = wb.add_sheet(SHEET_NAMES.get(b.name, b.name))
        ws.write(0, 0, title)
        for r, c, rs, cs, t in grid(b.rows or []):
            val: object = t
            try:
                val = int(t)
            except ValueError:
                try:
                    val = float(t.removesuffix("元")) if t.endswith("元") or "." in t else t
                except ValueError:
                    val = t
            if rs > 1 or cs > 1:
                ws.write_merge(r + 1, r + rs, c, c + cs - 1, val)
            else:
                ws.write(r + 1, c, val)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def make_png(width: int, height: int, shade: int) -> bytes:
    """A grey 'scan' image, deterministic."""
    raw = b"".join(b"\0" + bytes(((x * 7 + y * 3 + shade) % 64) + 180 for x in range(width)) for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
