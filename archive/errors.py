"""The errors a user sees: one line on stderr and an exit status, never a traceback (archive/cli.py)."""

from __future__ import annotations

import click


class GongkaiError(click.ClickException):
    """A user-facing error: printed as one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: D401 - click API
        click.echo(f"gongkai: {self.format_message()}", err=True)
