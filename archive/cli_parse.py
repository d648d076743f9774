"""`gongkai parse`: extract one saved page or document, no archive needed."""

from __future__ import annotations

COMMANDS: list = []
