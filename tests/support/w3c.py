"""Where the W3C test suites are: the repo's git-ignored cache first, `../shared` only as a fallback.

`scripts/setup.sh --dev` fills `.cache/w3c/` from the source distributions of packages on PyPI that
ship the suites (scripts/w3c_suites.sh; `.cache/w3c/SOURCES.txt` records which package and version gave
each folder): rdflib's sdist carries the SPARQL 1.1 query, update and syntax folders, pySHACL's the
SHACL Core suite. A checkout with a `../shared/w3c-tests` copy beside it can use that instead. With
neither, the suite tests FAIL and say what to run: a fresh clone must not silently skip a conformance
suite.

Each suite is looked up by a file its tests need, so a cache that lacks a folder falls through to the
fallback for that suite only (the protocol suite in its `ht:` form, for one: see `protocol_dir`).

The SPARQL 1.1 Protocol and Graph Store Protocol suites come in two forms. The registry's (rdflib's
sdist, in the cache): `protocol_names` (the 34 Protocol test IRIs and names, no requests: the requests
are our own encoding) and `gsp_tests_txt` (the original Graph Store Protocol suite as raw HTTP
exchanges). These two are read from the cache only, since they are what a fresh clone runs. The `ht:`
form (every request and response in RDF) is on no registry we use: `protocol_dir` finds it in
`../shared` when a checkout has one, and tests/server/test_w3c_protocol.py then runs it as well.

>>> SPARQL11.relative_to(CACHE).as_posix()
'sparql11'
"""

from __future__ import annotations

from pathlib import Path

from kg.paths import ROOT

CACHE = ROOT / ".cache" / "w3c"
SPARQL11 = CACHE / "sparql11"
SHACL_CORE = CACHE / "shacl-core"
_SHARED = ROOT.parent / "shared" / "w3c-tests"
SHARED_SPARQL11 = _SHARED / "sparql" / "sparql11"
SHARED_SHACL_CORE = _SHARED / "shacl" / "data-shapes-test-suite" / "tests" / "core"

MISSING = "run scripts/setup.sh --dev (it fetches the W3C suites into .cache/w3c/)"


def _first(*candidates: Path, needs: tuple[str, ...]) -> Path | None:
    for path in candidates:
        if all((path / need).exists() for need in needs):
            return path
    return None


def sparql11_dir() -> Path | None:
    """The W3C SPARQL 1.1 suite folder: syntax-query/, syntax-update-1/, the query-evaluation folders."""
    return _first(SPARQL11, SHARED_SPARQL11, needs=("syntax-query/manifest.ttl",))


def protocol_dir() -> Path | None:
    """The SPARQL 1.1 folder that holds the Protocol and Graph Store Protocol suites in their `ht:` form.

    It needs protocol/manifest.ttl with its data1-3.nt, and graph-store-protocol/. rdflib's sdist
    ships only the protocol manifest without HTTP requests (no data*.nt) and no graph-store-protocol/,
    so the cache never satisfies this: in practice it is `../shared` or None.
    """
    return _first(
        SPARQL11,
        SHARED_SPARQL11,
        needs=("protocol/data1.nt", "protocol/manifest.ttl", "graph-store-protocol/manifest.ttl"),
    )


def protocol_names() -> Path | None:
    """rdflib's sparql11/protocol/manifest.ttl in the cache: the 34 Protocol test IRIs and names."""
    path = SPARQL11 / "protocol" / "manifest.ttl"
    return path if path.is_file() else None


def gsp_tests_txt() -> Path | None:
    """rdflib's sparql11/http-rdf-update/tests.txt in the cache: the original Graph Store Protocol
    suite, raw HTTP exchanges (read by tests/support/gsp_text.py)."""
    path = SPARQL11 / "http-rdf-update" / "tests.txt"
    return path if path.is_file() else None


def shacl_core_dir() -> Path | None:
    """The W3C SHACL Core suite folder (complex/, node/, path/, property/, targets/ …)."""
    return _first(SHACL_CORE, SHARED_SHACL_CORE, needs=("node", "property", "manifest.ttl"))


def require(path: Path | None, what: str) -> Path:
    """`path`, or a test failure that says how to get the suite."""
    import pytest

    if path is None:
        pytest.fail(f"the W3C {what} test suite is missing: {MISSING}", pytrace=False)
    return path
