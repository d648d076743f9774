"""The decompressed size of a PDF's streams, measured before pdfminer decodes them.

pdfminer inflates every stream it reads with an unbounded ``zlib.decompress`` (and LZW, run-length):
a 3 MB PDF whose one content stream inflates to 1 GiB takes the extraction worker to its memory cap.
``check_streams`` walks the raw file once, inflates each compressed stream in bounded steps without keeping
the output, and raises LimitExceeded before pdfplumber opens the file. Streams of an encrypted PDF are
ciphertext here and are skipped (the worker's memory cap still bounds them); image codecs (DCT, JPX,
JBIG2, CCITT) are decoded by the renderer to their declared pixel size, which the OCR limits check.
"""

from __future__ import annotations

import base64
import io
import re
import zlib
from collections.abc import Iterator

from pipeline.limits import LIMITS, LimitExceeded, Limits

_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_STEP = 1 << 20
#: the filters whose output can be far larger than their input, and the ones that shrink it
_FLATE, _LZW, _RUNLENGTH = {b"FlateDecode", b"Fl"}, {b"LZWDecode", b"LZW"}, {b"RunLengthDecode", b"RL"}
_ASCII = {b"ASCIIHexDecode", b"AHx", b"ASCII85Decode", b"A85"}


def check_streams(body: bytes, limits: Limits = LIMITS) -> None:
    """Raise LimitExceeded when one stream of ``body`` would inflate past limits.max_decompressed_bytes or
    all of them together past limits.max_pdf_stream_bytes."""
    if b"/Encrypt" in body:
        return
    total = 0
    for filters, data in _streams(body):
        size = _inflated_size(filters, data, limits.max_decompressed_bytes)
        if size is None:
            continue
        total += size
        if total > limits.max_pdf_stream_bytes:
            raise LimitExceeded("decompressed bytes of all PDF streams", limits.max_pdf_stream_bytes)


def _streams(body: bytes) -> Iterator[tuple[list[bytes], bytes]]:
    """(filter names, raw data from the stream keyword on) of each stream with a compressing filter."""
    for m in _STREAM.finditer(body):
        head = body[max(0, m.start() - 4096):m.start()]
        head = head[head.rfind(b"obj") + 1:]  # this object's dictionary (the last "obj" is its "N 0 obj")
        f = _FILTER.search(head)
        if not f:
            continue
        filters = _NAME.findall(f.group(1))
        if any(name in _FLATE | _LZW | _RUNLENGTH for name in filters):
            end = body.find(b"endstream", m.end())
            yield filters, body[m.end():end if end >= 0 else len(body)]


def _inflated_size(filters: list[bytes], data: bytes, limit: int) -> int | None:
    """Bytes the chain of filters makes of ``data``; None when a stage cannot be measured here (an image
    codec, a damaged stage). A stage's output is kept only when another stage follows it."""
    size = len(data)
    for i, name in enumerate(filters):
        keep = i < len(filters) - 1
        try:
            if name in _ASCII:
                data = _ascii(name, data)
                continue
            decoder = _flate if name in _FLATE else _lzw if name in _LZW else _runlength if name in _RUNLENGTH else None
            if decoder is None:
                return None
            pieces = decoder(data)
            size, kept = 0, []
            for piece in pieces:
                size += len(piece)
                if size > limit:
                    raise LimitExceeded("decompressed bytes of a PDF stream", limit)
                if keep:
                    kept.append(piece)
        except LimitExceeded:
            raise
        except Exception:  # noqa: BLE001 - pdfminer recovers damaged data to at most what decodes here
            return None
        data = b"".join(kept) if keep else b""
    return size


def _flate(data: bytes) -> Iterator[bytes]:
    """Inflate a megabyte at a time (zlib's max_length), so a bomb never exists in memory."""
    inflater = zlib.decompressobj()
    chunk = inflater.decompress(data, _STEP)
    while True:
        yield chunk
        if inflater.eof or not inflater.unconsumed_tail:
            return
        chunk = inflater.decompress(inflater.unconsumed_tail, _STEP)


def _lzw(data: bytes) -> Iterator[bytes]:
    from pdfminer.lzw import LZWDecoder  # lazy: pdfminer's streaming decoder, only for PDFs that use LZW

    return LZWDecoder(io.BytesIO(data)).run()


def _runlength(data: bytes) -> Iterator[bytes]:
    """PDF RunLengthDecode (a length byte, then a literal run or one repeated byte; 128 ends)."""
    i = 0
    while i < len(data) and data[i] != 128:
        n = data[i]
        if n < 128:
            yield data[i + 1:i + 2 + n]
            i += 2 + n
        else:
            yield data[i + 1:i + 2] * (257 - n)
            i += 2


def _ascii(name: bytes, data: bytes) -> bytes:
    text = data.split(b"~>")[0] if b"85" in name else data.split(b">")[0]
    text = re.sub(rb"\s+", b"", text)
    if b"85" in name:
        return base64.a85decode(text.removeprefix(b"<~"))
    return bytes.fromhex((text + b"0" * (len(text) % 2)).decode("ascii"))
