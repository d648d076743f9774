"""The store: raw captures (WARC), the SQLite archive, queries, review and the web UI.

Only this package writes the database.
"""
