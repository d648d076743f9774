"""What one document may cost before extraction gives up on it: the decoders' limits, in one place.

Hostile input is normal input for a crawler of thousands of sites: a 5 KB spreadsheet that declares a
million rows, a zip bomb, a table with rowspan=1000, a 500-page PDF. Every front end checks these limits
and raises LimitExceeded, which extraction records as a one-line error so the run goes on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    #: bytes of one captured document (Scrapy's DOWNLOAD_MAXSIZE; a larger response is a too_large error)
    max_bytes: int = 64 * MiB
    #: bytes any decompression may produce: a gzip/deflate body, the sum of a DOCX/XLSX's zip members
    #: (real reports decompress to a few MB; a parsed XML tree takes ~10x its bytes in memory)
    max_decompressed_bytes: int = 48 * MiB
    #: bytes all compressed streams of one PDF inflate to together (pdfminer keeps the decoded streams of
    #: the objects it has read; a text report's content streams and font subsets come to a few MB)
    max_pdf_stream_bytes: int = 256 * MiB
    #: members of one zip container (a DOCX has ~15, an XLSX a few per sheet)
    max_zip_members: int = 2_000
    #: bytes of HTML or text parsed from one page (the rest is cut, with an error); lxml huge_tree stays off
    max_page_bytes: int = 16 * MiB
    #: grid cells of one document's tables or sheets after rowspan/colspan expansion (rows x columns)
    max_cells: int = 200_000
    #: a rowspan/colspan larger than this is clamped (real tables span a few dozen rows at most)
    max_span: int = 200
    #: pages read from one paged document (PDF); real annual reports have 5-60
    max_pages: int = 200
    #: characters of text kept from one document
    max_chars: int = 1_000_000
    #: seconds of extraction for one document, checked cooperatively in the long loops
    max_seconds: float = 60.0
    #: the hard caps of the worker process that extracts archived documents: address space and wall clock
    #: (the clock above the OCR budget plus the other steps, so a scan within its budget is never killed).
    #: The cap is on address space, not RSS: onnxruntime (OCR) reserves ~1.7 GB of it while its resident
    #: peak on a 13-page scan is ~0.8 GB; the decoders' own limits keep the other documents far below.
    worker_memory_bytes: int = 3072 * MiB
    worker_timeout_seconds: float = 330.0
    #: documents written per transaction, so a reviewer's decision never waits long for the writer
    write_batch: int = 8
    #: pages and seconds of OCR for one document
    ocr_max_pages: int = 40
    ocr_max_seconds: float = 240.0
    #: pixels of one image handed to a decoder (width x height)
    max_image_pixels: int = 60_000_000
    #: a page image searched for table rulings: pixels (a letter page at 300 dpi is 8.4 M), lines of each
    #: direction (a report page has a few hundred; a photo or a texture many more), cells read again
    ruling_max_pixels: int = 24_000_000
    ruling_max_lines: int = 2_000
    ruling_max_rereads: int = 400


LIMITS = Limits()


class LimitExceeded(ValueError):
    """A document went past one of the Limits; the message is the one-line error extraction records."""

    def __init__(self, what: str, limit: float, found: float | None = None) -> None:
        self.what, self.limit, self.found = what, limit, found
        seen = f" ({_num(found)})" if found is not None else ""
        super().__init__(f"limit reached: {what} over {_num(limit)}{seen}; document not fully read")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class Budget:
    """A per-document deadline that long loops check cooperatively (pure code cannot be interrupted)."""

    def __init__(self, seconds: float, what: str = "seconds per document") -> None:
        self.seconds = seconds
        self.what = what
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded(self.what, self.seconds)

    def left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())
