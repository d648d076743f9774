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
    #: bytes of one captured document as archived (compressed transfer encodings count decoded)
    max_bytes: int = 64 * MiB
    #: bytes any decompression (gzip body, zip member of DOCX/XLSX) may produce
    max_decompressed_bytes: int = 256 * MiB
    #: cells of one table or sheet after rowspan/colspan expansion (rows x columns)
    max_cells: int = 200_000
    #: a rowspan/colspan larger than this is clamped (real tables span a few dozen rows at most)
    max_span: int = 200
    #: pages read from one paged document (PDF)
    max_pages: int = 200
    #: characters of text kept from one document
    max_chars: int = 5_000_000
    #: seconds of extraction for one document
    max_seconds: float = 60.0
    #: pages and seconds of OCR for one document
    ocr_max_pages: int = 40
    ocr_max_seconds: float = 240.0
    #: pixels of one image handed to a decoder (width x height)
    max_image_pixels: int = 60_000_000


LIMITS = Limits()


class LimitExceeded(ValueError):
    """A document went past one of the Limits; the message is the one-line error extraction records."""

    def __init__(self, what: str, limit: float, found: float | None = None) -> None:
        self.what, self.limit, self.found = what, limit, found
        seen = f" ({found:g})" if found is not None else ""
        super().__init__(f"limit reached: {what} over {limit:g}{seen}; document not fully read")


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
