"""`View`: the helpers every page of a resource uses over its page graph (labels in the page language,
links, small records), and the page of a resource that is nothing more specific.

A page graph is what `server/sparql/page.rq` returns for one IRI: its statements, the statements about
it, the labels of everything it mentions and its stated hierarchy (as `PARENT` links).
"""

from __future__ import annotations

import re
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kg.namespaces import KK
from kg.queries.types import sdg_code_of
from server.dist import SOURCE_REF, excerpt
from server.views.context import PageContext, best_literal, literals_in, sdg_label

PARENT = URIRef("urn:keikaku:parent")  # page graphs only: a stated (not inferred) isPartOf link
ELEMENT_CLASSES = {
    KK.Vision: "kind_vision",
    KK.Goal: "kind_goal",
    KK.Policy: "kind_policy",
    KK.Measure: "kind_measure",
}
LINK_PROPS = (KK.implements, KK.continues, KK.inheritsFrom, KK.relatedTo)


def natural_key(text: str) -> tuple[tuple[int, object], ...]:
    """Sort 'policy/1-10' after 'policy/1-2', numbers before words at each place. Only ASCII digits
    count as numbers: ❶ is a digit to `str.isdigit` but not a number `int` reads.

    >>> sorted(["policy/1-10", "policy/1-2", "❶", "policy/a"], key=natural_key)
    ['policy/1-2', 'policy/1-10', 'policy/a', '❶']
    """
    return tuple((0, int(p)) if p.isascii() and p.isdigit() else (1, p) for p in re.split(r"([0-9]+)", text))


class View:
    """Helpers over a page graph: labels in the page language, links, small records."""

    def __init__(self, web: PageContext, graph: Graph, iri: URIRef) -> None:
        self.web = web
        self.dist = web.settings.dist
        self.g = graph
        self.iri = iri
        self.lang = web.lang

    def label(self, node: Node) -> str:
        code = sdg_code_of(str(node))
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
        code = sdg_code_of(str(node)) or ""
        labels = list(self.g.objects(node, SKOS.altLabel)) + list(self.g.objects(node, SKOS.prefLabel))
        name = sdg_label(labels, self.lang)
        if "." in code:
            prefix = f"{self.web.t('target')} {code}"
        else:
            prefix = f"{self.web.t('goal')} {code}" if self.lang == "en" else f"{self.web.t('goal')}{code}"
        return f"{prefix} {name}".strip()

    def link(self, node: Node) -> dict[str, Any]:
        notation = self.value(node, SKOS.notation)
        if sdg_code_of(str(node)) or (node, RDF.type, KK.Municipality) in self.g:
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
            m = SOURCE_REF.match(text[len(base) :]) if text.startswith(base) else None
            if not m or m.group(3) is None:
                continue
            start, end = int(m.group(3)), int(m.group(4))
            out.append(
                {
                    "href": self.web.href(src),
                    "document": f"{m.group(1)}/{m.group(2)}",
                    "start": start,
                    "end": end,
                    "excerpt": excerpt(self.dist, m.group(1), m.group(2), start, end),
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


def fmt_number(value: Any) -> str | None:
    if value is None:
        return None
    text = format(value, "f") if not isinstance(value, int | float) else f"{value:g}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def level_label(v: View, node: Node) -> str | None:
    level = next(iter(v.g.objects(node, KK.localLevel)), None)
    return v.label(level) if level is not None else None


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
