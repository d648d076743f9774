"""Run one function over many documents in a small pool of worker processes with hard caps.

The decoders' limits (pipeline/limits.py) are cooperative: pure code cannot be interrupted, and a library
can still blow up on a file nobody foresaw. So extraction of archived documents runs in workers (pebble's
ProcessPool: a task that overruns is killed and its worker replaced) whose address space is capped by
RLIMIT_AS: a document that needs more memory fails with MemoryError or kills its worker, a document that
hangs is stopped at the wall-clock timeout, and either way it becomes one recorded error while the run goes
on. Each task also has a CPU budget (RLIMIT_CPU) that the kernel enforces even if the pool's owner dies.
Results come back in submission order, so the single archive writer writes in capture order.

Workers are forked from a fresh forkserver process (not from the caller, whose address space, e.g. a
crawl's, may already exceed the cap), with the extractors preloaded so a replacement starts quickly.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from pipeline.limits import LIMITS

T = TypeVar("T")
MiB = 1024 * 1024
#: imported once in the forkserver, so each (re)started worker has them already
#: (a module missing here is skipped by multiprocessing)
_PRELOAD = ["archive.extracting", "pipeline.extract", "pipeline.extract.documents", "pipeline.extract.html",
            "pipeline.extract.metadata", "pipeline.extract.tables", "pipeline.extract.textfallback",
            "pipeline.extract.prose", "pipeline.extract.pdf", "pypdf", "docx", "openpyxl", "xlrd", "olefile"]


def cap_memory(limit: int) -> None:
    """Cap this process's address space at `limit` bytes (never above an existing hard limit)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _call(fn: Callable[..., T], args: tuple, cpu_seconds: float) -> T:
    """fn(*args) with a kernel-enforced CPU budget (RLIMIT_CPU, from this worker's usage so far): should the
    pool's owner die, an orphaned worker stuck on a document still ends (SIGXCPU) instead of spinning."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(usage.ru_utime + usage.ru_stime + cpu_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    return fn(*args)


def workers_default() -> int:
    return max(1, os.cpu_count() or 1)


def _context():
    try:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
    except ValueError:  # no forkserver on this platform
        return multiprocessing.get_context("spawn")
    _start_forkserver_beside_the_packages()
    return ctx


def _start_forkserver_beside_the_packages() -> None:
    """Start the forkserver from the folder that holds the project's packages.

    The forkserver is `python -c …`, so the current folder is first on its path (Python 3.11 ignores the
    parent's sys.path there): run from a folder holding an archive's default capture folder `archive/`,
    `import archive` would find that folder as a namespace package instead of this one. Its workers then
    go back to the caller's folder and path (multiprocessing prepares them so)."""
    from multiprocessing import forkserver

    here = os.getcwd()
    packages = Path(__file__).resolve().parents[1]
    # from an egg or zip (Scrapyd) there is no such folder: the interpreter's own folder holds no archive/
    os.chdir(packages if packages.is_dir() else Path(sys.executable).resolve().parent)
    try:
        forkserver.ensure_running()
    finally:
        os.chdir(here)


def guarded_map(fn: Callable[..., T], tasks: Iterable[tuple], failed: Callable[[tuple, str], T], *,
                workers: int | None = None, memory: int | None = None, timeout: float | None = None,
                ahead: int | None = None) -> Iterator[T]:
    """fn(*args) for each args of `tasks`, in order, each in a capped worker; a task whose worker ran out
    of memory, died or ran past `timeout` seconds yields failed(args, one-line reason) instead.

    At most `ahead` tasks (default 2 per worker) are in flight, so memory stays flat however many tasks."""
    workers = workers or workers_default()
    memory = memory or LIMITS.worker_memory_bytes
    timeout = timeout or LIMITS.worker_timeout_seconds
    ahead = ahead or 2 * workers
    pool = ProcessPool(max_workers=workers, initializer=cap_memory, initargs=(memory,), context=_context())
    pending: deque[tuple[tuple, Any]] = deque()
    source = iter(tasks)
    finished = False
    try:
        while True:
            while len(pending) < ahead:
                args = next(source, None)
                if args is None:
                    break
                pending.append((args, pool.schedule(_call, args=(fn, args, timeout), timeout=timeout)))
            if not pending:
                break
            args, future = pending.popleft()
            yield _outcome(future, args, failed, memory, timeout)
        finished = True
    finally:
        if finished:
            pool.close()
        else:  # the caller stopped early or failed: do not wait for the rest
            pool.stop()
        pool.join()


def _outcome(future, args: tuple, failed: Callable[[tuple, str], T], memory: int, timeout: float) -> T:
    try:
        return future.result()
    except FutureTimeout:
        return failed(args, f"extraction stopped: over {timeout:g} s (hard timeout of the worker)")
    except MemoryError:
        return failed(args, f"extraction stopped: out of memory (worker capped at {memory // MiB} MB)")
    except ProcessExpired as exc:
        return failed(args, f"extraction stopped: the worker died (exit code {exc.exitcode}; "
                            f"memory capped at {memory // MiB} MB)")
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the run
        return failed(args, f"extraction failed: {type(exc).__name__}: {' '.join(str(exc).split())}")
