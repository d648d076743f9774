"""OCR front end: scanned PDF pages and report images -> positioned `Word`s and text lines.

Small publishers post scans or photographs of the signed report. RapidOCR (PaddleOCR's Chinese detection
and recognition models, shipped inside the `rapidocr-onnxruntime` wheel, run on onnxruntime's CPU build)
reads them offline; pypdfium2 renders the pages of an image PDF. The words (source "ocr", conf = the
recogniser's score, coordinates in PDF points for PDF pages, in pixels for images) go into Document.words
for the table reader, and their lines into Document.text for the text readers.

OCR is slow (seconds a page), so it runs inside the extraction step like every other decoder, with a
per-document budget (LIMITS.ocr_max_pages / ocr_max_seconds / max_image_pixels): when it is spent, the
pages read so far are kept and a one-line error is recorded. The engine is loaded once per process, lazily,
with one thread: the extraction pool's processes give OCR the machine's cores.
"""

from __future__ import annotations

import io
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pipeline.limits import LIMITS, Budget, LimitExceeded, Limits

from .document import Document, Table
from .layout import Word
from .pdf import header_pairs, ruled_tables
from .scanrulings import page_frags, skew
from .wordtables import word_tables

#: render PDF pages at the embedded scan's own resolution, within these bounds (dpi)
MIN_DPI, MAX_DPI, DEFAULT_DPI = 150, 300, 150
#: a page with fewer text-layer characters than this and an image on it is a scanned page
SCANNED_PAGE_CHARS = 20
#: an HTML page with less visible text than this is read from its images
IMAGE_PAGE_CHARS = 400
#: below this recogniser score a value is marked approximate
APPROX_CONF = 0.90
#: what a lone 0 in a table cell is read as when blurred
_ZERO_LOOKALIKES = frozenset({"o", "O", "〇", "○"})
#: boxes wider than this many times their height give the page's skew angle
_SKEW_MIN_RATIO = 5


def _one_line(exc: BaseException) -> str:
    """The last line of an error (onnxruntime puts a whole traceback in its message): errors are one line."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[-1] if lines else "")[:300]


@lru_cache(maxsize=1)
def engine() -> Any:
    """The RapidOCR engine, loaded on first use and kept for the life of the process (~1 s to load)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False, print_verbose=False)


# -- recognising one image ------------------------------------------------------------------------------------


def recognise(image: Any, page: int = 0, scale: float = 1.0) -> list[Word]:
    """One page image (PIL image) -> Words; coordinates divided by `scale` (pixels per output unit)."""
    return read_image(image, page, scale)[0]


def read_image(image: Any, page: int = 0, scale: float = 1.0, angle: float | None = None) -> tuple[list[Word], float]:
    """One page image -> (Words, the page's skew angle in radians).

    The page's skew (a scan fed in at 0.4°) is taken out of the coordinates, so a table row keeps one `top`
    across the page: `angle` when given (measured from the table lines), else measured from the long text
    boxes. The ruling finder turns the image by the same angle so its lines and the words share one frame."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))
    result, _ = engine()(rgb, use_cls=False)
    if not result:
        return [], 0.0
    boxes = [(np.asarray(pts, dtype=float), str(text), float(score)) for pts, text, score in result]
    if angle is None:
        angle = _skew(boxes)
    h, w = rgb.shape[:2]
    cos, sin = math.cos(-angle), math.sin(-angle)
    words = []
    for pts, text, score in boxes:
        text = text.strip()
        if not text:
            continue
        if text in _ZERO_LOOKALIKES:  # a lone blurred 0 read as a letter: a 0, but never a sure one
            text, score = "0", min(score, APPROX_CONF - 0.01)
        if angle:
            cx, cy = pts[:, 0] - w / 2, pts[:, 1] - h / 2
            pts = np.stack([cx * cos - cy * sin + w / 2, cx * sin + cy * cos + h / 2], axis=1)
        x0, top = pts[:, 0].min() / scale, pts[:, 1].min() / scale
        x1, bottom = pts[:, 0].max() / scale, pts[:, 1].max() / scale
        words.append(Word(text, round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1), page=page,
                          conf=round(score, 4), source="ocr"))
    return words, angle


def recognise_line(gray: Any) -> tuple[str, float] | None:
    """One line of text in a small grey image (a table cell's ink) -> (text, score), by the recogniser alone."""
    import numpy as np

    result, _ = engine()(np.stack([gray] * 3, axis=-1), use_det=False, use_cls=False)
    if not result:
        return None
    text, score = result[0][0], float(result[0][1])
    if text.strip() in _ZERO_LOOKALIKES:
        return "0", min(score, APPROX_CONF - 0.01)
    return text, score


def _skew(boxes: list) -> float:
    """Median angle (radians) of the top edges of long boxes; 0 when there are too few to tell."""
    angles = []
    for pts, _, _ in boxes:
        dx, dy = pts[1][0] - pts[0][0], pts[1][1] - pts[0][1]
        height = abs(pts[3][1] - pts[0][1]) or 1.0
        if dx > _SKEW_MIN_RATIO * height:
            angles.append(math.atan2(dy, dx))
    if len(angles) < 3:
        return 0.0
    angle = statistics.median(angles)
    return angle if abs(angle) > math.radians(0.05) else 0.0


# -- lines ------------------------------------------------------------------------------------------------------


def lines(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into printed lines (page by page, by vertical overlap), each sorted by x."""
    out: list[list[Word]] = []
    for page in sorted({w.page for w in words}):
        rows: list[tuple[float, float, list[Word]]] = []
        for w in sorted((w for w in words if w.page == page), key=lambda w: (w.mid_y, w.x0)):
            if rows:
                top, bottom, row = rows[-1]
                overlap = min(bottom, w.bottom) - max(top, w.top)
                if overlap > 0.5 * min(bottom - top, w.bottom - w.top):
                    row.append(w)
                    continue
            rows.append((w.top, w.bottom, [w]))
        out.extend(sorted(row, key=lambda w: w.x0) for _, _, row in rows)
    return out


def text_of(words: Sequence[Word]) -> str:
    """Document.text from OCR words: one line per printed line, words separated by a space."""
    return "\n".join(" ".join(w.text for w in line) for line in lines(words))


# -- front ends -------------------------------------------------------------------------------------------------


@dataclass
class OcrPages:
    """What OCR read from a document's page images: words, the pages read, errors, and the ruled tables'
    fragments found in the images (scanrulings) with each page's height, for the PDF table builder."""

    words: list[Word] = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    frags: list[Any] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)

    def read(self, image: Any, page: int, scale: float, height: float, limits: Limits = LIMITS) -> None:
        """OCR one page image, then find its rulings (a failure there costs the page's grid, not its words)."""
        searched = image.width * image.height <= limits.ruling_max_pixels
        words, angle = read_image(image, page=page, scale=scale,
                                  angle=skew(image.convert("L"), scale) if searched else None)
        self.words.extend(words)
        self.done.append(page)
        self.heights[page] = height
        try:
            tables = page_frags(image, angle, scale, page, words, recognise_line, limits)
            self.frags.extend(tables.frags)
            self.words.extend(tables.words)
            self.errors.extend(f"OCR page {page + 1}: {e}" for e in tables.errors)
        except LimitExceeded as exc:
            self.errors.append(f"OCR page {page + 1}: {exc}")
        except Exception as exc:  # noqa: BLE001 - the words are kept; the page's tables go to the word reader
            self.errors.append(f"OCR page {page + 1}: table rulings could not be read: {type(exc).__name__}: "
                               f"{_one_line(exc)}")


def ocr_pdf(body: bytes, budget: Budget | None = None, limits: Limits = LIMITS,
            text_chars: Sequence[int] | None = None) -> tuple[list[Word], list[int], list[str]]:
    """The scanned pages of a PDF (no text layer, an image on the page) -> (words, OCR'd page indices, errors)."""
    got = read_pdf_pages(body, budget, limits, text_chars)
    return got.words, got.done, got.errors


def read_pdf_pages(body: bytes, budget: Budget | None = None, limits: Limits = LIMITS,
                   text_chars: Sequence[int] | None = None) -> OcrPages:
    """The scanned pages of a PDF read by OCR, with their rulings. A budget spent or a page too large stops
    OCR with a recorded error; the pages read so far are kept."""
    import pypdfium2 as pdfium

    budget = budget or Budget(limits.ocr_max_seconds, "OCR seconds per document")
    got = OcrPages()
    try:
        pdf = pdfium.PdfDocument(body)
    except Exception as exc:  # noqa: BLE001 - pdfium raises its own error types for damaged files
        got.errors.append(f"PDF could not be rendered for OCR: {type(exc).__name__}: {_one_line(exc)}")
        return got
    try:
        for index in range(min(len(pdf), limits.max_pages)):
            page = pdf[index]
            try:
                dpi = _scan_dpi(page, index, text_chars, limits)
                if dpi is None:
                    continue
                if len(got.done) >= limits.ocr_max_pages:
                    raise LimitExceeded("OCR pages per document", limits.ocr_max_pages)
                budget.check()
                width, height = page.get_size()
                scale = dpi / 72
                if width * scale * height * scale > limits.max_image_pixels:
                    scale = math.sqrt(limits.max_image_pixels / (width * height))
                image = page.render(scale=scale, grayscale=True).to_pil()
                got.read(image, index, scale, float(height), limits)
                budget.check()
            except LimitExceeded as exc:
                got.errors.append(f"OCR page {index + 1}: {exc}")
                if "pixels" not in exc.what:
                    break
            except Exception as exc:  # noqa: BLE001 - a damaged page: record it, read the next one
                got.errors.append(f"OCR page {index + 1} could not be read: {type(exc).__name__}: {_one_line(exc)}")
        if len(pdf) > limits.max_pages:
            got.errors.append(str(LimitExceeded("pages per document", limits.max_pages, len(pdf))))
    finally:
        pdf.close()
    return got


def _scan_dpi(page: Any, index: int, text_chars: Sequence[int] | None, limits: Limits = LIMITS) -> float | None:
    """The dpi to render a scanned page at (the largest image's own resolution, bounded), or None when
    the page has a text layer or no image. Raises LimitExceeded for an image too large to decode."""
    import pypdfium2 as pdfium

    if text_chars is not None and index < len(text_chars):
        chars = text_chars[index]
    else:
        textpage = page.get_textpage()
        chars = len(re.sub(r"\s", "", textpage.get_text_range()))
        textpage.close()
    if chars >= SCANNED_PAGE_CHARS:
        return None
    best = None
    for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        px_w, px_h = obj.get_px_size()
        if px_w * px_h > limits.max_image_pixels:
            raise LimitExceeded("image pixels", limits.max_image_pixels, px_w * px_h)
        x0, _, x1, _ = obj.get_bounds()
        if x1 - x0 > 72 and (best is None or px_w * px_h > best[0]):
            best = (px_w * px_h, px_w / ((x1 - x0) / 72))
    if best is None:
        return None
    return max(MIN_DPI, min(MAX_DPI, best[1] or DEFAULT_DPI))


def ocr_images(images: Sequence[bytes], budget: Budget | None = None, limits: Limits = LIMITS,
               first_page: int = 0) -> tuple[list[Word], list[int], list[str]]:
    """Archived images of an image-only report page (JPEG, PNG, GIF …) -> (words, page indices, errors)."""
    got = read_image_pages(images, budget, limits, first_page)
    return got.words, got.done, got.errors


def read_image_pages(images: Sequence[bytes], budget: Budget | None = None, limits: Limits = LIMITS,
                     first_page: int = 0) -> OcrPages:
    """Archived images read by OCR, with their rulings. Each image is one page; coordinates are in the
    image's pixels. An undecodable or oversized image is a recorded error and the next one is read."""

    budget = budget or Budget(limits.ocr_max_seconds, "OCR seconds per document")
    got = OcrPages()
    for n, data in enumerate(images):
        page = first_page + n
        try:
            if len(got.done) >= limits.ocr_max_pages:
                raise LimitExceeded("OCR pages per document", limits.ocr_max_pages)
            budget.check()
            with _open_image(data, limits) as img:
                if img.width * img.height > limits.max_image_pixels:
                    raise LimitExceeded("image pixels", limits.max_image_pixels, img.width * img.height)
                img.load()
                got.read(img.convert("L"), page, 1.0, float(img.height), limits)
        except LimitExceeded as exc:
            got.errors.append(f"image {n + 1}: {exc}")
            if "pixels" not in exc.what:
                break
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for a damaged image
            got.errors.append(f"image {n + 1} could not be read for OCR: {type(exc).__name__}: {_one_line(exc)}")
    return got


def _open_image(data: bytes, limits: Limits) -> Any:
    """Image.open (lazy: reads only the header), with Pillow's own bomb check as a LimitExceeded."""
    from PIL import Image

    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        m = re.search(r"\((\d+) pixels\)", str(exc))
        raise LimitExceeded("image pixels", limits.max_image_pixels, int(m.group(1)) if m else None) from None


# -- the extraction step ----------------------------------------------------------------------------------------


def ocr_document(doc: Document, body: bytes, images: Sequence[bytes] | None = None,
                 limits: Limits = LIMITS) -> list[int]:
    """Read `doc`'s scanned pages (PDF) or its archived images (image-only HTML page) by OCR, in place:
    OCR words join doc.words, their lines join doc.text, errors join doc.errors, and their tables doc.tables
    (ruled ones from the lines in the images, the rest of the pages from where the words sit). Returns the
    OCR'd pages."""
    budget = Budget(limits.ocr_max_seconds, "OCR seconds per document")
    if doc.limited:
        return []
    if doc.source == "pdf":
        got = read_pdf_pages(body, budget, limits)
    elif images and len(re.sub(r"\s", "", doc.text)) < IMAGE_PAGE_CHARS:
        got = read_image_pages(images, budget, limits, first_page=max(doc.pages, 0))
    else:
        return []
    doc.errors.extend(got.errors)
    words = got.words
    if not words:
        return got.done
    doc.words.extend(words)
    doc.tables.extend(ocr_tables(got))
    if not doc.header:
        doc.header = header_pairs(doc.tables)
    text = text_of(words)
    doc.text = f"{doc.text.rstrip()}\n{text}" if doc.text.strip() else text
    if not doc.pages and doc.source != "pdf":
        doc.pages = len(images or ())
    return got.done


def ocr_tables(got: OcrPages) -> list[Table]:
    """The tables of OCR'd pages: ruled ones through the printed-PDF builder (joined across page breaks),
    and those of pages without rulings from the words' positions (wordtables)."""
    heights = [got.heights.get(p, 0.0) for p in range(max(got.heights, default=-1) + 1)]
    ruled = {f.page for f in got.frags}
    return ruled_tables(got.frags, heights, got.words) + word_tables([w for w in got.words if w.page not in ruled])
