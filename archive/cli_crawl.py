"""Crawl-side commands: `crawl`, `demo`, `web`, `sql`, `reparse`."""

from __future__ import annotations

COMMANDS: list = []
