"""Nightly scheduling of `gongkai crawl`: a crontab entry or a systemd user timer.

cron and systemd start jobs with an almost empty environment and no working directory we chose,
so every path in the entry is absolute (the virtualenv's own `gongkai`, the db, the registry, the
log). What `install` adds carries a marker, so `uninstall` removes exactly that and nothing else.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MARKER = "# gongkai-crawl: managed by `gongkai schedule` (remove with `gongkai schedule --uninstall`)"
UNIT = "gongkai-crawl"
ENABLE_HINT = f"systemctl --user daemon-reload && systemctl --user enable --now {UNIT}.timer"
DISABLE_HINT = f"systemctl --user disable --now {UNIT}.timer && systemctl --user daemon-reload"

_AT = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ValueError):
    """A bad --at, a missing registry, or no crontab/systemd to install into: one clear message."""


@dataclass(frozen=True)
class Job:
    """What the nightly entry runs, all paths absolute."""

    gongkai: Path
    sites: Path
    db: Path
    log: Path
    hour: int
    minute: int

    @property
    def argv(self) -> list[str]:
        return [str(self.gongkai), "crawl", "--sites", str(self.sites), "--db", str(self.db), "--no-progress"]


def parse_at(at: str) -> tuple[int, int]:
    """'HH:MM' (24 h) -> (hour, minute)."""
    m = _AT.match(at.strip())
    if not m:
        raise ScheduleError(f"--at wants HH:MM (24-hour clock), got {at!r}")
    return int(m.group(1)), int(m.group(2))


def gongkai_executable() -> Path:
    """The `gongkai` script of the running virtualenv (sys.executable's bin dir, symlinks kept:
    resolving them would leave the virtualenv for the system Python)."""
    return Path(sys.executable).absolute().parent / "gongkai"


def make_job(at: str, sites: str | os.PathLike, db: str | os.PathLike, log: str | os.PathLike | None = None) -> Job:
    """A Job from user input; the log defaults to gongkai-crawl.log beside the db."""
    hour, minute = parse_at(at)
    db_path = Path(db).expanduser().absolute()
    log_path = Path(log).expanduser().absolute() if log else db_path.with_name("gongkai-crawl.log")
    return Job(gongkai=gongkai_executable(), sites=Path(sites).expanduser().absolute(), db=db_path,
               log=log_path, hour=hour, minute=minute)


# -- cron -------------------------------------------------------------------------------------------
def cron_entry(job: Job) -> str:
    """The marker line and the crontab line (`%` is special to cron, so it is escaped)."""
    cmd = f"{shlex.join(job.argv)} >> {shlex.quote(str(job.log))} 2>&1"
    return f"{MARKER}\n{job.minute} {job.hour} * * * {cmd.replace('%', chr(92) + '%')}\n"


def strip_cron(text: str) -> str:
    """The crontab without our marker and the line after it (everything else byte for byte)."""
    lines = text.splitlines(keepends=True)
    out, skip = [], False
    for line in lines:
        if skip:
            skip = False
            continue
        if line.rstrip("\n") == MARKER:
            skip = True
            continue
        out.append(line)
    return "".join(out)


def _crontab() -> str:
    exe = shutil.which("crontab")
    if exe is None:
        raise ScheduleError("no `crontab` command on this machine; use --systemd (or install cron)")
    return exe


def read_crontab() -> str:
    """The user's crontab ('' when there is none: `crontab -l` then fails with 'no crontab')."""
    res = subprocess.run([_crontab(), "-l"], capture_output=True, text=True)
    if res.returncode != 0:
        if "no crontab" in (res.stderr or "").lower():
            return ""
        raise ScheduleError(f"crontab -l failed: {(res.stderr or '').strip() or res.returncode}")
    return res.stdout


def write_crontab(text: str) -> None:
    res = subprocess.run([_crontab(), "-"], input=text, capture_output=True, text=True)
    if res.returncode != 0:
        raise ScheduleError(f"crontab - failed: {(res.stderr or '').strip() or res.returncode}")


def install_cron(job: Job) -> str:
    """Add (or replace) our entry; returns the entry installed."""
    current = strip_cron(read_crontab())
    if current and not current.endswith("\n"):
        current += "\n"
    entry = cron_entry(job)
    write_crontab(current + entry)
    return entry


def uninstall_cron() -> bool:
    """Remove our entry; True when there was one."""
    current = read_crontab()
    stripped = strip_cron(current)
    if stripped == current:
        return False
    write_crontab(stripped)
    return True


# -- systemd ----------------------------------------------------------------------------------------
def systemd_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def _unit_arg(arg: str) -> str:
    """One ExecStart argument: quoted when needed, `%` doubled (systemd specifiers)."""
    arg = arg.replace("%", "%%")
    if re.search(r"[\s\"'\\;]", arg):
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return arg


def systemd_units(job: Job) -> dict[str, str]:
    """{'gongkai-crawl.service': …, 'gongkai-crawl.timer': …}."""
    log = str(job.log).replace("%", "%%")
    service = (f"{MARKER}\n[Unit]\nDescription=gongkai nightly crawl of government disclosure sites\n"
               "Wants=network-online.target\nAfter=network-online.target\n\n"
               f"[Service]\nType=oneshot\nExecStart={' '.join(_unit_arg(a) for a in job.argv)}\n"
               f"StandardOutput=append:{log}\nStandardError=append:{log}\n")
    timer = (f"{MARKER}\n[Unit]\nDescription=Run gongkai crawl every night at {job.hour:02d}:{job.minute:02d}\n\n"
             f"[Timer]\nOnCalendar=*-*-* {job.hour:02d}:{job.minute:02d}:00\nPersistent=true\n"
             f"Unit={UNIT}.service\n\n[Install]\nWantedBy=timers.target\n")
    return {f"{UNIT}.service": service, f"{UNIT}.timer": timer}


def install_systemd(job: Job) -> list[Path]:
    """Write the two unit files (replacing ours, never a foreign file); returns their paths."""
    d = systemd_dir()
    d.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in systemd_units(job).items():
        path = d / name
        if path.exists() and MARKER not in path.read_text(errors="replace"):
            raise ScheduleError(f"{path} exists and was not written by gongkai; not overwriting it")
        path.write_text(text)
        written.append(path)
    return written


def uninstall_systemd() -> list[Path]:
    """Remove our unit files (only files carrying the marker); returns what was removed."""
    removed = []
    for name in (f"{UNIT}.service", f"{UNIT}.timer"):
        path = systemd_dir() / name
        if path.exists() and MARKER in path.read_text(errors="replace"):
            path.unlink()
            removed.append(path)
    return removed
