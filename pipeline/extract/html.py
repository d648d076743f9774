"""HTML page bytes -> Document.

Government pages lie about their charset, are pasted from Word (hundreds of KB of `mso-` styles),
split numbers across inline tags and are sometimes saved truncated; this module reads what is
there with lxml (C speed) and never raises for a bad page: problems go to `Document.errors`.
"""

from __future__ import annotations

import codecs
import re
from urllib.parse import urljoin

from lxml import etree

from pipeline.extract.document import Cell, Document, Table
from pipeline.extract.labels import HEADER_LABELS, norm_label
from pipeline.limits import LIMITS, LimitExceeded

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")

#: article containers of the CMSs seen (TRS, Hanweb, Jiangsu ucap, generic), most specific first
_BODY_XPATHS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' trs_editor_view ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' trs_paper_default ')]",
    "//ucapcontent",
    "//*[@id='zoom']",
    "//*[@id='zoomcon']",
    "//*[@id='UCAP-CONTENT']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' pages_content ')]",
)

_BLOCK = frozenset(
    "p div br tr li ul ol h1 h2 h3 h4 h5 h6 table tbody thead tfoot section article header footer "
    "blockquote pre dd dt dl form center hr caption title ucapcontent".split()
)
_CELL = frozenset(("td", "th"))
_DROP = ("script", "style", "noscript", "template", "iframe", "object")


def fold(text: str) -> str:
    """Collapse every kind of whitespace (ASCII, nbsp, full-width) to one space and strip."""
    return _WS.sub(" ", text).strip()


# --------------------------------------------------------------------------------------------- charset

def _declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    found: list[str] = []
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m:
            found.append(m.group(1).lower())
    m = _META_CHARSET.search(body[:8192])
    if m:
        found.append(m.group(1).decode("ascii", "ignore").lower())
    return found


def _normal_codec(name: str) -> str | None:
    name = name.lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strict(body: bytes, codec: str) -> str | None:
    """Decode strictly, tolerating one incomplete multibyte sequence at the end (truncated pages)."""
    try:
        decoder = codecs.getincrementaldecoder(codec)("strict")
        return decoder.decode(body, final=False)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str | None = None, errors: list[str] | None = None) -> tuple[str, str]:
    """Bytes -> (text, codec). Order: BOM; valid UTF-8; the declared charset if the bytes fit it; GB18030.

    Valid multibyte UTF-8 almost never happens by accident, so it beats a declared GBK; a page
    declared UTF-8 whose bytes are not UTF-8 is sniffed as GB18030 (a superset of GB2312/GBK).
    The one charset decoder of the project (the spider reads listings with it too). Weighed against
    BeautifulSoup's UnicodeDammit/EncodingDetector: that one trusts a declared GB2312/GBK over valid
    UTF-8, has no GB18030 step (its last resort is windows-1252: mojibake, not an error), and rejects a
    page cut inside its last character; so the rules of Chinese government sites are kept here, short.
    Limits: the declared charset is looked for in the first 8 KiB only; the body's size is capped before.
    Bytes no charset fits are shown as U+FFFD, never dropped silently: `errors` (a Document's) gets a line.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return _lossy(body[len(bom):], codec, errors, f"its byte-order mark ({codec})"), codec
    declared = [c for c in (_normal_codec(n) for n in _declared_charsets(body, content_type)) if c]
    if body.isascii():
        return body.decode("ascii"), declared[0] if declared else "ascii"
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    for codec in [*declared, "gb18030"]:
        if codec in ("utf-8", "ascii"):
            continue
        text = _strict(body, codec)
        if text is not None:
            return text, codec
    codec = declared[0] if declared else "gb18030"
    tried = ", ".join(dict.fromkeys([*declared, "utf-8", "gb18030"]))
    return _lossy(body, codec, errors, f"any charset tried ({tried})"), codec


def _lossy(body: bytes, codec: str, errors: list[str] | None, what: str) -> str:
    """Decode with U+FFFD for what does not fit, and say so in `errors` when anything did not."""
    text = body.decode(codec, "replace")
    if errors is not None:
        bad = text.count("\ufffd") - _strict_count(body, codec)
        if bad > 0:
            errors.append(f"charset: {bad} byte sequence(s) fit no charset: the page's bytes do not match "
                          f"{what}; shown as U+FFFD, read as {codec}")
    return text


def _strict_count(body: bytes, codec: str) -> int:
    """U+FFFD characters the bytes themselves encode (a real replacement character is not a loss)."""
    try:
        return body.count("\ufffd".encode(codec))
    except (LookupError, UnicodeEncodeError):
        return 0


# --------------------------------------------------------------------------------------------- text

def _text_of(root: etree._Element, skip: etree._Element | None = None) -> str:
    """Readable text: inline tags join without spaces (numbers split across spans stay whole),
    block tags and <br> start new lines, table cells are separated by a space."""
    parts: list[str] = []
    append = parts.append
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):  # comment / processing instruction: keep only its tail
            if event == "end" and el is not root and el.tail:
                append(el.tail)
            continue
        if event == "start":
            if el is skip:
                append("\n")
                walker.skip_subtree()
                continue
            if tag in _BLOCK:
                append("\n")
            elif tag in _CELL:
                append(" ")
            if el.text:
                append(el.text)
        else:
            if tag in _BLOCK:
                append("\n")
            elif tag in _CELL:
                append(" ")
            if el is not root and el.tail:
                append(el.tail)
    lines = (fold(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------------------------- parts

def _meta(tree: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        name = el.get("name") or el.get("http-equiv") or el.get("property")
        if not name:
            continue
        content = fold(el.get("content") or "")
        if name not in meta or (not meta[name] and content):
            meta[name] = content
    return meta


def _find_body(tree: etree._Element) -> etree._Element | None:
    for xp in _BODY_XPATHS:
        best, best_len = None, 0
        for el in tree.xpath(xp):
            n = len("".join(el.itertext()).strip())
            if n > best_len:
                best, best_len = el, n
        if best is not None and (best_len >= 20 or best.find(".//table") is not None):
            return best
    return _largest_block(tree)


def _largest_block(tree: etree._Element) -> etree._Element | None:
    """Fallback container: the parent whose <p>/<table> children carry the most text."""
    scores: dict[etree._Element, int] = {}
    for el in tree.iter("p", "table"):
        parent = el.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + len("".join(el.itertext()).strip())
    if not scores:
        return tree.find(".//body")
    return max(scores, key=scores.get)


_LEADING_INT = re.compile(r"\s*(\d+)")


def _rows(table: etree._Element) -> list[etree._Element]:
    return table.xpath("./tr|./tbody/tr|./thead/tr|./tfoot/tr")


def _span(el: etree._Element, name: str) -> int:
    raw = el.get(name)
    if raw is None:
        return 1
    if raw.isdigit():
        return max(1, min(int(raw), LIMITS.max_span))
    m = _LEADING_INT.match(raw)
    return max(1, min(int(m.group(1)), LIMITS.max_span)) if m else 1


def _cell_text(el: etree._Element) -> str:
    return fold("".join(el.itertext()))


def _caption(table: etree._Element) -> str:
    cap = table.find("caption")
    if cap is not None:
        return fold("".join(cap.itertext()))
    el = table
    for _ in range(3):
        prev = el.getprevious()
        while prev is not None and not isinstance(prev.tag, str):
            prev = prev.getprevious()
        if prev is not None:
            text = fold("".join(prev.itertext()))
            if text:
                return text[-120:]
            el = prev
            continue
        el = el.getparent()
        if el is None:
            break
    return ""


def _tables(body: etree._Element) -> list[Table]:
    """The page's tables, spans clamped to LIMITS.max_span; once the grid cells they expand to pass
    LIMITS.max_cells (a 1.2 KB table of rowspan/colspan 1000 is a billion cells) reading stops."""
    out: list[Table] = []
    grid = 0
    for t in body.iter("table"):
        rows = []
        for tr in _rows(t):
            cells = [Cell(_cell_text(td), _span(td, "rowspan"), _span(td, "colspan")) for td in tr
                     if isinstance(td.tag, str) and td.tag in _CELL]
            grid += sum(c.rowspan * c.colspan for c in cells)
            if grid > LIMITS.max_cells:
                raise LimitExceeded("table cells of a page (rowspan x colspan expanded)", LIMITS.max_cells)
            if cells:
                rows.append(cells)
        if rows:
            out.append(Table(rows=rows, caption=_caption(t)))
    return out


def header_tables(tree: etree._Element) -> dict[str, str]:
    """Label/value pairs of the metadata header table(s): a label cell followed by its value cell,
    or "label：value" in one cell. Labels are returned with all whitespace removed."""
    header: dict[str, str] = {}
    for t in tree.iter("table"):
        rows = _rows(t)
        if not rows or len(rows) > 20:
            continue
        found: dict[str, str] = {}
        for tr in rows:
            cells = [td for td in tr if isinstance(td.tag, str) and td.tag in _CELL]
            texts = [_cell_text(td) for td in cells]
            i = 0
            while i < len(texts):
                raw = texts[i]
                label = norm_label(raw)
                if label in HEADER_LABELS and i + 1 < len(texts) and norm_label(texts[i + 1]) not in HEADER_LABELS:
                    found.setdefault(label, texts[i + 1])
                    i += 2
                    continue
                m = re.match(r"^(.{1,12}?)[:：](.*)$", raw)
                if m and norm_label(m.group(1)) in HEADER_LABELS:
                    found.setdefault(norm_label(m.group(1)), fold(m.group(2)))
                i += 1
        if len(found) >= 2:
            for k, v in found.items():
                header.setdefault(k, v)
    return header


def _links(body: etree._Element, url: str) -> list[tuple[str, str]]:
    out = []
    for a in body.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        out.append((urljoin(url, href) if url else href, fold("".join(a.itertext()))))
    return out


# --------------------------------------------------------------------------------------------- entry

#: plain lxml elements (no lxml.html class lookup: 2-3x faster on Word-pasted pages), comments dropped
#: huge_tree off: libxml2's own caps on depth and text node size stay on
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=False)


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def load_html(body: bytes, url: str = "", content_type: str | None = None) -> Document:
    """Bytes of an HTML page -> Document. Never raises: a page lxml cannot read gives an empty Document
    with an error message."""
    doc = Document(source="html", url=url)
    if len(body) > LIMITS.max_page_bytes:
        doc.errors.append(str(LimitExceeded("bytes of an HTML page", LIMITS.max_page_bytes, len(body))))
        body = body[: LIMITS.max_page_bytes]
    text, _codec = decode_html(body, content_type, doc.errors)
    text = text.replace("\x00", "")
    if not text.strip():
        doc.errors.append("empty HTML page")
        return doc
    try:
        tree = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        doc.errors.append(f"HTML could not be parsed: {exc}")
        return doc
    if tree is None:
        doc.errors.append("HTML page has no elements")
        return doc
    scripts = [el.text for el in tree.iter("script") if el.text and "<" in el.text]
    for el in list(tree.iter(*_DROP)):
        _drop(el)
    doc.meta = _meta(tree)
    title = tree.find(".//title")
    doc.page_title = fold("".join(title.itertext())) if title is not None else ""
    doc.header = header_tables(tree)
    body = _find_body(tree)
    page_body = tree.find("body")
    if page_body is None:
        page_body = tree
    if body is None:
        body = page_body
    if scripts and body.find(".//table") is None:
        embedded = _script_body(scripts)
        if embedded is not None and (embedded.find(".//table") is not None
                                     or len(_text_of(embedded)) > 2 * len(_text_of(body))):
            body = embedded
    doc.text = _text_of(body)
    if len(doc.text) > LIMITS.max_chars:
        doc.errors.append(str(LimitExceeded("characters of text", LIMITS.max_chars, len(doc.text))))
        doc.text = doc.text[: LIMITS.max_chars]
    doc.chrome_text = _text_of(page_body, skip=body) if body is not page_body else ""
    try:
        doc.tables = _tables(body)
    except LimitExceeded as exc:
        doc.errors.append(str(exc))
    doc.links = _links(body, url)
    doc.images = sum(1 for _ in body.iter("img"))
    doc.headings = _headings(tree)
    return doc


_JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'', re.S)
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_JS_SIMPLE = {"n": "\n", "t": "\t", "r": "", "b": "", "f": "", "v": "", "0": ""}


def _js_unescape(s: str) -> str:
    def rep(m: re.Match) -> str:
        e = m.group(1)
        if e[0] in "ux" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _JS_SIMPLE.get(e, e)
    return _JS_ESCAPE.sub(rep, s)


def _script_body(scripts: list[str]) -> etree._Element | None:
    """Some CMSs (上海 2019) ship the article as a JS string (`let content = "<p>…<table>…"`) that a
    script writes into an empty <div>: the longest such string holding report tables or paragraphs,
    parsed as HTML, is the body when the page itself has none."""
    best = ""
    for code in scripts:
        for m in _JS_STRING.finditer(code):
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            if len(raw) > len(best) and ("<table" in raw or "<p" in raw) and "公开" in raw:
                best = raw
    if len(best) < 200:
        return None
    try:
        frag = etree.fromstring("<html><body><div>" + _js_unescape(best) + "</div></body></html>", _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return frag.find(".//body/div") if frag is not None else None


def _headings(tree: etree._Element) -> list[str]:
    out = []
    for xp in ("//ucaptitle", "//h1", "//*[contains(concat(' ', normalize-space(@class), ' '), ' article_title ')]",
               "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-title ')]", "//h2"):
        for el in tree.xpath(xp)[:3]:
            t = fold("".join(el.itertext()))
            if t:
                out.append(t)
    return out
