"""Linked data: every minted IRI dereferences (`/id/...`), and the pages people read — plan elements,
plans, municipalities, SDG goals and targets (`/sdg/13`, `/sdg/13.2`) and the source texts (`/source/...`).

Content negotiation (`Accept` with q-values through `server.conneg.negotiate`, or `?format=`): HTML for
browsers (Japanese, English with `Accept-Language: en` or `?lang=en`), Turtle, JSON-LD, N-Triples and
RDF/XML for machines; every answer says `Vary: Accept, Accept-Language` and lists its alternates in a
`Link` header. The IRI described is rebuilt from `Settings.base_iri`, so the same URIs dereference on any
host.

What is served for an IRI (the "concise bounded description" of the design): its own triples from every
graph including the inferred one, its SDG alignment nodes, the reified statements (cross-plan links) it
is the subject or object of, and the triples pointing at it. The HTML page is built from a larger "page
graph" (the same plus labels of everything it mentions, the hierarchy above and below, indicators,
observations and evaluations), fetched with one CONSTRUCT.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kg.namespaces import KK, SDG, SDGO
from kg.paths import SOURCES
from server import conneg
from server.deps import get_settings
from server.errors import problem
from server.settings import Settings
from server.ui import Web, best_literal, get_web, literals_in, sdg_code, sdg_label

router = APIRouter(tags=["linked data"])

ORG = Namespace("http://www.w3.org/ns/org#")
PARENT = URIRef("urn:keikaku:parent")  # page graphs only: a stated (not inferred) isPartOf link

#: Offered media types for RDF descriptions, best first; HTML first of all (browsers, and `*/*`).
RDF_FORMATS: dict[str, str] = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}
OFFERS: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/x-turtle": "turtle",
    "text/n3": "turtle",
    "application/json": "jsonld",
    "text/plain": "ntriples",
}
FORMAT_PARAM: dict[str, str] = {
    "html": "html",
    "ttl": "turtle",
    "turtle": "turtle",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "json": "jsonld",
    "nt": "ntriples",
    "ntriples": "ntriples",
    "rdf": "rdfxml",
    "xml": "rdfxml",
}
FORMAT_EXT = {"turtle": "ttl", "jsonld": "jsonld", "ntriples": "nt", "rdfxml": "rdf", "html": "html"}
VARY = "Accept, Accept-Language"

PREFIXES = {
    "kk": str(KK),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
    "sdg": str(SDG),
    "sdgo": str(SDGO),
}

_PATH_OK = re.compile(r'^[^\s<>"{}|\\^`]{1,500}$')
_CHAR = re.compile(r"^(\d{1,9}),(\d{1,9})$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")

SPARQL_PREFIXES = """
PREFIX kk: <https://w3id.org/keikaku/def#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX sdgo: <http://metadata.un.org/sdg/ontology#>
"""

#: The description served for an IRI (bound to ?r).
DESCRIBE = (
    SPARQL_PREFIXES
    + """
CONSTRUCT { ?r ?p ?o . ?n ?np ?no . ?in ?ip ?r }
WHERE {
  { ?r ?p ?o }
  UNION { ?r kk:sdgAlignment ?n . ?n ?np ?no }
  UNION { ?n rdf:subject ?r ; a rdf:Statement ; ?np ?no }
  UNION { ?n rdf:object ?r ; a rdf:Statement ; ?np ?no }
  UNION { ?in ?ip ?r }
}
"""
)

EXISTS = "ASK { { ?r ?p ?o } UNION { ?s ?p ?r } }"

#: Everything an HTML page of ?r shows (<INFERRED> = the inferred graph, to tell stated hierarchy links).
PAGE = (
    SPARQL_PREFIXES
    + """
CONSTRUCT { ?r ?p ?o . ?in ?ip ?r . ?n ?np ?no . ?x ?lp ?lv . ?c <urn:keikaku:parent> ?cp }
WHERE {
  { ?r ?p ?o }
  UNION { ?in ?ip ?r }
  UNION { ?r kk:sdgAlignment ?n . ?n ?np ?no }
  UNION { ?n rdf:subject ?r ; a rdf:Statement ; ?np ?no }
  UNION { ?n rdf:object ?r ; a rdf:Statement ; ?np ?no }
  UNION { ?n kk:indicatorOf ?r ; ?np ?no }
  UNION { ?ind kk:indicatorOf ?r . ?n kk:observationOf ?ind ; ?np ?no }
  UNION { ?n kk:evaluationOf ?r ; ?np ?no }
  UNION {
    { ?r kk:isPartOf+ ?c } UNION { ?c kk:isPartOf+ ?r } UNION { ?r kk:isPartOf ?c0 . BIND (?r AS ?c) }
    GRAPH ?g { ?c kk:isPartOf ?cp } FILTER (?g != <INFERRED>)
  }
  UNION {
    # the things the page mentions (a sub-select first: one join with the label triples, fast)
    { SELECT DISTINCT ?r ?x WHERE {
        { ?r ?p0 ?x } UNION { ?x ?p0 ?r } UNION { ?r ?x ?o0 } UNION { ?s0 ?x ?r }
        UNION { ?r kk:isPartOf+ ?x } UNION { ?x kk:isPartOf+ ?r }
        UNION { ?d kk:isPartOf+ ?r ; kk:localLevel ?x }
        UNION { ?r kk:sdgAlignment ?al . ?al ?p1 ?x }
        UNION { ?r kk:sdgAlignment/kk:sdg/skos:broader ?x }
        UNION { ?ev kk:evaluationOf ?r ; kk:rating ?x }
        UNION { ?ev kk:evaluationOf ?r ; kk:rating/skos:inScheme ?x }
        UNION { ?r kk:inPlan/kk:issuedBy ?x }
        UNION { ?r kk:issuedBy/kk:partOf ?x }
        UNION { ?st rdf:subject ?r ; ?sp ?x }
        UNION { ?st rdf:object ?r ; ?sp ?x }
        UNION { ?y ?yp ?r . ?y kk:inPlan ?x }
        UNION { ?r ?rp ?y . ?y kk:inPlan ?x }
        UNION { ?y ?yp ?r . ?y kk:inPlan/kk:issuedBy ?x }
        UNION { ?r ?rp ?y . ?y kk:inPlan/kk:issuedBy ?x }
        UNION { ?r kk:involvesPartner/kk:partnerType ?x }
    } }
    ?x ?lp ?lv .
    VALUES ?lp { rdfs:label skos:prefLabel dct:title skos:altLabel skos:notation kk:order rdf:type
                 kk:localLevel kk:inPlan kk:issuedBy kk:periodStart kk:periodEnd }
  }
}
"""
)

ELEMENT_CLASSES = {
    KK.Vision: "kind_vision",
    KK.Goal: "kind_goal",
    KK.Policy: "kind_policy",
    KK.Measure: "kind_measure",
}
LINK_PROPS = (KK.implements, KK.continues, KK.inheritsFrom, KK.relatedTo)


def get_sources_dir(settings: Settings = Depends(get_settings)) -> Path:  # noqa: B008
    """Where the source documents are (`Settings.sources_dir` when the settings have it)."""
    configured = getattr(settings, "sources_dir", None)
    return Path(configured) if configured else SOURCES


# --------------------------------------------------------------------------------------------------
# Negotiation and RDF output
# --------------------------------------------------------------------------------------------------


class BadFormat(ValueError):
    """`?format=` names a format we do not serve."""


def choose_format(request: Request, html: bool = True) -> str | None:
    """The format key for this request: `?format=` first, then `Accept`; None when nothing fits (406)."""
    fmt = request.query_params.get("format")
    if fmt:
        key = FORMAT_PARAM.get(fmt.lower())
        if key is None or (key == "html" and not html):
            raise BadFormat(fmt)
        return key
    offers = [m for m, k in OFFERS.items() if html or k != "html"]
    media = conneg.negotiate(request.headers.get("accept"), offers)
    return OFFERS[media] if media else None


def alternates(web: Web, path: str) -> str:
    """RFC 8288 `Link` header listing the other representations of a page."""
    links = [f'<{web.url(path, format="html")}>; rel="alternate"; type="text/html"']
    for key, media in RDF_FORMATS.items():
        links.append(f'<{web.url(path, format=FORMAT_EXT[key])}>; rel="alternate"; type="{media}"')
    return ", ".join(links)


def serialize(ntriples: bytes, fmt: str) -> bytes:
    """Re-serialise an N-Triples description in the requested syntax (prefixes for readability)."""
    if fmt == "ntriples":
        return ntriples
    if fmt == "jsonld":
        graph = Graph()
        if ntriples.strip():
            graph.parse(data=ntriples.decode("utf-8"), format="nt")
        context = {k: v for k, v in PREFIXES.items() if k not in ("owl",)}
        return graph.serialize(format="json-ld", context=context, auto_compact=True).encode("utf-8")
    triples = list(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    if fmt == "rdfxml":
        return ox.serialize(triples, format=ox.RdfFormat.RDF_XML)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def rdf_response(body: bytes, fmt: str, link: str | None = None) -> Response:
    media = RDF_FORMATS[fmt]
    headers = {"Vary": VARY}
    if link:
        headers["Link"] = link
    return Response(body, media_type=conneg.content_type(media), headers=headers)


def not_acceptable(offered: Iterable[str]) -> Response:
    return problem(
        406,
        "none of the offered media types is acceptable / 対応できる形式がありません: " + ", ".join(offered),
        {"Vary": VARY},
    )


# --------------------------------------------------------------------------------------------------
# /id/{path}
# --------------------------------------------------------------------------------------------------


def _store_accepts_iri(iri: str) -> bool:
    """Whether the store can hold this IRI at all (control characters, brackets, bad escapes: no)."""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


@router.head("/id/{path:path}", include_in_schema=False)
@router.get(
    "/id/{path:path}",
    response_class=Response,
    summary="Dereference a Keikaku Graph IRI / IRI の参照解決",
    responses={
        200: {
            "content": {
                "text/html": {},
                "text/turtle": {},
                "application/ld+json": {},
                "application/n-triples": {},
                "application/rdf+xml": {},
            },
            "description": "The description of the resource, in the negotiated format",
        },
        404: {"description": "No such resource"},
        406: {"description": "No acceptable format"},
    },
)
def dereference(
    path: str,
    request: Request,
    web: Web = Depends(get_web),  # noqa: B008
    folder: Path = Depends(get_sources_dir),  # noqa: B008
) -> Response:
    """HTML for browsers, RDF for machines (`Accept` or `?format=ttl|jsonld|nt|rdf|html`)."""
    try:
        fmt = choose_format(request)
    except BadFormat as exc:
        return problem(
            400, f"unknown format {str(exc)[:40]!r}: use html, ttl, jsonld, nt or rdf", {"Vary": VARY}
        )
    if fmt is None:
        return not_acceptable(OFFERS)
    if not _PATH_OK.match(path) or not _store_accepts_iri(web.id_base + path):
        return web.not_found() if fmt == "html" else problem(404, "not found", {"Vary": VARY})
    iri = URIRef(web.id_base + path)
    if not web.ask(EXISTS, {"r": iri}):
        if fmt == "html":
            response = web.not_found()
            response.headers["Vary"] = VARY
            return response
        return problem(404, f"no resource <{iri}> in this dataset / この資源はありません", {"Vary": VARY})
    link = alternates(web, "/id/" + path)
    if fmt != "html":
        return rdf_response(serialize(web.construct_ntriples(DESCRIBE, {"r": iri}), fmt), fmt, link)
    response = render_resource(web, iri, folder)
    response.headers["Link"] = link
    return response


def render_resource(web: Web, iri: URIRef, folder: Path) -> HTMLResponse:
    """Pick the page for a resource by what it is."""
    # the inferred graph's IRI comes from the settings (never from the request): checked, then written in
    inferred = ox.NamedNode(web.inferred_graph).value
    graph = web.construct(PAGE.replace("<INFERRED>", f"<{inferred}>"), {"r": iri})
    view = View(web, graph, iri, folder)
    types = set(graph.objects(iri, RDF.type))
    if KK.Plan in types:
        return web.render("plan.html", v=view, page=plan_page(view))
    if KK.Municipality in types or (None, KK.issuedBy, iri) in graph:
        return web.render("municipality.html", v=view, page=municipality_page(view))
    if types & set(ELEMENT_CLASSES) or KK.PlanElement in types:
        return web.render("element.html", v=view, page=element_page(view))
    return web.render("resource.html", v=view, page=generic_page(view))


# --------------------------------------------------------------------------------------------------
# View models
# --------------------------------------------------------------------------------------------------


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort 'policy/1-10' after 'policy/1-2'."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


class View:
    """Helpers over a page graph: labels in the page language, links, small records."""

    def __init__(self, web: Web, graph: Graph, iri: URIRef, folder: Path) -> None:
        self.web = web
        self.folder = folder
        self.g = graph
        self.iri = iri
        self.lang = web.lang

    def label(self, node: Node) -> str:
        code = sdg_code(str(node))
        if code is not None:
            return self.sdg_title(node)
        for prop in (SKOS.prefLabel, RDFS.label, DCTERMS.title, SKOS.altLabel):
            value = best_literal(list(self.g.objects(node, prop)), self.lang)
            if value:
                return value
        text = str(node)
        if text.startswith(str(KK)):
            return "kk:" + text[len(str(KK)) :]
        return text

    def sdg_title(self, node: Node) -> str:
        code = sdg_code(str(node)) or ""
        labels = list(self.g.objects(node, SKOS.altLabel)) + list(self.g.objects(node, SKOS.prefLabel))
        name = sdg_label(labels, self.lang)
        if "." in code:
            prefix = f"{self.web.t('target')} {code}"
        else:
            prefix = f"{self.web.t('goal')} {code}" if self.lang == "en" else f"{self.web.t('goal')}{code}"
        return f"{prefix} {name}".strip()

    def link(self, node: Node) -> dict[str, Any]:
        notation = self.value(node, SKOS.notation)
        if sdg_code(str(node)) or (node, RDF.type, KK.Municipality) in self.g:
            notation = None  # goal codes are in the label; a municipality's notation is its code
        return {
            "iri": str(node),
            "href": self.web.href(node),
            "label": self.label(node),
            "notation": notation,
        }

    def value(self, node: Node, prop: URIRef) -> str | None:
        return best_literal(list(self.g.objects(node, prop)), self.lang)

    def texts(self, node: Node, prop: URIRef) -> list[str]:
        return literals_in(list(self.g.objects(node, prop)), self.lang)

    def number(self, node: Node, prop: URIRef) -> Any:
        for v in self.g.objects(node, prop):
            if isinstance(v, Literal):
                return v.toPython()
        return None

    def kind(self, node: Node) -> str | None:
        for cls, key in ELEMENT_CLASSES.items():
            if (node, RDF.type, cls) in self.g:
                return self.web.t(key)
        if (node, RDF.type, KK.Plan) in self.g:
            return self.web.t("kind_plan")
        return None

    def order_key(self, node: Node) -> tuple[Any, ...]:
        order = self.number(node, KK.order)
        return (order if isinstance(order, int) else 10**6, natural_key(str(node)))

    def parents(self, node: Node) -> list[Node]:
        return list(self.g.objects(node, PARENT))

    def children(self, node: Node) -> list[Node]:
        return sorted(self.g.subjects(PARENT, node), key=self.order_key)

    def ancestors(self) -> list[Node]:
        """The hierarchy above, top first (stated links only, so inferred shortcuts do not confuse it)."""
        chain: list[Node] = []
        node: Node = self.iri
        for _ in range(30):
            parents = self.parents(node)
            if not parents or parents[0] in chain:
                break
            node = parents[0]
            chain.append(node)
        return list(reversed(chain))

    def sources(self, node: Node) -> list[dict[str, Any]]:
        """The source ranges of a node (prov:wasDerivedFrom …#char=s,e), with the quoted text."""
        out = []
        base = self.web.base + "source/"
        for src in self.g.objects(node, PROV.wasDerivedFrom):
            text = str(src)
            m = (
                re.match(r"^([a-z0-9-]+)/([a-z0-9-]+)#char=(\d+),(\d+)$", text[len(base) :])
                if text.startswith(base)
                else None
            )
            if not m:
                continue
            start, end = int(m.group(3)), int(m.group(4))
            out.append(
                {
                    "href": self.web.href(src),
                    "document": f"{m.group(1)}/{m.group(2)}",
                    "start": start,
                    "end": end,
                    "excerpt": excerpt(self.folder, m.group(1), m.group(2), start, end),
                }
            )
        return sorted(out, key=lambda s: (s["document"], s["start"]))

    def properties(self, node: Node) -> list[dict[str, Any]]:
        """Every outgoing statement, grouped by property, for the 'all statements' table."""
        rows: dict[str, dict[str, Any]] = {}
        for p, o in sorted(self.g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
            if p == PARENT:
                continue
            row = rows.setdefault(str(p), {"property": self.link(p), "values": []})
            row["values"].append(self.term(o))
        return sorted(rows.values(), key=lambda r: r["property"]["label"])

    def incoming(self, node: Node) -> list[dict[str, Any]]:
        rows = []
        for s, p in self.g.subject_predicates(node):
            if p == PARENT:
                continue
            rows.append({"subject": self.term(s), "property": self.link(p)})
        return sorted(rows, key=lambda r: (r["property"]["label"], natural_key(r["subject"]["text"])))

    def term(self, o: Node) -> dict[str, Any]:
        if isinstance(o, Literal):
            return {"text": str(o), "lang": o.language, "datatype": self.datatype(o), "href": None}
        return {"text": self.label(o), "href": self.web.href(o), "iri": str(o)}

    @staticmethod
    def datatype(o: Literal) -> str | None:
        if o.datatype is None:
            return None
        dt = str(o.datatype)
        return "xsd:" + dt[len(str(XSD)) :] if dt.startswith(str(XSD)) else dt


def element_page(v: View) -> dict[str, Any]:
    g, r = v.g, v.iri
    plan = next(iter(g.objects(r, KK.inPlan)), None)
    municipality = next(iter(g.objects(plan, KK.issuedBy)), None) if plan is not None else None
    level = next(iter(g.objects(r, KK.localLevel)), None)
    return {
        "label": v.label(r),
        "notation": v.value(r, SKOS.notation),
        "kind": v.kind(r),
        "level": v.label(level) if level is not None else None,
        "level_link": v.link(level) if level is not None else None,
        "plan": v.link(plan) if plan is not None else None,
        "municipality": v.link(municipality) if municipality is not None else None,
        "breadcrumb": [v.link(a) | {"kind": v.kind(a)} for a in v.ancestors()],
        "children": [v.link(c) | {"kind": v.kind(c), "level": level_label(v, c)} for c in v.children(r)],
        "subtitle": v.value(r, KK.subtitle),
        "target_state": v.texts(r, KK.targetState),
        "description": v.texts(r, DCTERMS.description),
        "cocreation": v.texts(r, KK.cocreationText),
        "notes": v.texts(r, SKOS.editorialNote),
        "variants": v.texts(r, SKOS.hiddenLabel),
        "sdgs": alignments(v),
        "partner_types": partner_types(v),
        "partners": [
            v.link(p)
            | {"type": v.label(t) if (t := next(iter(g.objects(p, KK.partnerType)), None)) else None}
            for p in sorted(g.objects(r, KK.involvesPartner), key=str)
        ],
        "indicators": indicators(v),
        "evaluations": evaluations(v),
        "links_out": links(v, outgoing=True),
        "links_in": links(v, outgoing=False),
        "themes": sorted((v.link(x) for x in g.objects(r, KK.theme)), key=lambda x: x["label"]),
        "sources": v.sources(r),
        "properties": v.properties(r),
        "incoming": v.incoming(r),
    }


def level_label(v: View, node: Node) -> str | None:
    level = next(iter(v.g.objects(node, KK.localLevel)), None)
    return v.label(level) if level is not None else None


def alignments(v: View) -> list[dict[str, Any]]:
    out = []
    for node in v.g.objects(v.iri, KK.sdgAlignment):
        target = next(iter(v.g.objects(node, KK.sdg)), None)
        if target is None:
            continue
        goal = next(iter(v.g.objects(target, SKOS.broader)), None)
        basis = next(iter(v.g.objects(node, KK.basis)), None)
        agent = next(iter(v.g.objects(node, PROV.wasAttributedTo)), None)
        out.append(
            {
                "sdg": v.link(target),
                "code": sdg_code(str(target)),
                "goal": v.link(goal) if goal is not None and sdg_code(str(goal)) else None,
                "basis": v.label(basis) if basis is not None else None,
                "confidence": v.number(node, KK.confidence),
                "evidence": v.texts(node, KK.evidence),
                "rationale": v.texts(node, KK.rationale),
                "agent": v.link(agent) if agent is not None else None,
                "sources": v.sources(node),
                "node": v.link(node),
            }
        )
    return sorted(out, key=lambda a: natural_key(a["code"] or ""))


def partner_types(v: View) -> list[dict[str, Any]]:
    marks = [(p, "■", True) for p in v.g.objects(v.iri, KK.involvesPartnerType)]
    marks += [(p, "□", False) for p in v.g.objects(v.iri, KK.notInvolvesPartnerType)]
    return [
        v.link(p) | {"mark": mark, "involved": involved}
        for p, mark, involved in sorted(marks, key=lambda m: v.order_key(m[0]))
    ]


COMPARE = {
    "≥": lambda a, t: a >= t,
    "≤": lambda a, t: a <= t,
    "=": lambda a, t: a == t,
    ">": lambda a, t: a > t,
    "<": lambda a, t: a < t,
}


def indicators(v: View) -> list[dict[str, Any]]:
    out = []
    for ind in sorted(v.g.subjects(KK.indicatorOf, v.iri), key=lambda n: natural_key(str(n))):
        target = v.number(ind, KK.targetValue)
        comparator = v.value(ind, KK.targetComparator)
        target_year = v.value(ind, KK.targetYear)
        observations = []
        for obs in v.g.subjects(KK.observationOf, ind):
            observations.append(
                {
                    "value": v.number(obs, KK.value),
                    "year": v.value(obs, KK.fiscalYear),
                    "sources": v.sources(obs),
                }
            )
        observations.sort(key=lambda o: o["year"] or "")
        status = "no_data"
        latest = observations[-1] if observations else None
        if (
            latest is not None
            and target is not None
            and comparator in COMPARE
            and latest["value"] is not None
        ):
            status = "met" if COMPARE[comparator](latest["value"], target) else "not_met"
        out.append(
            {
                "link": v.link(ind),
                "unit": v.value(ind, KK.unit) or "",
                "target": _fmt_number(target),
                "comparator": comparator or "",
                "target_year": target_year,
                "observations": [o | {"value": _fmt_number(o["value"])} for o in observations],
                "status": status,
                "before_target_year": bool(
                    latest and target_year and latest["year"] and latest["year"] < target_year
                ),
                "sources": v.sources(ind),
            }
        )
    return out


def _fmt_number(value: Any) -> str | None:
    if value is None:
        return None
    text = format(value, "f") if not isinstance(value, int | float) else f"{value:g}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def evaluations(v: View) -> list[dict[str, Any]]:
    out = []
    for ev in sorted(v.g.subjects(KK.evaluationOf, v.iri), key=lambda n: natural_key(str(n))):
        rating = next(iter(v.g.objects(ev, KK.rating)), None)
        scheme = next(iter(v.g.objects(rating, SKOS.inScheme)), None) if rating is not None else None
        out.append(
            {
                "link": v.link(ev),
                "scheme": v.label(scheme) if scheme is not None else None,
                "code": v.value(rating, SKOS.notation) if rating is not None else None,
                "meaning": v.label(rating) if rating is not None else None,
                "year": v.value(ev, KK.fiscalYear),
                "notes": v.texts(ev, SKOS.editorialNote),
                "sources": v.sources(ev),
            }
        )
    return out


def links(v: View, outgoing: bool) -> list[dict[str, Any]]:
    """Cross-plan relations with the evidence of their reified statement, when there is one."""
    out = []
    for prop in LINK_PROPS:
        pairs = (
            [(v.iri, o) for o in v.g.objects(v.iri, prop)]
            if outgoing
            else [(s, v.iri) for s in v.g.subjects(prop, v.iri)]
        )
        for subject, obj in pairs:
            other = obj if outgoing else subject
            evidence: list[str] = []
            sources: list[dict[str, Any]] = []
            notes: list[str] = []
            basis = None
            for st in v.g.subjects(RDF.subject, subject):
                if (st, RDF.predicate, prop) in v.g and (st, RDF.object, obj) in v.g:
                    evidence += v.texts(st, KK.evidence)
                    notes += v.texts(st, SKOS.editorialNote)
                    sources += v.sources(st)
                    b = next(iter(v.g.objects(st, KK.basis)), None)
                    basis = v.label(b) if b is not None else basis
            plan = next(iter(v.g.objects(other, KK.inPlan)), None)
            muni = next(iter(v.g.objects(plan, KK.issuedBy)), None) if plan is not None else None
            out.append(
                {
                    "relation": v.web.relation_label(str(prop).rsplit("#", 1)[-1]),
                    "other": v.link(other) | {"kind": v.kind(other)},
                    "plan": v.link(plan) if plan is not None else None,
                    "municipality": v.link(muni) if muni is not None else None,
                    "evidence": evidence,
                    "notes": notes,
                    "basis": basis,
                    "sources": sources,
                }
            )
    return out


def outline(v: View, node: Node, depth: int = 0) -> list[dict[str, Any]]:
    if depth > 12:
        return []
    return [
        v.link(c) | {"kind": v.kind(c), "level": level_label(v, c), "children": outline(v, c, depth + 1)}
        for c in v.children(node)
    ]


def plan_page(v: View) -> dict[str, Any]:
    g, r = v.g, v.iri
    issuer = next(iter(g.objects(r, KK.issuedBy)), None)
    ptype = next(iter(g.objects(r, KK.planType)), None)
    documents = sorted({str(s).split("#", 1)[0] for s in g.objects(r, PROV.wasDerivedFrom)})
    return {
        "label": v.label(r),
        "alt": v.texts(r, SKOS.altLabel),
        "type": v.label(ptype) if ptype is not None else None,
        "start": v.value(r, KK.periodStart),
        "end": v.value(r, KK.periodEnd),
        "issuer": v.link(issuer) if issuer is not None else None,
        "documents": [{"href": v.web.href(d), "label": d.rsplit("/source/", 1)[-1]} for d in documents],
        "outline": outline(v, r),
        "stub": not any(True for _ in g.subjects(KK.inPlan, r)),
        "notes": v.texts(r, SKOS.editorialNote),
        "links_out": links(v, outgoing=True),
        "links_in": links(v, outgoing=False),
        "sources": v.sources(r),
        "properties": v.properties(r),
    }


def municipality_page(v: View) -> dict[str, Any]:
    g, r = v.g, v.iri
    plans = sorted(g.subjects(KK.issuedBy, r), key=lambda p: (v.value(p, KK.periodStart) or "", str(p)))
    same = sorted({str(o) for p in (OWL.sameAs, SKOS.exactMatch) for o in g.objects(r, p)})
    return {
        "label": v.label(r),
        "labels": sorted({str(x) for x in g.objects(r, RDFS.label)}),
        "code": v.value(r, KK.localGovernmentCode),
        "part_of": [v.link(p) for p in g.objects(r, KK.partOf)],
        "wards": [v.link(w) for w in sorted(g.subjects(KK.partOf, r), key=str)],
        "same_as": same,
        "plans": [
            v.link(p)
            | {
                "start": v.value(p, KK.periodStart),
                "end": v.value(p, KK.periodEnd),
                "stub": not any(True for _ in g.subjects(KK.inPlan, p)),
            }
            for p in plans
            if (p, RDF.type, KK.Plan) in g
        ],
        "properties": v.properties(r),
    }


def generic_page(v: View) -> dict[str, Any]:
    r = v.iri
    return {
        "label": v.label(r),
        "types": [v.link(t) for t in sorted(v.g.objects(r, RDF.type), key=str)],
        "definition": v.texts(r, SKOS.definition),
        "properties": v.properties(r),
        "incoming": v.incoming(r),
        "sources": v.sources(r),
    }


# --------------------------------------------------------------------------------------------------
# /sdg and /sdg/{code}
# --------------------------------------------------------------------------------------------------

SDG_INFO = (
    SPARQL_PREFIXES
    + """
SELECT ?sdg ?p ?o WHERE {
  ?sdg ?p ?o .
  VALUES ?p { rdf:type skos:prefLabel skos:altLabel skos:broader skos:narrower }
}
"""
)

SDG_TARGETS = (
    SPARQL_PREFIXES
    + """
SELECT ?sdg ?t ?label (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?t skos:broader ?sdg ; a sdgo:Target .
  OPTIONAL { ?t skos:prefLabel ?label . FILTER (LANG(?label) = "en") }
  OPTIONAL { ?e kk:contributesTo ?t ; a kk:PlanElement }
} GROUP BY ?sdg ?t ?label
"""
)

SDG_ELEMENTS = (
    SPARQL_PREFIXES
    + """
SELECT ?sdg ?inferred ?element ?class ?label ?notation ?plan ?planLabel ?muni ?muniLabel ?aligned
       ?basis ?basisLabel ?confidence ?evidence ?rationale ?parent ?parentLabel ?parentNotation
WHERE {
  ?element kk:contributesTo ?sdg ; kk:sdgAlignment ?al .
  ?al kk:sdg ?aligned .
  FILTER (?aligned = ?sdg || EXISTS { ?aligned skos:broader+ ?sdg })
  ?element a ?class . FILTER (?class IN (kk:Vision, kk:Goal, kk:Policy, kk:Measure))
  OPTIONAL { ?element rdfs:label ?label }
  OPTIONAL { ?element skos:notation ?notation }
  OPTIONAL {
    ?element kk:inPlan ?plan .
    OPTIONAL { ?plan dct:title|rdfs:label ?planLabel }
    OPTIONAL { ?plan kk:issuedBy ?muni . OPTIONAL { ?muni rdfs:label ?muniLabel } }
  }
  OPTIONAL { ?al kk:basis ?basis . OPTIONAL { ?basis skos:prefLabel ?basisLabel } }
  OPTIONAL { ?al kk:confidence ?confidence }
  OPTIONAL { ?al kk:evidence ?evidence }
  OPTIONAL { ?al kk:rationale ?rationale }
  OPTIONAL {
    GRAPH ?g { ?element kk:isPartOf ?parent } FILTER (?g != ?inferred)
    ?parent a kk:PlanElement .
    OPTIONAL { ?parent rdfs:label ?parentLabel }
    OPTIONAL { ?parent skos:notation ?parentNotation }
  }
}
"""
)


@router.get("/sdg", response_class=HTMLResponse, include_in_schema=False)
def sdg_index(web: Web = Depends(get_web)) -> HTMLResponse:  # noqa: B008
    """The 17 goals (as on the home page), each linking to its page."""
    from server.ui import goal_tiles

    return web.render("sdg_index.html", goals=goal_tiles(web))


@router.get("/sdg/{code}", response_class=HTMLResponse, include_in_schema=False)
def sdg_page(code: str, web: Web = Depends(get_web)) -> HTMLResponse:  # noqa: B008
    """Every policy and measure serving an SDG goal or target, grouped by municipality, with evidence."""
    if not re.fullmatch(r"\d{1,2}(\.(\d{1,2}|[a-z]))?", code) or not 1 <= int(code.split(".")[0]) <= 17:
        return web.not_found()
    sdg = URIRef(str(SDG) + code)
    info: dict[str, list[Node]] = {}
    for row in web.select(SDG_INFO, {"sdg": sdg}):
        info.setdefault(str(row["p"]), []).append(row["o"])
    types = {str(t) for t in info.get(str(RDF.type), [])}
    if not types & {str(SDGO.Goal), str(SDGO.Target)}:
        return web.not_found()
    is_goal = str(SDGO.Goal) in types
    labels = info.get(str(SKOS.altLabel), []) + info.get(str(SKOS.prefLabel), [])
    un_title = best_literal(
        [x for x in info.get(str(SKOS.prefLabel), []) if getattr(x, "language", None) == "en"], "en"
    )
    goal_code = None
    if not is_goal:
        goal = next((b for b in info.get(str(SKOS.broader), []) if sdg_code(str(b))), None)
        goal_code = sdg_code(str(goal)) if goal is not None else None
    targets = []
    if is_goal:
        for row in web.select(SDG_TARGETS, {"sdg": sdg}):
            tcode = sdg_code(str(row["t"]))
            if tcode:
                targets.append(
                    {
                        "code": tcode,
                        "href": web.url(f"/sdg/{tcode}"),
                        "label": str(row.get("label", "")),
                        "count": int(row["n"].toPython()),  # type: ignore[union-attr]
                    }
                )
        targets.sort(key=lambda x: natural_key(x["code"]))
    groups = sdg_groups(web, sdg)
    total = sum(len(g["elements"]) for g in groups)
    return web.render(
        "sdg.html",
        code=code,
        is_goal=is_goal,
        title=sdg_label(labels, web.lang),
        un_title=un_title,
        goal_code=goal_code,
        goal_title=None,
        targets=targets,
        groups=groups,
        total=total,
        csv_href=web.url("/api/queries/measures-by-sdg", sdg=code, format="csv"),
        json_href=web.url("/api/queries/measures-by-sdg", sdg=code),
    )


def sdg_groups(web: Web, sdg: URIRef) -> list[dict[str, Any]]:
    """Rows of SDG_ELEMENTS folded into municipality → elements, each with its alignments."""
    lang = web.lang
    elements: dict[str, dict[str, Any]] = {}
    for row in web.select(SDG_ELEMENTS, {"sdg": sdg, "inferred": URIRef(web.inferred_graph)}):
        key = str(row["element"])
        e = elements.setdefault(
            key,
            {
                "href": web.href(row["element"]),
                "iri": key,
                "kind_key": ELEMENT_CLASSES.get(row["class"]),  # type: ignore[arg-type]
                "labels": [],
                "notation": None,
                "plan": None,
                "plan_labels": [],
                "muni": None,
                "muni_labels": [],
                "parent": None,
                "alignments": {},
            },
        )
        if "label" in row:
            e["labels"].append(row["label"])
        if "notation" in row:
            e["notation"] = str(row["notation"])
        if "plan" in row:
            e["plan"] = str(row["plan"])
            if "planLabel" in row:
                e["plan_labels"].append(row["planLabel"])
        if "muni" in row:
            e["muni"] = str(row["muni"])
            if "muniLabel" in row:
                e["muni_labels"].append(row["muniLabel"])
        if "parent" in row:
            e["parent"] = {
                "href": web.href(row["parent"]),
                "label": str(row.get("parentLabel", "")),
                "notation": str(row["parentNotation"]) if "parentNotation" in row else None,
            }
        a = e["alignments"].setdefault(
            str(row["aligned"]),
            {
                "code": sdg_code(str(row["aligned"])),
                "href": web.href(row["aligned"]),
                "basis": [],
                "confidence": None,
                "evidence": set(),
                "rationale": set(),
            },
        )
        if "basisLabel" in row:
            a["basis"].append(row["basisLabel"])
        if "confidence" in row:
            a["confidence"] = _fmt_number(row["confidence"].toPython())  # type: ignore[union-attr]
        if "evidence" in row:
            a["evidence"].add(str(row["evidence"]))
        if "rationale" in row:
            a["rationale"].add(str(row["rationale"]))
    groups: dict[str, dict[str, Any]] = {}
    for e in elements.values():
        muni = e["muni"] or ""
        group = groups.setdefault(
            muni,
            {"href": web.href(muni) if muni else None, "labels": [], "plans": set(), "elements": []},
        )
        group["labels"] += e.pop("muni_labels")
        e["label"] = best_literal(e.pop("labels"), lang) or e["iri"]
        e["plan_label"] = best_literal(e.pop("plan_labels"), lang)
        kind_key = e.pop("kind_key")
        e["kind"] = web.t(kind_key) if kind_key else None
        e["kind_measure"] = kind_key == "kind_measure"
        e["alignments"] = [
            a
            | {
                "basis": best_literal(a["basis"], lang),
                "evidence": sorted(a["evidence"]),
                "rationale": sorted(a["rationale"]),
            }
            for a in sorted(e["alignments"].values(), key=lambda a: natural_key(a["code"] or ""))
        ]
        group["elements"].append(e)
    out = []
    for muni, group in groups.items():
        group["label"] = best_literal(group.pop("labels"), lang) or (muni.rsplit("/", 1)[-1] if muni else "—")
        group["elements"].sort(key=lambda e: natural_key(e["iri"]))
        group.pop("plans")
        out.append(group)
    return sorted(out, key=lambda g: g["label"])


# --------------------------------------------------------------------------------------------------
# /source/{municipality}/{document}
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _read_source(path: str, mtime: float) -> str:
    with open(path, encoding="utf-8", newline="") as fh:  # offsets count code points of this reading
        return fh.read()


def read_source(folder: Path, municipality: str, document: str) -> str | None:
    """The text of a source document, or None (slugs are checked, so no path leaves `folder`)."""
    if not _SLUG.match(municipality) or not _SLUG.match(document):
        return None
    path = folder / municipality / f"{document}.txt"
    if not path.is_file():
        return None
    return _read_source(str(path), path.stat().st_mtime)


def excerpt(
    folder: Path, municipality: str, document: str, start: int, end: int, limit: int = 60
) -> str | None:
    text = read_source(folder, municipality, document)
    if text is None or not 0 <= start <= end <= len(text):
        return None
    quoted = re.sub(r"\s+", "", text[start:end])
    return quoted if len(quoted) <= limit else quoted[: limit - 1] + "…"


def read_meta(folder: Path, municipality: str, document: str) -> dict[str, Any]:
    path = folder / municipality / f"{document}.meta.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


SOURCE_OFFERS = {
    "text/html": "html",
    "text/plain": "text",
    **{m: k for m, k in OFFERS.items() if k != "html" and m != "text/plain"},
}


@router.head("/source/{municipality}/{document}", include_in_schema=False)
@router.get(
    "/source/{municipality}/{document}",
    response_class=Response,
    summary="A source document / 出典文書",
    responses={200: {"content": {"text/html": {}, "text/plain": {}, "text/turtle": {}}}},
)
def source_document(
    municipality: str,
    document: str,
    request: Request,
    char: str | None = None,
    web: Web = Depends(get_web),  # noqa: B008
    folder: Path = Depends(get_sources_dir),  # noqa: B008
) -> Response:
    """The document as received: `text/plain; charset=utf-8`, an HTML view that highlights `?char=s,e`
    (fragments never reach the server; a small script also highlights `#char=s,e`), or its RDF
    description."""
    text = read_source(folder, municipality, document)
    fmt_param = (request.query_params.get("format") or "").lower()
    if fmt_param in ("txt", "text", "plain"):
        fmt: str | None = "text"
    elif fmt_param:
        fmt = FORMAT_PARAM.get(fmt_param)
        if fmt is None:
            return problem(400, "unknown format: use html, txt, ttl, jsonld, nt or rdf", {"Vary": VARY})
    else:
        media = conneg.negotiate(request.headers.get("accept"), list(SOURCE_OFFERS))
        fmt = SOURCE_OFFERS[media] if media else None
    if fmt is None:
        return not_acceptable(SOURCE_OFFERS)
    if text is None:
        return web.not_found() if fmt == "html" else problem(404, "no such source document", {"Vary": VARY})
    if fmt == "text":
        return Response(text.encode("utf-8"), media_type="text/plain; charset=utf-8", headers={"Vary": VARY})
    if fmt != "html":
        iri = URIRef(f"{web.base}source/{municipality}/{document}")
        return rdf_response(serialize(web.construct_ntriples(DESCRIBE, {"r": iri}), fmt), fmt)
    highlight = None
    if char is not None:
        m = _CHAR.match(char)
        if not m or not int(m.group(1)) <= int(m.group(2)) <= len(text):
            return web.bad_request(f"char={char[:40]}: 0 ≤ start ≤ end ≤ {len(text)}")
        highlight = (int(m.group(1)), int(m.group(2)))
    meta = read_meta(folder, municipality, document)
    parts = (
        {
            "before": text[: highlight[0]],
            "mark": text[highlight[0] : highlight[1]],
            "after": text[highlight[1] :],
        }
        if highlight
        else {"before": text, "mark": None, "after": ""}
    )
    title = meta.get("title") if isinstance(meta.get("title"), dict) else {}
    publisher = meta.get("publisher") if isinstance(meta.get("publisher"), dict) else {}
    return web.render(
        "source.html",
        document=f"{municipality}/{document}",
        title=(title or {}).get(web.lang) or (title or {}).get("ja") or f"{municipality}/{document}",
        publisher=(publisher or {}).get(web.lang) or (publisher or {}).get("ja"),
        licence=meta.get("licence"),
        highlight=highlight,
        parts=parts,
        length=len(text),
        plain_href=web.url(f"/source/{municipality}/{document}", format="txt"),
        iri=f"{web.base}source/{municipality}/{document}",
    )
