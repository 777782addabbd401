"""The compiled validator: shapes compiled to SPARQL (compiler.py), evaluated in pyoxigraph (runner.py)."""

from __future__ import annotations

from kg.validate.compiled.compiler import compile_shapes
from kg.validate.compiled.runner import FastValidation, store_from_graphs, validate_store
from kg.validate.compiled.vocabulary import Check, UnsupportedShape

__all__ = [
    "Check",
    "FastValidation",
    "UnsupportedShape",
    "compile_shapes",
    "store_from_graphs",
    "validate_store",
]
