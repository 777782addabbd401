"""The page of a plan element (vision, goal, policy, measure): its hierarchy, SDG alignments with their
evidence, partners, indicators with their status, evaluations and cross-plan links."""

from __future__ import annotations

from typing import Any

from rdflib.namespace import DCTERMS, PROV, RDF, SKOS
from rdflib.term import Node

from kg.namespaces import KK
from kg.queries.types import sdg_code_of
from server.views.page import LINK_PROPS, View, fmt_number, level_label, natural_key


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
                "code": sdg_code_of(str(target)),
                "goal": v.link(goal) if goal is not None and sdg_code_of(str(goal)) else None,
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


def indicator_statuses(v: View) -> dict[str, dict[str, Node]]:
    """The status of each indicator of this element as the `indicator-status` named query states it
    (docs/indicator-status.md): the page and the API can never disagree, and no rule lives here."""
    query = v.web.request.app.state.registry.get("indicator-status")
    if query is None or next(v.g.subjects(KK.indicatorOf, v.iri), None) is None:
        return {}
    rows = v.web.select(query.sparql, {"element": v.iri})
    return {str(row["indicator"]): row for row in rows if "indicator" in row}


def _term_text(row: dict[str, Node], name: str, default: str = "") -> str:
    return str(row[name]) if name in row else default


def indicators(v: View) -> list[dict[str, Any]]:
    out = []
    statuses = indicator_statuses(v)
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
        computed = statuses.get(str(ind), {})
        status = str(computed.get("status", "undetermined"))
        out.append(
            {
                "link": v.link(ind),
                "unit": v.value(ind, KK.unit) or "",
                "target": fmt_number(target),
                "comparator": comparator or "",
                "target_year": target_year,
                "observations": [o | {"value": fmt_number(o["value"])} for o in observations],
                "status": status.replace(" ", "_"),
                "status_label": _term_text(computed, "statusJa" if v.lang == "ja" else "status", status),
                "track": _term_text(computed, "trackJa" if v.lang == "ja" else "track"),
                "reason": _term_text(computed, "reasonJa" if v.lang == "ja" else "reason"),
                "sheet_rating": _term_text(computed, "sheetRatingLabel"),
                "agreement": _term_text(computed, "agreementJa" if v.lang == "ja" else "agreement"),
                "disagrees": str(computed.get("agreement", "")) == "disagrees",
                "sources": v.sources(ind),
            }
        )
    return out


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
