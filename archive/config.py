"""Where things live: the one place that resolves paths and tunables from flags and environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "gongkai.db"

#: days after the legal deadline before a report counts as MISSING
DEFAULT_GRACE_DAYS = 0


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
