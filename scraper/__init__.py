"""The Scrapy project: the site registry, navigation of each CMS style, the URL guard and the spiders that
find report pages and attachments. Navigation only: nothing here parses statistics or writes the archive.

May import: pipeline (report titles, the decoders' limits). Never archive: the archive hands the crawler a
store (`scraper.context.CaptureStore`) and names its own components by dotted path in the settings
(Scrapy's convention for middlewares and pipelines). Checked by import-linter (pyproject.toml).
"""
