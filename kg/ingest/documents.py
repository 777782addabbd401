"""One source document's named graph from its structured extraction (docs/data-format.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV

from kg.ingest.common import (
    BASES,
    CHILD_PROPERTY,
    CLASSES,
    COMPARATORS,
    EDITORS,
    RELATIONS,
    Vocabulary,
    Where,
    fragment,
    load_source,
    note_literal,
    source_ranges,
)  # fmt: skip
from kg.namespaces import ID, KK, ORG, SOURCE
from kg.paths import SOURCES
from kg.yamlio import load_yaml


class DocumentIngester:
    """Builds the named graph of one source document from its YAML files."""

    def __init__(self, plan_file: Path, vocab: Vocabulary, sources: Path = SOURCES) -> None:
        self.path = plan_file
        self.data = load_yaml(plan_file)
        self.where = Where(plan_file, 1)
        if not isinstance(self.data, dict):
            self.where.fail("expected a mapping at the top level")
        for key in ("document", "municipality"):
            if key not in self.data:
                self.where.fail(f"missing top-level key {key!r}")
        self.document: str = self.data["document"]
        self.municipality: str = self.data["municipality"]
        self.vocab = vocab
        self.source = load_source(self.document, sources)
        self.graph = Graph()
        self.plan_iris: set[URIRef] = set()
        self.element_plan: dict[URIRef, URIRef] = {}
        self.ids: dict[URIRef, int | None] = {}
        self.notations: dict[tuple[URIRef, str], int | None] = {}

    # ---- identifiers -----------------------------------------------------------------------------
    def local(self, rel: str) -> URIRef:
        """An id relative to the document's municipality."""
        return ID[f"{self.municipality}/{rel}"]

    @staticmethod
    def full(path: str) -> URIRef:
        """An id given as a full path below id/."""
        return ID[path]

    # ---- quoted text -----------------------------------------------------------------------------
    def quote(
        self, subject: URIRef, predicate: URIRef, quote: Any, where: Where, *, lang: str = "ja"
    ) -> None:
        """Add a quoted literal and the fragment(s) it was derived from."""
        ranges = self.source.check_quote(quote, where)
        self.graph.add((subject, predicate, Literal(str(quote["text"]), lang=lang)))
        for start, end in ranges:
            self.graph.add((subject, PROV.wasDerivedFrom, fragment(self.document, start, end)))

    # ---- the whole document ----------------------------------------------------------------------
    def run(self) -> Graph:
        self._source_resource()
        for key, ingest in (
            ("plans", self._plan),
            ("stubs", lambda item: self._element(item, stub=True)),
            ("elements", lambda item: self._element(item, stub=False)),
            ("partners", self._partner),
            ("units", self._unit),
            ("rating_schemes", self._rating_scheme),
            ("indicators", self._indicator),
            ("evaluations", self._evaluation),
        ):
            for item in self.where.at(self.data, key).sequence(self.data.get(key), f"`{key}`"):
                where = self.where.at(self.data, key).at(item)
                if not isinstance(item, dict):
                    where.fail(f"an item of `{key}` must be a mapping, got {item!r:.60}", "type")
                try:
                    ingest(item)
                except (TypeError, ValueError, AttributeError, KeyError) as exc:
                    # a value of a shape the checks did not foresee: name the item, not a traceback
                    detail = f"{type(exc).__name__}: {exc}"[:200]
                    if isinstance(exc, KeyError):
                        detail = f"missing key {exc}"
                    where.fail(f"malformed item of `{key}` {item.get('id', '')!s:.60} ({detail})", "type")
        self._close_plans()
        return self.graph

    def _claim(self, iri: URIRef, ref: Any, where: Where) -> None:
        """Every id is defined once per document (rule `unique-id`)."""
        if iri in self.ids:
            first = self.ids[iri]
            where.fail(
                f"IDの重複 / duplicate id {ref!r}" + (f" (first defined at line {first})" if first else ""),
                "unique-id",
            )
        self.ids[iri] = where.line

    def _source_resource(self) -> None:
        src = SOURCE[self.document]
        meta = self.source.meta
        g = self.graph
        g.add((src, RDF.type, KK.SourceDocument))
        g.add((src, RDF.type, PROV.Entity))
        g.add((src, DCTERMS.format, Literal("text/plain; charset=utf-8")))
        g.add(
            (
                src,
                DCTERMS.identifier,
                Literal("sha256:" + hashlib.sha256(self.source.path.read_bytes()).hexdigest()),
            )
        )
        g.add((src, DCTERMS.language, Literal("ja")))
        title = meta.get("title") or {}
        for lang in ("ja", "en"):
            if isinstance(title, dict) and title.get(lang):
                g.add((src, DCTERMS.title, Literal(title[lang], lang=lang)))
        publisher = meta.get("publisher") or {}
        if isinstance(publisher, dict) and publisher.get("ja"):
            g.add((src, DCTERMS.publisher, Literal(publisher["ja"], lang="ja")))
        g.add((src, DCTERMS.spatial, ID[self.municipality]))
        if meta.get("seed"):
            g.add((src, SKOS.note, Literal(f"seed file {meta['seed']}")))
        if meta.get("retrieved_from") and str(meta["retrieved_from"]).startswith("http"):
            g.add((src, DCAT.landingPage, URIRef(meta["retrieved_from"])))

    def _plan(self, plan: Any) -> None:
        where = self.where.at(plan)
        if not isinstance(plan, dict) or "id" not in plan:
            where.fail("a plan needs an `id`")
        iri = self.local(plan["id"])
        self._claim(iri, plan["id"], where)
        self.plan_iris.add(iri)
        self.element_plan[iri] = iri
        g = self.graph
        g.add((iri, RDF.type, KK.Plan))
        g.add((iri, KK.issuedBy, ID[self.municipality]))
        g.add((iri, PROV.wasDerivedFrom, SOURCE[self.document]))
        g.add((iri, KK.basis, KK.Explicit))
        if "title" not in plan:
            where.fail(f"plan {plan['id']} needs a `title`")
        self.quote(iri, DCTERMS.title, plan["title"], where)
        self.quote(iri, RDFS.label, plan["title"], where)
        if plan.get("name"):
            self.quote(iri, SKOS.altLabel, plan["name"], where)
        if plan.get("plan_type"):
            g.add((iri, KK.planType, self.vocab.concept(KK.PlanTypeScheme, plan["plan_type"], where)))
        period = plan.get("period")
        if period:
            where.at(plan, "period").mapping(period, "`period`")
            if period.get("start") is not None:
                g.add((iri, KK.periodStart, Literal(str(period["start"]), datatype=XSD.gYear)))
            if period.get("end") is not None:
                g.add((iri, KK.periodEnd, Literal(str(period["end"]), datatype=XSD.gYear)))
            if period.get("at"):
                for start, end in self.source.check_quote(
                    {"text": self._slice(period["at"]), "at": period["at"]}, where
                ):
                    g.add((iri, PROV.wasDerivedFrom, fragment(self.document, start, end)))
        if plan.get("description"):
            self.quote(iri, DCTERMS.description, plan["description"], where)
        self._relations(iri, plan, where)
        self._notes(iri, plan)

    def _slice(self, at: Any) -> str:
        return "".join(self.source.text[s:e] for s, e in source_ranges(at, self.where))

    def _resolve(self, ref: str, *, full: bool = False) -> URIRef:
        return self.full(ref) if full else self.local(ref)

    def _element(self, element: Any, *, stub: bool) -> None:
        where = self.where.at(element)
        if not isinstance(element, dict) or "id" not in element:
            where.fail("an element needs an `id`")
        if not isinstance(element["id"], str):
            where.at(element, "id").fail(f"`id` must be a string, got {element['id']!r:.60}", "type")
        iri = self.full(element["id"]) if stub else self.local(element["id"])
        self._claim(iri, element["id"], where)
        cls_name = element.get("class")
        if cls_name not in CLASSES:
            where.fail(
                f"element {element['id']}: class must be one of {', '.join(CLASSES)}, got {cls_name!r}"
            )
        cls = CLASSES[cls_name]
        g = self.graph
        g.add((iri, RDF.type, cls))
        if "label" not in element:
            where.fail(f"element {element['id']} needs a `label`")
        self.quote(iri, RDFS.label, element["label"], where)
        g.add((iri, KK.basis, KK.Curated if stub else KK.Explicit))
        if cls == KK.Plan:  # a stub plan we do not hold
            self.element_plan[iri] = iri
            if element.get("plan_type"):
                g.add((iri, KK.planType, self.vocab.concept(KK.PlanTypeScheme, element["plan_type"], where)))
            if element.get("issued_by"):
                g.add((iri, KK.issuedBy, ID[element["issued_by"]]))
            self._notes(iri, element)
            return
        if element.get("notation") is not None:
            g.add((iri, SKOS.notation, Literal(str(element["notation"]))))
        if element.get("level"):
            g.add((iri, KK.localLevel, self.vocab.concept(KK.ElementLevelScheme, element["level"], where)))
        if element.get("order") is not None:
            order = where.at(element, "order").integer(element["order"], f"element {element['id']}: `order`")
            g.add((iri, KK.order, Literal(order, datatype=XSD.integer)))
        parent_ref = element.get("parent")
        if not parent_ref:
            where.fail(f"element {element['id']} needs a `parent` (a plan or an element)")
        parent = self.full(parent_ref) if stub else self.local(parent_ref)
        if parent not in self.element_plan:
            where.fail(f"element {element['id']}: parent {parent_ref!r} is not defined before it")
        if element.get("notation") is not None:
            key = (parent, str(element["notation"]))
            if key in self.notations:
                first = self.notations[key]
                where.at(element, "notation").fail(
                    f"番号の重複 / duplicate notation {key[1]!r} among the children of {parent_ref!r}"
                    + (f" (first at line {first})" if first else ""),
                    "unique-notation",
                )
            self.notations[key] = where.at(element, "notation").line
        g.add((parent, CHILD_PROPERTY[cls], iri))
        g.add((iri, KK.isPartOf, parent))
        plan = self.element_plan[parent]
        self.element_plan[iri] = plan
        g.add((iri, KK.inPlan, plan))
        for key, predicate in (
            ("subtitle", KK.subtitle),
            ("description", DCTERMS.description),
            ("target_state", KK.targetState),
        ):
            if element.get(key):
                self.quote(iri, predicate, element[key], where)
        for text in element.get("texts") or []:
            self.quote(iri, KK.text, text, where)
        for text in element.get("cocreation") or []:
            self.quote(iri, KK.cocreationText, text, where)
        for variant in element.get("variants") or []:
            self.quote(iri, SKOS.hiddenLabel, variant, where)
        boxes = element.get("partner_types")
        if boxes:
            where.at(element, "partner_types").mapping(boxes, "`partner_types`")
            self._partner_boxes(iri, boxes, where.at(boxes))
        for partner in element.get("partners") or []:
            g.add((iri, KK.involvesPartner, self.full(partner)))
        for theme in element.get("themes") or []:
            g.add((iri, KK.theme, self.vocab.concept(KK.ThemeScheme, theme, where)))
        self._relations(iri, element, where)
        self._notes(iri, element)

    def _partner_boxes(self, iri: URIRef, boxes: Any, where: Where) -> None:
        involved = boxes.get("involved") or []
        not_involved = boxes.get("not_involved") or []
        overlap = set(involved) & set(not_involved)
        if overlap:
            where.fail(f"partner types both ■ and □: {', '.join(overlap)}")
        if boxes.get("at"):
            for start, end in source_ranges(boxes["at"], where):
                self.graph.add((iri, PROV.wasDerivedFrom, fragment(self.document, start, end)))
        for label in involved:
            self.graph.add(
                (iri, KK.involvesPartnerType, self.vocab.concept(KK.PartnerTypeScheme, label, where))
            )
        for label in not_involved:
            self.graph.add(
                (iri, KK.notInvolvesPartnerType, self.vocab.concept(KK.PartnerTypeScheme, label, where))
            )

    def _relations(self, iri: URIRef, item: dict[str, Any], where: Where) -> None:
        """Cross-plan links: the short triple plus a reified statement with basis and evidence."""
        rels = where.at(item, "relations").sequence(item.get("relations"), "`relations`")
        for n, rel in enumerate(rels, start=1):
            rwhere = where.at(rel)
            rwhere.mapping(rel, "a relation")
            predicate = RELATIONS.get(rel.get("type"))
            if predicate is None or not rel.get("target"):
                rwhere.fail(f"a relation needs `type` ({', '.join(RELATIONS)}) and `target`")
            target = self.full(rel["target"])
            g = self.graph
            g.add((iri, predicate, target))
            node = URIRef(f"{iri}/link/{n}")
            g.add((node, RDF.type, RDF.Statement))
            g.add((node, RDF.subject, iri))
            g.add((node, RDF.predicate, predicate))
            g.add((node, RDF.object, target))
            g.add((node, KK.basis, BASES.get(rel.get("basis", "Curated"), KK.Curated)))
            g.add((node, PROV.wasAttributedTo, EDITORS))
            if rel.get("evidence"):
                self.quote(node, KK.evidence, rel["evidence"], rwhere)
            for note in rel.get("notes") or []:
                g.add((node, SKOS.editorialNote, note_literal(note)))

    def _notes(self, iri: URIRef, item: dict[str, Any]) -> None:
        for note in item.get("notes") or []:
            self.graph.add((iri, SKOS.editorialNote, note_literal(note)))

    def _partner(self, partner: Any) -> None:
        where = self.where.at(partner)
        iri = self.full(partner["id"])
        self._claim(iri, partner["id"], where)
        g = self.graph
        g.add((iri, RDF.type, KK.Partner))
        self.quote(iri, RDFS.label, partner["label"], where)
        if partner.get("partner_type"):
            g.add(
                (
                    iri,
                    KK.partnerType,
                    self.vocab.concept(KK.PartnerTypeScheme, partner["partner_type"], where),
                )
            )
        self._notes(iri, partner)

    def _unit(self, unit: Any) -> None:
        where = self.where.at(unit)
        iri = self.full(unit["id"])
        self._claim(iri, unit["id"], where)
        g = self.graph
        g.add((iri, RDF.type, ORG.OrganizationalUnit))
        g.add((iri, ORG.unitOf, ID[self.municipality]))
        self.quote(iri, RDFS.label, unit["label"], where)
        if unit.get("role"):
            self.quote(iri, DCTERMS.description, unit["role"], where)
        self._notes(iri, unit)

    def _rating_scheme(self, scheme: Any) -> None:
        where = self.where.at(scheme)
        iri = self.full(scheme["id"])
        self._claim(iri, scheme["id"], where)
        g = self.graph
        g.add((iri, RDF.type, SKOS.ConceptScheme))
        if scheme.get("label"):
            self.quote(iri, RDFS.label, scheme["label"], where)
            self.quote(iri, SKOS.prefLabel, scheme["label"], where)
        for n, code in enumerate(scheme.get("codes") or [], start=1):
            concept = URIRef(f"{iri}/{n}")
            g.add((concept, RDF.type, SKOS.Concept))
            g.add((concept, SKOS.inScheme, iri))
            g.add((concept, SKOS.topConceptOf, iri))
            g.add((concept, SKOS.notation, Literal(str(code["notation"]))))
            if code.get("label"):
                self.quote(concept, SKOS.prefLabel, code["label"], where.at(code))
            else:
                g.add((concept, SKOS.prefLabel, Literal(str(code["notation"]), lang="ja")))
            self._notes(concept, code)
        self._notes(iri, scheme)

    def _rating_concept(self, scheme: URIRef, notation: str, where: Where) -> URIRef:
        for concept in self.graph.subjects(SKOS.inScheme, scheme):
            if str(self.graph.value(concept, SKOS.notation)) == notation:
                return concept  # type: ignore[return-value]
        where.fail(f"rating {notation!r} is not a code of {scheme}")
        raise AssertionError  # unreachable

    def _indicator(self, indicator: Any) -> None:
        where = self.where.at(indicator)
        iri = self.full(indicator["id"])
        self._claim(iri, indicator["id"], where)
        g = self.graph
        g.add((iri, RDF.type, KK.Indicator))
        stubs = {str(s.get("id")) for s in self.data.get("stubs") or [] if isinstance(s, dict)}
        # `of` names an element of this document, or a stub by its full path (a city plan's item)
        of = self.full(indicator["of"]) if indicator["of"] in stubs else self.local(indicator["of"])
        g.add((iri, KK.indicatorOf, of))
        g.add((of, KK.hasIndicator, iri))
        self.quote(iri, RDFS.label, indicator["label"], where)
        if indicator.get("unit"):
            g.add((iri, KK.unit, Literal(str(indicator["unit"]))))
        target = indicator.get("target")
        if target:
            where.at(indicator, "target").mapping(target, "`target`")
            twhere = where.at(target)
            if target.get("value") is not None:
                g.add((iri, KK.targetValue, Literal(str(target["value"]), datatype=XSD.decimal)))
            comparator = target.get("comparator")
            if comparator is not None:
                if comparator not in COMPARATORS:
                    twhere.fail(f"comparator must be one of {' '.join(sorted(COMPARATORS))}")
                g.add((iri, KK.targetComparator, Literal(comparator)))
            if target.get("year") is not None:
                g.add((iri, KK.targetYear, Literal(str(target["year"]), datatype=XSD.gYear)))
            if target.get("relative_to") is not None:  # a relative target (「前年度を上回る」)
                if target["relative_to"] != "previous-year":
                    twhere.fail("relative_to must be previous-year")
                g.add((iri, KK.targetRelativeTo, KK.PreviousFiscalYear))
            if target.get("comparator_basis") is not None:  # Curated: the text prints no 以上 etc.
                if target["comparator_basis"] not in ("Explicit", "Curated"):
                    twhere.fail("comparator_basis must be Explicit or Curated")
                g.add((iri, KK.targetComparatorBasis, KK[target["comparator_basis"]]))
            if target.get("at"):
                for start, end in source_ranges(target["at"], twhere):
                    g.add((iri, PROV.wasDerivedFrom, fragment(self.document, start, end)))
        for obs in indicator.get("observations") or []:
            owhere = where.at(obs)
            node = URIRef(f"{iri}/observation/{obs['fiscal_year']}")
            g.add((node, RDF.type, KK.Observation))
            g.add((node, KK.observationOf, iri))
            g.add((node, KK.value, Literal(str(obs["value"]), datatype=XSD.decimal)))
            g.add((node, KK.fiscalYear, Literal(str(obs["fiscal_year"]), datatype=XSD.gYear)))
            if obs.get("forecast"):
                g.add((node, KK.forecast, Literal(True)))
            if obs.get("at"):
                for start, end in source_ranges(obs["at"], owhere):
                    g.add((node, PROV.wasDerivedFrom, fragment(self.document, start, end)))
            self._notes(node, obs)
        self._notes(iri, indicator)

    def _evaluation(self, evaluation: Any) -> None:
        where = self.where.at(evaluation)
        iri = self.full(evaluation["id"])
        self._claim(iri, evaluation["id"], where)
        g = self.graph
        g.add((iri, RDF.type, KK.Evaluation))
        g.add((iri, KK.evaluationOf, self.local(evaluation["of"])))
        scheme = self.full(evaluation["scheme"])
        g.add((iri, KK.rating, self._rating_concept(scheme, str(evaluation["rating"]), where)))
        if evaluation.get("fiscal_year") is not None:
            g.add((iri, KK.fiscalYear, Literal(str(evaluation["fiscal_year"]), datatype=XSD.gYear)))
        if evaluation.get("at"):
            for start, end in source_ranges(evaluation["at"], where):
                g.add((iri, PROV.wasDerivedFrom, fragment(self.document, start, end)))
        self._notes(iri, evaluation)

    def _close_plans(self) -> None:
        """State `kk:inPlan` for every element; `kk:hasPart` from plan to all is left to the reasoner."""
        for plan in self.plan_iris:
            self.graph.add((plan, RDF.type, KK.Plan))
