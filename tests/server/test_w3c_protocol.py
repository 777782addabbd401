"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol test suites, run against the LIVE server.

Two sources, so that a fresh clone runs real W3C tests (tests/support/w3c.py says where each is):

1. The registry's suites — rdflib's sdist on PyPI, copied into .cache/w3c/ by `scripts/setup.sh --dev`
   (scripts/w3c_suites.sh). They always run; without the cache they FAIL, saying to run setup.
   - Protocol: rdflib's `protocol/manifest.ttl` gives the 34 test IRIs and names, no requests. The
     requests are OUR OWN encoding of each test, written from its name and the SPARQL 1.1 Protocol
     Recommendation (tests/server/w3c_protocol_requests.py). `test_protocol_*` reads the IRIs from
     the manifest and fails on an IRI without an encoding, or an encoding without an IRI.
   - Graph Store Protocol: rdflib's `http-rdf-update/tests.txt`, the Working Group's original suite
     as raw HTTP exchanges, read by tests/support/gsp_text.py into 22 ordered exchanges, each keyed by
     the id of its title (`put-initial-state` …). `test_gsp_exchange` checks one exchange: from an
     empty store it replays the exchanges before it (their answers unchecked: each is checked by
     its own test), then sends this one and checks its status, its Content-Type and Location, and
     its RDF body (isomorphic to the expected one after placeholder substitution).
2. The `ht:` suites (every request and response in RDF, in ../shared; on no registry we use): when
   present (CI has them) they run too (`test_w3c_writable` / `test_w3c_read_only`), and
   `test_protocol_verdicts_agree` runs each of the 34 Protocol tests both ways, on both deployments,
   and asserts the same verdict per IRI. Without ../shared these tests are not defined at all (no
   skips): the registry's suites cover the same tests.

Graph Store Protocol mapping. The suite names graphs DIRECTLY: `PUT /person/1.ttl` means the graph
whose IRI is that URL on the graph store's host. Our server (server/routes/gsp.py) supports both
identifications, so every exchange runs in two variants:
- `direct`: a suite path P becomes `/gsp` + P — the graph `http://$HOST$/gsp/person/1.ttl` (the
  server's direct identification under /gsp/: the graph IRI is the request URL); `$NEWPATH$` is the
  `Location` URL itself.
- `indirect`: a suite path P becomes `/gsp?graph=<http://$HOST$P>` — the suite's own graph IRI, named
  by indirect identification; `$NEWPATH$` becomes `/gsp?graph=<Location>`.
In both, `$GRAPHSTORE$` is `/gsp` (so `$GRAPHSTORE$?default` is `/gsp?default` and a POST to
`$GRAPHSTORE$` creates a graph) and `$HOST$` is the live server's host:port, in URLs, headers and
bodies alike. The suite has no notion of credentials: every request carries the write token (the
writable deployment, `live_rw`). Where our server legitimately differs from the draft's text, the
exchange is a strict xfail keyed by its id (`GSP_KNOWN`), and only for the one difference stated
there (the observed status, or the differing graph): any other failure is a failure.

Deployment configurations:
- "rw": the write token configured, and sent with every request (the suite has no notion of
  credentials: this is how a harness "configures" an endpoint to accept updates). The whole suite.
- "ro": the public default, no token. The query tests and the GSP read-side tests must pass; a test
  that needs a write is expected to fail (strict xfail below), which proves that writes are refused.
The `ht:` suites and our Protocol encodings run on both; rdflib's GSP exchanges on "rw" only (all but
the first read what earlier ones wrote).

Test data. `ht:`: `ut:graphData` files are loaded into the named graph their `rdfs:label` gives. On
"ro" they were loaded when the store was filled (conftest); on "rw" the runner reloads them before each
test that declares them (earlier update tests run CLEAR ALL / DROP ALL), and starts every GSP test from
an empty store (the GSP tests assume graphs start empty). Our Protocol encodings use the server test
fixtures' graphs (tests/server/conftest.py `fill_store`, see w3c_protocol_requests.py); on "rw" the
runner puts those back, taken from a fresh fixture store, and drops the update tests' own graphs
before every test.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDF, RDFS

from tests.server import w3c_protocol_requests as ours
from tests.support import gsp_text
from tests.support.w3c import gsp_tests_txt, protocol_dir, protocol_names, require

#: the folder holding the `ht:` protocol/ and graph-store-protocol/ (../shared; tests/support/w3c.py).
#: None without it: the `ht:` tests are then not defined (the registry's suites below still run).
W3C = protocol_dir()
#: the registry's files in .cache/w3c/ (None without the cache: those tests then FAIL, saying to run
#: scripts/setup.sh --dev)
NAMES_MANIFEST = protocol_names()
GSP_TXT = gsp_tests_txt()
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
    if W3C is None:
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
    return params


if W3C is not None:  # the `ht:` suites (../shared): defined only when present, see the docstring

    @pytest.mark.parametrize("case", _params("rw", XFAIL_RW))
    def test_w3c_writable(case: Case, live_rw: Any, write_token: str, w3c_protocol: Path) -> None:
        """The whole `ht:` suite against a deployment with the write token configured."""
        run_case(live_rw, case, token=write_token)

    @pytest.mark.parametrize("case", _params("ro", XFAIL_RO))
    def test_w3c_read_only(case: Case, live_ro: Any, w3c_protocol: Path) -> None:
        """The whole `ht:` suite against the public default (read-only): writes must be refused."""
        run_case(live_ro, case, token=None)

    def test_manifest_counts(w3c_protocol: Path) -> None:
        """Guard against a runner that silently reads nothing: the suites hold 34 + 14 tests (one of
        the 14, head_non_existing_direct, is defined in manifest-direct.ttl but missing from its
        mf:entries)."""
        assert w3c_protocol == W3C
        assert sum(c.kind == "protocol" for c in CASES) == 34
        assert sum(c.kind == "gsp" for c in CASES) == 14
        declared = {str(file.name) for c in CASES for file, _ in c.graph_data}
        assert declared == {p.name for p in (W3C / "protocol").glob("data*.nt")}
        names = {c.id for c in CASES}
        assert set(_UPDATE_TESTS) <= names and set(_GSP_WRITE_TESTS) <= names
        assert all(URIRef(iri) for iri in [*XFAIL_RO, *XFAIL_RW])


# ---- the registry's Protocol suite: rdflib's 34 IRIs, our encodings ----------------------------------


def manifest_tests(manifest: Path) -> list[tuple[str, str]]:
    """(IRI, name) of every mf:ProtocolTest in the manifest's mf:entries, in order."""
    graph = _manifest_graph(manifest)
    entries = [e for head in graph.objects(None, MF.entries) for e in _list(graph, head)]
    return [
        (str(e), str(graph.value(e, MF.name))) for e in entries if (e, RDF.type, MF.ProtocolTest) in graph
    ]


MANIFEST_TESTS = manifest_tests(NAMES_MANIFEST) if NAMES_MANIFEST is not None else []

#: Known failures of our encodings on the writable deployment, keyed by test IRI. None.
OURS_XFAIL_RW: dict[str, str] = {}
#: … and on the read-only default: every test with an update that must succeed.
OURS_XFAIL_RO: dict[str, str] = {
    PROTOCOL + name: "read-only by default: SPARQL Update needs the write token (answered 403)"
    for name in _UPDATE_TESTS
}

_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


def _check_step(step: ours.Step, response: httpx.Response, where: str) -> None:
    status = response.status_code
    if step.status == "2xx" and status == 403:
        raise WriteRefused(f"{where}: refused as a write: {response.text[:200]}")
    assert status // 100 == int(step.status[0]), (
        f"{where}: status {status}, expected {step.status}: {response.text[:300]}"
    )
    media = _media(response)
    if step.media:
        assert media in step.media, f"{where}: Content-Type {media!r}, expected one of {step.media}"
    if step.boolean is not None:
        result = ox.parse_query_results(response.content, format=_RESULT_FORMATS[media])
        assert isinstance(result, ox.QueryBoolean), f"{where}: not a boolean result"
        assert bool(result) is step.boolean, f"{where}: ASK answered {bool(result)}, expected {step.boolean}"
    if step.rows is not None:
        if media == "text/csv":
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))[1:]
        else:
            result = ox.parse_query_results(response.content, format=_RESULT_FORMATS[media])
            assert isinstance(result, ox.QuerySolutions), f"{where}: not a solution sequence"
            rows = list(result)
        assert len(rows) == step.rows, f"{where}: {len(rows)} solutions, expected {step.rows}"
    if step.triples is not None:
        assert media in _RDF_TYPES, f"{where}: cannot read {media} to count its triples"
        graph = Graph().parse(data=response.content, format=_RDF_TYPES[media])
        assert len(graph) >= step.triples, f"{where}: {len(graph)} triples, expected {step.triples}+"


def _restore(client: httpx.Client, auth: dict[str, str], fixture: dict[str, str]) -> None:
    """The writable store back to what the encodings assume: the fixture graphs, no scratch graphs."""
    parts = [f"DROP SILENT GRAPH <{g}>" for g in (*ours.SCRATCH, *fixture)]
    parts += [f"INSERT DATA {{ GRAPH <{g}> {{ {nt} }} }}" for g, nt in fixture.items()]
    response = client.post(
        "/sparql",
        content=" ;\n".join(parts).encode(),
        headers={"Content-Type": ours.UPDATE, **auth},
    )
    assert response.status_code == 204, response.text


def run_encoding(server: Any, enc: ours.Encoding, *, token: str | None, fixture: dict[str, str]) -> None:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    with server.client() as client:
        if token and enc.data:
            _restore(client, auth, fixture)
        for i, step in enumerate(enc.steps, 1):
            headers = dict(auth)
            if step.accept:
                headers["Accept"] = step.accept
            if step.form_content_type:
                headers["Content-Type"] = step.form_content_type
            content = urlencode(step.form).encode() if step.form is not None else step.body
            response = client.request(
                step.method, "/sparql", params=list(step.params), content=content, headers=headers
            )
            _check_step(step, response, f"{enc.name} step {i} ({step.method})")


@pytest.fixture(scope="module")
def fixture_graphs(store_factory: Callable[[], Any]) -> dict[str, str]:
    """The fixture graphs our encodings read, as N-Triples, from a fresh fixture store."""
    store = store_factory()
    graphs = {}
    for name in (ours.ONE, ours.TWO):
        quads = store.native.quads_for_pattern(None, None, None, ox.NamedNode(name))
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        assert triples, f"tests/server/conftest.py no longer fills {name}: update w3c_protocol_requests.py"
        graphs[name] = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    return graphs


def _encoding(iri: str) -> ours.Encoding:
    name = iri.removeprefix(PROTOCOL)
    if iri == name or name not in ours.BY_NAME:
        pytest.fail(f"{iri}: no encoding in tests/server/w3c_protocol_requests.py", pytrace=False)
    return ours.BY_NAME[name]


def _ours_params(xfails: dict[str, str]) -> list:
    params = []
    for iri, _ in MANIFEST_TESTS:
        marks = []
        if iri in xfails:
            marks.append(pytest.mark.xfail(strict=True, raises=WriteRefused, reason=xfails[iri]))
        params.append(pytest.param(iri, marks=marks, id=iri.rpartition("#")[2]))
    # without the cache, one case that fails and says to run setup (never an empty, skipped set)
    return params or [pytest.param(None, id="suite-missing")]


def _names_manifest() -> Path:
    return require(NAMES_MANIFEST, "SPARQL 1.1 Protocol (rdflib's protocol/manifest.ttl)")


@pytest.mark.parametrize("iri", _ours_params(OURS_XFAIL_RW))
def test_protocol_writable(iri: str, live_rw: Any, write_token: str, fixture_graphs: dict[str, str]) -> None:
    """Our encoding of each Protocol test of the registry's manifest, with the write token."""
    _names_manifest()
    run_encoding(live_rw, _encoding(iri), token=write_token, fixture=fixture_graphs)


@pytest.mark.parametrize("iri", _ours_params(OURS_XFAIL_RO))
def test_protocol_read_only(iri: str, live_ro: Any, fixture_graphs: dict[str, str]) -> None:
    """Our encoding of each Protocol test on the public default: updates must be refused."""
    _names_manifest()
    run_encoding(live_ro, _encoding(iri), token=None, fixture=fixture_graphs)


def test_protocol_encodings_match_the_manifest() -> None:
    """Every one of the manifest's 34 tests has an encoding, and every encoding is a test of it; the
    read-only xfails are exactly the encodings with a write that must succeed."""
    tests = manifest_tests(_names_manifest())
    assert len(tests) == 34, f"{len(tests)} mf:ProtocolTest entries"
    assert all(iri.startswith(PROTOCOL) for iri, _ in tests)
    names = {iri.removeprefix(PROTOCOL) for iri, _ in tests}
    assert names - set(ours.BY_NAME) == set(), "manifest tests without an encoding"
    assert set(ours.BY_NAME) - names == set(), "encodings without a manifest test"
    assert len(ours.BY_NAME) == len(ours.ENCODINGS), "two encodings share a name"
    assert {PROTOCOL + e.name for e in ours.ENCODINGS if e.writes} == set(OURS_XFAIL_RO)


# ---- the registry's Graph Store Protocol suite: rdflib's tests.txt ----------------------------------


class Mismatch(AssertionError):
    """An exchange's response differs from the suite's; `observed` names the difference."""

    def __init__(self, observed: str, detail: str) -> None:
        super().__init__(f"{observed}: {detail}")
        self.observed = observed
        self.detail = detail


class KnownDifference(AssertionError):
    """The documented difference of an exchange (GSP_KNOWN), and only that one, was observed."""


@dataclass(frozen=True)
class Known:
    observed: str  # Mismatch.observed, exactly
    reason: str


_OK_OR_NO_CONTENT = (
    "the draft expects 200 OK; we answer 204 No Content, which HTTP gives as the success answer of "
    "{what} (RFC 9110 §{section}; the Graph Store Protocol defers to HTTP's status codes)"
)

#: Where our server legitimately differs from the draft's text, by exchange id (both variants).
GSP_KNOWN: dict[str, Known] = {
    "put-graph-already-in-store": Known(
        "status 204",
        _OK_OR_NO_CONTENT.format(what="a PUT that modified an existing graph: 200 or 204", section="9.3.4"),
    ),
    "put-default-graph": Known(
        "status 204",
        "the draft expects 201 Created; our default graph always exists (it is the union of all "
        "graphs, sd:UnionDefaultGraph), so a PUT to ?default modifies it: 204 (RFC 9110 §9.3.4: 201 "
        "only when the PUT creates the resource)",
    ),
    "get-of-put-default-graph": Known(
        "graphs differ",
        "our ?default is the union of all graphs (as on /sparql, sd:UnionDefaultGraph), so it also "
        "holds the triples PUT into /person/1.ttl before; the draft assumes a separate default graph",
    ),
    "put-empty-graph": Known(
        "status 201",
        "the draft expects 200 OK for the PUT that creates /person/2.ttl; a PUT that creates its "
        "resource MUST answer 201 Created (RFC 9110 §9.3.4), which is what we answer",
    ),
    "delete-existing-graph": Known(
        "status 204",
        _OK_OR_NO_CONTENT.format(what="a DELETE enacted with nothing to report", section="9.3.5"),
    ),
    "post-existing-graph": Known(
        "status 204",
        _OK_OR_NO_CONTENT.format(
            what="a POST merged into an existing graph, with no body", section="9.3.3 and §15.3.5"
        ),
    ),
    "post-multipart-form-data": Known(
        "status 415",
        "the draft's Content-Type is 'multipart/form-data, boundary=AaB03x' (',' where RFC 2045 §5.1 "
        "needs ';'), which is not multipart/form-data: 415 Unsupported Media Type; its body also nests "
        "multipart/mixed inside a form-data part (RFC 2388 §5.2, dropped by RFC 7578 §4.3)",
    ),
    "get-of-post-multipart-form-data": Known(
        "graphs differ",
        "follows from post-multipart-form-data: the two multipart triples were refused (415), so "
        "/person/1.ttl lacks foaf:givenName and foaf:familyName",
    ),
}

GSP_EXCHANGES: list[gsp_text.Exchange] = gsp_text.read(GSP_TXT) if GSP_TXT is not None else []
GSP_VARIANTS = ("direct", "indirect")


def _gsp_target(target: str, variant: str, host: str, newpath: str | None) -> str:
    """The URL (absolute or under the server) an exchange's request target maps to (docstring)."""
    if target.startswith("$NEWPATH$"):
        if newpath is None:
            raise Mismatch("no $NEWPATH$", "no earlier exchange answered a Location")
        url = newpath + target.removeprefix("$NEWPATH$")
        return url if variant == "direct" else "/gsp?graph=" + quote(url, safe="")
    if target.startswith("$GRAPHSTORE$"):
        return "/gsp" + target.removeprefix("$GRAPHSTORE$")
    if target.startswith("/"):
        if variant == "direct":
            return "/gsp" + target
        return "/gsp?graph=" + quote(f"http://{host}{target}", safe="")
    raise ValueError(f"unknown request target {target!r}")


def _send(
    client: httpx.Client, ex: gsp_text.Exchange, variant: str, values: dict[str, str], token: str
) -> httpx.Response:
    headers = {name: gsp_text.substitute(value, values) for name, value in ex.request_headers}
    headers["Authorization"] = f"Bearer {token}"
    body = gsp_text.substitute(ex.request_body, values) if ex.request_body is not None else None
    target = _gsp_target(ex.target, variant, values["$HOST$"], values.get("$NEWPATH$"))
    return client.request(
        ex.method, target, content=body.encode("utf-8") if body is not None else None, headers=headers
    )


def _check_exchange(ex: gsp_text.Exchange, response: httpx.Response, values: dict[str, str]) -> None:
    if response.status_code != ex.status:
        raise Mismatch(
            f"status {response.status_code}",
            f"expected {ex.status} {ex.reason}: {response.text[:300]}",
        )
    if ex.response_header("location") is not None and not response.headers.get("location"):
        raise Mismatch("no Location", "a Location header was expected")
    expected_type = gsp_text.media_type(ex.response_header("content-type"))
    media = _media(response)
    if expected_type and media != expected_type:
        raise Mismatch(f"Content-Type {media}", f"expected {expected_type}")
    if ex.method == "HEAD" and response.content:
        raise Mismatch("HEAD with a body", f"{len(response.content)} bytes")
    if ex.method == "GET" and expected_type in _RDF_TYPES:
        expected = Graph().parse(
            data=gsp_text.substitute(ex.response_body, values), format=_RDF_TYPES[expected_type]
        )
        actual = Graph().parse(data=response.content, format=_RDF_TYPES[media])
        if not isomorphic(expected, actual):
            _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
            raise Mismatch(
                "graphs differ",
                f"\nonly expected:\n{only_expected.serialize(format='nt')}"
                f"\nonly actual:\n{only_actual.serialize(format='nt')}",
            )


def run_exchange(server: Any, index: int, variant: str, *, token: str) -> None:
    """Exchange `index` of the suite, from an empty store with the exchanges before it replayed."""
    values = {"$HOST$": urlsplit(server.url).netloc, "$GRAPHSTORE$": "/gsp"}
    auth = {"Authorization": f"Bearer {token}"}
    with server.client() as client:
        response = client.post("/sparql", content=b"DROP ALL", headers={"Content-Type": ours.UPDATE, **auth})
        assert response.status_code == 204, response.text
        for ex in GSP_EXCHANGES[: index + 1]:
            response = _send(client, ex, variant, values, token)
            location = response.headers.get("location")
            if ex.response_header("location") == "$NEWPATH$" and location:
                values["$NEWPATH$"] = urljoin(str(response.request.url), location)
        _check_exchange(GSP_EXCHANGES[index], response, values)


def _gsp_params() -> list:
    params = []
    for variant in GSP_VARIANTS:
        for index, ex in enumerate(GSP_EXCHANGES):
            marks = []
            if ex.id in GSP_KNOWN:
                marks.append(
                    pytest.mark.xfail(strict=True, raises=KnownDifference, reason=GSP_KNOWN[ex.id].reason)
                )
            params.append(pytest.param(variant, index, marks=marks, id=f"{variant}:{ex.id}"))
    return params or [pytest.param(None, None, id="suite-missing")]


@pytest.mark.parametrize(("variant", "index"), _gsp_params())
def test_gsp_exchange(variant: str, index: int, live_rw: Any, write_token: str) -> None:
    """One exchange of rdflib's tests.txt, in one identification variant, on the writable server."""
    require(GSP_TXT, "Graph Store Protocol (rdflib's http-rdf-update/tests.txt)")
    ex = GSP_EXCHANGES[index]
    try:
        run_exchange(live_rw, index, variant, token=write_token)
    except Mismatch as exc:
        known = GSP_KNOWN.get(ex.id)
        if known is not None and exc.observed == known.observed:
            raise KnownDifference(f"{ex.id}: {known.reason}") from exc
        where = f"tests.txt line {ex.line} ({ex.title}); parser repairs: {', '.join(ex.repairs) or 'none'}"
        raise Mismatch(exc.observed, f"{exc.detail}\n[{where}]") from exc


def test_gsp_suite_is_read_whole() -> None:
    """Guard against a parser that silently reads less: tests.txt holds 22 exchanges, each with a
    request line and a status, and every known difference names one of them."""
    exchanges = gsp_text.read(require(GSP_TXT, "Graph Store Protocol (rdflib's http-rdf-update/tests.txt)"))
    assert len(exchanges) == 22
    assert {e.method for e in exchanges} == {"GET", "PUT", "POST", "DELETE", "HEAD"}
    assert sum(e.response_header("location") == "$NEWPATH$" for e in exchanges) == 1
    assert sum(e.method == "GET" and bool(e.response_body) for e in exchanges) == 7
    assert set(GSP_KNOWN) <= {e.id for e in exchanges}


# ---- both forms: the same verdict per Protocol test -------------------------------------------------


def _verdict(run: Callable[[], None]) -> tuple[str, str]:
    """("pass" | "refused" | "fail", why): refused means answered 403 where a write had to succeed."""
    try:
        run()
    except WriteRefused as exc:
        return "refused", str(exc).splitlines()[0][:160]
    except (AssertionError, pytest.fail.Exception) as exc:
        return "fail", str(exc).splitlines()[0][:160]
    return "pass", ""


if W3C is not None:

    @pytest.mark.parametrize("config", ["rw", "ro"])
    def test_protocol_verdicts_agree(
        config: str,
        live_rw: Any,
        live_ro: Any,
        write_token: str,
        fixture_graphs: dict[str, str],
        w3c_protocol: Path,
    ) -> None:
        """For each of the 34 Protocol IRIs, the `ht:` test and our encoding give the same verdict
        (pass / refused as a write / fail) on the same deployment."""
        server, token = (live_rw, write_token) if config == "rw" else (live_ro, None)
        ht_cases = {c.iri: c for c in CASES if c.kind == "protocol"}
        iris = [iri for iri, _ in manifest_tests(_names_manifest())]
        assert set(iris) == set(ht_cases), "the registry's and the ht: manifest list different tests"
        verdicts = {
            iri: (
                _verdict(lambda: run_case(server, ht_cases[iri], token=token)),  # noqa: B023
                _verdict(lambda: run_encoding(server, _encoding(iri), token=token, fixture=fixture_graphs)),  # noqa: B023
            )
            for iri in iris
        }
        assert len(verdicts) == 34
        differ = {
            iri.removeprefix(PROTOCOL): f"ht: {ht[0]} {ht[1]!r} / ours: {mine[0]} {mine[1]!r}"
            for iri, (ht, mine) in verdicts.items()
            if ht[0] != mine[0]
        }
        assert not differ, f"the ht: test and our encoding disagree ({config}): {differ}"
