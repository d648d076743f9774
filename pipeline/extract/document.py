"""A loaded document, whatever it came from (HTML page, PDF, DOCX, DOC, XLS/XLSX, plain text).

Loaders turn bytes into a Document; the field, table and prose extractors only ever see Documents,
so the same rules serve a Word-pasted page and its PDF attachment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.extract.layout import Word


@dataclass
class Cell:
    """One printed cell, with its spans as printed (not expanded) and its text with whitespace folded."""

    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    """A table as printed: rows of cells, spans kept. `caption` is the text just before it, if any."""

    rows: list[list[Cell]]
    caption: str = ""


@dataclass
class Document:
    """Bytes made readable. `source` is "html", "text", "pdf", "docx", "doc", "xls" or "xlsx"."""

    source: str
    url: str = ""
    #: <meta name=... content=...> tags (names as printed), for HTML
    meta: dict[str, str] = field(default_factory=dict)
    #: <title> of an HTML page, or the document's own title property
    page_title: str = ""
    #: label -> value pairs of the 索引号/发布机构/生成日期 header (labels as printed)
    header: dict[str, str] = field(default_factory=dict)
    #: lines of the page outside the report body that carry metadata ("来源：…", "发布时间：…")
    chrome_text: str = ""
    #: the report body as plain text, paragraphs separated by newlines
    text: str = ""
    tables: list[Table] = field(default_factory=list)
    #: links found in the body: (absolute url, link text)
    links: list[tuple[str, str]] = field(default_factory=list)
    #: number of images in the body (an image-only report has images and almost no text)
    images: int = 0
    #: title-like headings of the page (<ucaptitle>, <h1>, .article-title, <h2>), in that order
    headings: list[str] = field(default_factory=list)
    #: words with their positions on the page, from front ends that know them (PDF text layer, OCR)
    words: list[Word] = field(default_factory=list)
    #: pages of a paged document (PDF, scan), 0 when not paged
    pages: int = 0
    #: problems met while loading: clear one-line messages
    errors: list[str] = field(default_factory=list)
    #: a decoder limit stopped loading: no other decoder (OCR's renderer) may read these bytes either
    limited: bool = False
