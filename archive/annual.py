"""The `annual_reports` view: one authoritative report per publisher and year, so sums count each once."""

from __future__ import annotations

#: The one authoritative report per publisher and year, among current reports (pages and attachments).
#: Rule, in order: the most complete extraction (most metrics, then most report fields), ties to the
#: page over an attachment, then the earliest published, then the lowest id. The reports it stands for
#: (an attachment of the same report, a repost, a second report) are listed in `other_report_ids`;
#: `disagreement` names the open or confirmed ATTACHMENT-MISMATCH / DUPLICATE flags on any of them.
#: An attachment without its own publisher/year takes its page's. Sums over this view count each
#: publisher-year once.
ANNUAL_REPORTS_SQL = """CREATE VIEW annual_reports AS
WITH cand AS (
  SELECT r.id, coalesce(r.publisher, p.publisher) AS publisher, coalesce(r.year, p.year) AS year,
         r.format, r.kind, coalesce(r.role, 'page') AS role, r.published, r.title, r.url, r.site_id,
         (SELECT count(*) FROM metrics m WHERE m.report_id = r.id) AS n_metrics,
         (r.title IS NOT NULL) + (r.published IS NOT NULL) + (r.issuer IS NOT NULL) + (r.index_no IS NOT NULL)
         + (r.doc_no IS NOT NULL) + (r.format IS NOT NULL) + (r.category IS NOT NULL) AS n_fields,
         EXISTS (SELECT 1 FROM flags f WHERE f.report_id = CAST(r.id AS TEXT) AND f.rule = 'ATTACHMENT-MISMATCH'
                 AND f.status IN ('open', 'confirmed')) AS mismatch,
         EXISTS (SELECT 1 FROM flags f WHERE f.report_id = CAST(r.id AS TEXT) AND f.rule = 'DUPLICATE'
                 AND f.status IN ('open', 'confirmed')) AS duplicate
  FROM reports r LEFT JOIN reports p ON p.id = r.parent_report_id
  WHERE r.is_current = 1 AND r.kind IN ('report', 'image_only')
),
ranked AS (
  SELECT cand.*,
         row_number() OVER (PARTITION BY publisher, year
                            ORDER BY n_metrics DESC, n_fields DESC, role = 'attachment', published, id) AS rank
  FROM cand WHERE publisher IS NOT NULL AND year IS NOT NULL
),
groups AS (
  SELECT publisher, year, count(*) AS n_reports, sum(role != 'attachment') AS n_pages,
         json_group_array(id) FILTER (WHERE rank > 1) AS other_report_ids,
         max(mismatch) AS mismatch, max(duplicate) AS duplicate
  FROM (SELECT * FROM ranked ORDER BY rank) GROUP BY publisher, year
)
SELECT a.id AS report_id, a.publisher, a.year, a.format, a.kind, a.role, a.published, a.title, a.url,
       a.site_id, a.n_metrics, g.n_reports, g.n_pages, g.other_report_ids,
       nullif(iif(g.mismatch, 'ATTACHMENT-MISMATCH', '') || iif(g.mismatch AND g.duplicate, ',', '')
              || iif(g.duplicate, 'DUPLICATE', ''), '') AS disagreement
FROM ranked a JOIN groups g ON g.publisher = a.publisher AND g.year = a.year
WHERE a.rank = 1"""

VIEWS: dict[str, str] = {"annual_reports": ANNUAL_REPORTS_SQL}
