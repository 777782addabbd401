"""Publishing: the dataset description (VoID + DCAT), the dumps, and the vocabulary documentation.

- `/.well-known/void` — `void:Dataset` + `dcat:Dataset` `<…/.well-known/void#keikaku-graph>`: one
  `void:subset` per named graph with its triple count (counted in the store when asked), the SPARQL
  endpoint, the dumps, `dct:license`, `dct:source` (every source document the store knows); a
  `dcat:Catalog`, a `dcat:DataService` for the endpoint (`dcat:endpointURL`, `dcat:servesDataset`) and
  one `dcat:Distribution` per dump (`dcat:mediaType`, `dcat:downloadURL`, `dcat:byteSize`). Turtle by
  default, JSON-LD / N-Triples by `Accept`, and an HTML summary for browsers.
- `/download/dataset.trig|nq|jsonld` and `/download/graphs/{graph}.ttl` — streamed from `dist/` with
  their media types and `Content-Disposition: attachment`; `/download` lists them.
- `/ontology` (and `/def`, the namespace document of `kk:`) — HTML documentation generated from
  `ontology/keikaku.ttl` and `ontology/schemes.ttl`; Turtle / JSON-LD / N-Triples by `Accept`.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, VOID, XSD

from kg.namespaces import KK
from kg.paths import ONTOLOGY
from server import conneg
from server.errors import problem
from server.ui import Web, best_literal, get_web, literals_in

router = APIRouter(tags=["publishing"])

VANN = Namespace("http://purl.org/vocab/vann/")
IANA = "https://www.iana.org/assignments/media-types/"

DUMPS: dict[str, tuple[str, str]] = {
    "dataset.trig": ("application/trig", "TriG"),
    "dataset.nq": ("application/n-quads", "N-Quads"),
    "dataset.jsonld": ("application/ld+json", "JSON-LD"),
}
GRAPH_DUMP = ("text/turtle", "Turtle")
RDF_OUT = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}
FORMAT_PARAM = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "html": "text/html",
}
_GRAPH_PATH = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*$")

GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
SOURCES = """
PREFIX kk: <https://w3id.org/keikaku/def#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?src ?title WHERE { ?src a kk:SourceDocument . OPTIONAL { ?src dct:title ?title } }
"""
LICENCE = """
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?base ?licence WHERE { ?ontology a <http://www.w3.org/2002/07/owl#Ontology> ; dct:license ?licence .
  FILTER (STRSTARTS(STR(?ontology), STR(?base))) }
"""


def negotiate_rdf(request: Request, html: bool = True) -> str | None:
    fmt = request.query_params.get("format")
    if fmt:
        media = FORMAT_PARAM.get(fmt.lower())
        return media if media and (html or media != "text/html") else "bad"
    offers = (["text/html"] if html else []) + list(RDF_OUT)
    # RDF first for clients that accept anything; HTML only when it is asked for by name
    accept = request.headers.get("accept")
    if html and conneg.prefers(accept, "text/html", list(RDF_OUT)):
        return "text/html"
    return conneg.negotiate(accept, [o for o in offers if o != "text/html"] + (["text/html"] if html else []))


def rdf_body(graph: Graph, media: str) -> Response:
    body = graph.serialize(format=RDF_OUT[media])
    return Response(body.encode("utf-8"), media_type=conneg.content_type(media), headers={"Vary": "Accept"})


# --------------------------------------------------------------------------------------------------
# VoID / DCAT
# --------------------------------------------------------------------------------------------------


def public_url(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def graph_counts(web: Web) -> dict[str, int]:
    return {str(r["g"]): int(r["n"].toPython()) for r in web.select(GRAPH_COUNTS)}  # type: ignore[union-attr]


def void_graph(web: Web) -> tuple[Graph, dict[str, Any]]:
    """The dataset description, and the facts the HTML view shows."""
    request, base, dist = web.request, web.base, web.settings.dist
    doc = base + ".well-known/void"
    ds = URIRef(doc + "#keikaku-graph")
    catalog = URIRef(doc + "#catalog")
    service = URIRef(doc + "#sparql-service")
    endpoint = URIRef(public_url(request, "/sparql"))
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("kk", KK)):
        g.bind(prefix, ns)
    title_ja, title_en = "計画グラフ", "Keikaku Graph"
    description_ja = (
        "日本の自治体計画（基本構想・基本計画・区将来ビジョン・運営方針・評価）の将来像・目標・施策・取組と、"
        "SDGs・共創のパートナー・成果指標・他の計画との関係を記述したリンクトデータ。"
    )
    description_en = (
        "Linked data of Japanese municipal plans: their visions, goals, policies and measures, linked to "
        "the UN SDG goals and targets, co-creation partners, indicators and other plans."
    )
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(title_ja + "のカタログ", lang="ja")))
    g.add((catalog, DCTERMS.title, Literal(title_en + " catalogue", lang="en")))
    g.add((catalog, DCAT.dataset, ds))
    g.add((catalog, DCAT.service, service))
    for t in (VOID.Dataset, DCAT.Dataset):
        g.add((ds, RDF.type, t))
    g.add((ds, DCTERMS.title, Literal(title_ja, lang="ja")))
    g.add((ds, DCTERMS.title, Literal(title_en, lang="en")))
    g.add((ds, DCTERMS.description, Literal(description_ja, lang="ja")))
    g.add((ds, DCTERMS.description, Literal(description_en, lang="en")))
    g.add((ds, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/ja")))
    g.add((ds, VOID.sparqlEndpoint, endpoint))
    g.add((ds, VOID.uriSpace, Literal(base + "id/")))
    g.add((ds, DCAT.landingPage, URIRef(public_url(request, "/"))))
    for vocab in (
        str(KK),
        "http://metadata.un.org/sdg/ontology#",
        str(SKOS),
        "http://www.w3.org/ns/prov#",
        "http://www.w3.org/ns/org#",
    ):
        g.add((ds, VOID.vocabulary, URIRef(vocab)))
    licences = [str(r["licence"]) for r in web.select(LICENCE, {"base": Literal(base)}) if "licence" in r]
    for lic in sorted(set(licences)):
        g.add((ds, DCTERMS.license, URIRef(lic)))
    sources = []
    for row in web.select(SOURCES):
        g.add((ds, DCTERMS.source, row["src"]))
        sources.append(str(row["src"]))
    build = _build_info(dist)
    if build.get("built_at"):
        g.add((ds, DCTERMS.modified, Literal(build["built_at"], datatype=XSD.dateTime)))
    counts = graph_counts(web)
    g.add((ds, VOID.triples, Literal(sum(counts.values()), datatype=XSD.integer)))
    subsets = []
    for graph_iri, n in sorted(counts.items()):
        sub = URIRef(graph_iri)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(n, datatype=XSD.integer)))
        g.add((sub, VOID.sparqlEndpoint, endpoint))
        path = graph_iri[len(base + "graph/") :] if graph_iri.startswith(base + "graph/") else None
        dump = None
        if path and (dist / "graphs" / f"{path}.ttl").is_file():
            dump = public_url(request, f"/download/graphs/{path}.ttl")
            g.add((sub, VOID.dataDump, URIRef(dump)))
        subsets.append({"iri": graph_iri, "triples": n, "dump": dump, "path": path})
    # the service
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("計画グラフ SPARQL エンドポイント", lang="ja")))
    g.add((service, DCTERMS.title, Literal("Keikaku Graph SPARQL endpoint", lang="en")))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.endpointDescription, endpoint))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    # distributions
    dumps = []
    for name, (media, label) in DUMPS.items():
        path = dist / name
        if not path.is_file():
            continue
        url = URIRef(public_url(request, f"/download/{name}"))
        dist_node = URIRef(doc + "#dump-" + name.replace(".", "-"))
        g.add((ds, VOID.dataDump, url))
        g.add((ds, DCAT.distribution, dist_node))
        g.add((dist_node, RDF.type, DCAT.Distribution))
        g.add((dist_node, DCTERMS.title, Literal(f"{title_en} ({label})", lang="en")))
        g.add((dist_node, DCAT.mediaType, URIRef(IANA + media)))
        g.add((dist_node, DCAT.downloadURL, url))
        g.add((dist_node, DCAT.accessURL, url))
        g.add((dist_node, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        dumps.append(
            {"name": name, "url": str(url), "media": media, "label": label, "size": path.stat().st_size}
        )
    facts = {
        "endpoint": str(endpoint),
        "subsets": subsets,
        "dumps": dumps,
        "total": sum(counts.values()),
        "licences": sorted(set(licences)),
        "sources": sorted(sources),
        "built_at": build.get("built_at"),
    }
    return g, facts


def _build_info(dist: Path) -> dict[str, Any]:
    path = dist / "build.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@router.get(
    "/.well-known/void",
    summary="データセットの説明 / Dataset description (VoID + DCAT)",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/turtle": {},
                "application/ld+json": {},
                "application/n-triples": {},
                "text/html": {},
            }
        }
    },
)
def void(request: Request, web: Web = Depends(get_web)) -> Response:  # noqa: B008
    """VoID and DCAT in one graph: Turtle unless the client asks for JSON-LD, N-Triples or HTML."""
    media = negotiate_rdf(request)
    if media == "bad":
        return problem(400, "format is one of ttl, jsonld, nt, html")
    if media is None:
        return problem(406, "available as text/turtle, application/ld+json, application/n-triples, text/html")
    graph, facts = void_graph(web)
    if media == "text/html":
        turtle = graph.serialize(format="turtle")
        return web.render("void.html", facts=facts, turtle=turtle)
    return rdf_body(graph, media)


# --------------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------------


@router.get("/download", response_class=HTMLResponse, include_in_schema=False)
def downloads(web: Web = Depends(get_web)) -> HTMLResponse:  # noqa: B008
    """The dumps that exist in dist/, with sizes."""
    dist = web.settings.dist
    files = []
    for name, (media, label) in DUMPS.items():
        if (dist / name).is_file():
            files.append(
                {
                    "href": web.url(f"/download/{name}"),
                    "name": name,
                    "media": media,
                    "label": label,
                    "size": (dist / name).stat().st_size,
                }
            )
    graphs = []
    root = dist / "graphs"
    if root.is_dir():
        for path in sorted(root.rglob("*.ttl")):
            rel = path.relative_to(root).as_posix()
            graphs.append(
                {"href": web.url(f"/download/graphs/{rel}"), "name": rel, "size": path.stat().st_size}
            )
    return web.render("downloads.html", files=files, graphs=graphs)


@router.get(
    "/download/{name}",
    summary="データセット全体のダンプ / Dump of the whole dataset",
    response_class=FileResponse,
    responses={200: {"content": {m: {} for m, _ in DUMPS.values()}}, 404: {"description": "not built"}},
)
def download(name: str, web: Web = Depends(get_web)) -> Response:  # noqa: B008
    """`dataset.trig`, `dataset.nq` or `dataset.jsonld`, streamed from dist/."""
    if name not in DUMPS:
        return web.not_found()
    path = web.settings.dist / name
    if not path.is_file():
        return problem(404, "the dataset has not been built / データセットがまだ作成されていません")
    media = DUMPS[name][0]
    return FileResponse(path, media_type=conneg.content_type(media), filename=f"keikaku-{name}")


@router.get(
    "/download/graphs/{graph:path}",
    summary="名前付きグラフ1つの Turtle / One named graph as Turtle",
    response_class=FileResponse,
    responses={200: {"content": {"text/turtle": {}}}, 404: {"description": "no such graph"}},
)
def download_graph(graph: str, web: Web = Depends(get_web)) -> Response:  # noqa: B008
    """`/download/graphs/kamakura/plan-2030.ttl` → dist/graphs/kamakura/plan-2030.ttl."""
    stem = graph.removesuffix(".ttl")
    if not graph.endswith(".ttl") or not _GRAPH_PATH.match(stem):
        return web.not_found()
    root = (web.settings.dist / "graphs").resolve()
    path = (root / f"{stem}.ttl").resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return web.not_found()
    return FileResponse(
        path, media_type=conneg.content_type("text/turtle"), filename=stem.replace("/", "_") + ".ttl"
    )


# --------------------------------------------------------------------------------------------------
# Vocabulary documentation
# --------------------------------------------------------------------------------------------------


def ontology_files() -> list[Path]:
    return [ONTOLOGY / "keikaku.ttl", ONTOLOGY / "schemes.ttl"]


@lru_cache(maxsize=4)
def _ontology(stamp: tuple[tuple[str, float], ...]) -> Graph:
    g = Graph()
    for path, _ in stamp:
        g.parse(path, format="turtle")
    return g


def ontology_graph() -> Graph:
    """keikaku.ttl + schemes.ttl, parsed once per change of the files."""
    return _ontology(tuple((str(p), p.stat().st_mtime) for p in ontology_files() if p.is_file()))


class Doc:
    """Reads the vocabulary graph for the documentation page."""

    def __init__(self, g: Graph, web: Web) -> None:
        self.g, self.web, self.lang = g, web, web.lang

    def name(self, node: Any) -> str:
        text = str(node)
        if text.startswith(str(KK)):
            return "kk:" + text[len(str(KK)) :]
        for prefix, ns in (("owl", OWL), ("rdfs", RDFS), ("skos", SKOS), ("xsd", XSD), ("dct", DCTERMS)):
            if text.startswith(str(ns)):
                return f"{prefix}:{text[len(str(ns)) :]}"
        for prefix, ns in (
            ("org", "http://www.w3.org/ns/org#"),
            ("prov", "http://www.w3.org/ns/prov#"),
            ("sdgo", "http://metadata.un.org/sdg/ontology#"),
            ("sosa", "http://www.w3.org/ns/sosa/"),
            ("qb", "http://purl.org/linked-data/cube#"),
            ("fibo", "https://spec.edmcouncil.org/fibo/ontology/"),
        ):
            if text.startswith(ns):
                return f"{prefix}:{text[len(ns) :]}"
        return text

    def ref(self, node: Any) -> dict[str, str]:
        text = str(node)
        anchor = text[len(str(KK)) :] if text.startswith(str(KK)) else None
        href = "#" + anchor if anchor else self.web.href(node)
        return {
            "name": self.name(node),
            "href": href,
            "label": best_literal(
                list(self.g.objects(node, RDFS.label)) + list(self.g.objects(node, SKOS.prefLabel)), self.lang
            )
            or "",
        }

    def term(self, node: Any) -> dict[str, Any]:
        g = self.g
        label_ja = best_literal(
            [x for x in g.objects(node, RDFS.label) if getattr(x, "language", None) == "ja"]
            or [x for x in g.objects(node, SKOS.prefLabel) if getattr(x, "language", None) == "ja"],
            "ja",
        )
        label_en = best_literal(
            [x for x in g.objects(node, RDFS.label) if getattr(x, "language", None) == "en"]
            or [x for x in g.objects(node, SKOS.prefLabel) if getattr(x, "language", None) == "en"],
            "en",
        )
        text = str(node)
        return {
            "iri": text,
            "anchor": text[len(str(KK)) :] if text.startswith(str(KK)) else text.rsplit("/", 1)[-1],
            "name": self.name(node),
            "label_ja": label_ja,
            "label_en": label_en,
            "definition": literals_in(list(g.objects(node, SKOS.definition)), self.lang),
            "scope": literals_in(list(g.objects(node, SKOS.scopeNote)), self.lang),
            "super": [self.ref(x) for x in sorted(g.objects(node, RDFS.subClassOf), key=str)]
            + [self.ref(x) for x in sorted(g.objects(node, RDFS.subPropertyOf), key=str)],
            "domain": [self.ref(x) for x in sorted(g.objects(node, RDFS.domain), key=str)],
            "range": [self.ref(x) for x in sorted(g.objects(node, RDFS.range), key=str)],
            "inverse": [self.ref(x) for x in sorted(g.objects(node, OWL.inverseOf), key=str)],
            "chars": [
                self.name(x)
                for x in sorted(g.objects(node, RDF.type), key=str)
                if x in (OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.FunctionalProperty)
            ],
            "match": [
                self.ref(x)
                for p in (SKOS.closeMatch, SKOS.exactMatch, SKOS.relatedMatch)
                for x in sorted(g.objects(node, p), key=str)
            ],
            "see_also": [str(x) for x in sorted(g.objects(node, RDFS.seeAlso), key=str)],
            "notation": best_literal(list(g.objects(node, SKOS.notation)), self.lang),
            "href": self.web.href(node),
        }

    def kk_terms(self, rdf_type: URIRef) -> list[dict[str, Any]]:
        nodes = {s for s in self.g.subjects(RDF.type, rdf_type) if str(s).startswith(str(KK))}
        return [self.term(n) for n in sorted(nodes, key=str)]

    def schemes(self) -> list[dict[str, Any]]:
        out = []
        for scheme in sorted(set(self.g.subjects(RDF.type, SKOS.ConceptScheme)), key=str):
            concepts = sorted(
                set(self.g.subjects(SKOS.inScheme, scheme)),
                key=lambda c: (_order(self.g, c), str(c)),
            )
            out.append(self.term(scheme) | {"concepts": [self.term(c) for c in concepts]})
        return out


def _order(g: Graph, node: Any) -> int:
    for v in g.objects(node, KK.order):
        if isinstance(v, Literal) and isinstance(v.toPython(), int):
            return v.toPython()
    return 10**6


@router.get(
    "/ontology",
    summary="語彙の説明 / Vocabulary documentation",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/html": {},
                "text/turtle": {},
                "application/ld+json": {},
                "application/n-triples": {},
            }
        }
    },
)
def ontology(request: Request, web: Web = Depends(get_web)) -> Response:  # noqa: B008
    """HTML documentation of `kk:` generated from ontology/keikaku.ttl and schemes.ttl; RDF by Accept."""
    media = _ontology_media(request)
    if media == "bad":
        return problem(400, "format is one of html, ttl, jsonld, nt")
    if media is None:
        return problem(406, "available as text/html, text/turtle, application/ld+json, application/n-triples")
    g = ontology_graph()
    if media != "text/html":
        return rdf_body(g, media)
    doc = Doc(g, web)
    header = URIRef(str(KK).rstrip("#"))
    info = {
        "title": best_literal(list(g.objects(header, DCTERMS.title)), web.lang),
        "description": best_literal(list(g.objects(header, DCTERMS.description)), web.lang),
        "version": best_literal(list(g.objects(header, OWL.versionInfo)), web.lang),
        "modified": best_literal(list(g.objects(header, DCTERMS.modified)), web.lang),
        "licence": [str(x) for x in g.objects(header, DCTERMS.license)],
        "namespace": str(KK),
        "prefix": best_literal(list(g.objects(header, VANN.preferredNamespacePrefix)), web.lang) or "kk",
    }
    response = web.render(
        "ontology.html",
        info=info,
        classes=doc.kk_terms(OWL.Class),
        object_properties=doc.kk_terms(OWL.ObjectProperty),
        datatype_properties=doc.kk_terms(OWL.DatatypeProperty),
        annotation_properties=doc.kk_terms(OWL.AnnotationProperty),
        individuals=doc.kk_terms(OWL.NamedIndividual),
        schemes=doc.schemes(),
    )
    response.headers["Link"] = '<?format=ttl>; rel="alternate"; type="text/turtle"'
    return response


@router.get("/def", response_class=Response, include_in_schema=False)
def namespace_document(request: Request, web: Web = Depends(get_web)) -> Response:  # noqa: B008
    """`https://w3id.org/keikaku/def` (the `kk:` namespace) dereferences to the same documentation."""
    return ontology(request, web)


def _ontology_media(request: Request) -> str | None:
    fmt = request.query_params.get("format")
    if fmt:
        return FORMAT_PARAM.get(fmt.lower(), "bad")
    return conneg.negotiate(request.headers.get("accept"), ["text/html", *RDF_OUT])
