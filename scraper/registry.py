"""The site registry: which sites to crawl, how they are built, and which publishers they must carry.

Data, not code: adding a site of a known style is a TOML entry (see registries/*.toml).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

STYLES = ("trs", "hanweb", "jsonapi", "gbk", "jcms", "generic")
KINDS = ("government", "department")


class RegistryError(ValueError):
    """The registry file is missing, not TOML, or an entry is incomplete: one clear message."""


@dataclass(frozen=True)
class Publisher:
    name: str
    kind: str = "department"
    first_year: int = 2008
    #: "MM-DD" in year Y+1, overriding the legal deadline for this publisher
    deadline: str | None = None


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    style: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    enabled: bool = True
    timeout: float | None = None
    verified: bool = True
    publishers: tuple[Publisher, ...] = ()
    notes: str = ""

    def allows(self, url: str) -> bool:
        """True when url is on one of the site's allowed hosts (host[:port], exact match)."""
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and (parts.netloc.lower() in self.allowed_hosts
                                                     or (parts.hostname or "") in self.allowed_hosts)


@dataclass(frozen=True)
class Registry:
    sites: tuple[Site, ...]
    path: Path | None = None
    #: an HTTP proxy every request goes through (the sample web is served this way)
    proxy: str | None = None
    extra: dict = field(default_factory=dict)

    def enabled(self, only: tuple[str, ...] | list[str] = ()) -> list[Site]:
        sites = [s for s in self.sites if s.enabled]
        if only:
            unknown = sorted(set(only) - {s.id for s in self.sites})
            if unknown:
                raise RegistryError(f"unknown site id(s) {', '.join(unknown)} in {self.path}")
            sites = [s for s in self.sites if s.id in only]
        return sites

    def site(self, site_id: str) -> Site:
        for s in self.sites:
            if s.id == site_id:
                return s
        raise KeyError(site_id)


def _publisher(raw: dict, where: str) -> Publisher:
    if not raw.get("name"):
        raise RegistryError(f"{where}: a publisher needs a name")
    kind = raw.get("kind", "department")
    if kind not in KINDS:
        raise RegistryError(f"{where}: publisher {raw['name']!r} has kind {kind!r}, expected one of {', '.join(KINDS)}")
    deadline = raw.get("deadline")
    if deadline is not None and not (isinstance(deadline, str) and len(deadline) == 5 and deadline[2] == "-"):
        raise RegistryError(f"{where}: publisher {raw['name']!r} deadline must be \"MM-DD\", got {deadline!r}")
    return Publisher(name=raw["name"], kind=kind, first_year=int(raw.get("first_year", 2008)), deadline=deadline)


def _site(raw: dict, where: str) -> Site:
    for key in ("id", "name", "start_urls"):
        if not raw.get(key):
            raise RegistryError(f"{where}: site needs {key!r}")
    style = raw.get("style", "generic")
    if style not in STYLES:
        raise RegistryError(f"{where}: site {raw['id']!r} has style {style!r}, expected one of {', '.join(STYLES)}")
    starts = tuple(raw["start_urls"])
    bad = [u for u in starts if not isinstance(u, str) or urlsplit(u).scheme.lower() not in ("http", "https")
           or not urlsplit(u).hostname]
    if bad:
        raise RegistryError(f"{where}: site {raw['id']!r} start URL {str(bad[0])[:200]!r} is not an http(s) URL")
    hosts = tuple(h.lower() for h in raw.get("allowed_hosts") or {urlsplit(u).netloc for u in starts})
    pubs = tuple(_publisher(p, f"{where} site {raw['id']!r}") for p in raw.get("publishers", []))
    return Site(id=raw["id"], name=raw["name"], style=style, start_urls=starts, allowed_hosts=hosts,
                enabled=bool(raw.get("enabled", True)), timeout=raw.get("timeout"),
                verified=bool(raw.get("verified", True)), publishers=pubs, notes=raw.get("notes", ""))


def parse_registry(text: str, path: Path | None = None) -> Registry:
    where = str(path or "registry")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{where} is not valid TOML: {exc}") from None
    sites = tuple(_site(raw, where) for raw in data.get("sites", []))
    ids = [s.id for s in sites]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RegistryError(f"{where}: duplicate site id(s) {', '.join(dupes)}")
    extra = {k: v for k, v in data.items() if k not in ("sites", "proxy")}
    return Registry(sites=sites, path=path, proxy=data.get("proxy"), extra=extra)


def load_registry(path: str | Path) -> Registry:
    """Read a registry file; a missing or malformed file raises RegistryError with one clear line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"registry file not found: {p}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise RegistryError(f"cannot read registry {p}: {exc}") from None
    return parse_registry(text, p)
