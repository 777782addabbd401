"""Publishing: the dataset description (VoID + DCAT) and the dumps.

- `/.well-known/void` — `void:Dataset` + `dcat:Dataset` `<…/.well-known/void#keikaku-graph>`: one
  `void:subset` per named graph with its triple count (counted in the store when asked), the SPARQL
  endpoint, the dumps, `dct:license`, `dct:source` (every source document the store knows); a
  `dcat:Catalog`, a `dcat:DataService` for the endpoint (`dcat:endpointURL`, `dcat:servesDataset`) and
  one `dcat:Distribution` per dump (`dcat:mediaType`, `dcat:downloadURL`, `dcat:byteSize`). Turtle by
  default, JSON-LD / N-Triples by `Accept`, and an HTML summary for browsers.
- `/download/dataset.trig|nq|jsonld` and `/download/graphs/{graph}.ttl` — streamed from `dist/` with
  their media types and `Content-Disposition: attachment`; `/download` lists them.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, VOID, XSD

from kg.formats import HTML, RDF_FORMATS, Format, by_key
from kg.namespaces import KK, KK_NS, ORG, PROV, SDGO
from server import conneg
from server.dist import build_info
from server.errors import NotFound
from server.internal import sparql
from server.views.context import PageContext, get_page_context

router = APIRouter(tags=["publishing"])

IANA = "https://www.iana.org/assignments/media-types/"

#: The dumps of the whole dataset in dist/, by file name.
DUMPS: dict[str, Format] = {
    "dataset.trig": by_key("trig"),
    "dataset.nq": by_key("nquads"),
    "dataset.jsonld": by_key("jsonld"),
}
TURTLE = by_key("turtle")
#: The dataset description: RDF first for clients that accept anything (every RDF syntax of the
#: registry, RDF/XML included: ontology tools ask for it first), HTML only when asked for.
VOID_FORMATS: tuple[Format, ...] = (TURTLE, *(f for f in RDF_FORMATS if f is not TURTLE), HTML)
_GRAPH_PATH = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*$")


def rdf_body(graph: Graph, fmt: Format) -> Response:
    """A graph (made here, not in the store) in one RDF syntax (TriG / N-Quads: its triples in the
    default graph, written by Oxigraph, since rdflib writes N-Quads only from a dataset)."""
    if fmt.is_dataset:
        triples = ox.parse(graph.serialize(format="nt").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
        body = ox.serialize(triples, format=fmt.ox)  # type: ignore[arg-type]
    else:
        body = graph.serialize(format=fmt.rdflib).encode("utf-8")
    return Response(body, media_type=conneg.content_type(fmt.media_type), headers={"Vary": "Accept"})


# --------------------------------------------------------------------------------------------------
# VoID / DCAT
# --------------------------------------------------------------------------------------------------

#: dcat:keyword of the dataset (Japanese first, then English)
KEYWORDS = (
    ("自治体計画", "ja"), ("総合計画", "ja"), ("SDGs", "ja"), ("共創", "ja"), ("成果指標", "ja"),
    ("municipal plans", "en"), ("comprehensive plan", "en"), ("Sustainable Development Goals", "en"),
    ("linked data", "en"),
)  # fmt: skip
#: the publisher: the project's editors (the agent the vocabulary names as its creator)
PUBLISHER = "id/agent/keikaku-editors"


def _integer(node: object) -> Literal:
    return Literal(int(str(node)), datatype=XSD.integer)


def _describe_more(web: PageContext, g: Graph, ds: URIRef, licences: list[str]) -> None:
    """Publisher, keywords, class and property partitions and example resources (issue 13)."""
    publisher = URIRef(web.base + PUBLISHER)
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((ds, DCTERMS.creator, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal("計画グラフ編集者", lang="ja")))
    g.add((publisher, FOAF.name, Literal("Keikaku Graph editors", lang="en")))
    g.add((ds, DCAT.contactPoint, publisher))
    for word, lang in KEYWORDS:
        g.add((ds, DCAT.keyword, Literal(word, lang=lang)))
    g.add((ds, DCAT.theme, URIRef("http://publications.europa.eu/resource/authority/data-theme/GOVE")))
    for row in web.select(sparql("void-partitions")):
        kind, term = str(row["kind"]), row["term"]
        node = URIRef(f"{ds}-{kind}-" + hashlib.sha256(str(term).encode()).hexdigest()[:12])
        n, entities = _integer(row["n"]), _integer(row["entities"])
        if kind == "class":
            g.add((ds, VOID.classPartition, node))
            g.add((node, VOID["class"], term))
            g.add((node, VOID.entities, entities))
        else:
            g.add((ds, VOID.propertyPartition, node))
            g.add((node, VOID.property, term))
            g.add((node, VOID.triples, n))
            g.add((node, VOID.distinctSubjects, entities))
    for row in web.select(sparql("void-examples")):
        g.add((ds, VOID.exampleResource, row["r"]))


def public_url(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def graph_counts(web: PageContext) -> dict[str, int]:
    return {str(r["g"]): int(r["n"].toPython()) for r in web.select(sparql("graph-counts"))}  # type: ignore[union-attr]


def void_graph(web: PageContext) -> tuple[Graph, dict[str, Any]]:
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
    for vocab in (KK_NS, str(SDGO), str(SKOS), str(PROV), str(ORG)):
        g.add((ds, VOID.vocabulary, URIRef(vocab)))
    licences = [
        str(r["licence"]) for r in web.select(sparql("licence"), {"base": Literal(base)}) if "licence" in r
    ]
    for lic in sorted(set(licences)):
        g.add((ds, DCTERMS.license, URIRef(lic)))
    sources = []
    for row in web.select(sparql("source-documents")):
        g.add((ds, DCTERMS.source, row["src"]))
        sources.append(str(row["src"]))
    build = build_info(dist)
    if build.get("built_at"):
        g.add((ds, DCTERMS.modified, Literal(build["built_at"], datatype=XSD.dateTime)))
    _describe_more(web, g, ds, sorted(set(licences)))
    counts = graph_counts(web)
    g.add((ds, VOID.triples, Literal(sum(counts.values()), datatype=XSD.integer)))
    subsets = []
    for graph_iri, n in sorted(counts.items()):
        sub = URIRef(graph_iri)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(n, datatype=XSD.integer)))
        g.add((sub, VOID.sparqlEndpoint, endpoint))
        g.add((sub, DCTERMS.title, Literal(graph_iri[len(base) :], lang="en")))
        if graph_iri == base + "graph/sdg":
            # the UN SDG KOS and its Japanese labels: their terms are the UN's, not ours to licence
            g.add((sub, DCTERMS.source, URIRef("http://metadata.un.org/sdg/")))
            rights_ja = "UN SDG KOS（国連）に由来。利用条件は出典に従う。"
            g.add((sub, DCTERMS.rights, Literal(rights_ja, lang="ja")))
            g.add((sub, DCTERMS.rights, Literal("From the UN SDG KOS; its terms of use apply.", lang="en")))
        else:
            for lic in sorted(set(licences)):
                g.add((sub, DCTERMS.license, URIRef(lic)))
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
    for name, fmt in DUMPS.items():
        media, label = fmt.media_type, fmt.label
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
        gz_url = URIRef(public_url(request, f"/download/{name}.gz"))
        gz_node = URIRef(doc + "#dump-" + name.replace(".", "-") + "-gz")
        g.add((ds, VOID.dataDump, gz_url))
        g.add((ds, DCAT.distribution, gz_node))
        g.add((gz_node, RDF.type, DCAT.Distribution))
        g.add((gz_node, DCTERMS.title, Literal(f"{title_en} ({label}, gzip)", lang="en")))
        g.add((gz_node, DCAT.mediaType, URIRef(IANA + media)))
        g.add((gz_node, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
        g.add((gz_node, DCAT.downloadURL, gz_url))
        stat = path.stat()
        gz_size = len(_gzipped(str(path), stat.st_mtime_ns, stat.st_size))
        g.add((gz_node, DCAT.byteSize, Literal(gz_size, datatype=XSD.nonNegativeInteger)))
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


@router.get(
    "/.well-known/void",
    summary="データセットの説明 / Dataset description (VoID + DCAT)",
    response_class=Response,
    responses={200: {"content": conneg.openapi_content(VOID_FORMATS)}},
)
def void(request: Request, web: PageContext = Depends(get_page_context)) -> Response:  # noqa: B008
    """VoID and DCAT in one graph: Turtle unless the client asks for JSON-LD, N-Triples or HTML."""
    fmt = conneg.choose(request, VOID_FORMATS)
    graph, facts = void_graph(web)
    if fmt is HTML:
        turtle = graph.serialize(format="turtle")
        return web.render("void.html", facts=facts, turtle=turtle)
    return rdf_body(graph, fmt)


# --------------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------------


@router.get("/download", response_class=HTMLResponse, include_in_schema=False)
def downloads(web: PageContext = Depends(get_page_context)) -> HTMLResponse:  # noqa: B008
    """The dumps that exist in dist/, with sizes."""
    dist = web.settings.dist
    files = []
    for name, fmt in DUMPS.items():
        if (dist / name).is_file():
            files.append(
                {
                    "href": web.url(f"/download/{name}"),
                    "name": name,
                    "media": fmt.media_type,
                    "label": fmt.label,
                    "size": (dist / name).stat().st_size,
                    "gz_href": web.url(f"/download/{name}.gz"),
                }
            )
    graphs = []
    root = dist / "graphs"
    if root.is_dir():
        for path in sorted(root.rglob("*.ttl")):
            rel = path.relative_to(root).as_posix()
            graphs.append(
                {
                    "href": web.url(f"/download/graphs/{rel}"),
                    "name": rel,
                    "size": path.stat().st_size,
                    "graph_href": web.url("/graph/" + rel.removesuffix(".ttl")),
                }
            )
    rows = web.select(sparql("licence"), {"base": Literal(web.base)})
    licences = [str(r["licence"]) for r in rows if "licence" in r]
    return web.render("downloads.html", files=files, graphs=graphs, licences=sorted(set(licences)))


@router.get(
    "/download/{name}",
    summary="データセット全体のダンプ / Dump of the whole dataset",
    response_class=FileResponse,
    responses={
        200: {"content": conneg.openapi_content(list(DUMPS.values()))},
        404: {"description": "not built"},
    },
)
def download(name: str, web: PageContext = Depends(get_page_context)) -> Response:  # noqa: B008
    """`dataset.trig`, `dataset.nq` or `dataset.jsonld`, streamed from dist/; `….gz` gzip-compressed."""
    if name.endswith(".gz") and name.removesuffix(".gz") in DUMPS:
        return _gzip_dump(web, name.removesuffix(".gz"))
    if name not in DUMPS:
        return web.not_found()
    path = web.settings.dist / name
    if not path.is_file():
        raise NotFound("the dataset has not been built / データセットがまだ作成されていません")
    media = DUMPS[name].media_type
    return FileResponse(path, media_type=conneg.content_type(media), filename=f"keikaku-{name}")


@router.get(
    "/download/graphs/{graph:path}",
    summary="名前付きグラフ1つの Turtle / One named graph as Turtle",
    response_class=FileResponse,
    responses={200: {"content": conneg.openapi_content([TURTLE])}, 404: {"description": "no such graph"}},
)
def download_graph(graph: str, web: PageContext = Depends(get_page_context)) -> Response:  # noqa: B008
    """`/download/graphs/kamakura/plan-2030.ttl` → dist/graphs/kamakura/plan-2030.ttl."""
    stem = graph.removesuffix(".ttl")
    if not graph.endswith(".ttl") or not _GRAPH_PATH.match(stem):
        return web.not_found()
    root = (web.settings.dist / "graphs").resolve()
    path = (root / f"{stem}.ttl").resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return web.not_found()
    return FileResponse(
        path, media_type=conneg.content_type(TURTLE.media_type), filename=stem.replace("/", "_") + ".ttl"
    )


@lru_cache(maxsize=len(DUMPS))
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """The dump compressed once per build (keyed by the file's time and size), kept in memory: the dumps
    are a few MB and compress to a fifth; dist/ is the build's and never written by the server."""
    with open(path, "rb") as fh:
        return gzip.compress(fh.read(), compresslevel=6, mtime=mtime_ns // 10**9)


def _gzip_dump(web: PageContext, name: str) -> Response:
    path = web.settings.dist / name
    if not path.is_file():
        raise NotFound("the dataset has not been built / データセットがまだ作成されていません")
    stat = path.stat()
    body = _gzipped(str(path), stat.st_mtime_ns, stat.st_size)
    headers = {
        "Content-Disposition": f'attachment; filename="keikaku-{name}.gz"',
        "ETag": f'"{stat.st_mtime_ns:x}-{stat.st_size:x}-gz"',
        "Last-Modified": format_datetime(datetime.fromtimestamp(stat.st_mtime, UTC), usegmt=True),
    }
    return Response(body, media_type="application/gzip", headers=headers)
