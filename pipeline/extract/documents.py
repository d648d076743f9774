"""Loaders for the non-HTML kinds of report: plain text, PDF, DOCX, DOC, XLS, XLSX.

Reports are also published as attachments or captured as page text; turning every kind into the same
Document lets the metadata, table and prose extractors serve them all. Loaders never raise: a corrupt
file gives a Document with a clear message in `errors`.

API:
    sniff_kind(body, url, content_type) -> "html" | "text" | "pdf" | "docx" | "doc" | "xls" | "xlsx"
    load_document(body, url, content_type) -> Document
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

from pipeline.kinds import DOCUMENT_KINDS, EXTENSION_KINDS
from pipeline.limits import LIMITS, Budget, LimitExceeded

from .document import Cell, Document, Table
from .html import load_html
from .pdf import load_pdf as load_pdf_layout
from .textflow import HEADER_WORDS

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_EXT = EXTENSION_KINDS
_CTYPE = {"application/pdf": "pdf", "application/msword": "doc", "application/vnd.ms-excel": "xls",
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
          "text/html": "html", "application/xhtml+xml": "html", "text/plain": "text"}


def sniff_kind(body: bytes, url: str = "", content_type: str | None = None) -> str:
    """The document kind, by content first (servers and file names lie: a ".doc" is often HTML), then by
    Content-Type, then by the URL's extension; "text" when nothing says otherwise."""
    head = body[:2048]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(body, url)
    if head.startswith(b"PK\x03\x04"):
        try:
            check_zip(body, stream=False)
            names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
        except (zipfile.BadZipFile, LimitExceeded):
            names = set()
        window = body[:65536]  # a damaged container: its member names may still be legible
        if "word/document.xml" in names or (not names and b"word/" in window):
            return "docx"
        if "xl/workbook.xml" in names or (not names and b"xl/" in window):
            return "xlsx"
        return _EXT.get(_extension(url)) if _EXT.get(_extension(url)) in ("docx", "xlsx") else "docx"
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith(b"{\\rtf"):
        return "text"
    if re.match(rb"<(!doctype html|html|head|body|meta|div|table|p[ >]|!--)", low) or b"<html" in low[:1024]:
        return "html"
    ctype = (content_type or "").split(";")[0].strip().lower()
    by_ext = _EXT.get(_extension(url))
    if ctype in _CTYPE and _CTYPE[ctype] in ("html", "text"):
        return _CTYPE[ctype] if by_ext not in DOCUMENT_KINDS else "text"
    promised = _CTYPE.get(ctype) or by_ext
    if promised in DOCUMENT_KINDS:
        # a binary kind was promised but the bytes do not match it: text if they read as text,
        # else the promised kind, whose loader then reports the file as corrupt
        return "text" if _looks_textual(body) else promised
    return by_ext or "text"


def _looks_textual(body: bytes) -> bool:
    sample = body[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = sample.decode("gb18030")
        except UnicodeDecodeError:
            return False
    return not re.search(r"[\x00-\x08\x0e-\x1f]", text)


def _extension(url: str) -> str:
    path = url.split("?")[0].split("#")[0].lower()
    m = re.search(r"\.[a-z]{2,5}$", path)
    return m.group(0) if m else ""


def _ole_kind(body: bytes, url: str) -> str:
    try:
        import olefile

        ole = olefile.OleFileIO(body)
        if ole.exists("WordDocument"):
            return "doc"
        if ole.exists("Workbook") or ole.exists("Book"):
            return "xls"
    except Exception:  # noqa: BLE001 - a damaged container: fall back to the name
        pass
    return {"xls": "xls"}.get(_EXT.get(_extension(url), ""), "doc")


def load_document(body: bytes, url: str = "", content_type: str | None = None) -> Document:
    """Bytes of any supported kind → Document (HTML is handed to the HTML loader)."""
    kind = sniff_kind(body, url, content_type)
    if kind == "html":
        return load_html(body, url, content_type)
    loader = {"text": load_text, "pdf": load_pdf, "docx": load_docx, "doc": load_doc,
              "xls": load_xls, "xlsx": load_xlsx}[kind]
    try:
        doc = loader(body)
    except LimitExceeded as exc:
        doc = Document(source=kind, errors=[f"{kind.upper()}: {exc}"], limited=True)
    except Exception as exc:  # noqa: BLE001 - loaders must never raise
        doc = Document(source=kind, errors=[f"{kind.upper()} could not be read: {type(exc).__name__}: {exc}"])
    doc.url = url
    cap_text(doc)
    return doc


def cap_text(doc: Document, limit: int | None = None) -> None:
    """Keep at most LIMITS.max_chars characters of text (the extractors' regexes run over all of it)."""
    limit = LIMITS.max_chars if limit is None else limit
    if len(doc.text) > limit:
        doc.errors.append(str(LimitExceeded("characters of text", limit, len(doc.text))))
        doc.text = doc.text[:limit]


def check_zip(body: bytes, stream: bool = True) -> None:
    """Refuse a zip container (DOCX, XLSX) before a library inflates it whole: too many members, members
    whose declared sizes add up past LIMITS.max_decompressed_bytes (a 4 MB DOCX declaring 4 GB), or (with
    `stream`) a member that inflates past its declared size: each is inflated in small reads, which zipfile
    bounds by the declared size, and a lie fails its CRC (zipfile's own read() of a member is not bounded)."""
    entries = _zip_entries_declared(body)
    if entries is not None and entries > LIMITS.max_zip_members:
        raise LimitExceeded("members of the zip container", LIMITS.max_zip_members, entries)
    infos = zipfile.ZipFile(io.BytesIO(body)).infolist()
    if len(infos) > LIMITS.max_zip_members:
        raise LimitExceeded("members of the zip container", LIMITS.max_zip_members, len(infos))
    total = sum(i.file_size for i in infos)
    if total > LIMITS.max_decompressed_bytes:
        raise LimitExceeded("decompressed bytes of the zip members", LIMITS.max_decompressed_bytes, total)
    if stream:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            for info in infos:
                with zf.open(info) as fh:
                    while fh.read(1 << 16):
                        pass


def _zip_entries_declared(body: bytes) -> int | None:
    """Entry count of the end-of-central-directory record, read before zipfile builds one object per entry."""
    at = body.rfind(b"PK\x05\x06", max(0, len(body) - 65_557))
    if at < 0 or at + 22 > len(body):
        return None
    count = struct.unpack_from("<H", body, at + 10)[0]
    return None if count == 0xFFFF else count


# -- plain text ---------------------------------------------------------------------------------------------


def decode_text(body: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK/GB2312)."""
    if body.startswith(b"\xff\xfe") or body.startswith(b"\xfe\xff"):
        return body.decode("utf-16", errors="replace")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


#: a header label as printed: 2–6 CJK characters, possibly spaced out ("索  引 号"), then a colon
_LABEL = re.compile(r"(?:(?<=\s)|^)((?:[\u4e00-\u9fff][ \u3000\u00a0]*){1,5}[\u4e00-\u9fff])[ \u3000]*[:：]")
_CHROME = re.compile(r"^\s*(?:发布时间|发布日期|来源|信息来源|作者|浏览次数|点击数)[:：]")


def _header_pairs(line: str) -> list[tuple[str, str]]:
    labels = list(_LABEL.finditer(line))
    if not labels or labels[0].start() > 0 and line[: labels[0].start()].strip():
        return []
    pairs = []
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(line)
        pairs.append((m.group(1).replace("\xa0", " ").strip(), line[m.end(): end].strip()))
    return pairs


def load_text(body: bytes) -> Document:
    """A text capture: optional breadcrumb, then the `label: value` header lines, then the report.

    The header goes to `doc.header` (labels as printed, e.g. "索  引 号"), the breadcrumb and
    发布时间/来源 lines to `chrome_text`, the first line after the header (the title) to `page_title`.
    """
    errors = []
    if len(body) > LIMITS.max_page_bytes:
        errors.append(str(LimitExceeded("bytes of a text page", LIMITS.max_page_bytes, len(body))))
        body = body[: LIMITS.max_page_bytes]
    text = decode_text(body)
    if text.lstrip().startswith("{\\rtf"):
        return Document(source="text", text=_rtf_to_text(text))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    doc = Document(source="text")
    chrome: list[str] = []
    i, started = 0, False
    while i < len(lines) and i < 30:
        line = lines[i]
        pairs = _header_pairs(line) if line.strip() else []
        known = [p for p in pairs if re.sub(r"\s", "", p[0]) in HEADER_WORDS]
        if known:
            started = True
            for label, value in pairs:
                doc.header.setdefault(label, value)
        elif started or (line.strip() and i >= 3):
            break
        elif line.strip():
            chrome.append(line.strip())
        i += 1
    if not started:
        chrome, i = [], 0
    body_lines = []
    for line in lines[i:]:
        if _CHROME.match(line):
            chrome.append(line.strip())
        else:
            body_lines.append(line.rstrip())
    doc.chrome_text = "\n".join(chrome)
    doc.text = "\n".join(body_lines).strip("\n")
    doc.page_title = next((ln.strip() for ln in body_lines if ln.strip()), "")
    doc.tables = pipe_tables(body_lines)
    doc.errors.extend(errors)
    return doc


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^[\s|:\-]+$")


def pipe_tables(lines: list[str]) -> list[Table]:
    """Markdown pipe tables (`| 规章 | 3 | 0 | 15 |`, what PDF-to-Markdown converters print) -> Tables.

    Consecutive `|…|` lines are one table (the `|---|` rule is dropped); a merged cell comes out as
    an empty cell, as in a Word table. The caption is the last text line before the table.
    """
    tables: list[Table] = []
    rows: list[list[Cell]] = []
    caption = last = ""
    for line in [*lines, ""]:
        if _PIPE_ROW.match(line):
            if not rows:
                caption = last
            if not _PIPE_RULE.match(line):
                rows.append([Cell(" ".join(c.split())) for c in line.strip().strip("|").split("|")])
            continue
        if rows:
            if len(rows) > 1 or len(rows[0]) >= 3:
                tables.append(Table(rows=rows, caption=caption))
            rows = []
        if line.strip():
            last = line.strip().lstrip("#").strip()
    return tables


def _rtf_to_text(rtf: str) -> str:
    """Very plain RTF → text: \\par → newline, \\uN unicode escapes and \\'hh GBK bytes kept, controls dropped."""
    rtf = re.sub(r"\{\\\*[^{}]*\}", "", rtf)
    rtf = re.sub(r"\\(?:par|line)\b ?", "\n", rtf)
    rtf = re.sub(r"\\u(-?\d+) ?\??", lambda m: chr(int(m.group(1)) % 65536), rtf)
    raw = re.sub(r"((?:\\'[0-9a-fA-F]{2})+)",
                 lambda m: bytes.fromhex(m.group(1).replace("\\'", "")).decode("gb18030", "replace"), rtf)
    raw = re.sub(r"\\[a-zA-Z]+-?\d* ?", "", raw)
    return re.sub(r"[{}]", "", raw).strip()


# -- PDF ------------------------------------------------------------------------------------------------------


def load_pdf(body: bytes) -> Document:
    """PDFs are read by the pdfplumber front end, pipeline.extract.pdf (words, lines, ruled and unruled tables)."""
    return load_pdf_layout(body)


# -- DOCX -----------------------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def load_docx(body: bytes) -> Document:
    """Paragraphs and tables in document order; merged cells (gridSpan / vMerge) become spans."""
    import docx

    check_zip(body)
    budget = Budget(LIMITS.max_seconds)
    try:
        d = docx.Document(io.BytesIO(body))
    except Exception as exc:  # noqa: BLE001
        return Document(source="docx", errors=[f"DOCX could not be read (corrupt or not a DOCX): {type(exc).__name__}: {exc}"])
    doc = Document(source="docx", page_title=d.core_properties.title or "")
    lines: list[str] = []
    last_para = ""
    cells = 0
    for el in d.element.body.iterchildren():
        budget.check()
        if el.tag == _W + "p":
            last_para = "".join(t.text or "" for t in el.iter(_W + "t"))
            lines.append(last_para)
        elif el.tag == _W + "tbl":
            table = _docx_table(el, last_para)
            cells += table_cells(table)
            if cells > LIMITS.max_cells:
                doc.errors.append(str(LimitExceeded("table cells of a document", LIMITS.max_cells, cells)))
                break
            doc.tables.append(table)
            lines.extend(" ".join(c.text for c in row) for row in table.rows)
    doc.text = "\n".join(lines).strip()
    return doc


def _docx_table(tbl, caption: str) -> Table:
    grid: list[list[tuple[int, str, int, str | None]]] = []  # (grid col, text, colspan, vmerge)
    seen = 0
    for tr in tbl.iter(_W + "tr"):
        row, col = [], 0
        for tc in tr.iterchildren(_W + "tc"):
            span_el = tc.find(f"{_W}tcPr/{_W}gridSpan")
            span = _clamp_span(span_el.get(_W + "val")) if span_el is not None else 1
            vm = tc.find(f"{_W}tcPr/{_W}vMerge")
            vmerge = None if vm is None else (vm.get(_W + "val") or "continue")
            text = "\n".join("".join(t.text or "" for t in p.iter(_W + "t")) for p in tc.iter(_W + "p")).strip()
            row.append((col, re.sub(r"\s+", " ", text), span, vmerge))
            col += span
            seen += span
            if seen > LIMITS.max_cells:
                raise LimitExceeded("cells of a table", LIMITS.max_cells)
        grid.append(row)
    rows: list[list[Cell]] = []
    for r, row in enumerate(grid):
        cells = []
        for col, text, span, vmerge in row:
            if vmerge == "continue":
                continue
            rowspan = 1
            if vmerge == "restart":
                for below in grid[r + 1: r + LIMITS.max_span]:
                    if any(c == col and v == "continue" for c, _, _, v in below):
                        rowspan += 1
                    else:
                        break
            cells.append(Cell(text, rowspan, span))
        rows.append(cells)
    return Table(rows=rows, caption=caption)


def _clamp_span(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), LIMITS.max_span))
    except ValueError:
        return 1


def table_cells(table: Table) -> int:
    """Grid cells the table takes once its spans are expanded (what the table reader allocates)."""
    return sum(c.rowspan * c.colspan for row in table.rows for c in row)


# -- XLS / XLSX ---------------------------------------------------------------------------------------------------


def _cell_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"\s+", " ", str(value)).strip()


def _sheet_table(name: str, values: list[list[object]], merges: list[tuple[int, int, int, int]]) -> Table:
    """Rows of values + merged ranges (row0, row1_excl, col0, col1_excl) → a Table with spans.

    Merges are clipped to the sheet's real extent and to LIMITS.max_span (a merge A1:XFD1048576 is 100
    bytes of XML), and their cells counted against LIMITS.max_cells before any set of them is built."""
    height, width = len(values), max((len(r) for r in values), default=0)
    clipped = []
    for r0, r1, c0, c1 in merges:
        r1, c1 = min(r1, height, r0 + LIMITS.max_span), min(c1, width, c0 + LIMITS.max_span)
        if r0 < r1 and c0 < c1 and (r1 - r0) * (c1 - c0) > 1:
            clipped.append((r0, r1, c0, c1))
    area = sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in clipped)
    if area > LIMITS.max_cells:
        raise LimitExceeded(f"merged cells of sheet {name!r}", LIMITS.max_cells, area)
    top_left = {(r0, c0): (r1 - r0, c1 - c0) for r0, r1, c0, c1 in clipped}
    covered = {(r, c) for r0, r1, c0, c1 in clipped for r in range(r0, r1) for c in range(c0, c1)} - set(top_left)
    rows = []
    for r, row in enumerate(values):
        cells = []
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            rs, cs = top_left.get((r, c), (1, 1))
            cells.append(Cell(_cell_str(value), rs, cs))
        while cells and not cells[-1].text and cells[-1].colspan == 1 and cells[-1].rowspan == 1:
            cells.pop()
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    return Table(rows=rows, caption=name)


class _SheetCells:
    """Counts a sheet's real extent (rows read x widest row) while it is read, across the workbook, and
    stops at LIMITS.max_cells: a 5 KB sheet can declare a million rows or a cell at XFD1048576."""

    def __init__(self) -> None:
        self.before = 0  # cells of the sheets already read
        self.budget = Budget(LIMITS.max_seconds)

    def rows(self, name: str, rows) -> list[list[object]]:
        values: list[list[object]] = []
        width = 0
        for n, row in enumerate(rows, start=1):
            width = max(width, len(row))
            if self.before + n * max(width, 1) > LIMITS.max_cells:
                raise LimitExceeded(f"cells of sheet {name!r} (rows x columns)", LIMITS.max_cells,
                                    self.before + n * max(width, 1))
            if n % 1000 == 0:
                self.budget.check()
            values.append(list(row))
        while values and not any(v not in (None, "") for v in values[-1]):
            values.pop()  # trailing empty rows (formatted, never filled) are no content
        self.before += len(values) * width
        return values


def _workbook_document(source: str, tables: list[Table], errors: list[str] | None = None) -> Document:
    lines = []
    for t in tables:
        lines.append(t.caption)
        lines.extend(" ".join(c.text for c in row if c.text) for row in t.rows)
    return Document(source=source, tables=tables, text="\n".join(ln for ln in lines if ln).strip(),
                    errors=list(errors or []))


def _read_sheets(source: str, sheets) -> Document:
    """(name, rows iterator, merges thunk) per sheet → Document; a sheet past a limit ends the reading,
    the sheets before it are kept."""
    counter, tables, errors = _SheetCells(), [], []
    for name, rows, merges in sheets:
        try:
            values = counter.rows(name, rows)
            tables.append(_sheet_table(name, values, merges()))
        except LimitExceeded as exc:
            errors.append(f"{source.upper()}: {exc}")
            break
    return _workbook_document(source, tables, errors)


def load_xls(body: bytes) -> Document:
    """Each sheet of a BIFF .xls (xlrd) as a Table, merged cells as spans; rows kept ragged (as stored),
    so a lone far cell does not pad every row to 256 columns."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=body, formatting_info=True, ragged_rows=True, on_demand=True)
    except Exception:  # noqa: BLE001 - formatting info is optional; try without it
        try:
            book = xlrd.open_workbook(file_contents=body, ragged_rows=True, on_demand=True)
        except Exception as exc:  # noqa: BLE001
            return Document(source="xls", errors=[f"XLS could not be read (corrupt or not an XLS): {type(exc).__name__}: {exc}"])

    def sheets():
        for i in range(book.nsheets):
            sheet = book.sheet_by_index(i)
            rows = (sheet.row_values(r) for r in range(sheet.nrows))
            yield sheet.name, rows, lambda sheet=sheet: list(sheet.merged_cells)

    return _read_sheets("xls", sheets())


def load_xlsx(body: bytes) -> Document:
    """Each sheet of an .xlsx as a Table, merged cells as spans. openpyxl in read-only mode (streamed
    rows, no cell objects for a declared grid) with the sheet's declared dimension ignored; merges are
    read from the sheet XML by a streaming parse (read-only mode does not keep them)."""
    import openpyxl

    check_zip(body)
    try:
        book = openpyxl.load_workbook(io.BytesIO(body), data_only=True, read_only=True)
    except Exception as exc:  # noqa: BLE001
        return Document(source="xlsx", errors=[f"XLSX could not be read (corrupt or not an XLSX): {type(exc).__name__}: {exc}"])

    def sheets():
        for ws in book.worksheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # the declared <dimension ref="A1:XFD1048576"> would pad every row
            path = getattr(ws, "_worksheet_path", None)
            yield ws.title, ws.iter_rows(values_only=True), lambda path=path: _xlsx_merges(body, path)

    try:
        return _read_sheets("xlsx", sheets())
    finally:
        book.close()


_MERGE_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
_ROW_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"


def _xlsx_merges(body: bytes, path: str | None) -> list[tuple[int, int, int, int]]:
    """The <mergeCell ref="A1:C2"/> ranges of one sheet part, as (row0, row1_excl, col0, col1_excl)."""
    from lxml import etree
    from openpyxl.utils.cell import range_boundaries

    if not path:
        return []
    out = []
    with zipfile.ZipFile(io.BytesIO(body)) as zf, zf.open(path.lstrip("/")) as fh:
        for _, el in etree.iterparse(fh, events=("end",), tag=(_ROW_TAG, _MERGE_TAG), huge_tree=False):
            if el.tag == _ROW_TAG:  # rows are read elsewhere: free them as the parse goes
                el.clear()
                while el.getprevious() is not None:
                    del el.getparent()[0]
                continue
            try:
                c0, r0, c1, r1 = range_boundaries(el.get("ref") or "")
            except (ValueError, TypeError):
                continue
            if None not in (c0, r0, c1, r1):
                out.append((r0 - 1, r1, c0 - 1, c1))
            el.clear()
            if len(out) > LIMITS.max_cells:
                raise LimitExceeded("merged ranges of a sheet", LIMITS.max_cells)
    return out


# -- DOC (Word 97–2003 binary, MS-DOC) -----------------------------------------------------------------------


class DocFormatError(ValueError):
    """The bytes are not a readable Word 97 document."""


def word97_text(body: bytes) -> str:
    """The main-document text of a Word 97 .doc, special characters kept (\\r, \\x07, \\x13…).

    MS-DOC: the FIB at the start of the WordDocument stream (wIdent 0xA5EC; flags at 0x0A with
    fEncrypted 0x0100 and fWhichTblStm 0x0200; ccpText at 0x4C; fcClx/lcbClx at 0x01A2/0x01A6) locates
    the CLX in the 0Table/1Table stream; its Pcdt holds the piece table: n+1 CPs then n 8-byte PCDs whose
    FcCompressed (bit 30 = fCompressed) gives the piece's offset: cp1252 bytes at fc/2, or UTF-16LE at fc.
    """
    import olefile

    try:
        ole = olefile.OleFileIO(body)
    except Exception as exc:  # noqa: BLE001
        raise DocFormatError(f"not an OLE compound file ({exc})") from exc
    if not ole.exists("WordDocument"):
        raise DocFormatError("no WordDocument stream (not a Word 97-2003 document)")
    for stream in ("WordDocument", "0Table", "1Table"):
        if ole.exists(stream) and ole.get_size(stream) > LIMITS.max_bytes:
            raise LimitExceeded(f"bytes of the DOC stream {stream}", LIMITS.max_bytes, ole.get_size(stream))
    word = ole.openstream("WordDocument").read()
    if len(word) < 0x01AA:
        raise DocFormatError("WordDocument stream too short for a Word 97 FIB")
    ident, flags = struct.unpack_from("<H", word, 0)[0], struct.unpack_from("<H", word, 0x0A)[0]
    if ident != 0xA5EC:
        raise DocFormatError(f"FIB wIdent is {ident:#06x}, not 0xA5EC (Word 6/95 or damaged)")
    if flags & 0x0100:
        raise DocFormatError("document is encrypted (password-protected)")
    table_name = "1Table" if flags & 0x0200 else "0Table"
    if not ole.exists(table_name):
        raise DocFormatError(f"FIB names the {table_name} stream, which is missing")
    table = ole.openstream(table_name).read()
    ccp_text = struct.unpack_from("<I", word, 0x4C)[0]
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x01A2)
    if lcb_clx == 0 or fc_clx + lcb_clx > len(table):
        raise DocFormatError("CLX (piece table) is outside the table stream")
    clx = table[fc_clx: fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc: skip its grpprl
        pos += 3 + struct.unpack_from("<h", clx, pos + 1)[0]
    if pos >= len(clx) or clx[pos] != 0x02:
        raise DocFormatError("CLX has no Pcdt (piece table)")
    lcb = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5: pos + 5 + lcb]
    n = (len(plc) - 4) // 12
    if n <= 0 or (len(plc) - 4) % 12:
        raise DocFormatError("piece table has a bad size")
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    out = []
    chars = 0
    for i in range(n):
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        count = cps[i + 1] - cps[i]
        chars += max(count, 0)
        if chars > LIMITS.max_chars:  # pieces may all point at the same bytes: count what they produce
            raise LimitExceeded("characters of a DOC's text", LIMITS.max_chars)
        if fc & 0x40000000:
            start = (fc & 0x3FFFFFFF) // 2
            out.append(word[start: start + count].decode("cp1252", errors="replace"))
        else:
            start = fc & 0x3FFFFFFF
            out.append(word[start: start + 2 * count].decode("utf-16-le", errors="replace"))
    text = "".join(out)
    return text[:ccp_text] if 0 < ccp_text <= len(text) else text


def _clean_word(text: str) -> str:
    """Field codes keep only their result (\\x13 code \\x14 result \\x15); drawing/object marks go."""
    text = re.sub(r"\x13[^\x13\x14\x15]*\x14([^\x13\x14\x15]*)\x15", r"\1", text)
    text = re.sub(r"\x13[^\x13\x14\x15]*\x15", "", text)
    text = text.replace("\x0b", "\n").replace("\x0c", "\n").replace("\x1e", "-").replace("\xa0", " ")
    return re.sub(r"[\x01\x02\x03\x04\x05\x08\x14\x15\x1f]", "", text)


def word_structure(text: str) -> tuple[list[str], list[Table]]:
    """Split Word main text into paragraphs and tables: cells end with \\x07, a row with one more \\x07.

    Without the paragraph properties an empty last cell and a row end look alike; a row is only closed
    early when it already has as many cells as the table's first row.
    """
    lines: list[str] = []
    tables: list[Table] = []
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    buf: list[str] = []
    prev = ""
    for ch in _clean_word(text):
        if ch == "\x07":
            width = len(rows[0]) if rows else 0
            if prev == "\x07" and not buf and (not width or len(row) >= width):
                rows.append(row)
                lines.append(" ".join(c.text for c in row))
                row = []
            else:
                row.append(Cell(re.sub(r"\s+", " ", "".join(buf)).strip()))
                buf = []
        elif ch == "\r":
            if row:  # a paragraph inside a cell
                buf.append("\n")
            else:
                if rows:
                    tables.append(Table(rows=rows, caption=lines[-len(rows) - 1] if len(lines) > len(rows) else ""))
                    rows = []
                lines.append("".join(buf))
                buf = []
        else:
            buf.append(ch)
        prev = ch
    if row:
        rows.append(row)
    if rows:
        tables.append(Table(rows=rows))
    if buf:
        lines.append("".join(buf))
    return lines, [_regrid(t) for t in tables]


def _regrid(table: Table) -> Table:
    """Cut a table whose rows came out ragged again at the one width that makes every row end in a row mark.

    Word 97 keeps the cells of merged ranges, so a row has as many cells as the grid; when a row's first
    cells are empty the streaming reader closes rows too early ("label\x07\x07\x07申请人情况…").
    """
    if len({len(r) for r in table.rows}) <= 1:
        return table
    tokens: list[Cell] = []
    for r in table.rows:
        tokens += [*r, Cell("")]
    for n in range(2, min(64, len(tokens))):
        if len(tokens) % (n + 1) == 0 and all(not tokens[i].text for i in range(n, len(tokens), n + 1)):
            rows = [tokens[i:i + n] for i in range(0, len(tokens), n + 1)]
            return Table(rows=rows, caption=table.caption)
    return table


def load_doc(body: bytes) -> Document:
    """A Word 97–2003 .doc (or a ".doc" that is really HTML/RTF/text, which sniffing sends elsewhere)."""
    try:
        text = word97_text(body)
    except DocFormatError as exc:
        return Document(source="doc", errors=[f"DOC could not be read: {exc}"])
    lines, tables = word_structure(text)
    return Document(source="doc", text="\n".join(lines).strip(), tables=tables)
