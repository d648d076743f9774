"""Small builders of binary documents for the loader tests (test helpers only).

PDF: a minimal PDF 1.4 writer whose Type0 font has a ToUnicode CMap, so Chinese text round-trips
through a text-layer reader; or an image-only page (a scanned report).
DOC: a minimal Compound File (CFB v3, 512-byte sectors, every stream ≥ 4096 bytes so no mini stream)
holding a Word 97 `WordDocument` stream (FIB with wIdent 0xA5EC, fWhichTblStm, ccpText, fcClx/lcbClx)
and a `1Table`/`0Table` stream with the CLX piece table; pieces may be UTF-16LE or compressed cp1252.
DOCX/XLS/XLSX: made with python-docx, xlwt and openpyxl (the same libraries real producers resemble).
"""

from __future__ import annotations

import io
import struct
import zlib

# -- PDF ------------------------------------------------------------------------------------------------


def make_pdf(lines: list[str], image_only: bool = False, compress: bool = True) -> bytes:
    """One A4 page showing `lines` top to bottom (or, with image_only, just a grey image)."""
    chars = sorted({c for line in lines for c in line})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes, extra: bytes = b"") -> bytes:
        if compress:
            data = zlib.compress(data)
            extra += b" /Filter /FlateDecode"
        return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"

    catalog = add(b"")  # placeholders filled below
    pages = add(b"")
    page = add(b"")
    if image_only:
        img = add(stream(bytes([128]) * 64, b" /Type /XObject /Subtype /Image /Width 8 /Height 8"
                                           b" /ColorSpace /DeviceGray /BitsPerComponent 8"))
        content = b"q 500 0 0 700 40 60 cm /Im1 Do Q"
        resources = b"<< /XObject << /Im1 %d 0 R >> >>" % img
    else:
        cmap = _to_unicode_cmap(cid)
        to_unicode = add(stream(cmap))
        cid_font = add(b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
                       b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
                       b" /DW 1000 >>")
        font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H"
                   b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid_font, to_unicode))
        ops = [b"BT /F1 10 Tf 12 TL 40 800 Td"]
        for line in lines:
            ops.append(b"<" + "".join(f"{cid[c]:04X}" for c in line).encode() + b"> Tj T*")
        ops.append(b"ET")
        content = b"\n".join(ops)
        resources = b"<< /Font << /F1 %d 0 R >> >>" % font
    contents = add(stream(content))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages
    objects[pages - 1] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page
    objects[page - 1] = (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources %s /Contents %d 0 R >>"
                         % (pages, resources, contents))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref))
    return out.getvalue()


def _to_unicode_cmap(cid: dict[str, int]) -> bytes:
    entries = [f"<{n:04X}> <{ord(c):04X}>" for c, n in sorted(cid.items(), key=lambda kv: kv[1])]
    chunks = [entries[i:i + 100] for i in range(0, len(entries), 100)]
    body = "\n".join(f"{len(ch)} beginbfchar\n" + "\n".join(ch) + "\nendbfchar" for ch in chunks)
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode()


# -- DOC (Word 97 in a Compound File) -------------------------------------------------------------------

ENDOFCHAIN, FATSECT, FREESECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF


def word_text(paragraphs: list[str] | None = None, tables: list[list[list[str]]] | None = None) -> str:
    """Main-document text as Word stores it: paragraphs end with \\r, cells with \\x07, rows with \\x07\\x07."""
    out = "".join(p + "\r" for p in paragraphs or [])
    for table in tables or []:
        for row in table:
            out += "".join(cell + "\x07" for cell in row) + "\x07"
        out += "\r"
    return out


def make_doc(text: str, compressed_prefix: int = 0, table_stream: str = "1Table",
             encrypted: bool = False) -> bytes:
    """A Word 97 .doc whose main text is `text`.

    The first `compressed_prefix` characters (must be cp1252) go into a compressed piece and the rest into
    a UTF-16LE piece, so both piece encodings of the CLX are exercised.
    """
    fib_size = 1024
    first, rest = text[:compressed_prefix], text[compressed_prefix:]
    first_bytes = first.encode("cp1252")
    first_fc = fib_size
    rest_fc = fib_size + len(first_bytes) + (len(first_bytes) % 2)
    word = bytearray(fib_size)
    body = first_bytes + b"\0" * (rest_fc - fib_size - len(first_bytes)) + rest.encode("utf-16-le")
    word += body
    pieces = []
    if first:
        pieces.append((len(first), (first_fc * 2) | 0x40000000))
    if rest:
        pieces.append((len(rest), rest_fc))
    cps = [0]
    for n, _ in pieces:
        cps.append(cps[-1] + n)
    plc = b"".join(struct.pack("<I", cp) for cp in cps)
    plc += b"".join(struct.pack("<HIH", 0, fc, 0) for _, fc in pieces)
    clx = b"\x01" + struct.pack("<H", 2) + b"\x00\x00" + b"\x02" + struct.pack("<I", len(plc)) + plc  # a Prc, then Pcdt
    table = bytearray(64) + clx
    flags = (0x0200 if table_stream == "1Table" else 0) | (0x0100 if encrypted else 0)
    struct.pack_into("<HH", word, 0, 0xA5EC, 0x00C1)
    struct.pack_into("<H", word, 0x0A, flags)
    struct.pack_into("<H", word, 32, 14)        # csw
    struct.pack_into("<H", word, 62, 22)        # cslw
    struct.pack_into("<I", word, 0x4C, len(text))  # ccpText
    struct.pack_into("<H", word, 152, 93)       # cbRgFcLcb (Word 97)
    struct.pack_into("<II", word, 0x01A2, 64, len(clx))  # fcClx, lcbClx
    return make_cfb({"WordDocument": bytes(word), table_stream: bytes(table)})


def make_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 Compound File holding `streams` (each padded to ≥ 4096 bytes: no mini stream)."""
    names = list(streams)
    sizes = [max(4096, len(streams[n])) for n in names]
    datas = [streams[n] + b"\0" * (size - len(streams[n])) for n, size in zip(names, sizes, strict=True)]
    datas = [d + b"\0" * (-len(d) % 512) for d in datas]
    n_dir_sectors = 1 if len(names) <= 3 else (len(names) + 1 + 3) // 4
    next_sector = 1 + n_dir_sectors
    starts, fat = [], [FATSECT] + [ENDOFCHAIN if i == n_dir_sectors - 1 else 2 + i for i in range(n_dir_sectors)]
    for d in datas:
        n = len(d) // 512
        starts.append(next_sector)
        fat += [next_sector + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
        next_sector += n
    assert len(fat) <= 128, "builder supports one FAT sector"
    fat += [FREESECT] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    struct.pack_into("<I", header, 0x4C, 0)
    for i in range(1, 109):
        struct.pack_into("<I", header, 0x4C + 4 * i, FREESECT)
    # directory: root, then streams as a chain of right siblings sorted by (length, upper name)
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    entries = [_dir_entry("Root Entry", 5, NOSTREAM, NOSTREAM, order[0] + 1, ENDOFCHAIN, 0)]
    for i, name in enumerate(names):
        pos = order.index(i)
        right = order[pos + 1] + 1 if pos + 1 < len(order) else NOSTREAM
        entries.append(_dir_entry(name, 2, NOSTREAM, right, NOSTREAM, starts[i], sizes[i]))
    directory = b"".join(entries)
    directory += b"".join(_dir_entry("", 0, NOSTREAM, NOSTREAM, NOSTREAM, 0, 0)
                          for _ in range(n_dir_sectors * 4 - len(entries)))
    return bytes(header) + struct.pack("<128I", *fat) + directory + b"".join(datas)


def _dir_entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    raw = name.encode("utf-16-le")
    entry = bytearray(128)
    entry[0:len(raw)] = raw
    struct.pack_into("<HBB", entry, 64, len(raw) + 2 if name else 0, kind, 1)
    struct.pack_into("<III", entry, 68, left, right, child)
    struct.pack_into("<IQ", entry, 116, start, size)
    return bytes(entry)


# -- DOCX / XLS / XLSX ------------------------------------------------------------------------------------


def make_docx(paragraphs: list[str], rows: list[list[str]], merges: list[tuple[int, int, int, int]] = ()) -> bytes:
    """A .docx with `paragraphs` then one table; merges are (row0, col0, row1, col1) inclusive."""
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    t = d.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    for r0, c0, r1, c1 in merges:
        keep = t.cell(r0, c0).text
        merged = t.cell(r0, c0).merge(t.cell(r1, c1))
        merged.text = keep
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def make_xls(sheets: dict[str, list[list[object]]], merges: dict[str, list[tuple[int, int, int, int]]] | None = None) -> bytes:
    """An .xls (BIFF8, via xlwt); merges per sheet are (row0, row1, col0, col1) inclusive."""
    import xlwt

    wb = xlwt.Workbook()
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        merged = (merges or {}).get(name, [])
        covered = {(r, c) for r0, r1, c0, c1 in merged for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r0, r1, c0, c1 in merged:
            ws.write_merge(r0, r1, c0, c1, rows[r0][c0])
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) not in covered and value is not None:
                    ws.write(r, c, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def make_xlsx(sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx (openpyxl); merges per sheet are ranges like "A1:C1"."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
