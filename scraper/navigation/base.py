"""What every navigation platform shares: the request to make (`Follow`), the page-count ceiling, and the
small base class a CMS platform module fills in (scraper/navigation/<platform>.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: the most pages a declared page count may expand to (the spider passes its own, smaller, listing cap)
MAX_PAGES = 5000


@dataclass(frozen=True)
class Follow:
    """A request to make: GET by default; POST with form data for list APIs."""

    url: str
    method: str = "GET"
    formdata: dict[str, str] = field(default_factory=dict)
    kind: str = "html"  # how the answer is read: html, hanweb-xml, json


class Platform:
    """How one CMS platform's column listing paginates. `styles` are the registry styles it serves;
    `pages` gives the further pages of a column from its first page, `records` the entries a page
    carries outside its plain links (a Hanweb datastore). Pure: text and URL in, requests out."""

    name: str = ""
    styles: tuple[str, ...] = ()

    def pages(self, text: str, url: str, limit: int = MAX_PAGES) -> list[Follow]:
        return []

    def records(self, text: str) -> list[str]:
        return []


def folder(url: str) -> str:
    """The listing's folder (everything up to the last slash)."""
    return url.rsplit("/", 1)[0] + "/"
