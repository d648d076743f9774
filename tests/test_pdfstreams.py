"""The PDF stream pre-check (issue 10 item 2): a compressed stream is measured in bounded steps before
pdfminer or pdfium inflate it whole; ordinary PDFs pass untouched."""

from __future__ import annotations

import base64
import zlib

import hostile_files as H
import pytest

from pipeline.extract.pdfstreams import check_streams
from pipeline.limits import LimitExceeded, Limits

SMALL = Limits(max_decompressed_bytes=1 << 20, max_pdf_stream_bytes=3 << 20)


def _pdf(*streams: tuple[bytes, bytes]) -> bytes:
    body = b"%PDF-1.4\n"
    for n, (filters, data) in enumerate(streams, 1):
        body += b"%d 0 obj\n<< /Length %d /Filter %s >>\nstream\n" % (n, len(data), filters) + data + b"\nendstream\nendobj\n"
    return body


def test_a_flate_stream_past_the_limit_raises_and_one_within_passes():
    check_streams(_pdf((b"/FlateDecode", zlib.compress(b"x" * 900_000))), SMALL)
    with pytest.raises(LimitExceeded, match="decompressed bytes of a PDF stream over 1048576"):
        check_streams(_pdf((b"/FlateDecode", zlib.compress(b"x" * 1_100_000))), SMALL)


def test_the_streams_together_have_a_limit_too():
    four = [(b"/Fl", zlib.compress(b"y" * 900_000))] * 4
    check_streams(_pdf(*four[:3]), SMALL)
    with pytest.raises(LimitExceeded, match="all PDF streams over 3145728"):
        check_streams(_pdf(*four), SMALL)


def test_a_bomb_behind_an_ascii_stage_or_run_length_is_measured():
    flate = zlib.compress(b"z" * 2_000_000)
    with pytest.raises(LimitExceeded):
        check_streams(_pdf((b"[/ASCII85Decode /FlateDecode]", base64.a85encode(flate) + b"~>")), SMALL)
    with pytest.raises(LimitExceeded):
        check_streams(_pdf((b"[/ASCIIHexDecode /FlateDecode]", flate.hex().encode() + b">")), SMALL)
    with pytest.raises(LimitExceeded):
        check_streams(_pdf((b"/RunLengthDecode", bytes([129, 65]) * 20_000 + bytes([128]))), SMALL)  # 128 x 20000
    check_streams(_pdf((b"/RunLengthDecode", bytes([129, 65]) * 100 + bytes([128]))), SMALL)


def test_image_codecs_and_damaged_streams_are_left_to_their_decoders():
    check_streams(_pdf((b"/DCTDecode", b"\xff\xd8" + b"\0" * 5_000_000)), SMALL)
    check_streams(_pdf((b"/FlateDecode", b"not zlib at all" * 1000)), SMALL)


def test_the_hostile_bomb_and_an_ordinary_pdf():
    with pytest.raises(LimitExceeded, match="PDF stream"):
        check_streams(H.pdf_stream_bomb())
    check_streams(H.pdf(3))
