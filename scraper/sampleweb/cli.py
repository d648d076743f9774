"""``gongkai web``: serve the sample government web on a loopback proxy port."""

from __future__ import annotations

import click

from .server import run_server


@click.command("web")
@click.option("--port", default=8399, show_default=True, help="Port on 127.0.0.1.")
@click.option("--seed", default=1, show_default=True)
@click.option("--scale", default=1, show_default=True, help="1 = five sites; N > 1 = N sites.")
@click.option("--night", default=1, show_default=True, help="Which night's version of the sites to serve.")
def web_command(port: int, seed: int, scale: int, night: int) -> None:
    """Serve the deterministic sample web (an HTTP proxy for *.gov.test hosts)."""
    run_server(port=port, seed=seed, scale=scale, night=night)
