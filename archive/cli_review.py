"""Review commands: `check`, `flags`, `flag show|confirm|dismiss`, `status`."""

from __future__ import annotations

COMMANDS: list = []
