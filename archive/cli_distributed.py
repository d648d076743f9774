"""Commands of a crawl spread over several machines: `worker`, `archiver`, `workers`
(`gongkai crawl --workers URL` seeds the run and is its archiver; see docs/several-machines.md)."""

from __future__ import annotations

import json
import sys

import click

from archive.cli_options import archive_option, db_option, paths_from, redis_url_option
from archive.distributed import distributed_status
from archive.errors import GongkaiError
from archive.lock import LockBusy
from archive.runreport import print_summary, summary_json

redis_option = redis_url_option(required=True)


def _needs_redis():
    try:
        import redis  # noqa: F401
        import scrapy_redis  # noqa: F401
    except ImportError:
        raise GongkaiError("the distributed crawl needs the extra: pip install 'gongkai[distributed]'") from None


def _redis_errors():
    import redis

    return (redis.ConnectionError, redis.TimeoutError)


def crawl_with_workers(paths, registry, redis_url: str, only: list[str], share: int, lease_seconds: float,
                       progress: bool, full: bool = False, as_of=None) -> dict:
    """The body of `gongkai crawl --workers URL` (called from cli_crawl); the workers apply the revisit
    policy as one process does (archive/revisit_redis.py)."""
    from archive.archiver import crawl_distributed  # lazy: Scrapy and redis load for this command only

    _needs_redis()
    tick = _ticker(progress)
    try:
        summary = crawl_distributed(paths, registry, redis_url, only, share=share, lease_seconds=lease_seconds,
                                    progress=tick, full=full, as_of=as_of)
    except _redis_errors() as exc:
        raise GongkaiError(f"cannot reach Redis at {redis_url}: {exc}") from None
    if progress:
        sys.stderr.write("\n")
    return summary


def _ticker(enabled: bool):
    import time

    last = [0.0]

    def tick(archived: int) -> None:
        if enabled and time.monotonic() - last[0] > 0.5:
            last[0] = time.monotonic()
            sys.stderr.write(f"\rarchived {archived} capture(s) from the workers ")
            sys.stderr.flush()

    return tick


@click.command("worker")
@redis_option
@archive_option
@click.option("--wait", "wait_seconds", default=60.0, show_default=True, metavar="SECONDS",
              help="How long to wait for a run to be announced.")
def worker_command(redis_url, archive_dir, wait_seconds):
    """Crawl from the shared frontier of the announced run until it ends (run any number, anywhere)."""
    from archive.worker import run_worker  # lazy: Scrapy and redis load for this command only

    _needs_redis()
    try:
        result = run_worker(redis_url, archive_dir, wait_seconds)
    except _redis_errors() as exc:
        raise GongkaiError(f"cannot reach Redis at {redis_url}: {exc}") from None
    if result["run"] is None:
        raise GongkaiError(f"no crawling run announced on {redis_url} within {wait_seconds:g} s")
    click.echo(json.dumps(result))


@click.command("archiver")
@redis_option
@db_option
@archive_option
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
def archiver_command(redis_url, db, archive_dir, as_json):
    """Take over archiving the announced run (after `gongkai crawl --workers` died): the one SQLite writer."""
    from archive.archiver import archive_announced_run  # lazy: Scrapy and redis load for this command only

    _needs_redis()
    try:
        summary = archive_announced_run(paths_from(db, archive_dir), redis_url)
    except LockBusy as exc:
        raise GongkaiError(str(exc)) from None
    except _redis_errors() as exc:
        raise GongkaiError(f"cannot reach Redis at {redis_url}: {exc}") from None
    click.echo(summary_json(summary)) if as_json else print_summary(summary)


@click.command("workers")
@redis_option
@click.option("--json", "as_json", is_flag=True)
def workers_command(redis_url, as_json):
    """Live workers, frontier size and throughput of the announced run."""
    _needs_redis()
    try:
        status = distributed_status(redis_url)
    except _redis_errors() as exc:
        raise GongkaiError(f"cannot reach Redis at {redis_url}: {exc}") from None
    if as_json:
        click.echo(json.dumps(status, indent=2, ensure_ascii=False))
        return
    print_status(status)


def print_status(status: dict, file=None) -> None:
    """The human form of distributed_status (also for `gongkai status`)."""
    from rich.console import Console
    from rich.table import Table

    con = Console(file=file or sys.stdout, highlight=False)
    run = status.get("run")
    if run is None:
        con.print(f"no run announced on {status['redis']}")
    else:
        con.print(f"run {run['id']} ({run['state']}): frontier {run['frontier']}, in flight {run['in_flight']}, "
                  f"to archive {run['to_archive']}, seen {run['seen']}, archived {run['archived']} "
                  f"({run['archived_per_second']}/s over {run['elapsed_seconds']} s), "
                  f"fetching {run['fetched_per_second']}/s")
    table = Table("worker", "run", "fetched", "pushed", "leases", "per second", title=f"{len(status['workers'])} worker(s)")
    for w in status["workers"]:
        table.add_row(w["worker"], str(w.get("run")), str(w.get("fetched")), str(w.get("pushed")),
                      str(w.get("leases")), str(w.get("rate")))
    con.print(table)


COMMANDS = [worker_command, archiver_command, workers_command]
