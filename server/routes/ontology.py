"""`/ontology` (and `/def`, the namespace document of `kk:`): HTML documentation generated from the
vocabulary Turtle the build copies to `dist/ontology/` (keikaku.ttl, schemes.ttl); Turtle / JSON-LD /
N-Triples by `Accept` or `?format=`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from kg.formats import HTML, Format
from kg.namespaces import KK, PREFIXES, VANN
from server import conneg
from server.dist import ontology_graph
from server.routes.publish import VOID_FORMATS, rdf_body
from server.views.context import PageContext, best_literal, get_page_context, literals_in

router = APIRouter(tags=["publishing"])

#: Prefixed names on the page: the project's prefixes that the vocabulary uses (from `kg.namespaces`),
#: plus the vocabularies it only aligns with.
_NAMED: tuple[tuple[str, str], ...] = (
    *((p, PREFIXES[p]) for p in ("kk", "owl", "rdfs", "skos", "xsd", "dct", "org", "prov", "sdgo")),
    ("sosa", "http://www.w3.org/ns/sosa/"),
    ("qb", "http://purl.org/linked-data/cube#"),
    ("fibo", "https://spec.edmcouncil.org/fibo/ontology/"),
)
#: The vocabulary documentation: HTML first, then the RDF syntaxes of the dataset description.
ONTOLOGY_FORMATS: tuple[Format, ...] = (HTML, *(f for f in VOID_FORMATS if f is not HTML))


class Doc:
    """Reads the vocabulary graph for the documentation page."""

    def __init__(self, g: Graph, web: PageContext) -> None:
        self.g, self.web, self.lang = g, web, web.lang

    def name(self, node: Any) -> str:
        """A prefixed name for a term of a vocabulary the documentation refers to, else the IRI."""
        text = str(node)
        for prefix, ns in _NAMED:
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
    responses={200: {"content": conneg.openapi_content(ONTOLOGY_FORMATS)}},
)
def ontology(request: Request, web: PageContext = Depends(get_page_context)) -> Response:  # noqa: B008
    """HTML documentation of `kk:` generated from dist/ontology/keikaku.ttl and schemes.ttl; RDF by Accept."""
    fmt = conneg.choose(request, ONTOLOGY_FORMATS)
    g = ontology_graph(web.settings.dist)
    if fmt is not HTML:
        return rdf_body(g, fmt)
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
def namespace_document(request: Request, web: PageContext = Depends(get_page_context)) -> Response:  # noqa: B008
    """`https://w3id.org/keikaku/def` (the `kk:` namespace) dereferences to the same documentation."""
    return ontology(request, web)
