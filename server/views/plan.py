"""The page of a plan: its issuer, period, source documents and the outline of its elements."""

from __future__ import annotations

from typing import Any

from rdflib.namespace import PROV, SKOS
from rdflib.term import Node

from kg.namespaces import KK
from server.views.element import links
from server.views.page import View, level_label


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
