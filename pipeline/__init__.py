"""Pure functions: the model of the report formats (formats/), extraction (document bytes -> report fields +
metrics with provenance, extract/) and the checks (rules as data + one small function each, checks/).

Imports no other project package and does no I/O: what it needs (a registry's publishers, archived
images) is handed in. Every decoder stops at pipeline.limits and records an error.
"""
