"""Positioned words: what the PDF and OCR front ends hand to the table reader.

A front end that knows where each word sits on the page (pdfplumber's words, RapidOCR's boxes) turns its
document into Words, so the one model-driven table reader can match labels by tolerant text and values by
column position rather than by the order text happens to come out in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """One word (or OCR text box) on one page: coordinates in points from the page's top-left corner.

    `conf` is the recogniser's confidence in [0, 1] (1.0 for a text layer); `source` is "pdf" or "ocr".
    """

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int = 0
    conf: float = 1.0
    source: str = "pdf"

    @property
    def mid_y(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def mid_x(self) -> float:
        return (self.x0 + self.x1) / 2
