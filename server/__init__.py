"""Keikaku Graph web service: SPARQL protocol, linked-data pages, query API (depends on kg)."""
