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
from functools import lru_cache
from typing import Any

from pipeline.limits import LIMITS, Budget, LimitExceeded, Limits

from .document import Document
from .layout import Word
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


@lru_cache(maxsize=1)

def _one_line(exc: BaseException) -> str:
    """The last line of an error (onnxruntime puts a whole traceback in its message): errors are one line."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[-1] if lines else "")[:300]

def engine() -> Any:
    """The RapidOCR engine, loaded on first use and kept for the life of the process (~1 s to load)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False, print_verbose=False)


# -- recognising one image ------------------------------------------------------------------------------------


def recognise(image: Any, page: int = 0, scale: float = 1.0) -> list[Word]:
    """One page image (PIL image) -> Words; coordinates divided by `scale` (pixels per output unit).

    The page's skew (a scan fed in at 0.4°) is measured from the long text boxes and taken out of the
    coordinates, so a table row keeps one `top` across the page."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))
    result, _ = engine()(rgb, use_cls=False)
    if not result:
        return []
    boxes = [(np.asarray(pts, dtype=float), str(text), float(score)) for pts, text, score in result]
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
    return words


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


def ocr_pdf(body: bytes, budget: Budget | None = None, limits: Limits = LIMITS,
            text_chars: Sequence[int] | None = None) -> tuple[list[Word], list[int], list[str]]:
    """The scanned pages of a PDF (no text layer, an image on the page) -> (words, OCR'd page indices, errors).

    A budget spent or a page too large stops OCR with a recorded error; the pages read so far are kept."""
    import pypdfium2 as pdfium

    budget = budget or Budget(limits.ocr_max_seconds, "OCR seconds per document")
    words: list[Word] = []
    done: list[int] = []
    errors: list[str] = []
    try:
        pdf = pdfium.PdfDocument(body)
    except Exception as exc:  # noqa: BLE001 - pdfium raises its own error types for damaged files
        return [], [], [f"PDF could not be rendered for OCR: {type(exc).__name__}: {_one_line(exc)}"]
    try:
        for index in range(min(len(pdf), limits.max_pages)):
            page = pdf[index]
            try:
                dpi = _scan_dpi(page, index, text_chars, limits)
                if dpi is None:
                    continue
                if len(done) >= limits.ocr_max_pages:
                    raise LimitExceeded("OCR pages per document", limits.ocr_max_pages)
                budget.check()
                width, height = page.get_size()
                scale = dpi / 72
                if width * scale * height * scale > limits.max_image_pixels:
                    scale = math.sqrt(limits.max_image_pixels / (width * height))
                image = page.render(scale=scale, grayscale=True).to_pil()
                words.extend(recognise(image, page=index, scale=scale))
                done.append(index)
                budget.check()
            except LimitExceeded as exc:
                errors.append(f"OCR page {index + 1}: {exc}")
                if "pixels" not in exc.what:
                    break
            except Exception as exc:  # noqa: BLE001 - a damaged page: record it, read the next one
                errors.append(f"OCR page {index + 1} could not be read: {type(exc).__name__}: {_one_line(exc)}")
        if len(pdf) > limits.max_pages:
            errors.append(str(LimitExceeded("pages per document", limits.max_pages, len(pdf))))
    finally:
        pdf.close()
    return words, done, errors


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
    """Archived images of an image-only report page (JPEG, PNG, GIF …) -> (words, page indices, errors).

    Each image is one page; coordinates are in the image's pixels. An undecodable or oversized image is
    a recorded error and the next one is read."""

    budget = budget or Budget(limits.ocr_max_seconds, "OCR seconds per document")
    words: list[Word] = []
    done: list[int] = []
    errors: list[str] = []
    for n, data in enumerate(images):
        page = first_page + n
        try:
            if len(done) >= limits.ocr_max_pages:
                raise LimitExceeded("OCR pages per document", limits.ocr_max_pages)
            budget.check()
            with _open_image(data, limits) as img:
                if img.width * img.height > limits.max_image_pixels:
                    raise LimitExceeded("image pixels", limits.max_image_pixels, img.width * img.height)
                img.load()
                words.extend(recognise(img.convert("L"), page=page))
            done.append(page)
        except LimitExceeded as exc:
            errors.append(f"image {n + 1}: {exc}")
            if "pixels" not in exc.what:
                break
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for a damaged image
            errors.append(f"image {n + 1} could not be read for OCR: {type(exc).__name__}: {_one_line(exc)}")
    return words, done, errors


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
    OCR words join doc.words, their lines join doc.text, errors join doc.errors. Returns the OCR'd pages."""
    budget = Budget(limits.ocr_max_seconds, "OCR seconds per document")
    if doc.source == "pdf":
        words, done, errors = ocr_pdf(body, budget, limits)
    elif images and len(re.sub(r"\s", "", doc.text)) < IMAGE_PAGE_CHARS:
        words, done, errors = ocr_images(images, budget, limits, first_page=max(doc.pages, 0))
    else:
        return []
    doc.errors.extend(errors)
    if not words:
        return done
    doc.words.extend(words)
    doc.tables.extend(word_tables(words))
    text = text_of(words)
    doc.text = f"{doc.text.rstrip()}\n{text}" if doc.text.strip() else text
    if not doc.pages and doc.source != "pdf":
        doc.pages = len(images or ())
    return done
