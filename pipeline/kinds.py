"""The kinds of document a report comes as, named once: which file extensions are attachments (the
spider downloads them, extraction lists them, a title may end with one) and which loader each
extension promises. Content decides the kind in the end (pipeline.extract.documents.sniff_kind:
servers and file names lie); these tables are its fallback and the spider's only clue."""

from __future__ import annotations

import re

#: documents linked from a report page (Word/WPS/Excel/ET/OFD/PDF and the archives they come zipped in)
ATTACHMENT_EXTENSIONS: tuple[str, ...] = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd",
                                          ".zip", ".rar", ".7z")
#: the loader an extension promises (sniff_kind's last word when the bytes and Content-Type say nothing)
EXTENSION_KINDS: dict[str, str] = {
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".wps": "doc", ".xls": "xls", ".xlsx": "xlsx",
    ".txt": "text", ".htm": "html", ".html": "html", ".shtml": "html", ".jhtml": "html", ".jsp": "html",
    ".php": "html",
}
#: the kinds read by an office/PDF loader (not a page): what a report's attachment is once loaded
DOCUMENT_KINDS: frozenset[str] = frozenset(("pdf", "doc", "docx", "xls", "xlsx"))
#: an attachment extension as a regex alternation (for patterns that end with one, such as titles)
ATTACHMENT_ALTERNATION = "|".join(re.escape(e[1:]) for e in ATTACHMENT_EXTENSIONS)
_ATTACHMENT = re.compile(rf"\.(?:{ATTACHMENT_ALTERNATION})(?:$|[?#])", re.I)


def is_attachment(url: str) -> bool:
    """A link to a document, not a page: its path (or a download link's last query value) ends with an
    attachment extension (…/W020.pdf, …/W020.pdf?v=2, download.jsp?file=a.docx)."""
    return bool(_ATTACHMENT.search(url))
