"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol test suites, run against the LIVE server.

The manifests describe each test as HTTP exchanges in the `ht:` vocabulary (method, path, headers, body,
expected status / result format / boolean / RDF body / Location). `load_cases` turns every
`mf:ProtocolTest` and `mf:GraphStoreProtocolTest` into a `Case` keyed by its IRI; `run_case` replays its
requests in order over real HTTP against uvicorn on 127.0.0.1 and checks each expectation.

Deployment configurations:
- "rw": the write token configured, and sent with every request (the suite has no notion of
  credentials: this is how a harness "configures" an endpoint to accept updates). The whole suite.
- "ro": the public default, no token. The query tests and the GSP read-side tests must pass; a test
  that needs a write is expected to fail (strict xfail below), which proves that writes are refused.

Test data: `ut:graphData` files are loaded into the named graph their `rdfs:label` gives. On "ro"
they were loaded when the store was filled (conftest); on "rw" the runner reloads them before each
test that declares them (earlier update tests run CLEAR ALL / DROP ALL), and starts every GSP test from
an empty store (the GSP tests assume graphs start empty).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDF, RDFS

from kg.paths import ROOT

W3C = ROOT.parent / "shared" / "w3c-tests" / "sparql" / "sparql11"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

PROTOCOL = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"
GSP = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/http-rdf-update/manifest#"

_UPDATE_TESTS = [
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
    "update_post_form",
    "update_post_direct",
    "update_base_uri",
]
_GSP_WRITE_TESTS = [
    "put_get_repeat_direct",
    "put_delete_get_delete_direct",
    "post_get_post_get_direct",
    "head_existing_direct",
    "put_get_repeat_indirect",
    "put_get_default",
    "put_delete_get_delete_indirect",
    "post_get_post_get_indirect",
    "post_get_new_graph",
    "head_existing_indirect",
    "put_get_uri_pct_encoded_indirect",
    "put_get_uri_pct_encoded_twice",
]

#: Known failures of the writable deployment, keyed by test IRI. None: the whole suite passes.
XFAIL_RW: dict[str, str] = {}

#: Known failures of the read-only default, keyed by test IRI: every test that needs a write.
XFAIL_RO: dict[str, str] = {
    **{
        PROTOCOL + name: "read-only by default: SPARQL Update needs the write token (answered 403)"
        for name in _UPDATE_TESTS
    },
    **{
        GSP + name: "read-only by default: Graph Store writes need the write token (answered 403)"
        for name in _GSP_WRITE_TESTS
    },
}

_STATUS_NAMES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404, "BadRequest": 400}
_BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
_TABULAR_TYPES = (*_BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
_RDF_TYPES = {
    "application/rdf+xml": "xml",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}


@dataclass
class Expect:
    statuses: list[str] = field(default_factory=list)  # local names of hts: terms
    format: str | None = None  # "boolean" | "tabular" | "RDF"
    boolean: bool | None = None
    content_type: str | None = None
    body: str | None = None  # expected RDF (GSP), as text in `content_type`
    location_var: str | None = None


@dataclass
class Req:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: str | None
    encoding: str
    expect: Expect


@dataclass
class Case:
    iri: str
    name: str
    kind: str  # "protocol" | "gsp"
    authority: str
    graph_data: list[tuple[Path, str]]
    requests: list[Req]

    @property
    def id(self) -> str:
        return self.iri.rpartition("#")[2]

    @property
    def writes(self) -> bool:
        return any(r.method in ("PUT", "POST", "DELETE") and not _is_query(r) for r in self.requests)


def _is_query(req: Req) -> bool:
    headers = dict((k.lower(), v) for k, v in req.headers)
    ctype = headers.get("content-type", "")
    return req.method == "POST" and ("sparql-query" in ctype or (req.body or "").startswith("query="))


def _local(term: object) -> str:
    return str(term).rpartition("#")[2]


def _list(graph: Graph, head: object) -> list:
    return list(Collection(graph, head)) if head is not None else []


def _manifest_graph(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle", publicID=path.as_uri())
    for include in graph.objects(None, MF.include):
        for sub in _list(graph, include):
            graph += _manifest_graph(Path(str(sub).removeprefix("file://")))
    return graph


def load_cases(manifest: Path, kind: str) -> list[Case]:
    """Every protocol/GSP test of a manifest (and its includes), in manifest order."""
    graph = _manifest_graph(manifest)
    entries: list = []
    for head in graph.objects(None, MF.entries):
        entries += _list(graph, head)
    # tests defined but missing from mf:entries (upstream, head_non_existing_direct) run too, last
    typed = set(graph.subjects(RDF.type, MF.ProtocolTest)) | set(
        graph.subjects(RDF.type, MF.GraphStoreProtocolTest)
    )
    entries += sorted(typed - set(entries), key=str)
    cases = []
    for test in entries:
        if (test, RDF.type, MF.ProtocolTest) not in graph and (
            test,
            RDF.type,
            MF.GraphStoreProtocolTest,
        ) not in graph:
            continue
        action = graph.value(test, MF.action)
        data = []
        for gd in graph.objects(test, UT.graphData):
            file = Path(str(graph.value(gd, UT.graph)).removeprefix("file://"))
            data.append((file, str(graph.value(gd, RDFS.label))))
        requests = [_request(graph, r) for r in _list(graph, graph.value(action, HT.requests))]
        cases.append(
            Case(
                iri=str(test),
                name=str(graph.value(test, MF.name)),
                kind=kind,
                authority=str(graph.value(action, HT.connectionAuthority) or "www.example"),
                graph_data=data,
                requests=requests,
            )
        )
    return cases


def _request(graph: Graph, node: object) -> Req:
    headers = [
        (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
        for h in _list(graph, graph.value(node, HT.headers))
    ]
    body_node = graph.value(node, HT.body)
    body = str(graph.value(body_node, CNT.chars)) if body_node is not None else None
    encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8") if body_node else "UTF-8"
    resp = graph.value(node, HT.resp)
    expect = Expect(
        statuses=sorted(_local(s) for s in graph.objects(resp, MF.expectedStatus)),
        format=(str(f) if (f := graph.value(resp, MF.expectedFormat)) is not None else None),
        boolean=(b.toPython() if (b := graph.value(resp, MF.expectedBoolean)) is not None else None),
        location_var=(str(v) if (v := graph.value(resp, MF.expectedLocation)) is not None else None),
    )
    for h in _list(graph, graph.value(resp, HT.headers)):
        if str(graph.value(h, HT.fieldName)).lower() == "content-type":
            expect.content_type = str(graph.value(h, HT.fieldValue))
    resp_body = graph.value(resp, HT.body)
    if resp_body is not None:
        expect.body = str(graph.value(resp_body, CNT.chars))
    return Req(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        encoding=encoding,
        expect=expect,
    )


# ---- running ---------------------------------------------------------------------------------------


class WriteRefused(AssertionError):
    """A request the test expects to succeed was refused as a write (403): the read-only default."""


def _status_ok(status: int, expected: list[str]) -> bool:
    for name in expected:
        if name.startswith("StatusCode") and name.endswith("xx"):
            if status // 100 == int(name[len("StatusCode")]):
                return True
        elif _STATUS_NAMES.get(name) == status:
            return True
    return not expected


def _media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _check_response(req: Req, response: httpx.Response, where: str) -> None:
    exp = req.expect
    if response.status_code == 403 and not _status_ok(403, exp.statuses):
        raise WriteRefused(f"{where}: refused as a write: {response.text[:200]}")
    assert _status_ok(response.status_code, exp.statuses), (
        f"{where}: status {response.status_code} not in {exp.statuses}: {response.text[:300]}"
    )
    media = _media(response)
    if exp.format == "boolean":
        assert media in _BOOLEAN_TYPES, f"{where}: {media} is not a boolean result format"
        result = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.from_media_type(media))
        assert isinstance(result, ox.QueryBoolean), f"{where}: not a boolean result"
        if exp.boolean is not None:
            assert bool(result) is exp.boolean, f"{where}: expected {exp.boolean}, got {bool(result)}"
    elif exp.format == "tabular":
        assert media in _TABULAR_TYPES, f"{where}: {media} is not a tabular result format"
        if media != "text/csv":  # pyoxigraph reads JSON, XML and TSV results
            result = ox.parse_query_results(
                response.content, format=ox.QueryResultsFormat.from_media_type(media)
            )
            assert isinstance(result, ox.QuerySolutions), f"{where}: not a solution sequence"
            list(result)
    elif exp.format == "RDF":
        assert media in _RDF_TYPES, f"{where}: {media} is not an RDF syntax"
        Graph().parse(data=response.content, format=_RDF_TYPES[media])
    if exp.content_type:
        assert media == exp.content_type.split(";")[0].strip().lower(), (
            f"{where}: Content-Type {media}, expected {exp.content_type}"
        )
    if exp.body is not None and req.method != "HEAD":
        expected = Graph().parse(data=exp.body, format=_RDF_TYPES[media or "text/turtle"])
        actual = Graph().parse(data=response.content, format=_RDF_TYPES[media])
        if not isomorphic(expected, actual):
            _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
            pytest.fail(
                f"{where}: graphs differ\nonly expected:\n{only_expected.serialize(format='nt')}"
                f"\nonly actual:\n{only_actual.serialize(format='nt')}"
            )


def _reset(client: httpx.Client, auth: dict[str, str], graphs: list[tuple[Path, str]]) -> None:
    """Bring the writable store to the state a test declares: only its graphData graphs."""
    parts = ["DROP ALL"]
    for file, name in graphs:
        parts.append(f"INSERT DATA {{ GRAPH <{name}> {{ {file.read_text(encoding='utf-8')} }} }}")
    response = client.post(
        "/sparql",
        content=" ;\n".join(parts).encode(),
        headers={"Content-Type": "application/sparql-update", **auth},
    )
    assert response.status_code == 204, response.text


def run_case(server: Any, case: Case, *, token: str | None) -> None:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    variables: dict[str, str] = {}
    with server.client() as client:
        if token and (case.graph_data or case.kind == "gsp"):
            _reset(client, auth, case.graph_data)
        for i, req in enumerate(case.requests, 1):
            path = req.path
            if case.kind == "protocol":
                path = path.replace("/sparql/", "/sparql", 1)
            for name, value in variables.items():
                path = path.replace(name, value)
            body = req.body
            for name, value in variables.items():
                body = body.replace(name, value) if body is not None else None
            headers = {"Host": case.authority, **auth}
            for name, value in req.headers:
                headers[name] = value
            content = body.encode(req.encoding.lower()) if body is not None else None
            response = client.request(req.method, path, content=content, headers=headers)
            _check_response(req, response, f"request {i} ({req.method} {path})")
            if req.expect.location_var:
                location = response.headers.get("location")
                assert location, f"request {i}: no Location header"
                variables[req.expect.location_var] = location


def _cases() -> list[Case]:
    if not W3C.is_dir():
        return []
    return load_cases(W3C / "protocol" / "manifest.ttl", "protocol") + load_cases(
        W3C / "graph-store-protocol" / "manifest.ttl", "gsp"
    )


CASES = _cases()


def _params(config: str, xfails: dict[str, str]) -> list:
    params = []
    for case in CASES:
        marks = []
        if case.iri in xfails:
            # strict, and only for the stated cause: any other failure is a real failure
            marks.append(pytest.mark.xfail(strict=True, raises=WriteRefused, reason=xfails[case.iri]))
        params.append(pytest.param(case, marks=marks, id=f"{case.kind}:{case.id}"))
    return params or [pytest.param(None, marks=pytest.mark.skip(reason=f"no W3C tests at {W3C}"))]


@pytest.mark.parametrize("case", _params("rw", XFAIL_RW))
def test_w3c_writable(case: Case, live_rw: Any, write_token: str) -> None:
    """The whole suite against a deployment with the write token configured."""
    run_case(live_rw, case, token=write_token)


@pytest.mark.parametrize("case", _params("ro", XFAIL_RO))
def test_w3c_read_only(case: Case, live_ro: Any) -> None:
    """The whole suite against the public default (read-only): writes must be refused."""
    run_case(live_ro, case, token=None)


def test_manifest_counts() -> None:
    """Guard against a runner that silently reads nothing: the suites hold 34 + 14 tests (one of the
    14, head_non_existing_direct, is defined in manifest-direct.ttl but missing from its mf:entries)."""
    if not W3C.is_dir():
        pytest.skip(f"no W3C tests at {W3C}")
    assert sum(c.kind == "protocol" for c in CASES) == 34
    assert sum(c.kind == "gsp" for c in CASES) == 14
    declared = {str(file.name) for c in CASES for file, _ in c.graph_data}
    assert declared == {p.name for p in (W3C / "protocol").glob("data*.nt")}
    names = {c.id for c in CASES}
    assert set(_UPDATE_TESTS) <= names and set(_GSP_WRITE_TESTS) <= names
    assert all(URIRef(iri) for iri in [*XFAIL_RO, *XFAIL_RW])
