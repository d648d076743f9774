"""The archive: raw captures (WARC), the SQLite archive and its writes, the jobs that run the pipeline over
it (nightly crawl, extraction, checks, site health), queries, review, the web UI and the `gongkai` command.

May import: scraper (it configures and runs the crawler, handing it a store and wiring its own capture
middleware by dotted path) and pipeline. Only this package writes the database. Inside it, modules form
no import cycle: storage (config, opendb, schema, store, warc) under the jobs under cli_*.py and web/.
"""
