"""A genuine (minimal) Word 97 .doc: OLE compound file with WordDocument + 1Table streams.

The FIB points (fcClx/lcbClx) to a CLX in 1Table holding one UTF-16 piece, which is how
standard .doc text extractors find the text. Streams are padded to 4096 bytes so no
mini-stream is needed.
"""

from __future__ import annotations

import struct

SECTOR = 512
END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
TEXT_OFFSET = 0x800


def _fib(ccp_text: int, fc_clx: int, lcb_clx: int) -> bytes:
    base = struct.pack("<HHHHHHHHII", 0xA5EC, 0x00C1, 0, 0x0804, 0, 0x0200 | 0x0004, 0x00BF, 0, 0, 0)
    base = base.ljust(32, b"\0")
    rgw = struct.pack("<H", 14) + b"\0" * 28
    lw = [0] * 22
    lw[0] = TEXT_OFFSET + ccp_text * 2  # cbMac
    lw[3] = ccp_text
    rglw = struct.pack("<H", 22) + struct.pack("<22i", *lw)
    pairs = [0] * (93 * 2)
    pairs[33 * 2], pairs[33 * 2 + 1] = fc_clx, lcb_clx
    blob = struct.pack("<H", 93) + struct.pack("<186I", *pairs)
    return base + rgw + rglw + blob + struct.pack("<H", 0)


def doc_text(paragraphs: list[str], tables: list[list[list[str]]]) -> str:
    """Word text stream: paragraphs end with \\r, cells with \\x07, rows with an extra \\x07."""
    parts = [p.replace("\r", " ") + "\r" for p in paragraphs]
    for t in tables:
        for row in t:
            parts.append("".join(c + "\x07" for c in row) + "\x07")
        parts.append("\r")
    return "".join(parts)


def make_doc(text: str) -> bytes:
    ccp = len(text)
    clx_plc = struct.pack("<II", 0, ccp) + struct.pack("<HIH", 0, TEXT_OFFSET, 0)
    clx = b"\x02" + struct.pack("<I", len(clx_plc)) + clx_plc
    table = clx.ljust(4096, b"\0")
    word = bytearray(_fib(ccp, 0, len(clx)).ljust(TEXT_OFFSET, b"\0"))
    word += text.encode("utf-16-le")
    word = bytes(word.ljust(max(4096, -(-len(word) // SECTOR) * SECTOR), b"\0"))
    return _cfb([("WordDocument", word), ("1Table", table)])


def _dirent(name: str, typ: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    enc = (name + "\0").encode("utf-16-le") if name else b""
    return (enc.ljust(64, b"\0") + struct.pack("<HBB", len(enc), typ, 1) + struct.pack("<III", left, right, child)
            + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))


def _cfb(streams: list[tuple[str, bytes]]) -> bytes:
    """Compound file with root + given streams (each >= 4096 bytes, sector padded)."""
    fat: list[int] = []
    data = bytearray()
    starts = []
    for _, blob in streams:
        n = len(blob) // SECTOR
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [END]
        data += blob
    dir_start = len(fat)
    fat.append(END)
    # entries: 0 root, 1.. streams; root child = last (longest name), simple left chain
    ents = [_dirent("Root Entry", 5, NOSTREAM, NOSTREAM, len(streams), END, 0)]
    for i, (name, blob) in enumerate(streams):
        left = i if i >= 1 else NOSTREAM  # stream i+1's left sibling is stream i (shorter names first)
        ents.append(_dirent(name, 2, left, NOSTREAM, NOSTREAM, starts[i], len(blob)))
    while len(ents) % 4:
        ents.append(_dirent("", 0, NOSTREAM, NOSTREAM, NOSTREAM, 0, 0))
    dir_bytes = b"".join(ents)
    assert len(dir_bytes) == SECTOR
    data += dir_bytes
    n_fat = 1
    while len(fat) + n_fat > n_fat * 128:
        n_fat += 1
    fat_start = len(fat)
    fat += [FATSECT] * n_fat
    fat += [FREE] * (n_fat * 128 - len(fat))
    difat = list(range(fat_start, fat_start + n_fat)) + [FREE] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 4096, END, 0, END, 0)
              + struct.pack("<109I", *difat))
    return header + bytes(data) + struct.pack(f"<{len(fat)}I", *fat)


def read_doc_text(blob: bytes) -> str:
    """Reference reader (olefile + FIB + piece table), used by tests."""
    import io

    import olefile
    ole = olefile.OleFileIO(io.BytesIO(blob))
    word = ole.openstream("WordDocument").read()
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    table = ole.openstream("1Table" if flags & 0x0200 else "0Table").read()
    fc_clx, lcb = struct.unpack_from("<II", word, 0x1A2)
    clx = table[fc_clx:fc_clx + lcb]
    assert clx[0] == 2
    plc = clx[5:]
    n = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    out = []
    for i in range(n):
        _, fc, _ = struct.unpack_from("<HIH", plc, 4 * (n + 1) + 8 * i)
        count = cps[i + 1] - cps[i]
        if fc & 0x40000000:
            start = (fc & ~0x40000000) // 2
            out.append(word[start:start + count].decode("cp1252"))
        else:
            out.append(word[fc:fc + 2 * count].decode("utf-16-le"))
    return "".join(out)
