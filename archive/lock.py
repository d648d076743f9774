"""One crawl at a time per archive: an flock on a file beside the db (released by the OS even on SIGKILL)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockBusy(RuntimeError):
    """Another process holds the archive's crawl lock."""


class CrawlLock:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "ignore").strip() or "?"
            os.close(fd)
            raise LockBusy(f"another crawl (pid {holder}) is running on this archive ({self.path}); try again when it ends") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> CrawlLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
