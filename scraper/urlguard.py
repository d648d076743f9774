"""The one URL guard: every request gongkai makes (spider, redirects, attachments, images, `gongkai
parse URL`) passes `check` first.

A hostile listing on an allowed host can link `file://ALLOWED.HOST/etc/passwd` or `ftp://ALLOWED.HOST/…`:
a host match alone would fetch local files or bypass the proxy, so the scheme is checked before the
host, and a host matches only with the port its entry names (or the scheme's default port).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
_DEFAULT_PORT = {"http": 80, "https": 443}

#: why a URL was refused (the run report counts refusals by these)
SCHEME, OFF_HOST, ROBOTS = "scheme", "off-host", "robots"


@dataclass(frozen=True)
class Refusal:
    """A URL that must not be fetched, and why (the message is the one line to record)."""

    reason: str
    url: str
    message: str


def host_keys(url: str) -> tuple[str, ...]:
    """The registry keys that may name url's host: "host:port" as written, and the bare host when the
    port is the scheme's default (entries without a port mean the default port)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        return ()
    if not host:
        return ()
    keys = [f"{host}:{port}"] if port is not None else []
    if port is None or port == _DEFAULT_PORT.get(parts.scheme.lower()):
        keys.append(host)
    return tuple(keys)


def check(url: str, hosts: Container[str]) -> Refusal | None:
    """None when url may be fetched: http or https, on one of hosts ("host" or "host:port", lower
    case); otherwise the Refusal saying why."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return Refusal(OFF_HOST, url, f"refused (off-host): {url[:200]} is not a valid URL")
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        return Refusal(SCHEME, url, f"refused (scheme {scheme or 'none'}:): {url[:200]} is not http or https")
    if parts.username is not None or parts.password is not None:
        return Refusal(OFF_HOST, url, f"refused (off-host): {url[:200]} carries credentials")
    keys = host_keys(url)
    if not any(k in hosts for k in keys):
        return Refusal(OFF_HOST, url, f"refused (off-host): {url[:200]} is not on an allowed host")
    return None


def own_host(url: str) -> tuple[str, ...]:
    """The host keys of url itself: what `gongkai parse URL` lets a redirect go to."""
    return host_keys(url)
