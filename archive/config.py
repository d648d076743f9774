"""Configuration in one place: where the archive is (db, WARC folder), which registry, and the Scrapy
settings of a crawl (scraper/settings.py adjusted by the registry's `[crawl]` table). Each value resolves
the same way everywhere: the command-line flag, else the environment, else the default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scraper.registry import Registry

DEFAULT_DB = "gongkai.db"
DEFAULT_SITES = "sites.toml"



@dataclass(frozen=True)
class Paths:
    db: Path
    archive: Path

    @property
    def warc_dir(self) -> Path:
        return self.archive / "warc"

    @property
    def lock_file(self) -> Path:
        return self.db.with_name(self.db.name + ".lock")


def resolve_paths(db: str | os.PathLike | None = None, archive: str | os.PathLike | None = None) -> Paths:
    """--db (env GONGKAI_DB, default gongkai.db) and --archive (env GONGKAI_ARCHIVE, default archive/ beside the db)."""
    db_path = Path(db or os.environ.get("GONGKAI_DB") or DEFAULT_DB).expanduser().absolute()
    arch = archive or os.environ.get("GONGKAI_ARCHIVE")
    arch_path = Path(arch).expanduser().absolute() if arch else db_path.parent / "archive"
    return Paths(db=db_path, archive=arch_path)


def sites_path(flag: str | os.PathLike | None = None) -> Path:
    """--sites, else $GONGKAI_SITES, else ./sites.toml."""
    return Path(flag or os.environ.get("GONGKAI_SITES") or DEFAULT_SITES)


def scrapy_settings(registry: Registry, overrides: dict | None = None):
    """Scrapy settings from scraper/settings.py, adjusted by the registry's [crawl] table."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    crawl = registry.extra.get("crawl", {})
    mapping = {"download_delay": "DOWNLOAD_DELAY", "concurrency_per_domain": "CONCURRENT_REQUESTS_PER_DOMAIN",
               "concurrency": "CONCURRENT_REQUESTS", "autothrottle": "AUTOTHROTTLE_ENABLED",
               "timeout": "DOWNLOAD_TIMEOUT", "retry_times": "RETRY_TIMES", "max_size": "DOWNLOAD_MAXSIZE",
               "max_listing_pages": "GONGKAI_MAX_LISTING_PAGES", "max_site_requests": "GONGKAI_MAX_SITE_REQUESTS"}
    for key, value in crawl.items():
        if key in mapping:
            settings.set(mapping[key], value, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings
