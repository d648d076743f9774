"""Issue 13 item 6: the capture folder `archive/` that gongkai creates beside a db in the working directory
must not shadow the `archive` package for Python started there (`python -m`, Scrapyd, `scrapy crawl`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_an_archive_folder_in_the_working_directory_does_not_shadow_the_package(tmp_path):
    (tmp_path / "archive" / "warc").mkdir(parents=True)  # what `gongkai crawl` leaves beside gongkai.db
    out = subprocess.run([sys.executable, "-c", "import archive.store, scraper.settings; print(archive.__file__)"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-1500:]
    assert Path(out.stdout.strip()) == ROOT / "archive" / "__init__.py"
    gongkai = Path(sys.executable).with_name("gongkai")
    status = subprocess.run([str(gongkai), "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and "gongkai" in status.stdout, status.stderr
