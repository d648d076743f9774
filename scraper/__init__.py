"""Scrapy project: the site registry and the spiders that find report pages and attachments.

Navigation only: nothing here parses statistics.
"""
