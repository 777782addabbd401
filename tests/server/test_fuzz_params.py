"""Fuzzing every parameter of every named query, through HTTP, on the real data.

The registry (`kg.queries.load_registry()`) is iterated, never listed here, so a new `queries/*.rq`
is fuzzed the day it is added. Each of its parameters — and the API's own `limit`, `offset` and
`format` — is sent injection attempts (quotes, braces, `} UNION { ?s ?p ?o }`, IRIs with spaces,
newlines, NUL, unicode escapes, `%00`, `SERVICE`, `INSERT DATA`), malformed IRIs, very long values,
lists where one value is expected and repeated parameters, to a real uvicorn server with a query
worker over the session build. Every answer must be one of:

- 400 with a JSON problem whose message names the parameter (a `QueryParamError`), or
- 200 whose rows are exactly what the query gives when the value is matched literally: when that
  value occurs nowhere in the dataset (most payloads), no rows at all — never more than a neutral
  value of the same type gives; otherwise the rows of the query evaluated here straight on pyoxigraph
  with the value bound as one RDF term (a plain literal for `string` parameters).

Never a 5xx, never a traceback or an internal path, never the value echoed back in full. A 1 MB
value is refused by uvicorn before the app (400, or a reset while the client is still sending); sent
straight into the ASGI app it must get the app's own short 400. The premise of "occurs nowhere ⇒ no rows" is
that every named query compares its parameters with terms of the data (equality, CONTAINS on
literals, STRAFTER on IRIs); a query that computes new strings from its parameter would break it
and be caught here.

At the engine level, `NamedQuery.bind()` must return the file's text unchanged (every value travels
only as a binding, a list parameter as a tuple of terms), and binding adds nothing but `VALUES` blocks
of N-Triples terms.
"""

from __future__ import annotations

import dataclasses
import http.client as http_client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
import ld_fixture as fx  # tests/server/fixtures/, put on sys.path by conftest.py
import pyoxigraph as ox
import pytest
import uvicorn
from fastapi import FastAPI
from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.errors import QueryParamError
from kg.paths import ROOT
from kg.queries import PARAM_TYPES, NamedQuery, Param, load_registry
from kg.queries.binding import bind_with_values
from kg.search import store_select
from kg.stores import OxigraphStore, open_store
from kg.terms import to_oxigraph
from server.app import create_app
from server.views import search as search_view

pytestmark = pytest.mark.slow  # a live server with a worker process, ~2,000 requests

REGISTRY = load_registry()
RESERVED = ("limit", "offset", "format")
MAX_ROWS = 10_000
NEUTRAL = "zzqx-neutral-値なし"  # a benign string no plan contains
NEUTRAL_ELEMENT = "kamakura/no-such-plan-zzqx"
SERVICE = "SERVICE <http://127.0.0.1:1/> { ?s ?p ?o }"

#: Values that would change the query if they were pasted into its text (they never are).
INJECTIONS: tuple[str, ...] = (
    '"',
    "'",
    '\\"',
    "\\",
    "{",
    "}",
    "{}",
    "} UNION { ?s ?p ?o }",
    '" } UNION { ?s ?p ?o } #',
    "' } UNION { ?s ?p ?o } #",
    '""" } UNION { ?s ?p ?o } #',
    '"^^<http://www.w3.org/2001/XMLSchema#string> } UNION { ?s ?p ?o } #',
    '"@ja } UNION { ?s ?p ?o } #',
    ">",
    "<",
    "<http://x> . ?s ?p ?o",
    "http://x> . ?s ?p ?o . <http://y",
    "https://w3id.org/keikaku/id/kamakura/plan-2030> . ?s ?p ?o . <x",
    "http://example.org/a b",
    "http://example.org/a\tb",
    "http://example.org/a\nb",
    "http://example.org/\x00",
    "http://example.org/\x7f",
    "http://[::1",
    "https://a%",
    "https://a%zz",
    "kamakura/%zz",
    "kamakura/%00",
    "kamakura/plan-2030/../../x",
    "../../../etc/passwd",
    "a\nb",
    "\n} UNION { ?s ?p ?o }\n",
    "a\rb",
    "\x00",
    "a\x00b",
    "\\u0022 } UNION { ?s ?p ?o } #",
    "\\U00000022 } UNION { ?s ?p ?o } #",
    "\u0022 } UNION { ?s ?p ?o } #",
    "%00",
    "%22%7D%20UNION%20%7B",
    "?s",
    "*",
    "$s",
    SERVICE,
    "} " + SERVICE + " {",
    '" } ' + SERVICE + " #",
    "INSERT DATA { <http://x> <http://y> <http://z> }",
    '" } ; INSERT DATA { <http://x> <http://y> <http://z> } #',
    "DROP ALL",
    "13 } UNION { ?s ?p ?o",
    "13.2) || true || (",
    "kamakura' || true || '",
    "１３",
    "SDG 13",
    " ",
    "\u200b",
    "\u202e防災",
    "🌊" * 3,
    "ｇｏｍｉ",
    "x" * 201,
)

LONG_VALUES = {"10kB": "x" * 10_000, "1MB": "y" * 1_000_000}

#: Raw query strings (not encoded by the client): broken percent-escapes, invalid UTF-8, odd syntax.
RAW_VALUES: tuple[str, ...] = (
    "%00",
    "%FF",
    "%ED%A0%80",
    "%",
    "%G0",
    "a%00b",
    "%22%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%23",
    "+",
    "%0A",
    "%3C%3E",
)

LEAKS = (
    "Traceback",
    'File "',
    "site-packages",
    str(ROOT),
    "pyoxigraph",
    "rdflib",
    "ValueError",
    "KeyError",
    "TypeError",
    "Exception",
)


def _params() -> list[tuple[str, str]]:
    return [(name, p) for name, q in REGISTRY.items() for p in [*q.params, *RESERVED]]


def _id(case: tuple[str, str]) -> str:
    return f"{case[0]}.{case[1]}"


# --------------------------------------------------------------------------------------------------
# Fixtures: a live server with a query worker, and the oracle (pyoxigraph, straight on the store)
# --------------------------------------------------------------------------------------------------


@dataclass
class Served:
    url: str
    app: FastAPI
    requests: int = 0


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """uvicorn on 127.0.0.1 and a free port. The socket is made with IPPROTO_TCP so that asyncio sets
    TCP_NODELAY on each connection (it checks `sock.proto`); a socket made without it costs every
    request ~40 ms of Nagle × delayed-ACK, which would make this file many times slower."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="module")
def served(real_dist: Path) -> Iterator[Served]:
    """uvicorn over the real build, with one query worker process (the production path)."""
    settings = fx.ld_settings(real_dist, query_workers=1, max_rows=MAX_ROWS, query_timeout_s=60.0)
    app = create_app(settings, open_store(None, dist=real_dist))
    with serve(app) as url:
        srv = Served(url, app)
        yield srv
    print(f"\n[fuzz] {srv.requests} requests to the named-query API")  # shown with -s


@pytest.fixture(scope="module")
def http(served: Served) -> Iterator[httpx.Client]:
    def count(_: httpx.Request) -> None:
        served.requests += 1

    with httpx.Client(base_url=served.url, timeout=120.0, event_hooks={"request": [count]}) as client:
        yield client


class Oracle:
    """The query file's own text evaluated by pyoxigraph with the values bound as RDF terms — no
    server, no `NamedQuery.bind()` (no parameter parsing), no paging: what the query gives when each
    value is matched as exactly that term. The terms are bound as VALUES blocks
    (`kg.queries.binding.bind_with_values`), the way the stores bind them: pyoxigraph's `substitutions`
    give the same answer but plan some queries far worse (one fuzz case took 80 s with them). Cached,
    because some queries are slow on the real data anyway."""

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}

    def search(self, dist: Path, q: str, municipality: Node | None = None) -> list[str]:
        """The `search` answer as the index gives it (docs/search.md): the index normalises width, kana
        and spelling, so a value can match text it does not literally occur in; every row, unpaged."""
        index = search_view.open_search(dist)
        assert index is not None, "the real build has a search index"
        filters = {"municipality": str(municipality)} if municipality is not None else {}
        _result, found = search_view.run(index, store_select(self.store), q, filters, limit=100_000)
        return canonical(search_view.sparql_json_rows(q, found), {})

    def rows(self, query: NamedQuery, terms: dict[str, Node]) -> list[str]:
        key = (query.name, tuple(sorted((k, str(to_oxigraph(v))) for k, v in terms.items())))
        if key not in self._cache:
            result = self.store.native.query(
                bind_with_values(query.sparql, terms), use_default_graph_as_union=True
            )
            assert isinstance(result, ox.QuerySolutions)
            data = json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))
            self._cache[key] = canonical(data["results"]["bindings"], concat_separators(query))
        return self._cache[key]


@pytest.fixture(scope="module")
def oracle(real_dist: Path) -> Iterator[Oracle]:
    store = open_store(None, dist=real_dist)
    assert isinstance(store, OxigraphStore)
    yield Oracle(store)
    store.close()


@pytest.fixture(scope="module")
def dataset_terms(oracle: Oracle) -> tuple[str, frozenset[str]]:
    """Every lexical form and IRI of the dataset (lower-cased, one haystack), and the set of IRIs."""
    texts: set[str] = set()
    iris: set[str] = set()
    for quad in oracle.store.native:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
                texts.add(term.value.lower())
            elif isinstance(term, ox.Literal):
                texts.add(term.value.lower())
    return "\uffff".join(sorted(texts)), frozenset(iris)


_GROUP_CONCAT = re.compile(
    r'GROUP_CONCAT\s*\((?:[^()"]|"[^"]*")*?(?:;\s*SEPARATOR\s*=\s*"(?P<sep>[^"]*)")?\s*\)\s*AS\s*\?(?P<var>\w+)',
    re.IGNORECASE,
)


def concat_separators(query: NamedQuery) -> dict[str, str]:
    """`GROUP_CONCAT(... ; separator="s") AS ?v` → {v: s}: SPARQL leaves the order of the parts open,
    and it does differ between two stores loaded in a different order, so they are compared sorted."""
    return {m["var"]: m["sep"] if m["sep"] is not None else " " for m in _GROUP_CONCAT.finditer(query.sparql)}


def canonical(rows: list[dict[str, Any]], concat: dict[str, str]) -> list[str]:
    """Rows as a sorted list of JSON strings: a multiset, comparable across two evaluations."""
    out = []
    for row in rows:
        row = dict(row)
        for var, sep in concat.items():
            if var in row:
                row[var] = {**row[var], "value": sep.join(sorted(row[var]["value"].split(sep)))}
        out.append(json.dumps(row, sort_keys=True, ensure_ascii=False))
    return sorted(out)


def benign(query: NamedQuery, skip: str) -> dict[str, str]:
    """Example values for the required parameters other than `skip`."""
    values: dict[str, str] = {}
    for name, p in query.params.items():
        if p.required and name != skip:
            assert p.example is not None, f"{query.name}: required parameter {name} needs an example"
            values[name] = p.example
    return values


def terms_of(query: NamedQuery, values: dict[str, str]) -> dict[str, Node]:
    return {k: query.params[k].convert(v) for k, v in values.items()}


def literal_term(spec: Param, value: str) -> Node:
    """The term a value means when taken literally: a plain literal for strings, else its typed term."""
    return Literal(value) if spec.type == "string" else spec.convert(value)


def occurs(term: Node, dataset: tuple[str, frozenset[str]]) -> bool:
    haystack, iris = dataset
    if isinstance(term, URIRef):
        return str(term) in iris
    return str(term).lower() in haystack


def get(http: httpx.Client, path: str, params: list[tuple[str, str]]) -> httpx.Response:
    """GET with every row on one page (unless the test sets `limit` itself)."""
    if "limit" not in dict(params):
        params = [*params, ("limit", str(MAX_ROWS))]
    return http.get(path, params=params)


def assert_safe(status: int, body: str, what: str) -> None:
    """Never 5xx, never internals in the body."""
    assert status < 500, f"{what}: {status} {body[:300]}"
    for marker in LEAKS:
        assert marker not in body, f"{what}: body leaks {marker!r}: {body[:300]}"


def assert_problem(status: int, content_type: str, body: str, what: str, *names: str) -> None:
    """A short 400 JSON problem whose message names one of the parameters."""
    assert status == 400, f"{what}: {status} {body[:300]}"
    assert content_type.startswith("application/problem+json"), what
    problem = json.loads(body)
    assert problem["status"] == 400 and isinstance(problem["detail"], str), what
    assert "parameter" in problem["detail"], f"{what}: {problem['detail']}"
    assert any(n in problem["detail"] for n in names), f"{what}: {problem['detail']}"
    assert len(body) < 2000, f"{what}: a {len(body)}-byte message"  # the value is quoted, not echoed


def check_refusal(response: httpx.Response, what: str, *names: str) -> None:
    assert_safe(response.status_code, response.text, what)
    assert_problem(response.status_code, response.headers["content-type"], response.text, what, *names)


def rows_of(response: httpx.Response, query: NamedQuery) -> list[str]:
    return canonical(response.json()["results"]["bindings"], concat_separators(query))


def asgi_get(app: FastAPI, path: str, query_string: bytes) -> tuple[int, str, str]:
    """One GET straight into the ASGI app — no HTTP server, no client-side URL limit in between — to
    see what the app itself answers to a value no HTTP server would let through."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query_string,
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers.get("content-type", ""), body.decode("utf-8")


# --------------------------------------------------------------------------------------------------
# The fuzz
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params(), ids=_id)
def test_injection_values_are_refused_or_matched_literally(
    case: tuple[str, str],
    http: httpx.Client,
    oracle: Oracle,
    dataset_terms: tuple[str, frozenset[str]],
    real_dist: Path,
) -> None:
    name, pname = case
    query = REGISTRY[name]
    path = f"/api/queries/{name}"
    others = benign(query, pname)
    spec = query.params.get(pname)
    payloads = list(INJECTIONS)
    if spec is not None and spec.example is not None:  # the type's own prefix, then an escape attempt
        ex = spec.example
        payloads += [f'{ex}" }} UNION {{ ?s ?p ?o }} #', f"{ex}> . ?s ?p ?o . <x", f"{ex}\n}}", f" {ex} "]
    for value in payloads:
        what = f"{name}?{pname}={value[:40]!r}"
        response = get(http, path, [*others.items(), (pname, value)])
        assert_safe(response.status_code, response.text, what)
        if response.status_code != 200:
            check_refusal(response, what, pname)
            continue
        got = rows_of(response, query)
        if name == "search":  # answered by the index: a page of what the index gives for the same text
            q = value if pname == "q" else others["q"]
            full = oracle.search(real_dist, q, terms_of(query, others).get("municipality"))
            assert set(got) <= set(full) and (got or not full or spec is None), what
            continue
        if spec is None:  # limit / offset / format: a page of the same answer, never another one
            full = oracle.rows(query, terms_of(query, others))
            assert set(got) <= set(full), what
            continue
        term = literal_term(spec, value)
        if not occurs(term, dataset_terms):  # most payloads: matched literally, they can match nothing
            assert got == [], f"{what}: {len(got)} rows for a value that occurs nowhere in the data"
        else:
            expected = oracle.rows(query, {**terms_of(query, others), pname: term})
            assert got == expected, f"{what}: {len(got)} rows, literal match gives {len(expected)}"
        data = response.json()
        if spec.type == "string" and pname in data["head"]["vars"]:
            for row in data["results"]["bindings"]:  # echoed back exactly, as one plain literal
                assert row[pname] == {"type": "literal", "value": value}, what


@pytest.mark.parametrize("case", _params(), ids=_id)
def test_a_neutral_value_gives_no_rows_and_the_example_gives_some(
    case: tuple[str, str],
    http: httpx.Client,
    oracle: Oracle,
    dataset_terms: tuple[str, frozenset[str]],
    real_dist: Path,
) -> None:
    """The yardstick of the fuzz: the neutral value of each open type matches nothing, the example
    matches something (so "no rows" above is a real outcome, not an always-empty query)."""
    name, pname = case
    query = REGISTRY[name]
    spec = query.params.get(pname)
    if spec is None or spec.enum or spec.type not in ("string", "element", "iri"):
        pytest.skip("closed type: every value outside it is refused (see the fuzz)")
    others = benign(query, pname)
    neutral = NEUTRAL if spec.type == "string" else NEUTRAL_ELEMENT
    assert not occurs(literal_term(spec, neutral), dataset_terms)
    response = get(http, f"/api/queries/{name}", [*others.items(), (pname, neutral)])
    assert response.status_code == 200, response.text
    assert rows_of(response, query) == []
    if spec.example is not None:
        response = get(http, f"/api/queries/{name}", [*others.items(), (pname, spec.example)])
        assert response.status_code == 200 and rows_of(response, query), f"{name}.{pname}={spec.example}"
        terms = {**terms_of(query, others), pname: literal_term(spec, spec.example)}
        if name == "search":  # the index ranks; the page holds the best of what it finds
            assert set(rows_of(response, query)) <= set(oracle.search(real_dist, spec.example))
        else:
            assert rows_of(response, query) == oracle.rows(query, terms)


@pytest.mark.parametrize("case", _params(), ids=_id)
def test_lists_repeats_and_unknown_names_are_400(case: tuple[str, str], http: httpx.Client) -> None:
    name, pname = case
    query = REGISTRY[name]
    spec = query.params.get(pname)
    if spec is not None and spec.list:
        pytest.skip("a list parameter takes several values")
    others = list(benign(query, pname).items())
    if spec is None:
        good = {"limit": "5", "offset": "0", "format": "json"}[pname]
    elif spec.enum:
        good = spec.enum[0]
    else:
        good = spec.example or (NEUTRAL if spec.type == "string" else NEUTRAL_ELEMENT)
    for params in (
        [*others, (pname, good), (pname, good)],  # repeated, same value
        [*others, (pname, good), (pname, NEUTRAL)],  # a list where one value is expected
        [*others, (pname, good), (pname, ""), (pname, good)],
        [*others, (f"{pname}[]", good)],  # PHP-style list syntax is just an unknown name
        [*others, (f"{pname}[0]", good)],
        [*others, (pname.upper(), good)],
    ):
        check_refusal(
            http.get(f"/api/queries/{name}", params=params), f"{name} {params}", pname, pname.upper()
        )


@pytest.mark.parametrize("case", _params(), ids=_id)
def test_very_long_values_over_http(case: tuple[str, str], http: httpx.Client, served: Served) -> None:
    """10 kB reaches the app: a 400 that quotes a short prefix of the value. 1 MB does not get past
    uvicorn's request-line limit: it answers 400 and closes the connection (the client, still
    sending, may see the reset before the answer) — never a 5xx, and the server keeps serving."""
    name, pname = case
    query = REGISTRY[name]
    params = [*benign(query, pname).items(), (pname, LONG_VALUES["10kB"])]
    check_refusal(http.get(f"/api/queries/{name}", params=params), f"{name}.{pname} 10 kB", pname)
    target = f"/api/queries/{name}?" + urlencode([*benign(query, pname).items(), (pname, LONG_VALUES["1MB"])])
    host, port = served.url.removeprefix("http://").split(":")
    conn = http_client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("GET", target)
        answer = conn.getresponse()
        assert answer.status in (400, 413, 414, 431), f"{name}.{pname} 1 MB: {answer.status}"
        assert_safe(answer.status, answer.read().decode("utf-8", "replace"), f"{name}.{pname} 1 MB")
    except (ConnectionResetError, BrokenPipeError):
        pass  # refused before the request was read (uvicorn: "Invalid HTTP request received.")
    finally:
        conn.close()
    assert http.get("/healthz").status_code == 200


@pytest.mark.parametrize("name", list(REGISTRY))
def test_megabyte_values_and_names_reach_the_app_as_400(name: str, served: Served) -> None:
    """Behind an HTTP server without a URL limit, the app itself refuses: a 1 MB value of each
    parameter, a 1 MB parameter name, 5000 unknown names — a short 400 each."""
    query = REGISTRY[name]
    path = f"/api/queries/{name}"
    cases = {
        f"{pname} = 1 MB": urlencode([*benign(query, pname).items(), (pname, LONG_VALUES["1MB"])])
        for pname in [*query.params, *RESERVED]
    }
    cases["1 MB name"] = urlencode([*benign(query, "").items(), ("n" * 1_000_000, "1")])
    cases["5000 names"] = urlencode([*benign(query, "").items(), *((f"p{i}", "1") for i in range(5000))])
    for what, qs in cases.items():
        status, content_type, body = asgi_get(served.app, path, qs.encode())
        assert_safe(status, body, f"{name} {what}")
        names = [*query.params, *RESERVED, "unknown"]
        assert_problem(status, content_type, body, f"{name} {what}", *names)


@pytest.mark.parametrize("case", _params(), ids=_id)
def test_raw_query_strings(case: tuple[str, str], http: httpx.Client, served: Served) -> None:
    """Broken percent-escapes, invalid UTF-8 and encoded injections, sent exactly as written."""
    name, pname = case
    query = REGISTRY[name]
    prefix = urlencode(benign(query, pname))
    for raw in RAW_VALUES:
        url = f"{served.url}/api/queries/{name}?{prefix}{'&' if prefix else ''}{pname}={raw}"
        response = http.get(httpx.URL(url))
        assert_safe(response.status_code, response.text, url)
        if response.status_code != 200:
            check_refusal(response, url, pname)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_an_empty_optional_value_means_absent(
    name: str, http: httpx.Client, oracle: Oracle, real_dist: Path
) -> None:
    """`?municipality=` (an empty form field) is the same request as leaving the parameter out; an
    empty required value is a 400."""
    query = REGISTRY[name]
    required = benign(query, "")
    optional = [p for p, spec in query.params.items() if not spec.required]
    for pname in required:
        others = benign(query, pname)
        check_refusal(get(http, f"/api/queries/{name}", [*others.items(), (pname, "")]), name, pname)
    response = get(http, f"/api/queries/{name}", [*required.items(), *((p, "") for p in optional)])
    assert_safe(response.status_code, response.text, name)
    assert response.status_code == 200, response.text
    if name == "search":
        assert set(rows_of(response, query)) <= set(oracle.search(real_dist, required["q"]))
    else:
        assert rows_of(response, query) == oracle.rows(query, terms_of(query, required))


# --------------------------------------------------------------------------------------------------
# Engine level: bind() never rewrites the text; binding only adds VALUES
# --------------------------------------------------------------------------------------------------


def _engine_payloads(spec: Param) -> list[str]:
    values = [*INJECTIONS, NEUTRAL, NEUTRAL_ELEMENT, *LONG_VALUES.values()]
    if spec.example is not None:
        values.append(spec.example)
    return [*values, *spec.enum]


@pytest.mark.parametrize("case", [c for c in _params() if c[1] not in RESERVED], ids=_id)
def test_bind_never_changes_the_text_for_scalar_parameters(case: tuple[str, str]) -> None:
    name, pname = case
    query = REGISTRY[name]
    spec = query.params[pname]
    assert query.path is not None
    file_text = query.path.read_text(encoding="utf-8")
    others = benign(query, pname)
    bound_any = False
    for value in _engine_payloads(spec):
        try:
            text, bindings = query.bind({**others, pname: value})
        except QueryParamError:
            continue
        bound_any = True
        assert text == file_text, f"{name}.{pname}={value!r} changed the query text"
        assert bindings[pname] == spec.convert(value)
        if spec.type == "string":
            assert bindings[pname] == Literal(value)
        to_oxigraph(bindings[pname])  # every accepted value is a term the store takes
    assert bound_any or spec.enum, f"{name}.{pname}: no value was accepted at all"


@pytest.mark.parametrize("case", [c for c in _params() if c[1] not in RESERVED], ids=_id)
def test_list_parameters_only_add_a_values_block_of_ntriples_terms(case: tuple[str, str]) -> None:
    """Each parameter, declared as a list for the test: `bind()` leaves the text alone and returns the
    checked terms in order; binding them adds nothing but `VALUES ?p { … }` blocks, whose terms parse
    as N-Triples to exactly those values."""
    name, pname = case
    query = REGISTRY[name]
    spec = dataclasses.replace(query.params[pname], list=True)
    listed = dataclasses.replace(query, params={**query.params, pname: spec})
    others = benign(query, pname)
    accepted = []
    for value in _engine_payloads(spec):
        try:
            spec.convert(value)
        except QueryParamError:
            continue
        accepted.append(value)
    if not accepted:
        pytest.skip("no value of this type among the payloads")
    values = accepted[:12]
    text, bindings = listed.bind({**others, pname: values})
    assert text == query.sparql
    expected = [to_oxigraph(spec.convert(v)) for v in values]
    assert [to_oxigraph(t) for t in bindings[pname]] == expected
    terms = [str(t) for t in expected]
    bound = bind_with_values(text, {pname: bindings[pname]})
    block = f"VALUES ?{pname} {{ {' '.join(terms)} }}"
    assert bound.count(block) >= 1 and bound.replace(" " + block, "") == text, bound[:300]
    for term, nt in zip(expected, terms, strict=True):
        assert "\n" not in nt and "\r" not in nt
        triples = list(ox.parse(f"<http://s> <http://p> {nt} .", format=ox.RdfFormat.N_TRIPLES))
        assert len(triples) == 1 and triples[0].object == term, nt
    bad = " " if spec.type == "string" else '" } UNION { ?s ?p ?o } #'
    with pytest.raises(QueryParamError):  # one bad value refuses the whole list
        listed.bind({**others, pname: [*values, bad]})


@pytest.mark.parametrize("ptype", list(PARAM_TYPES))
def test_every_converter_returns_a_term_the_store_takes_or_refuses(ptype: str) -> None:
    """For every parameter type (not only those used today): a value is refused with ValueError
    (→ QueryParamError → 400) or becomes a term pyoxigraph accepts — never a term that fails later,
    inside the store, as a 500."""
    convert = PARAM_TYPES[ptype]
    for value in (*INJECTIONS, *LONG_VALUES.values(), "13", "2027", "kamakura", "x"):
        try:
            term = convert(value)
        except ValueError:
            continue
        to_oxigraph(term)
