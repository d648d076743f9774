"""Shared test helpers: where the real fixtures are, and skipping cleanly when they are not there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "fixtures" / "real"
OWN_FIXTURES = Path(__file__).resolve().parent / "fixtures"


def real_fixture(name: str) -> Path:
    """Path of a real page in ../shared/fixtures/real; skips the test when ../shared is absent."""
    path = REAL / name
    if not path.exists():
        pytest.skip(f"../shared/fixtures/real/{name} not present (tests with real pages need ../shared beside the project)")
    return path


def real_key(name: str) -> dict:
    """The `.key.json` of a real page, parsed."""
    return json.loads(real_fixture(name).read_text(encoding="utf-8"))


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared not present beside the project")
    return SHARED


@pytest.fixture(scope="session")
def sample_crawl(tmp_path_factory):
    """Night 1, an unchanged recrawl and night 2 of the sample web, crawled once for the whole session."""
    from sampleweb_helpers import run_sample_crawls

    return run_sample_crawls(tmp_path_factory.mktemp("sample_crawl"))
