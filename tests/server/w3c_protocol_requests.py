"""Our own encoding, as HTTP requests, of the 34 W3C SPARQL 1.1 Protocol tests.

rdflib's sdist (PyPI) ships `sparql11/protocol/manifest.ttl` with the 34 test IRIs and names but no
requests (scripts/w3c_suites.sh copies it into .cache/w3c/). Each `Encoding` below is written from that
name and the SPARQL 1.1 Protocol Recommendation (https://www.w3.org/TR/sparql11-protocol/, 21 March
2013; `rule` gives the section): which request the test describes, and which answer the Recommendation
requires for it. It is keyed by the test's local name; tests/server/test_w3c_protocol.py fails when an
IRI of the manifest has no encoding here, or an encoding here has no IRI there.

Data: the graphs of the server test fixtures (tests/server/conftest.py `fill_store`): `ONE` holds
`<plan> <title> "鎌倉市総合計画"@ja`, `<plan> <hasPart> <policy/1>`, `<policy/1> <label> "防災"@ja`; `TWO`
holds `<policy/2> <label> "子育て"@ja`. Both servers have them from the start; on the writable one the
runner puts them back (and drops the `SCRATCH` graphs the update tests write) before every test.
Every dataset test asks one question whose answer is true with the protocol's dataset and false
without it, or pairs a true and a false question, so a server that ignored the dataset parameters
fails it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

EX = "http://example.org/keikaku-test/"  # as in tests/server/conftest.py
ONE = EX + "graph/one"  # conftest EX_GRAPH
TWO = EX + "graph/two"  # conftest EX_GRAPH2
PLAN, TITLE, LABEL, POLICY2 = EX + "plan", EX + "title", EX + "label", EX + "policy/2"

W = EX + "w3c-protocol/"  # the update tests' own graphs and terms
A, B, OUT, BASE_G = W + "a", W + "b", W + "out", W + "base"
SCRATCH = (A, B, OUT, BASE_G)

#: the ASK questions the dataset tests put: which fixture graph a triple is in
IN_ONE = f"ASK {{ <{PLAN}> <{TITLE}> ?t }}"
IN_TWO = f"ASK {{ <{POLICY2}> <{LABEL}> ?l }}"
IN_BOTH = f"ASK {{ <{PLAN}> <{TITLE}> ?t . <{POLICY2}> <{LABEL}> ?l }}"

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
RESULTS = (
    "application/sparql-results+xml",
    "application/sparql-results+json",
    "text/csv",
    "text/tab-separated-values",
)
BOOLEAN_RESULTS = RESULTS[:2]
RDF = ("application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml")


@dataclass(frozen=True)
class Step:
    """One HTTP request to /sparql and what its response must be.

    `form` is sent as an application/x-www-form-urlencoded body (unless `content_type` says
    otherwise, for the tests that mislabel it); `body` is sent as is.
    """

    method: str
    params: tuple[tuple[str, str], ...] = ()  # the URL's query string
    form: tuple[tuple[str, str], ...] | None = None
    body: bytes | None = None
    content_type: str | None = None  # None with a form: FORM; None with a body: no header at all
    accept: str | None = None
    status: str = "2xx"  # "2xx" | "4xx"
    media: tuple[str, ...] = ()  # the response's media type is one of these
    boolean: bool | None = None  # an ASK answer
    rows: int | None = None  # a SELECT answer's number of solutions
    triples: int | None = None  # a CONSTRUCT/DESCRIBE answer's number of triples, at least

    @property
    def form_content_type(self) -> str | None:
        return self.content_type if self.content_type is not None or self.form is None else FORM


@dataclass(frozen=True)
class Encoding:
    name: str  # the test's local name in the manifest
    rule: str  # the Recommendation's section(s) the expectation comes from
    steps: tuple[Step, ...]
    data: bool = True  # needs the fixture graphs (and a clean SCRATCH) on the writable server
    notes: str = field(default="")

    @property
    def writes(self) -> bool:
        """Whether a step is an update that must succeed (refused 403 on the read-only default)."""
        return any(_is_update(s) and s.status == "2xx" for s in self.steps)


def _is_update(step: Step) -> bool:
    return (step.content_type or "").startswith(UPDATE) or any(k == "update" for k, _ in step.form or ())


def ask(query: str, expected: bool, **dataset: tuple[str, ...]) -> Step:
    """A GET of an ASK query with a protocol dataset, answered `expected`."""
    return Step("GET", (("query", query), *_dataset(dataset)), media=BOOLEAN_RESULTS, boolean=expected)


def _dataset(dataset: dict[str, tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
    return tuple((key.replace("_", "-"), iri) for key, iris in dataset.items() for iri in iris)


def update(text: str, *params: tuple[str, str], status: str = "2xx") -> Step:
    """A URL-encoded POST of an update (§2.2.1)."""
    return Step("POST", form=(("update", text), *params), status=status)


def seed() -> Step:
    """The update tests' own data: `<x> <p> "1"` in A, `<x> <q> "2"` and `<y> <p> "3"` in B."""
    return update(
        f'INSERT DATA {{ GRAPH <{A}> {{ <{W}x> <{W}p> "1" }} '
        f'GRAPH <{B}> {{ <{W}x> <{W}q> "2" . <{W}y> <{W}p> "3" }} }}'
    )


def in_out(pattern: str, expected: bool) -> Step:
    return ask(f"ASK {{ GRAPH <{OUT}> {{ {pattern} }} }}", expected)


NOTHING_WRITTEN = in_out("?s ?p ?o", False)

ENCODINGS: tuple[Encoding, ...] = (
    # ---- the query operation (§2.1) ---------------------------------------------------------------
    Encoding(
        "query_post_form",
        "§2.1.2 query via URL-encoded POST; §2.1.6 success: 2xx with the results",
        (Step("POST", form=(("query", IN_ONE),), media=BOOLEAN_RESULTS, boolean=True),),
    ),
    Encoding(
        "query_dataset_default_graphs_get",
        "§2.1.1 GET; §2.1.4 default-graph-uri gives the default graph",
        (ask(IN_ONE, True, default_graph_uri=(ONE,)), ask(IN_ONE, False, default_graph_uri=(TWO,))),
    ),
    Encoding(
        "query_dataset_default_graphs_post",
        "§2.1.2 URL-encoded POST; §2.1.4 several default-graph-uri: their RDF merge is the default graph",
        (
            Step(
                "POST",
                form=(("query", IN_BOTH), ("default-graph-uri", ONE), ("default-graph-uri", TWO)),
                media=BOOLEAN_RESULTS,
                boolean=True,
            ),
            Step(
                "POST",
                form=(("query", IN_BOTH), ("default-graph-uri", ONE)),
                media=BOOLEAN_RESULTS,
                boolean=False,
            ),
        ),
    ),
    Encoding(
        "query_dataset_named_graphs_post",
        "§2.1.2 URL-encoded POST; §2.1.4 named-graph-uri gives the named graphs (and only those)",
        (
            Step(
                "POST",
                form=(("query", f"ASK {{ GRAPH <{TWO}> {{ {IN_TWO[5:-2]} }} }}"), ("named-graph-uri", TWO)),
                media=BOOLEAN_RESULTS,
                boolean=True,
            ),
            Step(
                "POST",
                form=(("query", f"ASK {{ GRAPH <{ONE}> {{ ?s ?p ?o }} }}"), ("named-graph-uri", TWO)),
                media=BOOLEAN_RESULTS,
                boolean=False,
            ),
        ),
    ),
    Encoding(
        "query_dataset_named_graphs_get",
        "§2.1.1 GET; §2.1.4 named-graph-uri gives the named graphs (and only those)",
        (
            ask(f"ASK {{ GRAPH <{ONE}> {{ <{PLAN}> ?p ?o }} }}", True, named_graph_uri=(ONE, TWO)),
            ask(f"ASK {{ GRAPH ?g {{ <{POLICY2}> ?p ?o }} }}", False, named_graph_uri=(ONE,)),
        ),
    ),
    Encoding(
        "query_dataset_full",
        "§2.1.3 POST directly, the dataset in the URL; §2.1.4 default-graph-uri and named-graph-uri together",
        tuple(
            Step(
                "POST",
                (("default-graph-uri", ONE), ("named-graph-uri", TWO)),
                body=q.encode(),
                content_type=QUERY,
                media=BOOLEAN_RESULTS,
                boolean=expected,
            )
            for q, expected in (
                (f"ASK {{ <{PLAN}> <{TITLE}> ?t GRAPH <{TWO}> {{ <{POLICY2}> ?p ?o }} }}", True),
                (IN_TWO, False),  # TWO is a named graph only, not part of the default graph
                (f"ASK {{ GRAPH <{ONE}> {{ ?s ?p ?o }} }}", False),  # ONE is the default graph only
            )
        ),
    ),
    Encoding(
        "query_multiple_dataset",
        "§2.1.4: a dataset in both the query (FROM) and the protocol: the protocol's is used",
        (
            ask(f"ASK FROM <{TWO}> {{ <{PLAN}> <{TITLE}> ?t }}", True, default_graph_uri=(ONE,)),
            ask(f"ASK FROM <{ONE}> {{ <{PLAN}> <{TITLE}> ?t }}", False, default_graph_uri=(TWO,)),
        ),
    ),
    Encoding(
        "query_get",
        "§2.1.1 query via GET; §2.1.6 success: 2xx with the results",
        (Step("GET", (("query", f"SELECT ?t WHERE {{ <{PLAN}> <{TITLE}> ?t }}"),), media=RESULTS, rows=1),),
    ),
    Encoding(
        "query_content_type_select",
        "§2.1.5/§2.1.6: a SELECT answer in a SPARQL results format (XML, JSON, CSV, TSV), by default "
        "and when one is asked for",
        (
            Step(
                "GET",
                (("query", f"SELECT * WHERE {{ GRAPH <{ONE}> {{ ?s ?p ?o }} }}"),),
                media=RESULTS,
                rows=3,
            ),
            *(
                Step(
                    "GET",
                    (("query", f"SELECT * WHERE {{ GRAPH <{ONE}> {{ ?s ?p ?o }} }}"),),
                    accept=media,
                    media=(media,),
                    rows=3,
                )
                for media in RESULTS
            ),
        ),
    ),
    Encoding(
        "query_content_type_ask",
        "§2.1.5/§2.1.6: an ASK answer in the XML or JSON results format",
        (
            Step("GET", (("query", IN_ONE),), media=BOOLEAN_RESULTS, boolean=True),
            *(
                Step("GET", (("query", IN_ONE),), accept=media, media=(media,), boolean=True)
                for media in BOOLEAN_RESULTS
            ),
        ),
    ),
    Encoding(
        "query_content_type_describe",
        "§2.1.5/§2.1.6: a DESCRIBE answer in an RDF syntax (RDF/XML, Turtle, N-Triples, RDFa)",
        (
            Step("GET", (("query", f"DESCRIBE <{PLAN}>"),), media=RDF, triples=2),
            Step(
                "POST",
                body=f"DESCRIBE <{PLAN}>".encode(),
                content_type=QUERY,
                accept="application/rdf+xml",
                media=("application/rdf+xml",),
                triples=2,
            ),
        ),
    ),
    Encoding(
        "query_content_type_construct",
        "§2.1.5/§2.1.6: a CONSTRUCT answer in an RDF syntax (RDF/XML, Turtle, N-Triples, RDFa)",
        (
            Step(
                "GET",
                (("query", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONE}> {{ ?s ?p ?o }} }}"),),
                media=RDF,
                triples=3,
            ),
            Step(
                "GET",
                (("query", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONE}> {{ ?s ?p ?o }} }}"),),
                accept="application/n-triples",
                media=("application/n-triples",),
                triples=3,
            ),
        ),
    ),
    # ---- the update operation (§2.2) --------------------------------------------------------------
    Encoding(
        "update_dataset_default_graph",
        "§2.2.3 using-graph-uri: the graph the WHERE clause matches as its default graph",
        (
            seed(),
            update(
                f"INSERT {{ GRAPH <{OUT}> {{ ?s <{W}seen> ?o }} }} WHERE {{ ?s <{W}p> ?o }}",
                ("using-graph-uri", A),
            ),
            in_out(f'<{W}x> <{W}seen> "1"', True),
            in_out(f'<{W}y> <{W}seen> "3"', False),  # in B, which is not in the default graph
        ),
    ),
    Encoding(
        "update_dataset_default_graphs",
        "§2.2.3 several using-graph-uri: their RDF merge is the WHERE clause's default graph",
        (
            seed(),
            update(
                f"INSERT {{ GRAPH <{OUT}> {{ ?s <{W}both> ?o }} }} WHERE {{ ?s <{W}p> ?o . ?s <{W}q> ?o2 }}",
                ("using-graph-uri", A),
                ("using-graph-uri", B),
            ),
            in_out(f'<{W}x> <{W}both> "1"', True),  # <x> p in A, <x> q in B: only in their merge
        ),
    ),
    Encoding(
        "update_dataset_named_graphs",
        "§2.2.3 using-named-graph-uri: the named graphs the WHERE clause sees (and only those)",
        (
            seed(),
            update(
                f"INSERT {{ GRAPH <{OUT}> {{ ?s <{W}in> ?g }} }} WHERE {{ GRAPH ?g {{ ?s <{W}p> ?o }} }}",
                ("using-named-graph-uri", B),
            ),
            in_out(f"<{W}y> <{W}in> <{B}>", True),
            in_out(f"<{W}x> <{W}in> <{A}>", False),  # A is not a named graph of the request
        ),
    ),
    Encoding(
        "update_dataset_full",
        "§2.2.3 using-graph-uri and using-named-graph-uri together",
        (
            seed(),
            update(
                f"INSERT {{ GRAPH <{OUT}> {{ ?s <{W}full> ?o2 }} }} "
                f"WHERE {{ ?s <{W}p> ?o GRAPH <{B}> {{ ?s <{W}q> ?o2 }} }}",
                ("using-graph-uri", A),
                ("using-named-graph-uri", B),
            ),
            in_out(f'<{W}x> <{W}full> "2"', True),
        ),
    ),
    Encoding(
        "update_post_form",
        "§2.2.1 update via URL-encoded POST; §2.2.4 success: 2xx, and the update is applied",
        (
            update(f'INSERT DATA {{ GRAPH <{OUT}> {{ <{W}x> <{W}form> "ok" }} }}'),
            in_out(f'<{W}x> <{W}form> "ok"', True),
        ),
    ),
    Encoding(
        "update_post_direct",
        "§2.2.2 update via POST directly; §2.2.4 success: 2xx, and the update is applied",
        (
            Step(
                "POST",
                body=f'INSERT DATA {{ GRAPH <{OUT}> {{ <{W}x> <{W}direct> "ok" }} }}'.encode(),
                content_type=UPDATE,
            ),
            in_out(f'<{W}x> <{W}direct> "ok"', True),
        ),
    ),
    Encoding(
        "update_base_uri",
        "§2.2 (and SPARQL 1.1 Update §2.3.1): relative IRIs are resolved against the service's base IRI, "
        "which MAY be the endpoint: the stored subject is an absolute IRI ending in the relative one",
        (
            Step(
                "POST",
                body=f'INSERT DATA {{ GRAPH <{BASE_G}> {{ <w3c-base-subject> <{W}p> "b" }} }}'.encode(),
                content_type=UPDATE,
            ),
            ask(
                f'ASK {{ GRAPH <{BASE_G}> {{ ?s <{W}p> "b" FILTER(isIRI(?s) '
                f'&& REGEX(STR(?s), "^[a-z][a-z0-9+.-]*://[^/]+/(.*/)?w3c-base-subject$")) }} }}',
                True,
            ),
        ),
    ),
    Encoding(
        "query_post_direct",
        "§2.1.3 query via POST directly (application/sparql-query); §2.1.6 success",
        (Step("POST", body=IN_ONE.encode(), content_type=QUERY, media=BOOLEAN_RESULTS, boolean=True),),
    ),
    # ---- malformed requests: §2.1.7 / §2.2.5 failure responses ------------------------------------
    Encoding(
        "bad_query_method",
        "§2.1: the query operation is GET or POST; any other method is a client error",
        (Step("PUT", (("query", IN_ONE),), status="4xx"), Step("DELETE", (("query", IN_ONE),), status="4xx")),
        data=False,
    ),
    Encoding(
        "bad_multiple_queries",
        "§2.1.1/§2.1.2: exactly one query string; two are a client error",
        (
            Step("GET", (("query", IN_ONE), ("query", IN_TWO)), status="4xx"),
            Step("POST", form=(("query", IN_ONE), ("query", IN_TWO)), status="4xx"),
        ),
        data=False,
    ),
    Encoding(
        "bad_query_wrong_media_type",
        "§2.1.2/§2.1.3: a POSTed query is URL-encoded or application/sparql-query, nothing else",
        (Step("POST", body=IN_ONE.encode(), content_type="text/plain", status="4xx"),),
        data=False,
    ),
    Encoding(
        "bad_query_missing_form_type",
        "§2.1.2: a URL-encoded query body needs its Content-Type; without it, a client error",
        (Step("POST", body=b"query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D", status="4xx"),),
        data=False,
    ),
    Encoding(
        "bad_query_missing_direct_type",
        "§2.1.3: a direct query body needs Content-Type application/sparql-query; without it, an error",
        (Step("POST", body=b"ASK { ?s ?p ?o }", status="4xx"),),
        data=False,
    ),
    Encoding(
        "bad_query_non_utf8",
        "§2.1.3: the direct body is the query string in UTF-8; a UTF-16 one is a client error",
        (
            Step(
                "POST",
                body="ASK { ?s ?p ?o }".encode("utf-16"),
                content_type=QUERY + "; charset=UTF-16",
                status="4xx",
            ),
        ),
        data=False,
    ),
    Encoding(
        "bad_query_syntax",
        "§2.1.7: a query that is not SPARQL 1.1 Query syntax: 400 (a 4xx)",
        (
            Step("GET", (("query", "ASK { ?s ?p ?o "),), status="4xx"),
            Step("GET", (("query", "SELECT * WHERE { ?s ?p ?o } GROUP"),), status="4xx"),
        ),
        data=False,
    ),
    Encoding(
        "bad_update_get",
        "§2.2: the update operation is POST only; a GET with update= is a client error, and applies nothing",
        (
            Step(
                "GET",
                (("update", f'INSERT DATA {{ GRAPH <{OUT}> {{ <{W}x> <{W}p> "get" }} }}'),),
                status="4xx",
            ),
            NOTHING_WRITTEN,
        ),
    ),
    Encoding(
        "bad_multiple_updates",
        "§2.2.1: exactly one update string; two are a client error, and neither is applied",
        (
            update(
                f'INSERT DATA {{ GRAPH <{OUT}> {{ <{W}x> <{W}p> "1" }} }}',
                ("update", f'INSERT DATA {{ GRAPH <{OUT}> {{ <{W}x> <{W}p> "2" }} }}'),
                status="4xx",
            ),
            NOTHING_WRITTEN,
        ),
    ),
    Encoding(
        "bad_update_wrong_media_type",
        "§2.2.1/§2.2.2: a POSTed update is URL-encoded or application/sparql-update, nothing else",
        (
            Step(
                "POST",
                body=f'INSERT DATA {{ GRAPH <{OUT}> {{ <{W}x> <{W}p> "t" }} }}'.encode(),
                content_type="text/plain",
                status="4xx",
            ),
            NOTHING_WRITTEN,
        ),
    ),
    Encoding(
        "bad_update_missing_form_type",
        "§2.2.1: a URL-encoded update body needs its Content-Type; without it, a client error",
        (
            Step(
                "POST",
                body=("update=" + quote(f'INSERT DATA {{ GRAPH <{OUT}> {{ <{W}x> <{W}p> "f" }} }}')).encode(),
                status="4xx",
            ),
            NOTHING_WRITTEN,
        ),
    ),
    Encoding(
        "bad_update_non_utf8",
        "§2.2.2: the direct body is the update string in UTF-8; a UTF-16 one is a client error",
        (
            Step(
                "POST",
                body=f'INSERT DATA {{ GRAPH <{OUT}> {{ <{W}x> <{W}p> "u" }} }}'.encode("utf-16"),
                content_type=UPDATE + "; charset=UTF-16",
                status="4xx",
            ),
            NOTHING_WRITTEN,
        ),
    ),
    Encoding(
        "bad_update_syntax",
        "§2.2.5: an update that is not SPARQL 1.1 Update syntax: a client error, nothing applied",
        (
            Step(
                "POST",
                body=f"INSERT DATA {{ GRAPH <{OUT}> {{ <{W}x> <{W}p> }} }}".encode(),
                content_type=UPDATE,
                status="4xx",
            ),
            NOTHING_WRITTEN,
        ),
    ),
    Encoding(
        "bad_update_dataset_conflict",
        "§2.2.3: using-graph-uri / using-named-graph-uri together with USING or WITH in the update: "
        "rejected (400), nothing applied",
        (
            update(
                f"INSERT {{ GRAPH <{OUT}> {{ ?s <{W}seen> ?o }} }} USING <{A}> WHERE {{ ?s <{W}p> ?o }}",
                ("using-graph-uri", B),
                status="4xx",
            ),
            update(
                f"WITH <{OUT}> INSERT {{ ?s <{W}seen> ?o }} WHERE {{ ?s ?p ?o }}",
                ("using-named-graph-uri", B),
                status="4xx",
            ),
            NOTHING_WRITTEN,
        ),
    ),
)

BY_NAME = {e.name: e for e in ENCODINGS}
