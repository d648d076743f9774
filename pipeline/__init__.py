"""Extraction (pure functions: page/document -> report fields + metrics with provenance) and checks."""
