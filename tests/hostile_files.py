"""Hostile documents built in the test's tmp: small files that expand without bound when read naively.

Every builder returns bytes (or writes a file) in well under a second: the bombs are made of one deflate
block repeated, not by compressing gigabytes.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

GiB = 1024 ** 3
TITLE = "青石县2021年政府信息公开工作年度报告"


def deflate_repeat(chunk: bytes, times: int) -> bytes:
    """A raw deflate stream of `chunk` x `times`: after a full flush the compressor starts afresh, so the
    block compressing `chunk` is the same bytes every time and can be repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(chunk)
    c.flush(zlib.Z_FULL_FLUSH)  # the first block primes nothing: it may differ only by chance, skip it
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    return block * times + c.flush()


def _crc_repeat(chunk: bytes, times: int) -> int:
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    return crc


def _chunk(text: bytes, size: int = 1 << 20) -> bytes:
    return (text * (size // len(text) + 1))[:size]


def gzip_bomb(size: int = GiB) -> bytes:
    """A gzip body of about 1 MB that decompresses to `size` bytes of HTML paragraphs."""
    chunk = _chunk("<p>本年度主动公开政府信息1234条。</p>".encode())
    times = size // len(chunk)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + deflate_repeat(chunk, times) + struct.pack("<II", _crc_repeat(chunk, times), (times * len(chunk)) & 0xFFFFFFFF)


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, deflated data, crc, declared size, method) with no zip64 (sizes < 4 GiB)."""
    out, central = io.BytesIO(), []
    for name, data, crc, size, method in members:
        offset = out.tell()
        raw = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data),
                              size & 0xFFFFFFFF, len(raw), 0) + raw + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data),
                                   size & 0xFFFFFFFF, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    cd = b"".join(central)
    out.write(cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), start, 0))
    return out.getvalue()


_CONTENT_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                  b'wordprocessingml.document.main+xml"/></Types>')
_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         b'officeDocument" Target="word/document.xml"/></Relationships>')


def docx_bomb(size: int = GiB, declared: int | None = None) -> bytes:
    """A DOCX of about 1 MB whose word/document.xml inflates to `size` bytes of paragraphs. With
    `declared`, the zip's directory lies about the member's size (a smaller number)."""
    chunk = _chunk(b"<w:p><w:r><w:t>1234</w:t></w:r></w:p>")
    times = size // len(chunk)
    data = deflate_repeat(chunk, times)
    plain = [(n, zlib.compress(b, 9)[2:-4], zlib.crc32(b), len(b), 8)
             for n, b in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS))]
    real = times * len(chunk)
    return _zip([*plain, ("word/document.xml", data, _crc_repeat(chunk, times), declared or real, 8)])


def far_cell_xlsx() -> bytes:
    """An XLSX of ~5 KB: a header cell at A1 and one number at XFD1048576 (the last cell of a sheet)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "政府信息公开情况统计表"
    ws["XFD1048576"] = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def far_cell_xls() -> bytes:
    """A BIFF .xls with a header cell and one number in the last row and column (65535, 255)."""
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("表")
    ws.write(0, 0, "政府信息公开情况统计表")
    ws.write(65535, 255, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def span_table_html(span: int = 1000, cells: int = 12) -> bytes:
    """A ~1.2 KB page whose one table, with every rowspan/colspan at `span`, is a billion grid cells."""
    tds = "".join(f'<td rowspan="{span}" colspan="{span}">{i}</td>' for i in range(cells))
    return (f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><div id='zoom'>"
            f"<p>2021年，全县主动公开政府信息1234条。</p><table><tr>{tds}</tr><tr>{tds}</tr></table>"
            "</div></body></html>").encode()


def write_big_page(path: Path, size: int = 200 * 1024 * 1024) -> Path:
    """A `size`-byte HTML page written in chunks (the test process never holds it)."""
    para = "<p>2021年，全县主动公开政府信息1234条。</p>\n".encode()
    block = para * (1024 * 1024 // len(para))
    with open(path, "wb") as fh:
        fh.write(f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><div id='zoom'>".encode())
        written = 0
        while written < size:
            fh.write(block)
            written += len(block)
        fh.write(b"</div></body></html>")
    return path


def pdf(pages: int = 1, password: str | None = None) -> bytes:
    """A PDF of `pages` pages (blank but the first, which has a line of text), optionally encrypted."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=595, height=842)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page = w.pages[0]
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): w._add_object(font)})})
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 72 720 Td (Annual report 2021: 1234) Tj ET")
    page[NameObject("/Contents")] = w._add_object(content)
    if password:
        w.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def pdf_stream_bomb(size: int = GiB) -> bytes:
    """A one-page PDF of ~3 MB whose FlateDecode content stream inflates to `size` bytes of text operators."""
    chunk = _chunk(b"BT /F1 12 Tf 72 720 Td (1234) Tj ET\n")
    times = size // len(chunk)
    adler = 1
    for _ in range(times):
        adler = zlib.adler32(chunk, adler)
    stream = b"\x78\xda" + deflate_repeat(chunk, times) + struct.pack(">I", adler)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def corrupt_pdf() -> bytes:
    """A PDF header and a few objects, the rest cut away and garbled."""
    good = pdf(3)
    return good[: len(good) // 3] + bytes(range(256)) * 4
