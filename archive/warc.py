"""Raw captures in WARC files (warcio): request, response, revisit and metadata records.

Each crawl process writes its own files and never appends to an existing one, so a process killed
mid-record can only leave a torn tail in a file nobody writes again; the database points at records
by (file, offset), and a record is referenced only after it was written and flushed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROTATE_BYTES = 512 * 1024 * 1024
#: hop-by-hop headers that describe the transfer, not the payload; kept out of the stored HTTP header
#: block because the stored body is already de-chunked
_TRANSFER_HEADERS = {"transfer-encoding", "connection", "keep-alive"}


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _digest_label(body: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode("ascii")


def warc_date(ts: datetime | None = None) -> str:
    ts = ts or datetime.now(UTC)
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class RecordRef:
    """Where a record is: a WARC file (relative to the warc folder), its offset and length."""

    file: str
    offset: int
    length: int
    record_id: str


class WarcStore:
    """Appends records to this process's own WARC file, rotating by size."""

    def __init__(self, warc_dir: Path, prefix: str = "gongkai") -> None:
        self.dir = Path(warc_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self._seq = 0
        self._fh: io.BufferedWriter | None = None
        self._name = ""
        self._writer: WARCWriter | None = None

    def _open(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        while True:
            self._seq += 1
            name = f"{self.prefix}-{stamp}-{os.getpid()}-{self._seq:05d}.warc.gz"
            path = self.dir / name
            if not path.exists():
                break
        self._fh = open(path, "xb")  # noqa: SIM115 - kept open for the process's life
        self._name = name
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="1.1")
        info = self._writer.create_warcinfo_record(name, {"software": "gongkai/0.1 (warcio)", "format": "WARC File Format 1.1"})
        self._writer.write_record(info)

    def _write(self, record) -> RecordRef:
        if self._fh is None or self._fh.tell() > ROTATE_BYTES:
            self.close()
            self._open()
        assert self._fh is not None and self._writer is not None
        start = self._fh.tell()
        self._writer.write_record(record)
        self._fh.flush()
        return RecordRef(self._name, start, self._fh.tell() - start, record.rec_headers.get_header("WARC-Record-ID"))

    def write_capture(self, *, url: str, method: str, status: int, reason: str, headers: list[tuple[str, str]],
                      body: bytes, request_headers: list[tuple[str, str]], request_body: bytes = b"",
                      fetched_at: datetime | None = None, ip: str | None = None) -> RecordRef:
        """A response record (the bytes as received) and its request record; returns the response's place."""
        if self._fh is None:
            self._open()
        assert self._writer is not None
        date = warc_date(fetched_at)
        kept = [(k, v) for k, v in headers if k.lower() not in _TRANSFER_HEADERS]
        http = StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": date, "WARC-Payload-Digest": _digest_label(body)}
        if ip:
            warc_headers["WARC-IP-Address"] = ip
        resp = self._writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                               warc_headers_dict=warc_headers)
        ref = self._write(resp)
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        req_http = StatusAndHeaders(f"{method} /{path} HTTP/1.1", request_headers, is_http_request=True)
        req = self._writer.create_warc_record(url, "request", payload=io.BytesIO(request_body), http_headers=req_http,
                                              warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": ref.record_id})
        self._write(req)
        return ref

    def write_revisit(self, *, url: str, status: int, reason: str, headers: list[tuple[str, str]], sha256: str,
                      refers_to_uri: str, refers_to_date: str, not_modified: bool,
                      fetched_at: datetime | None = None) -> RecordRef:
        """A revisit record: the page was fetched again and its payload is the one already archived."""
        if self._fh is None:
            self._open()
        assert self._writer is not None
        digest = "sha256:" + base64.b32encode(bytes.fromhex(sha256)).decode("ascii")
        kept = [(k, v) for k, v in headers if k.lower() not in _TRANSFER_HEADERS]
        http = StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")
        profile = ("http://netpreserve.org/warc/1.1/revisit/server-not-modified" if not_modified
                   else "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest")
        rec = self._writer.create_revisit_record(url, digest, refers_to_uri, refers_to_date, http_headers=http,
                                                 warc_headers_dict={"WARC-Date": warc_date(fetched_at),
                                                                    "WARC-Profile": profile})
        return self._write(rec)

    def write_metadata(self, url: str, data: dict, concurrent_to: str | None = None) -> RecordRef:
        """A metadata record: what the crawler knew about a capture (site, role, run, referrer)."""
        if self._fh is None:
            self._open()
        assert self._writer is not None
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {"WARC-Concurrent-To": concurrent_to} if concurrent_to else None
        rec = self._writer.create_warc_record(url, "metadata", payload=io.BytesIO(payload),
                                              warc_content_type="application/json", warc_headers_dict=headers)
        return self._write(rec)

    def sync(self) -> None:
        """Make what was written durable before the database points at it."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self.sync()
            self._fh.close()
            self._fh = None
            self._writer = None


@dataclass
class StoredResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    record_type: str
    date: str


def read_record(warc_dir: Path, file: str, offset: int) -> StoredResponse:
    """Read one record back, body byte-for-byte as captured (no content decoding)."""
    with open(Path(warc_dir) / file, "rb") as fh:
        fh.seek(offset)
        for rec in ArchiveIterator(fh):
            headers = rec.http_headers.headers if rec.http_headers else []
            status = int(rec.http_headers.get_statuscode() or 0) if rec.http_headers else 0
            return StoredResponse(url=rec.rec_headers.get_header("WARC-Target-URI") or "", status=status,
                                  headers=list(headers), body=rec.raw_stream.read(),
                                  record_type=rec.rec_type, date=rec.rec_headers.get_header("WARC-Date") or "")
    raise ValueError(f"no WARC record at {file}:{offset}")
