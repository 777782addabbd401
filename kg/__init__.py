"""Keikaku Graph engine: ingest, reason, validate, query, store, build (no web code here)."""

from __future__ import annotations

__version__ = "0.1.0"
