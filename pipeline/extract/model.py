"""What extraction returns: report fields, metrics and where each value came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: report-level fields of spec/metrics.md, in the order `gongkai parse --json` prints them
FIELD_NAMES: tuple[str, ...] = (
    "title", "year", "format", "publisher", "issuer", "published", "index_no", "doc_no",
    "category", "keywords", "site_name", "site_domain", "site_id_code", "column_name", "url",
)

Number = int | float


@dataclass(frozen=True)
class Provenance:
    """Where a value came from: source is "table", "text" or "attachment"; where names the cell or sentence."""

    source: str
    where: str
    raw: str

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "where": self.where, "raw": self.raw}


@dataclass
class Extraction:
    """One report (or non-report document) as extraction sees it. Pure data: no I/O."""

    fields: dict[str, Any] = field(default_factory=lambda: {k: None for k in FIELD_NAMES})
    metrics: dict[str, Number] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    approximate: set[str] = field(default_factory=set)
    #: plain text of the report body (full-text search, text rules, X-REPEAT)
    text: str = ""
    #: "report", "image_only" (published as images / scanned PDF) or "not_report"
    kind: str = "report"
    #: table 三 cells that were printed blank ("", "/", "—", "无"): metric keys, for T3-BLANK
    blank_cells: list[str] = field(default_factory=list)
    #: section numerals (一 … 六) whose headings were found, for SECTIONS
    sections: list[str] = field(default_factory=list)
    #: which national tables (二, 三, 四) were found on the page
    tables: list[str] = field(default_factory=list)
    #: national tables (二, 三, 四) the document evidently prints but extraction could not read (EXTRACT-FAILED)
    unread_tables: list[str] = field(default_factory=list)
    #: numbers stated in the prose that name a table value, for TEXT-TABLE / TEXT-PCT:
    #: [{"key": metric key it names, "value": n, "sentence": "..."}]
    text_claims: list[dict[str, Any]] = field(default_factory=list)
    #: links to attachments found in the body: [{"url": ..., "name": ...}]
    attachments: list[dict[str, str]] = field(default_factory=list)
    #: problems met while extracting (a corrupt document, an unreadable table): clear one-line messages
    errors: list[str] = field(default_factory=list)
    #: extraction notes (e.g. "table 四 read from flattened text by constraint solving")
    notes: list[str] = field(default_factory=list)

    def set(self, key: str, value: Number, prov: Provenance, approximate: bool = False) -> None:
        self.metrics[key] = value
        self.provenance[key] = prov
        if approximate:
            self.approximate.add(key)
        else:
            self.approximate.discard(key)

    def to_json(self, flags: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The object of spec/cli.md (`gongkai parse --json`)."""
        out: dict[str, Any] = {k: self.fields.get(k) for k in FIELD_NAMES}
        out["kind"] = self.kind
        out["metrics"] = dict(sorted(self.metrics.items()))
        out["approximate"] = sorted(self.approximate)
        out["provenance"] = {k: self.provenance[k].to_json() for k in sorted(self.provenance)}
        out["flags"] = flags or []
        out["errors"] = list(self.errors)
        return out
