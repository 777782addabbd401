"""The named-query API: one OpenAPI 3.1 operation per `queries/*.rq`, generated from the registry.

- `GET /api/queries` — the catalogue (JSON): every query with its typed parameters.
- `GET /api/queries/{name}` — one operation per query, added when the app is created (`install`), never
  written by hand. Parameters are documented from the front matter (description, example, enum,
  required; list parameters as exploded arrays: `?sdg=13&sdg=7`) and checked by `NamedQuery.bind`, so a
  bad value is a 400 with the `QueryParamError` message — the same message the CLI prints.
- Answers: SPARQL 1.1 Query Results JSON (`application/sparql-results+json`, the default: typed terms and
  language tags survive, and every SPARQL client reads it) or CSV (`text/csv`, UTF-8 with a byte-order
  mark so that Excel opens Japanese text correctly), by `Accept` or `?format=json|csv`.
- Paging: `limit` (default 1000, at most `Settings.max_rows`) and `offset`, with RFC 8288 `Link` headers
  (`rel="first"`, `"prev"`, `"next"`). One row more than asked is fetched to know whether a next page
  exists, so `next` is never a dead link.
- `GET /.well-known/sparql-examples` — the catalogue as RDF in the style of the SIB sparql-examples:
  each query a `sh:SPARQLExecutable, sh:SPARQLSelectExecutable` with `sh:select`, `rdfs:comment` in ja and
  en, `schema:keywords` and `schema:target` (the endpoint).

Every query runs through `server.execution` (a timeout that really stops it, the row cap). The registry
is read once, by `install` when the app is created (the only place it is read; `server.deps.get_registry`
hands it to the routes): a changed `.rq` takes effect at the next start, like the OpenAPI operations
made from it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from kg.errors import QueryNotFound, QueryParamError, QueryRefused, QuerySyntaxError, SourceError
from kg.formats import Format, by_key
from kg.namespaces import PREFIXES, SCHEMA, SH
from kg.queries import NamedQuery, load_registry
from kg.queries.binding import bind_with_values
from kg.queries.types import types_for
from kg.sparql_text import has_solution_modifier
from server import conneg
from server.deps import get_executor, get_registry, get_settings
from server.errors import NotAcceptable
from server.execution import Executor, run_query
from server.settings import Settings
from server.views import search as search_view

DEFAULT_LIMIT = 1000
RESERVED = ("limit", "offset", "format")
TAG = "named queries"
JSON, CSV = by_key("json"), by_key("csv")
#: What a named query answers in: SPARQL JSON (first: typed terms survive) or CSV.
API_FORMATS: tuple[Format, ...] = (JSON, CSV)
BOM = "\ufeff"

#: Prefixes declared for the examples (SIB style: `sh:declare` on one prefix node).
EXAMPLE_PREFIXES = {p: PREFIXES[p] for p in ("kk", "sdg", "sdgo", "skos", "rdfs", "dct", "prov")}
#: The examples graph is served in these syntaxes (Turtle for browsers too).
EXAMPLE_FORMATS: tuple[Format, ...] = tuple(by_key(k) for k in ("turtle", "jsonld", "ntriples"))


router = APIRouter(tags=[TAG])


# --------------------------------------------------------------------------------------------------
# Front matter → OpenAPI
# --------------------------------------------------------------------------------------------------


def split_summary(summary: str) -> tuple[str, str]:
    """'SDG に貢献する施策 / Measures serving an SDG' → (ja, en); a summary without ' / ' is both."""
    if " / " in summary:
        ja, en = summary.split(" / ", 1)
        return ja.strip(), en.strip()
    if "/ " in summary:
        ja, en = summary.split("/ ", 1)
        return ja.strip(), en.strip()
    return summary.strip(), summary.strip()


def parameter_spec(query: NamedQuery, max_rows: int) -> list[dict[str, Any]]:
    """OpenAPI parameter objects for one query (its own, then limit/offset/format)."""
    params = []
    for p in query.params.values():
        schema = p.param_type.json_schema  # a fresh dict each time
        if p.enum:
            schema["enum"] = list(p.enum)
        if p.default is not None:
            schema["default"] = p.default
        if p.example is not None:
            schema["examples"] = [p.example]
        spec: dict[str, Any] = {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.description or p.name,
            "schema": {"type": "array", "items": schema} if p.list else schema,
        }
        if p.list:
            spec["style"] = "form"
            spec["explode"] = True
        if p.example is not None:
            spec["example"] = [p.example] if p.list else p.example
        params.append(spec)
    params += [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"rows per page (1–{max_rows}) / 1ページの行数",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": max_rows,
                "default": min(DEFAULT_LIMIT, max_rows),
            },
        },
        {
            "name": "offset",
            "in": "query",
            "required": False,
            "description": "rows to skip / 読み飛ばす行数",
            "schema": {"type": "integer", "minimum": 0, "default": 0},
        },
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "json (SPARQL 1.1 Query Results JSON) or csv (UTF-8 with BOM); overrides Accept",
            "schema": {"type": "string", "enum": [f.format_names[0] for f in API_FORMATS]},
        },
    ]
    return params


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The result rows (SPARQL 1.1 Query Results JSON, or CSV with a header line). "
        "`Link` gives the first/prev/next pages.",
        "content": {
            JSON.media_type: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "head": {
                            "type": "object",
                            "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
                        },
                        "results": {
                            "type": "object",
                            "properties": {"bindings": {"type": "array", "items": {"type": "object"}}},
                        },
                    },
                }
            },
            CSV.media_type: {"schema": {"type": "string"}},
        },
        "headers": {"Link": {"description": "RFC 8288 paging links", "schema": {"type": "string"}}},
    },
    400: {"description": "A parameter is missing, unknown or of the wrong type (the message says which)"},
    406: {"description": "Neither JSON nor CSV is acceptable"},
    503: {"description": "The query took too long and was stopped"},
}


def install(app: FastAPI) -> None:
    """Add one operation per named query to `app` (idempotent). Call it from `create_app`."""
    if getattr(app.state, "named_query_operations", False):
        return
    app.state.named_query_operations = True
    settings: Settings = app.state.settings
    # read once: every request answers from this registry (server.deps.get_registry), so the operations
    # documented here and the queries that run can never disagree
    catalogue = settings.dist / "queries"
    if not catalogue.is_dir():  # an empty API would look like a working one: say what is missing
        raise SourceError(f"{settings.dist} has no queries/ (the named-query catalogue): run `keikaku build`")
    registry = app.state.registry = load_registry(catalogue, types_for(settings.dist / "municipalities.yaml"))
    for name, query in registry.items():
        clash = sorted(set(query.params) & set(RESERVED))
        if clash:
            raise SourceError(f"parameter name(s) {', '.join(clash)} are reserved by the API", query.path)
        ja, en = split_summary(query.summary)
        description = (query.description or "").strip()
        description += (
            f"\n\nSPARQL: [`queries/{name}.rq`]"
            " — parameters are bound as RDF terms after type checks, never pasted into the text."
        )
        app.add_api_route(
            f"/api/queries/{name}",
            _operation(name),
            methods=["GET"],
            name=f"query:{name}",
            operation_id=f"query_{name.replace('-', '_')}",
            summary=f"{ja} / {en}" if ja != en else ja,
            description=description,
            tags=[TAG, *query.tags],
            response_class=Response,
            responses=RESPONSES,
            openapi_extra={"parameters": parameter_spec(query, settings.max_rows)},
        )
    app.openapi_schema = None  # regenerate with the new operations


def _operation(name: str) -> Callable[..., Response]:
    def operation(
        request: Request,
        executor: Executor = Depends(get_executor),  # noqa: B008
        settings: Settings = Depends(get_settings),  # noqa: B008
        registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
    ) -> Response:
        return run_named(name, request, executor, settings, registry)

    operation.__name__ = f"query_{name.replace('-', '_')}"
    operation.__doc__ = f"Run the named query `{name}`."
    return operation


# --------------------------------------------------------------------------------------------------
# Running a named query
# --------------------------------------------------------------------------------------------------


def run_named(
    name: str,
    request: Request,
    executor: Executor,
    settings: Settings,
    registry: dict[str, NamedQuery],
) -> Response:
    """Bind, page, run and serialise one named query (plain `def` caller: this blocks). `registry` is
    the app's (read once by `install`, handed over by `server.deps.get_registry`)."""
    query, raw = requested(registry, name, request)
    limit = _int_param(
        raw.pop("limit", None), "limit", min(DEFAULT_LIMIT, settings.max_rows), 1, settings.max_rows
    )
    offset = _int_param(raw.pop("offset", None), "offset", 0, 0, 10**9)
    fmt, media = _choose_media(request, raw.pop("format", None))
    text, bindings = query.bind({k: v[0] if len(v) == 1 else v for k, v in raw.items()})
    if name == "search" and (index := search_view.open_search(settings.dist)) is not None:
        # the Japanese index ranks (docs/search.md); the store supplies labels and texts
        municipality = bindings.get("municipality")
        filters = {"municipality": str(municipality)} if isinstance(municipality, URIRef) else {}
        q = raw["q"][0]
        select = search_view.selector(executor, settings)
        result, found = search_view.run(index, select, q, filters, limit, offset)
        rows = search_view.sparql_json_rows(q, found)
        has_next = result.total > offset + limit
        headers = {"Vary": "Accept", "Link": page_links(request, limit, offset, has_next)}
        variables = search_view.COLUMNS
        if fmt is CSV:
            headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            body = to_csv(variables, rows).encode("utf-8")
            return Response(body, media_type="text/csv; charset=utf-8; header=present", headers=headers)
        body = json.dumps({"head": {"vars": variables}, "results": {"bindings": rows}}, ensure_ascii=False)
        return Response(body.encode("utf-8"), media_type=media, headers=headers)
    paged, sliced = paginate(text, limit + 1, offset)
    cap = settings.max_rows if sliced else None
    outcome = run_query(executor, settings, paged, bindings, "json", max_rows=cap if sliced else limit + 1)
    headers = {"Vary": "Accept"}
    if fmt is JSON and not sliced and outcome.body.count(b"},{") + 1 <= limit:
        # fewer solutions than a page (the separator count bounds them): no next page, and the engine's
        # SPARQL JSON goes out as it is, without being parsed and written again
        headers["Link"] = page_links(request, limit, offset, False)
        return Response(outcome.body, media_type=media, headers=headers)
    data = json.loads(outcome.body)
    variables: list[str] = data.get("head", {}).get("vars", [])
    rows: list[dict[str, Any]] = data.get("results", {}).get("bindings", [])
    if sliced:
        rows = rows[offset : offset + limit + 1]
    has_next = len(rows) > limit
    rows = rows[:limit]
    headers["Link"] = page_links(request, limit, offset, has_next)
    if fmt is CSV:
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(
            to_csv(variables, rows).encode("utf-8"),
            media_type="text/csv; charset=utf-8; header=present",
            headers=headers,
        )
    body = json.dumps({"head": {"vars": variables}, "results": {"bindings": rows}}, ensure_ascii=False)
    return Response(body.encode("utf-8"), media_type=media, headers=headers)


def requested(
    registry: dict[str, NamedQuery], name: str, request: Request
) -> tuple[NamedQuery, dict[str, list[str]]]:
    """The named query `name` (QueryNotFound when the catalogue has none) and the request's parameters,
    each name with all its values: the API and the exports read a request the same way."""
    query = registry.get(name)
    if query is None:
        raise QueryNotFound(f"no named query {name!r}")
    raw: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        raw.setdefault(key, []).append(value)
    return query, raw


def _int_param(values: list[str] | None, name: str, default: int, low: int, high: int) -> int:
    if not values:
        return default
    if len(values) > 1 or not re.fullmatch(r"\d{1,10}", values[0].strip()):
        raise QueryParamError(f"parameter {name!r} takes one integer between {low} and {high}")
    value = int(values[0])
    if not low <= value <= high:
        raise QueryParamError(f"parameter {name!r} must be between {low} and {high}, not {value}")
    return value


def _choose_media(request: Request, fmt: list[str] | None) -> tuple[Format, str]:
    """JSON or CSV (`?format=` or `Accept`), and the media type to answer with (the JSON alias the client
    named, e.g. `application/json`). A browser gets the JSON rather than a 406."""
    if fmt and len(fmt) > 1:
        raise QueryParamError(
            f"parameter 'format' is one of {', '.join(f.format_names[0] for f in API_FORMATS)}"
        )
    try:
        return conneg.choose_media(request, API_FORMATS)
    except NotAcceptable:
        if "text/html" in (request.headers.get("accept") or ""):
            return JSON, "application/json"
        raise


def paginate(sparql: str, limit: int, offset: int) -> tuple[str, bool]:
    """Append `LIMIT/OFFSET` to a query that has no top-level LIMIT, OFFSET or trailing VALUES; otherwise
    return it unchanged and say that the rows must be sliced after evaluation (second item True)."""
    if has_solution_modifier(sparql):
        return sparql, True
    return f"{sparql.rstrip()}\nLIMIT {int(limit)} OFFSET {int(offset)}\n", False


def page_links(request: Request, limit: int, offset: int, has_next: bool) -> str:
    """RFC 8288 `Link` value: first, prev (when not on the first page), next (when there is more)."""

    def at(start: int) -> str:
        return str(request.url.include_query_params(limit=limit, offset=start))

    links = [f'<{at(0)}>; rel="first"']
    if offset > 0:
        links.append(f'<{at(max(offset - limit, 0))}>; rel="prev"')
    if has_next:
        links.append(f'<{at(offset + limit)}>; rel="next"')
    return ", ".join(links)


def to_csv(variables: list[str], rows: list[dict[str, Any]]) -> str:
    """SPARQL 1.1 CSV (IRIs and literals as plain values, CRLF lines), with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        cells = []
        for var in variables:
            value = row.get(var)
            if value is None:
                cells.append("")
            elif value.get("type") == "bnode":
                cells.append("_:" + value["value"])
            else:
                cells.append(value["value"])
        writer.writerow(cells)
    return BOM + out.getvalue()


# --------------------------------------------------------------------------------------------------
# Catalogue (JSON) and examples (RDF)
# --------------------------------------------------------------------------------------------------


def strip_front_matter(sparql: str) -> str:
    return "\n".join(line for line in sparql.splitlines() if not line.startswith("#+")).strip() + "\n"


def example_text(query: NamedQuery) -> str:
    """The query text with the example values of its required parameters written in as VALUES blocks,
    so that the example runs as it stands (in the editor, or wherever sparql-examples are read).

    The values are bound exactly as the stores bind them (`kg.queries.binding.bind_with_values`: a
    VALUES block in every group that uses the parameter), not as one block after `WHERE {`: a parameter
    is a constant of the whole query text, and a FILTER in a nested group — where several named queries
    match their parameter, so that it runs before the joins — does not see a VALUES block of an outer
    group."""
    text = strip_front_matter(query.sparql)
    examples = {n: p.example for n, p in query.params.items() if p.required and p.example is not None}
    if not examples or any(p.required and p.example is None for p in query.params.values()):
        return text
    try:
        bound, bindings = query.bind(examples)  # type: ignore[arg-type]
        return bind_with_values(strip_front_matter(bound), bindings)
    except (QueryParamError, QueryRefused, QuerySyntaxError):
        return text


def catalogue_entry(query: NamedQuery, request: Request) -> dict[str, Any]:
    ja, en = split_summary(query.summary)
    root = request.scope.get("root_path", "") or ""
    return {
        "name": query.name,
        "summary": query.summary,
        "summary_ja": ja,
        "summary_en": en,
        "description": query.description.strip(),
        "tags": list(query.tags),
        "url": f"{root}/api/queries/{query.name}",
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "list": p.list,
                "description": p.description,
                "example": p.example,
                "enum": list(p.enum) or None,
                "default": p.default,
            }
            for p in query.params.values()
        ],
        "formats": [f.media_type for f in API_FORMATS],
        "sparql": example_text(query),
    }


@router.get(
    "/api/queries",
    summary="名前付きクエリの一覧 / Catalogue of named queries",
    response_class=JSONResponse,
)
def catalogue(
    request: Request,
    registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
) -> JSONResponse:
    """Every named query with its parameters; each is also an operation of the OpenAPI document."""
    root = request.scope.get("root_path", "") or ""
    entries = [catalogue_entry(q, request) for q in registry.values()]
    return JSONResponse(
        {
            "queries": entries,
            "openapi": f"{root}/openapi.json",
            "sparql_examples": f"{root}/.well-known/sparql-examples",
            "endpoint": f"{root}/sparql",
        },
        headers={
            "Link": f'<{root}/openapi.json>; rel="service-desc"; type="application/vnd.oai.openapi+json"'
        },
    )


def examples_graph(base_iri: str, endpoint: str, registry: dict[str, NamedQuery]) -> Graph:
    """The catalogue in the SIB sparql-examples shape."""
    g = Graph()
    for prefix, ns in (("sh", SH), ("schema", SCHEMA), ("rdfs", RDFS), ("dct", DCTERMS), ("owl", OWL)):
        g.bind(prefix, ns)
    ex = Namespace(base_iri + ".well-known/sparql-examples/")
    g.bind("ex", ex)
    prefixes = ex["prefixes"]
    g.add((prefixes, RDF.type, OWL.Ontology))
    for prefix, ns in EXAMPLE_PREFIXES.items():
        decl = BNode()
        g.add((prefixes, SH.declare, decl))
        g.add((decl, SH.prefix, Literal(prefix)))
        g.add((decl, SH.namespace, Literal(ns, datatype=XSD.anyURI)))
    for name, query in registry.items():
        node = ex[name]
        ja, en = split_summary(query.summary)
        g.add((node, RDF.type, SH.SPARQLExecutable))
        g.add((node, RDF.type, SH.SPARQLSelectExecutable))
        g.add((node, RDFS.label, Literal(name)))
        g.add((node, RDFS.comment, Literal(ja, lang="ja")))
        g.add((node, RDFS.comment, Literal(en, lang="en")))
        if query.description.strip():
            g.add((node, DCTERMS.description, Literal(query.description.strip(), lang="en")))
        g.add((node, SH.select, Literal(example_text(query))))
        g.add((node, SH.prefixes, prefixes))
        g.add((node, SCHEMA.target, URIRef(endpoint)))
        for tag in query.tags:
            g.add((node, SCHEMA.keywords, Literal(tag)))
    return g


@router.get(
    "/.well-known/sparql-examples",
    summary="クエリ例（SHACL SPARQLExecutable）/ SPARQL examples (SIB style)",
    response_class=Response,
    responses={200: {"content": conneg.openapi_content(EXAMPLE_FORMATS)}},
)
def sparql_examples(
    request: Request,
    settings: Settings = Depends(get_settings),  # noqa: B008
    registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
) -> Response:
    """The named queries as `sh:SPARQLSelectExecutable` resources (Turtle, JSON-LD or N-Triples)."""
    try:
        fmt = conneg.choose(request, EXAMPLE_FORMATS)
    except NotAcceptable:
        if "text/html" not in (request.headers.get("accept") or ""):
            raise
        fmt = EXAMPLE_FORMATS[0]  # a browser: show the Turtle rather than refuse
    endpoint = str(request.base_url).rstrip("/") + "/sparql"
    body = examples_graph(settings.base_iri, endpoint, registry).serialize(format=fmt.rdflib)
    return Response(
        body.encode("utf-8"), media_type=conneg.content_type(fmt.media_type), headers={"Vary": "Accept"}
    )
