"""`gongkai schedule`: the printed cron line / systemd units, and install/uninstall into a temp HOME
with a fake `crontab` on PATH (never the machine's real crontab or systemd)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive import schedule as sch

BIN = Path(sys.executable).absolute().parent / "gongkai"

FAKE_CRONTAB = """#!/bin/sh
# a crontab(1) stand-in that keeps the table in $FAKE_CRONTAB_FILE
if [ "$1" = "-l" ]; then
  if [ -f "$FAKE_CRONTAB_FILE" ]; then cat "$FAKE_CRONTAB_FILE"; exit 0; fi
  echo "no crontab for $(id -un)" >&2; exit 1
fi
if [ "$1" = "-" ]; then cat > "$FAKE_CRONTAB_FILE"; exit 0; fi
echo "usage" >&2; exit 2
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A temp HOME, a fake crontab first on PATH, and a registry + db path to schedule."""
    h = tmp_path / "home"
    h.mkdir()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "crontab"
    fake.write_text(FAKE_CRONTAB)
    fake.chmod(0o755)
    env = {"HOME": str(h), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "FAKE_CRONTAB_FILE": str(tmp_path / "crontab.txt")}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GONGKAI_DB", raising=False)
    monkeypatch.delenv("GONGKAI_SITES", raising=False)
    (tmp_path / "sites.toml").write_text("[[sites]]\n")
    return tmp_path


def gongkai(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from archive.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, env=os.environ.copy(), timeout=60)


def test_cron_line_has_absolute_paths(home):
    r = gongkai("schedule", "--at", "02:15", "--sites", "sites.toml", "--db", "data/g.db", cwd=home)
    assert r.returncode == 0, r.stderr
    marker, line = r.stdout.splitlines()
    assert marker == sch.MARKER
    assert line == (f"15 2 * * * {BIN} crawl --sites {home}/sites.toml --db {home}/data/g.db --no-progress "
                    f">> {home}/data/gongkai-crawl.log 2>&1")


def test_cron_escapes_percent_and_quotes_spaces(home):
    job = sch.make_job("23:59", home / "my sites.toml", home / "g.db", home / "log%d.txt")
    line = sch.cron_entry(job).splitlines()[1]
    assert line.startswith("59 23 * * * ")
    assert f"'{home}/my sites.toml'" in line
    assert f">> {home}/log\\%d.txt 2>&1" in line


def test_systemd_units_printed(home):
    r = gongkai("schedule", "--systemd", "--at", "4:05", "--sites", "sites.toml", "--db", "g.db",
                "--log", "logs/crawl.log", cwd=home)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert f"# {home}/home/.config/systemd/user/gongkai-crawl.service" in out
    assert f"ExecStart={BIN} crawl --sites {home}/sites.toml --db {home}/g.db --no-progress\n" in out
    assert f"StandardOutput=append:{home}/logs/crawl.log\n" in out
    assert "OnCalendar=*-*-* 04:05:00\n" in out
    assert "Persistent=true\n" in out
    assert out.rstrip().endswith(sch.ENABLE_HINT)
    assert not (home / "home" / ".config").exists()  # printing installs nothing


@pytest.mark.parametrize("at", ["25:00", "3", "12:60", "noon"])
def test_bad_time_is_a_usage_error(home, at):
    r = gongkai("schedule", "--at", at, cwd=home)
    assert r.returncode == 2
    assert r.stderr.strip() == f"gongkai: --at wants HH:MM (24-hour clock), got {at!r}"


def test_cron_install_keeps_other_entries_and_uninstall_removes_only_ours(home):
    table = home / "crontab.txt"
    table.write_text("MAILTO=ops@example.org\n0 1 * * * /usr/bin/backup\n")
    r = gongkai("schedule", "--install", "--at", "03:30", "--sites", "sites.toml", "--db", "g.db", cwd=home)
    assert r.returncode == 0, r.stderr
    lines = table.read_text().splitlines()
    assert lines[:2] == ["MAILTO=ops@example.org", "0 1 * * * /usr/bin/backup"]
    assert lines[2] == sch.MARKER
    assert lines[3].startswith(f"30 3 * * * {BIN} crawl --sites {home}/sites.toml --db {home}/g.db")
    assert len(lines) == 4
    # installing again replaces our entry instead of adding a second one
    r = gongkai("schedule", "--install", "--at", "04:00", "--sites", "sites.toml", "--db", "g.db", cwd=home)
    assert r.returncode == 0, r.stderr
    lines = table.read_text().splitlines()
    assert len(lines) == 4 and lines[3].startswith("0 4 * * * ")
    r = gongkai("schedule", "--uninstall", "--cron", cwd=home)
    assert r.returncode == 0, r.stderr
    assert table.read_text() == "MAILTO=ops@example.org\n0 1 * * * /usr/bin/backup\n"


def test_cron_install_into_empty_crontab(home):
    r = gongkai("schedule", "--install", "--sites", "sites.toml", "--db", "g.db", cwd=home)
    assert r.returncode == 0, r.stderr
    assert (home / "crontab.txt").read_text().splitlines()[0] == sch.MARKER
    assert gongkai("schedule", "--uninstall", cwd=home).returncode == 0
    assert (home / "crontab.txt").read_text() == ""


def test_install_needs_the_registry(home):
    r = gongkai("schedule", "--install", "--sites", "nope.toml", "--db", "g.db", cwd=home)
    assert r.returncode == 2
    assert r.stderr.strip() == f"gongkai: no site registry at {home}/nope.toml (pass --sites FILE)"
    assert not (home / "crontab.txt").exists()


def test_systemd_install_and_uninstall(home):
    unit_dir = home / "home" / ".config" / "systemd" / "user"
    unit_dir.mkdir(parents=True)
    (unit_dir / "other.service").write_text("[Service]\nExecStart=/bin/true\n")
    r = gongkai("schedule", "--systemd", "--install", "--at", "01:00", "--sites", "sites.toml", "--db", "g.db",
                cwd=home)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"wrote {unit_dir}/gongkai-crawl.service", f"wrote {unit_dir}/gongkai-crawl.timer",
                                     f"now run: {sch.ENABLE_HINT}"]
    timer = (unit_dir / "gongkai-crawl.timer").read_text()
    assert "OnCalendar=*-*-* 01:00:00\n" in timer and "WantedBy=timers.target" in timer
    service = (unit_dir / "gongkai-crawl.service").read_text()
    assert f"ExecStart={BIN} crawl --sites {home}/sites.toml --db {home}/g.db --no-progress\n" in service
    assert not (home / "crontab.txt").exists()  # systemd mode leaves the crontab alone
    r = gongkai("schedule", "--uninstall", "--systemd", cwd=home)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in unit_dir.iterdir()) == ["other.service"]
    assert sch.DISABLE_HINT in r.stdout


def test_systemd_install_refuses_to_overwrite_a_foreign_unit(home):
    unit_dir = home / "home" / ".config" / "systemd" / "user"
    unit_dir.mkdir(parents=True)
    (unit_dir / "gongkai-crawl.service").write_text("[Service]\nExecStart=/bin/mine\n")
    r = gongkai("schedule", "--systemd", "--install", "--sites", "sites.toml", "--db", "g.db", cwd=home)
    assert r.returncode == 2
    assert "was not written by gongkai" in r.stderr
    assert (unit_dir / "gongkai-crawl.service").read_text() == "[Service]\nExecStart=/bin/mine\n"
    r = gongkai("schedule", "--uninstall", "--systemd", cwd=home)
    assert (unit_dir / "gongkai-crawl.service").exists()


def test_uninstall_when_nothing_installed(home):
    r = gongkai("schedule", "--uninstall", cwd=home)
    assert r.returncode == 0
    assert "nothing to remove" in r.stderr


def test_strip_cron_only_removes_marker_and_next_line():
    text = f"a\n{sch.MARKER}\n0 3 * * * x\nb\n"
    assert sch.strip_cron(text) == "a\nb\n"
    assert sch.strip_cron("a\n# gongkai something else\nb\n") == "a\n# gongkai something else\nb\n"
