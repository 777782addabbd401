"""The rules engine: the OWL 2 RL rules our ontology uses, as SPARQL updates evaluated inside pyoxigraph.

owlrl (kg/reason/owlrl.py) is the reference semantics, but it is a brute-force Python closure: seconds for the
four municipalities, hours for every municipality of Japan. This module computes the same entailments
for the rules that the axioms of our graphs actually trigger, to a fixpoint, without leaving Rust for
each triple:

========== ==================================================== ============================================
rule       axiom read from the graphs                             entailment
========== ==================================================== ============================================
prp-spo1   ``p rdfs:subPropertyOf q``                             ``x p y`` ⇒ ``x q y``
prp-eqp    ``p owl:equivalentProperty q``                         both directions of prp-spo1
prp-inv    ``p owl:inverseOf q``                                  ``x p y`` ⇒ ``y q x`` (and back)
prp-symp   ``p a owl:SymmetricProperty``                          ``x p y`` ⇒ ``y p x``
prp-trp    ``p a owl:TransitiveProperty``                         ``x p y . y p z`` ⇒ ``x p z``
prp-spo2   ``p owl:propertyChainAxiom (p1 … pn)``                 ``u0 p1 u1 … pn un`` ⇒ ``u0 p un``
prp-dom    ``p rdfs:domain c``                                    ``x p y`` ⇒ ``x a c``
prp-rng    ``p rdfs:range c``                                     ``x p y`` ⇒ ``y a c``
cax-sco    ``c rdfs:subClassOf d``                                ``x a c`` ⇒ ``x a d``
cax-eqc    ``c owl:equivalentClass d``                            both directions of cax-sco
eq-*       ``owl:sameAs`` in the data                             symmetry, transitivity, replacement in
                                                                  subject, predicate and object position
========== ==================================================== ============================================

Nothing is hard-coded: the axioms are read from the graphs being reasoned over (the ontology, and
whatever else is given — exactly owlrl's input), and re-read after the fixpoint in case reasoning
entailed new axioms. Evaluation is semi-naive: each round joins at least one body atom against the
triples that are new since the previous round (`delta`), so a round costs what is new, not what is
known. The schema rules of OWL 2 RL (scm-*) only shorten these derivations, and axioms that owlrl would
only use to report inconsistencies (disjointness, irreflexivity, …) add no triple and are ignored.

Axioms that entail triples through rules we do not implement (functional properties, keys,
restrictions, intersections, unions, enumerations) make `UnsupportedAxiom` raise: the fast path never
silently differs from owlrl — choose the owlrl reasoner for such an ontology.

Two differences from owlrl, both outside what `useful()` keeps: owlrl works on generalised RDF and
derives triples with a literal subject (e.g. ``"70"^^xsd:decimal a xsd:decimal``) which an RDF store
cannot hold, and reflexive ``x owl:sameAs x`` for every term (eq-ref), which `useful()` drops.

The result is the same kind as kg.reason.owlrl.materialise: the entailments that were not stated,
through the same `useful()` filter (kg/reason/scope.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph

from kg.errors import KgError
from kg.reason.scope import SDG_STRUCTURE, TRIVIAL_TYPES, VOCAB_PREFIXES, useful
from kg.terms import quads_of, to_rdflib

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
TYPE = f"<{RDF}type>"
SAME_AS = f"<{OWL}sameAs>"

#: working graphs (in whichever store the reasoner runs); never part of a published dataset
WORK = "urn:x-keikaku:reason:"
STATED, STRUCTURE, INFERRED, DELTA, NEW = (
    ox.NamedNode(WORK + name) for name in ("stated", "structure", "inferred", "delta", "new")
)
WORK_GRAPHS = (STATED, STRUCTURE, INFERRED, DELTA, NEW)

#: constructs whose OWL 2 RL rules entail triples that this module does not derive
UNSUPPORTED_TYPES = ("FunctionalProperty", "InverseFunctionalProperty")
UNSUPPORTED_PREDICATES = (
    "hasKey", "intersectionOf", "unionOf", "someValuesFrom", "allValuesFrom", "hasValue",
    "maxCardinality", "maxQualifiedCardinality", "oneOf",
)  # fmt: skip


class UnsupportedAxiom(KgError):
    """The graphs use an OWL construct whose entailments the fast reasoner does not compute."""

    exit_code = 2


@dataclass
class Axioms:
    """The axioms that drive the rules, as N-Triples terms ready to go into SPARQL."""

    sub_property: set[tuple[str, str]] = field(default_factory=set)  # (p, q): x p y ⇒ x q y
    inverse: set[tuple[str, str]] = field(default_factory=set)  # (p, q): x p y ⇒ y q x
    transitive: set[str] = field(default_factory=set)
    chains: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    domain: set[tuple[str, str]] = field(default_factory=set)
    range: set[tuple[str, str]] = field(default_factory=set)
    sub_class: set[tuple[str, str]] = field(default_factory=set)  # (c, d): x a c ⇒ x a d
    same_as: bool = False

    def key(self) -> tuple:
        return tuple(
            sorted(map(str, getattr(self, name))) for name in self.__dataclass_fields__ if name != "same_as"
        )


@dataclass
class ReasoningStats:
    """What a run did: rounds, triples entailed per rule, seconds."""

    rounds: int = 0
    stated: int = 0
    inferred: int = 0  # every entailment (before the `useful()` filter)
    useful: int = 0
    per_rule: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _nt(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    return str(term)  # pyoxigraph terms print in N-Triples form


class FastReasoner:
    """Semi-naive OWL 2 RL materialisation (the rules of the module docstring) inside a pyoxigraph store.

    The input is every named graph of the store except `exclude`, plus, for each graph of
    `structure_only`, only its triples with the listed predicates (the SDG KOS: its structure). Nothing
    is copied: rules read the graphs where they are (`GRAPH ?g` with the excluded graphs filtered out)
    and write into working graphs under `urn:x-keikaku:reason:`.

    >>> from rdflib import OWL, RDF, Namespace
    >>> ex = Namespace("http://example.org/")
    >>> g = Graph()
    >>> _ = g.add((ex.hasPart, RDF.type, OWL.TransitiveProperty))
    >>> _ = g.add((ex.a, ex.hasPart, ex.b)); _ = g.add((ex.b, ex.hasPart, ex.c))
    >>> r = FastReasoner(); r.add_graph(g); _ = r.run()
    >>> (ex.a, ex.hasPart, ex.c) in r.inferred_graph()
    True
    """

    def __init__(
        self,
        store: ox.Store | None = None,
        *,
        exclude: Sequence[str] = (),
        structure_only: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.store = store if store is not None else ox.Store()
        self.structure_only = dict(structure_only or {})
        self.excluded = sorted({*exclude, *self.structure_only})
        self.stats = ReasoningStats()

    # ---- the input view --------------------------------------------------------------------------
    def add_graph(self, graph: Graph) -> None:
        """Add an rdflib graph's triples to the input (working graph `stated`)."""
        self.store.extend(quads_of(graph, STATED))

    def _not_in(self, var: str, *extra: ox.NamedNode) -> str:
        names = [f"<{g}>" for g in self.excluded] + [str(g) for g in extra]
        return f"FILTER (?{var} NOT IN ({', '.join(names)}))" if names else ""

    def _all(self, atom: str, var: str) -> str:
        """An atom matched in the input ∪ everything entailed so far (`delta` is a subset of those)."""
        return f"GRAPH ?{var} {{ {atom} {self._not_in(var, DELTA)} }}"

    def _stated(self, atom: str, var: str) -> str:
        """An atom matched in the input only (the first round's delta)."""
        return f"GRAPH ?{var} {{ {atom} {self._not_in(var, INFERRED, DELTA, NEW)} }}"

    def _select(self, sparql: str) -> list[tuple]:
        result = self.store.query(sparql)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        return [tuple(sol[n] for n in names) for sol in result]

    def _ask(self, sparql: str) -> bool:
        return bool(self.store.query(sparql))

    def _count(self, graph: ox.NamedNode) -> int:
        result = self.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        assert isinstance(result, ox.QuerySolutions)
        return int(next(iter(result))["n"].value)

    # ---- axioms ----------------------------------------------------------------------------------
    def read_axioms(self) -> Axioms:
        """Read the axioms from the input ∪ entailments; refuse constructs we cannot follow."""
        for name in UNSUPPORTED_TYPES:
            found = self._select(
                f"SELECT ?p WHERE {{ {self._all(f'?p {TYPE} <{OWL}{name}>', 'g')} }} LIMIT 3"
            )
            if found:
                where = ", ".join(_nt(r[0]) for r in found)
                raise UnsupportedAxiom(
                    f"owl:{name} ({where}) is not supported by the fast reasoner; use the owlrl reasoner"
                )
        for name in UNSUPPORTED_PREDICATES:
            if self._ask(f"ASK {{ {self._all(f'?s <{OWL}{name}> ?o', 'g')} }}"):
                raise UnsupportedAxiom(
                    f"owl:{name} is not supported by the fast reasoner; use the owlrl reasoner"
                )
        ax = Axioms()
        iri = ox.NamedNode

        def pairs(pred: str) -> list[tuple]:
            return self._select(f"SELECT DISTINCT ?a ?b WHERE {{ {self._all(f'?a <{pred}> ?b', 'g')} }}")

        def typed(cls: str) -> list[tuple]:
            return self._select(f"SELECT DISTINCT ?p WHERE {{ {self._all(f'?p {TYPE} <{cls}>', 'g')} }}")

        for a, b in pairs(RDFS + "subPropertyOf"):
            if isinstance(a, iri) and isinstance(b, iri) and a != b:
                ax.sub_property.add((_nt(a), _nt(b)))
        for a, b in pairs(OWL + "equivalentProperty"):
            if isinstance(a, iri) and isinstance(b, iri) and a != b:
                ax.sub_property |= {(_nt(a), _nt(b)), (_nt(b), _nt(a))}
        for a, b in pairs(OWL + "inverseOf"):
            if isinstance(a, iri) and isinstance(b, iri):
                ax.inverse |= {(_nt(a), _nt(b)), (_nt(b), _nt(a))}
        for (p,) in typed(OWL + "SymmetricProperty"):
            if isinstance(p, iri):
                ax.inverse.add((_nt(p), _nt(p)))
        for (p,) in typed(OWL + "TransitiveProperty"):
            if isinstance(p, iri):
                ax.transitive.add(_nt(p))
        for a, b in pairs(RDFS + "domain"):
            if isinstance(a, iri) and isinstance(b, iri):  # blank nodes: class expressions, refused above
                ax.domain.add((_nt(a), _nt(b)))
        for a, b in pairs(RDFS + "range"):
            if isinstance(a, iri) and isinstance(b, iri):
                ax.range.add((_nt(a), _nt(b)))
        for a, b in pairs(RDFS + "subClassOf"):
            if a != b and isinstance(a, iri) and isinstance(b, iri):
                ax.sub_class.add((_nt(a), _nt(b)))
        for a, b in pairs(OWL + "equivalentClass"):
            if a != b and isinstance(a, iri) and isinstance(b, iri):
                ax.sub_class |= {(_nt(a), _nt(b)), (_nt(b), _nt(a))}
        for p, head in pairs(OWL + "propertyChainAxiom"):
            if isinstance(p, iri):
                chain = self._list(head)
                if chain:
                    ax.chains.add((_nt(p), tuple(chain)))
        ax.same_as = self._ask(f"ASK {{ {self._all(f'?x {SAME_AS} ?y FILTER (?x != ?y)', 'g')} }}")
        return ax

    def _list(self, head: object) -> list[str]:
        """The IRIs of an rdf:List (read through the pattern API: a blank node in SPARQL text would be a
        variable); [] for anything that is not a well-formed list of IRIs."""
        first, rest, nil = ox.NamedNode(RDF + "first"), ox.NamedNode(RDF + "rest"), ox.NamedNode(RDF + "nil")
        excluded = {ox.NamedNode(g) for g in self.excluded} | {DELTA}

        def value(node: object, predicate: ox.NamedNode) -> object:
            for quad in self.store.quads_for_pattern(node, predicate, None, None):  # type: ignore[arg-type]
                if quad.graph_name not in excluded:
                    return quad.object
            return None

        items: list[str] = []
        node: object = head
        seen: set[object] = set()
        while node != nil:
            if node is None or node in seen or isinstance(node, ox.Literal):
                return []
            seen.add(node)
            item = value(node, first)
            if not isinstance(item, ox.NamedNode):
                return []
            items.append(_nt(item))
            node = value(node, rest)
        return items

    # ---- rules -----------------------------------------------------------------------------------
    def _rules(self, ax: Axioms) -> Iterator[tuple[str, str, list[list[str]]]]:
        """(rule name, head template, bodies); each body is a list of atoms, one marked with ``Δ:`` to
        be matched among the triples new since the previous round, the others among all triples."""

        def values(names: str, rows: Iterable[tuple[str, ...]]) -> str:
            body = " ".join("(" + " ".join(row) + ")" for row in sorted(rows))
            return f"VALUES ({names}) {{ {body} }}"

        if ax.sub_property:
            yield "prp-spo1", "?x ?q ?y", [[values("?p ?q", ax.sub_property), "Δ:?x ?p ?y"]]
        if ax.inverse:
            yield (
                "prp-inv",
                "?y ?q ?x",
                [[values("?p ?q", ax.inverse), "Δ:?x ?p ?y", "FILTER (!isLiteral(?y))"]],
            )
        if ax.transitive:
            vals = values("?p", ((p,) for p in ax.transitive))
            yield "prp-trp", "?x ?p ?z", [[vals, "Δ:?x ?p ?y", "?y ?p ?z"], [vals, "?x ?p ?y", "Δ:?y ?p ?z"]]
        for n, (p, chain) in enumerate(sorted(ax.chains)):
            atoms = [f"?u{i} {prop} ?u{i + 1}" for i, prop in enumerate(chain)]
            bodies = [
                [("Δ:" if i == k else "") + atom for i, atom in enumerate(atoms)] for k in range(len(atoms))
            ]
            yield f"prp-spo2#{n}", f"?u0 {p} ?u{len(chain)}", bodies
        if ax.same_as:
            yield "eq-sym", f"?y {SAME_AS} ?x", [[f"Δ:?x {SAME_AS} ?y"]]
            yield (
                "eq-trans",
                f"?x {SAME_AS} ?z",
                [
                    [f"Δ:?x {SAME_AS} ?y", f"?y {SAME_AS} ?z"],
                    [f"?x {SAME_AS} ?y", f"Δ:?y {SAME_AS} ?z"],
                ],
            )
            for name, head, same, atom in (
                ("eq-rep-s", "?s2 ?p ?o", f"?s {SAME_AS} ?s2", "?s ?p ?o"),
                ("eq-rep-p", "?s ?p2 ?o", f"?p {SAME_AS} ?p2", "?s ?p ?o"),
                ("eq-rep-o", "?s ?p ?o2", f"?o {SAME_AS} ?o2", "?s ?p ?o"),
            ):
                yield name, head, [[f"Δ:{same}", atom], [same, f"Δ:{atom}"]]
        # typing last, so that a round types what the property rules above entailed in it
        if ax.domain:
            yield "prp-dom", f"?x {TYPE} ?c", [[values("?p ?c", ax.domain), "Δ:?x ?p ?y"]]
        if ax.range:
            yield (
                "prp-rng",
                f"?y {TYPE} ?c",
                [[values("?p ?c", ax.range), "Δ:?x ?p ?y", "FILTER (!isLiteral(?y))"]],
            )
        if ax.sub_class:
            yield "cax-sco", f"?x {TYPE} ?d", [[values("?c ?d", ax.sub_class), f"Δ:?x {TYPE} ?c"]]

    def _apply(self, head: str, body: list[str], first_round: bool) -> None:
        """Insert into `new` the distinct instances of `head` for `body` that are not known yet.

        Everything entailed earlier in the same round is already visible (`new` is part of the view), so
        a chain of rules can complete within one round."""
        where = []
        for n, atom in enumerate(body):
            if atom.startswith(("VALUES", "FILTER")):
                where.append(atom)
            elif atom.startswith("Δ:"):
                where.append(
                    self._stated(atom[2:], f"g{n}") if first_round else f"GRAPH {DELTA} {{ {atom[2:]} }}"
                )
            else:
                where.append(self._all(atom, f"g{n}"))
        head_vars = " ".join(sorted(set(re.findall(r"\?\w+", head))))
        self.store.update(
            f"INSERT {{ GRAPH {NEW} {{ {head} }} }} WHERE {{ "
            f"{{ SELECT DISTINCT {head_vars} WHERE {{ {' '.join(where)} }} }} "
            f"FILTER NOT EXISTS {{ GRAPH ?gh {{ {head} {self._not_in('gh')} }} }} }}"
        )

    def _prepare(self) -> None:
        for graph in WORK_GRAPHS:
            if graph != STATED:
                self.store.update(f"DROP SILENT GRAPH {graph}")
        for graph_iri, predicates in self.structure_only.items():
            values = " ".join(f"<{p}>" for p in predicates)
            self.store.update(
                f"INSERT {{ GRAPH {STRUCTURE} {{ ?s ?p ?o }} }} "
                f"WHERE {{ VALUES ?p {{ {values} }} GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
            )

    def run(self, max_rounds: int = 100) -> ReasoningStats:
        """Materialise to a fixpoint into the working graph `inferred`; return the statistics."""
        started = time.perf_counter()
        stats = self.stats
        self._prepare()
        count = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {self._stated('?s ?p ?o', 'g')} }}")
        stats.stated = int(count[0][0].value)
        axioms = self.read_axioms()
        first_round = True
        while True:
            while True:
                stats.rounds += 1
                if stats.rounds > max_rounds:
                    raise KgError(f"reasoning did not reach a fixpoint in {max_rounds} rounds")
                before = 0
                for name, head, bodies in self._rules(axioms):
                    for body in bodies:
                        self._apply(head, body, first_round)
                    after = self._count(NEW)
                    base = name.split("#")[0]
                    stats.per_rule[base] = stats.per_rule.get(base, 0) + after - before
                    before = after
                self.store.update(f"DROP SILENT GRAPH {DELTA}")
                if before == 0:
                    break
                self.store.update(f"ADD SILENT {NEW} TO {INFERRED} ; MOVE SILENT {NEW} TO {DELTA}")
                first_round = False
                if not axioms.same_as and self._ask(f"ASK {{ GRAPH {DELTA} {{ ?x {SAME_AS} ?y }} }}"):
                    axioms.same_as = True
            # entailed axioms (rare: e.g. a sub-property of rdfs:subClassOf) need one more pass over all
            new_axioms = self.read_axioms()
            if new_axioms.key() == axioms.key() and new_axioms.same_as == axioms.same_as:
                break
            axioms = new_axioms
            first_round = True
        stats.inferred = self._count(INFERRED)
        stats.seconds = round(time.perf_counter() - started, 3)
        return stats

    # ---- output ----------------------------------------------------------------------------------
    def inferred_graph(self) -> Graph:
        """The entailments as an rdflib graph, through scope.useful (the exact reference filter)."""
        out = Graph()
        for quad in self.store.quads_for_pattern(None, None, None, INFERRED):
            triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
            if useful(triple):  # type: ignore[arg-type]
                out.add(triple)  # type: ignore[arg-type]
        self.stats.useful = len(out)
        return out

    def write_useful(self, target: ox.NamedNode, *, drop_work: bool = True) -> int:
        """Put the useful entailments into the named graph `target` of the same store (all in Rust)."""
        self.store.update(
            f"DELETE {{ GRAPH {INFERRED} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {INFERRED} {{ ?s ?p ?o }} "
            f"FILTER (!({USEFUL_FILTER})) }}"
        )
        self.store.update(f"ADD SILENT {INFERRED} TO {target}")
        count = self._count(target)
        self.stats.useful = count
        if drop_work:
            self.drop_work_graphs()
        return count

    def drop_work_graphs(self) -> None:
        for graph in WORK_GRAPHS:
            self.store.update(f"DROP SILENT GRAPH {graph}")


def _useful_filter() -> str:
    """scope.useful as a SPARQL expression over ?s ?p ?o (tested against the Python version)."""
    vocab = " || ".join(f'STRSTARTS(STR(?s), "{p}")' for p in VOCAB_PREFIXES)
    vocab_o = " || ".join(f'STRSTARTS(STR(?o), "{p}")' for p in VOCAB_PREFIXES)
    trivial = ", ".join(f"<{t}>" for t in sorted(TRIVIAL_TYPES))
    schema = (
        ", ".join(f"<{RDFS}{n}>" for n in ("subClassOf", "subPropertyOf", "domain", "range"))
        + f", <{OWL}equivalentClass>, <{OWL}equivalentProperty>, <{OWL}differentFrom>, <{OWL}AllDifferent>"
    )
    return (
        f"isIRI(?s) && !isBlank(?o) && !({vocab}) && !(?p = <{OWL}sameAs> && ?s = ?o) "
        f"&& !(?p = <{RDF}type> && ?o IN ({trivial})) && ?p NOT IN ({schema}) "
        f"&& !(?p = <{RDF}type> && isIRI(?o) && ({vocab_o}))"
    )


USEFUL_FILTER = _useful_filter()


def materialise(stated: Iterable[Graph]) -> Graph:
    """The useful entailments of the union of `stated` (what kg.reason.owlrl.materialise returns).

    >>> from kg.namespaces import KK
    >>> from rdflib import OWL as O, RDF as R, Namespace
    >>> ex = Namespace("http://example.org/")
    >>> g = Graph()
    >>> _ = g.add((KK.hasPart, R.type, O.TransitiveProperty))
    >>> _ = g.add((ex.a, KK.hasPart, ex.b)); _ = g.add((ex.b, KK.hasPart, ex.c))
    >>> (ex.a, KK.hasPart, ex.c) in materialise([g])
    True
    """
    reasoner = FastReasoner()
    for graph in stated:
        reasoner.add_graph(graph)
    reasoner.run()
    return reasoner.inferred_graph()


def materialise_dataset(
    store: ox.Store,
    *,
    target: str,
    sdg_graph: str | None = None,
    exclude: Sequence[str] = (),
) -> ReasoningStats:
    """Reason over the named graphs of a dataset store as the build does — every graph, but only the
    structure (types, skos:broader …) of the SDG KOS — and put the useful entailments into the named
    graph `target` of the same store (replacing it). Nothing leaves the store; working graphs are dropped.
    """
    store.update(f"DROP SILENT GRAPH <{target}>")
    reasoner = FastReasoner(
        store,
        exclude=[target, *exclude],
        structure_only={sdg_graph: [str(p) for p in SDG_STRUCTURE]} if sdg_graph else None,
    )
    reasoner.run()
    reasoner.write_useful(ox.NamedNode(target))
    return reasoner.stats


__all__ = ["FastReasoner", "ReasoningStats", "UnsupportedAxiom", "materialise", "materialise_dataset"]
