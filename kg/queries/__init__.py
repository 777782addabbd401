"""Named queries: the registry of `queries/*.rq` files, their parameter types, and parameter binding.

`registry` reads the files, `types` holds one `ParamType` per declared parameter type (with the one SDG
code parser and the one IRI check), `binding` writes validated terms into a query as VALUES blocks.
The old `kg.queries` names are re-exported here.
"""

from __future__ import annotations

from kg.queries.binding import bind_with_values, sparql_iri, sparql_term
from kg.queries.registry import NamedQuery, Param, get_query, load_registry, parse_query_file
from kg.queries.types import (
    MAX_STRING,
    PARAM_TYPES,
    ParamType,
    checked_iri,
    municipalities,
    sdg_code,
    sdg_code_of,
)

__all__ = [
    "MAX_STRING",
    "PARAM_TYPES",
    "NamedQuery",
    "Param",
    "ParamType",
    "bind_with_values",
    "checked_iri",
    "get_query",
    "load_registry",
    "municipalities",
    "parse_query_file",
    "sdg_code",
    "sdg_code_of",
    "sparql_iri",
    "sparql_term",
]
