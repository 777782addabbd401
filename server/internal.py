"""The server's own SPARQL: the `.rq` files of `server/sparql/`, read once.

They are written like the named queries of `queries/` (a `#+ summary:` front matter, then the query),
and read by the same loader (`kg.queries.load_registry`), so a reader finds every query of the service
as a file, and a syntax error shows up in the file's tests, not as a Python string. They are *internal*:
not in the API catalogue and not in the OpenAPI document; the routes bind their variables (`?r`, `?sdg`
…) as RDF terms, like any other query. `create_app` reads them (`load()`), so no request reads a file.

>>> "CONSTRUCT" in sparql("describe")
True
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kg.queries import NamedQuery, load_registry

SPARQL_DIR = Path(__file__).resolve().parent / "sparql"


@cache
def load() -> dict[str, NamedQuery]:
    """Every internal query by file name (without `.rq`), read on the first call."""
    return load_registry(SPARQL_DIR)


def sparql(name: str) -> str:
    """The text of one internal query (a KeyError names a missing file: a bug, not a client error)."""
    return load()[name].sparql
