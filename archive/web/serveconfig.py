"""What the review plugin knows about this `gongkai serve`: the database, the WARC folder, the password."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from datasette import NotFound

from archive.web.auth import Secret


@dataclass(frozen=True)
class ServeConfig:
    """What the plugin needs to know about this `gongkai serve` (kept off /-/metadata: it holds the
    password, as a Secret that never prints, and out of the repr)."""

    db_name: str
    db_path: Path
    warc_dir: Path
    password: Secret | None = field(default=None, repr=False)


def config(datasette) -> ServeConfig | None:
    return getattr(datasette, "gongkai_config", None)


def require_config(datasette) -> ServeConfig:
    cfg = config(datasette)
    if cfg is None:
        raise NotFound("gongkai is not configured on this Datasette")
    return cfg
