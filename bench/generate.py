"""A deterministic synthetic national graph: every municipality of Japan with a plan shaped like ours.

The users' next step is every municipality (about 1,741), each with plans of the same shape as the four
we hold. This module writes such a dataset — SYNTHETIC, for benchmarks and tests only — as N-Quads with
one named graph per document, the real `graph/ontology` and `graph/sdg`, and `graph/municipalities`,
so that the named queries, the reasoner, the shapes and the stores meet the same shape at national size.

Every resource follows the real URI patterns (`id/{municipality}/{document}/...`, municipality slugs like
`m01101`) and the real mapping of docs/data-format.md: a plan with a vision, goals, policies and
measures (`kk:hasGoal`/`hasPolicy`/`hasMeasure`, `kk:isPartOf`, `kk:inPlan`), partner-type boxes,
named partners, themes, qualified SDG alignments with evidence and rationale, indicators with
observations, evaluations with a rating scheme, a cross-plan link, a stub of the previous plan, and RFC
5147 provenance fragments. Texts are made-up phrases marked 合成 (synthetic). The slugs `m{PP}{NNN}` give
five-digit codes with a check digit computed as the shapes require, and the e-Stat area IRI of that code
(`owl:sameAs`, `skos:exactMatch`) — the codes are NOT the real municipalities that may bear them, and a
synthetic file must never be published. Nothing here is plan content.

The output is a pure function of (municipalities, seed): the same arguments give the same bytes.

    python -m bench.generate --municipalities 1741 --out bench/out/national-1741.nq
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, SKOS

from kg.ingest import load_ontology, load_sdg
from kg.namespaces import BASE, GRAPH, ID, KK, SDGO
from kg.paths import ONTOLOGY, ROOT

SEED = 20261123
NATIONAL = 1741
OUT = ROOT / "bench" / "out"
GENERATOR_VERSION = "2"

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
OWL = "http://www.w3.org/2002/07/owl#"
SCHEMA = "https://schema.org/"
KKNS = str(KK._NS)
SOURCE = BASE + "source/"
ESTAT_SAC = "http://data.e-stat.go.jp/lod/sac/C"
EDITORS = ID["agent/keikaku-editors"]
SUGGESTER = ID["agent/keikaku-suggester"]

#: synthetic policy topics: (theme prefLabel@ja, topic phrase, SDG targets it plausibly serves)
TOPICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("防災", "地域防災力の向上", ("11.5", "13.1")),
    ("防犯", "防犯対策の推進", ("16.1",)),
    ("交通安全", "交通安全対策の推進", ("3.6", "11.2")),
    ("子育て", "子育て支援の充実", ("4.2", "1.3")),
    ("教育", "学校教育の充実", ("4.1", "4.7")),
    ("福祉", "高齢者福祉の推進", ("3.8", "10.2")),
    ("健康", "健康づくりの推進", ("3.4", "3.d")),
    ("環境・脱炭素", "温室効果ガスの削減", ("13.2", "7.2", "7.3")),
    ("廃棄物・資源循環", "ごみの削減と資源化", ("12.5", "12.3")),
    ("自然環境・緑", "緑の保全と創出", ("15.1", "11.7")),
    ("地域コミュニティ", "地域活動の支援", ("11.3", "16.7")),
    ("協働", "市民との協働の推進", ("17.17",)),
    ("広報・広聴", "情報発信の充実", ("16.10",)),
    ("観光", "観光の振興", ("8.9",)),
    ("産業", "地域産業の活性化", ("8.3", "9.2")),
    ("農業", "農業の振興", ("2.3", "2.4")),
    ("水産業", "水産業の振興", ("14.7", "14.b")),
    ("雇用・労働", "働きやすい環境づくり", ("8.5", "5.5")),
    ("交通", "公共交通の充実", ("11.2", "9.1")),
    ("都市基盤", "道路・橋りょうの維持", ("9.1", "11.b")),
    ("住宅", "住環境の整備", ("11.1",)),
    ("景観", "景観の保全", ("11.4",)),
    ("歴史・文化", "文化財の保存と活用", ("11.4", "4.7")),
    ("スポーツ", "スポーツの推進", ("3.4",)),
    ("国際交流", "多文化共生の推進", ("10.2", "4.7")),
    ("人権・共生", "人権の尊重", ("5.1", "10.3")),
    ("行政経営", "行財政改革の推進", ("16.6", "17.1")),
    ("デジタル", "行政のデジタル化", ("9.c", "16.6")),
)
PARTNER_TYPES = ("市民", "地域", "市民活動団体", "関係機関", "企業・事業者", "滞在者", "他行政機関", "その他")
NAMED_PARTNERS = (("社会福祉協議会", "関係機関"), ("警察署", "他行政機関"), ("商工会議所", "企業・事業者"),
                  ("大学", "関係機関"), ("自治会連合会", "地域"), ("観光協会", "企業・事業者"))  # fmt: skip
UNITS = ("企画課", "総務課", "環境課", "福祉課")
COMPARATORS = ("≥", "≤", "≥", "≥", "=")
UNITS_OF_MEASURE = ("%", "人", "件", "回", "t")
RATINGS = (("A", "順調"), ("B", "概ね順調"), ("C", "遅れている"))


def check_digit(code5: str) -> str:
    """The check digit of a 全国地方公共団体コード, as the shapes compute it: 11 − (6a+5b+4c+3d+2e mod 11),
    last digit.

    >>> check_digit("14204")  # Kamakura: 142042
    '2'
    """
    total = sum(w * int(d) for w, d in zip((6, 5, 4, 3, 2), code5, strict=True))
    return str((11 - total % 11) % 10)


def slugs(count: int = NATIONAL) -> list[str]:
    """`count` municipality slugs `m{prefecture:02d}{n:03d}` spread over the 47 prefectures.

    >>> slugs(3), len(slugs())
    (['m01101', 'm02101', 'm03101'], 1741)
    """
    per, extra = divmod(count, 47)
    out = []
    for pref in range(1, 48):
        n = per + (1 if pref <= extra else 0)
        out += [f"m{pref:02d}{101 + k:03d}" for k in range(n)]
    return sorted(out, key=lambda s: (int(s[3:]), s[1:3]))[:count]


# ---------------------------------------------------------------------------------------------------
# N-Quads writing
# ---------------------------------------------------------------------------------------------------


def iri(value: str) -> str:
    return f"<{value}>"


def lit(text: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype and datatype != XSD + "string":
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def term_nt(term: object) -> str:
    if isinstance(term, URIRef):
        return iri(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal)
    return lit(str(term), lang=term.language, datatype=str(term.datatype) if term.datatype else None)


@dataclass
class Vocab:
    """Concept IRIs by prefLabel@ja per scheme, SDG targets, read from the real ontology and SDG KOS."""

    concepts: dict[str, dict[str, str]] = field(default_factory=dict)
    sdg_codes: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, ontology: Graph, sdg: Graph) -> Vocab:
        vocab = cls()
        for concept, scheme in ontology.subject_objects(SKOS.inScheme):
            for label in ontology.objects(concept, SKOS.prefLabel):
                if isinstance(label, Literal) and label.language == "ja":
                    key = str(scheme).rsplit("#", 1)[-1]
                    vocab.concepts.setdefault(key, {})[str(label)] = str(concept)
        for kind in (SDGO.Goal, SDGO.Target):
            for node in sdg.subjects(RDF.type, kind):
                vocab.sdg_codes.add(str(node).removeprefix("http://metadata.un.org/sdg/"))
        return vocab

    def concept(self, scheme: str, label: str) -> str:
        try:
            return self.concepts[scheme][label]
        except KeyError as exc:
            raise SystemExit(
                f"bench.generate: {label!r} is not in {scheme} (ontology/schemes.ttl changed?)"
            ) from exc


class Document:
    """The quads of one synthetic document graph, with a running character offset for fragments."""

    def __init__(self, slug: str, document: str, out: Callable[[str], None]) -> None:
        self.slug = slug
        self.document = f"{slug}/{document}"
        self.graph = iri(str(GRAPH[self.document]))
        self.source = SOURCE + self.document
        self.out = out
        self.offset = 0
        self.count = 0

    def q(self, s: str, p: str, o: str) -> None:
        self.out(f"{s} {p} {o} {self.graph} .\n")
        self.count += 1

    def quote(self, s: str, p: str, text: str) -> None:
        """A quoted text and the fragment it is 'derived from' (a fresh range of the synthetic source)."""
        start = self.offset + 2
        end = start + len(text)
        self.offset = end
        self.q(s, p, lit(text, lang="ja"))
        self.q(s, iri(PROV + "wasDerivedFrom"), iri(f"{self.source}#char={start},{end}"))


def _kk(name: str) -> str:
    return iri(KKNS + name)


A = iri(RDF_NS + "type")
LABEL = iri(RDFS + "label")
NOTATION = iri(SKOS_NS + "notation")
DERIVED = iri(PROV + "wasDerivedFrom")
DESCRIPTION = iri(DCT + "description")


def municipality_doc(
    slug: str, index: int, rng: random.Random, vocab: Vocab, doc: Document, parent: str | None
) -> None:
    """One municipality's plan document: about 1,400 quads."""
    code = slug[1:]
    mun = iri(str(ID[slug]))
    plan_id = f"{slug}/plan-2030"
    plan = iri(str(ID[plan_id]))
    src = iri(doc.source)
    q = doc.q
    # the source document
    q(src, A, _kk("SourceDocument"))
    q(src, A, iri(PROV + "Entity"))
    q(src, iri(DCT + "format"), lit("text/plain; charset=utf-8"))
    q(src, iri(DCT + "identifier"), lit("sha256:" + hashlib.sha256(doc.document.encode()).hexdigest()))
    q(src, iri(DCT + "language"), lit("ja"))
    q(src, iri(DCT + "title"), lit(f"合成市{code} 総合計画（合成データ）", lang="ja"))
    q(src, iri(DCT + "title"), lit(f"Synthetic city {code} comprehensive plan (synthetic data)", lang="en"))
    q(src, iri(DCT + "spatial"), mun)
    # the plan
    q(plan, A, _kk("Plan"))
    q(plan, _kk("issuedBy"), mun)
    q(plan, DERIVED, src)
    q(plan, _kk("basis"), _kk("Explicit"))
    title = f"合成市{code}総合計画2030"
    doc.quote(plan, iri(DCT + "title"), title)
    q(plan, LABEL, lit(title, lang="ja"))
    q(plan, _kk("planType"), iri(vocab.concept("PlanTypeScheme", "基本計画")))
    q(plan, _kk("periodStart"), lit("2026", datatype=XSD + "gYear"))
    q(plan, _kk("periodEnd"), lit("2030", datatype=XSD + "gYear"))
    # a stub of the previous plan, inherited by the vision
    prev = iri(str(ID[f"{slug}/comprehensive-plan-prev"]))
    q(prev, A, _kk("Plan"))
    doc.quote(prev, LABEL, f"第{rng.randint(2, 5)}次合成市{code}総合計画")
    q(prev, _kk("basis"), _kk("Curated"))
    # partners and units
    partners = []
    for k, (name, ptype) in enumerate(rng.sample(NAMED_PARTNERS, 3), start=1):
        partner = iri(str(ID[f"{slug}/partner/p{k}"]))
        q(partner, A, _kk("Partner"))
        doc.quote(partner, LABEL, f"合成市{code}{name}")
        q(partner, _kk("partnerType"), iri(vocab.concept("PartnerTypeScheme", ptype)))
        partners.append(partner)
    for k, unit_name in enumerate(rng.sample(UNITS, 2), start=1):
        unit = iri(str(ID[f"{slug}/unit/u{k}"]))
        q(unit, A, iri(ORG + "OrganizationalUnit"))
        q(unit, iri(ORG + "unitOf"), mun)
        doc.quote(unit, LABEL, unit_name)
    # rating scheme of the document
    scheme_iri = str(ID[f"{slug}/plan-2030/rating/progress"])
    scheme = iri(scheme_iri)
    q(scheme, A, iri(SKOS_NS + "ConceptScheme"))
    doc.quote(scheme, LABEL, "進捗評価")
    ratings = []
    for k, (code_, meaning) in enumerate(RATINGS, start=1):
        concept = iri(f"{scheme_iri}/{k}")
        q(concept, A, iri(SKOS_NS + "Concept"))
        q(concept, iri(SKOS_NS + "inScheme"), scheme)
        q(concept, iri(SKOS_NS + "topConceptOf"), scheme)
        q(concept, NOTATION, lit(code_))
        doc.quote(concept, iri(SKOS_NS + "prefLabel"), meaning)
        ratings.append(concept)

    def element(
        path: str, cls: str, level: str, notation: str, order: int, parent_iri: str, label: str
    ) -> str:
        node = iri(str(ID[f"{slug}/{path}"]))
        q(node, A, _kk(cls))
        doc.quote(node, LABEL, label)
        q(node, _kk("basis"), _kk("Explicit"))
        q(node, NOTATION, lit(notation))
        q(node, _kk("localLevel"), iri(vocab.concept("ElementLevelScheme", level)))
        q(node, _kk("order"), lit(str(order), datatype=XSD + "integer"))
        child = {"Vision": "hasPart", "Goal": "hasGoal", "Policy": "hasPolicy", "Measure": "hasMeasure"}[cls]
        q(parent_iri, _kk(child), node)
        q(node, _kk("isPartOf"), parent_iri)
        q(node, _kk("inPlan"), plan)
        return node

    def align(node: str, path: str, targets: tuple[str, ...]) -> None:
        done: set[str] = set()
        for target in rng.sample(targets, min(len(targets), rng.choice((1, 1, 2)))):
            code_sdg = target if rng.random() < 0.8 else target.split(".")[0]
            if code_sdg not in vocab.sdg_codes or code_sdg in done:
                continue
            done.add(code_sdg)
            alignment = iri(str(ID[f"{slug}/{path}/sdg/{code_sdg}"]))
            basis = rng.choices(("Curated", "Explicit", "Automatic"), weights=(70, 20, 10))[0]
            q(node, _kk("sdgAlignment"), alignment)
            q(alignment, A, _kk("SDGAlignment"))
            q(alignment, _kk("sdg"), iri("http://metadata.un.org/sdg/" + code_sdg))
            q(alignment, _kk("basis"), _kk(basis))
            q(alignment, _kk("confidence"), lit(f"{rng.randint(5, 10) / 10:.1f}", datatype=XSD + "decimal"))
            doc.quote(alignment, _kk("evidence"), f"合成根拠：{code_sdg}に関する取組を進めます")
            q(
                alignment,
                _kk("rationale"),
                lit(f"合成データ：ターゲット{code_sdg}に対応づけた例。", lang="ja"),
            )
            q(
                alignment,
                iri(PROV + "wasAttributedTo"),
                iri(str(SUGGESTER if basis == "Automatic" else EDITORS)),
            )

    vision = element(
        "plan-2030/vision", "Vision", "将来都市像", "将来都市像", 1, plan, f"人と自然が共生する合成市{code}"
    )
    q(vision, _kk("inheritsFrom"), prev)
    link = iri(str(ID[f"{slug}/plan-2030/vision/link/1"]))
    q(link, A, iri(RDF_NS + "Statement"))
    q(link, iri(RDF_NS + "subject"), vision)
    q(link, iri(RDF_NS + "predicate"), _kk("inheritsFrom"))
    q(link, iri(RDF_NS + "object"), prev)
    q(link, _kk("basis"), _kk("Curated"))
    q(link, iri(PROV + "wasAttributedTo"), iri(str(EDITORS)))
    doc.quote(link, _kk("evidence"), "前計画の将来都市像を引き継ぎ")
    topics = rng.sample(TOPICS, 12)
    t = 0
    policies: list[tuple[str, str]] = []
    for g in range(1, rng.choice((3, 4, 4, 5)) + 1):
        gpath = f"plan-2030/goal/{g}"
        goal = element(
            gpath, "Goal", "基本目標", str(g), g, plan, f"合成基本目標{g}：{topics[t % 12][1]}のまち"
        )
        doc.quote(goal, _kk("targetState"), f"{topics[t % 12][1]}が進み、誰もが安心して暮らせるまち（合成）")
        for p in range(1, rng.choice((2, 3, 3, 4)) + 1):
            theme, topic, targets = topics[t % 12]
            t += 1
            ppath = f"plan-2030/policy/{g}-{p}"
            policy = element(ppath, "Policy", "施策", f"{g}-{p}", p, goal, f"{topic}（合成施策{g}-{p}）")
            doc.quote(policy, DESCRIPTION, f"{topic}に向けて、関係者と連携して施策を展開します（合成）。")
            doc.quote(policy, _kk("targetState"), f"{topic}が実現しているまち（合成）")
            involved = set(rng.sample(PARTNER_TYPES, rng.randint(2, 5)))
            for ptype in PARTNER_TYPES:
                prop = "involvesPartnerType" if ptype in involved else "notInvolvesPartnerType"
                q(policy, _kk(prop), iri(vocab.concept("PartnerTypeScheme", ptype)))
            q(policy, DERIVED, iri(f"{doc.source}#char={doc.offset + 1},{doc.offset + 40}"))
            q(policy, _kk("theme"), iri(vocab.concept("ThemeScheme", theme)))
            if rng.random() < 0.4:
                doc.quote(policy, _kk("cocreationText"), f"{topic}について市民・企業と共創します（合成）。")
            if rng.random() < 0.5:
                q(policy, _kk("involvesPartner"), rng.choice(partners))
            if rng.random() < 0.6:
                align(policy, ppath, targets)
            policies.append((ppath, policy))
            evaluation = iri(str(ID[f"{slug}/plan-2030/evaluation/{g}-{p}"]))
            q(evaluation, A, _kk("Evaluation"))
            q(evaluation, _kk("evaluationOf"), policy)
            q(evaluation, _kk("rating"), rng.choice(ratings))
            q(evaluation, _kk("fiscalYear"), lit("2026", datatype=XSD + "gYear"))
            q(evaluation, DERIVED, iri(f"{doc.source}#char={doc.offset + 3},{doc.offset + 9}"))
            for m in range(1, rng.choice((2, 3, 4, 4)) + 1):
                mpath = f"{ppath}/measure/{m}"
                measure = element(
                    mpath, "Measure", "主な取組", f"({m})", m, policy, f"{topic}のための取組{m}（合成）"
                )
                doc.quote(measure, DESCRIPTION, f"{topic}のため、事業{m}を実施します（合成）。")
                if rng.random() < 0.5:
                    q(measure, _kk("theme"), iri(vocab.concept("ThemeScheme", theme)))
                if rng.random() < 0.6:
                    align(measure, mpath, targets)
    for k, (ppath, policy) in enumerate(
        rng.sample(policies, min(len(policies), rng.choice((2, 3)))), start=1
    ):
        indicator = iri(str(ID[f"{slug}/plan-2030/indicator/{k}"]))
        q(indicator, A, _kk("Indicator"))
        q(indicator, _kk("indicatorOf"), policy)
        q(policy, _kk("hasIndicator"), indicator)
        doc.quote(indicator, LABEL, f"合成指標{k}（{ppath.rsplit('/', 1)[-1]}）")
        q(indicator, _kk("unit"), lit(rng.choice(UNITS_OF_MEASURE)))
        target = rng.randint(20, 90)
        q(indicator, _kk("targetValue"), lit(str(target), datatype=XSD + "decimal"))
        q(indicator, _kk("targetComparator"), lit(rng.choice(COMPARATORS)))
        q(indicator, _kk("targetYear"), lit("2030", datatype=XSD + "gYear"))
        for year in (2026, 2027):
            obs = iri(f"{indicator[1:-1]}/observation/{year}")
            q(obs, A, _kk("Observation"))
            q(obs, _kk("observationOf"), indicator)
            q(obs, _kk("value"), lit(f"{target * rng.uniform(0.6, 1.2):.1f}", datatype=XSD + "decimal"))
            q(obs, _kk("fiscalYear"), lit(str(year), datatype=XSD + "gYear"))
            q(obs, DERIVED, iri(f"{doc.source}#char={doc.offset + 5},{doc.offset + 12}"))
    if parent is not None:  # a ward: one of its policies implements a policy of the parent city's plan
        ppath, policy = policies[0]
        target = iri(str(ID[f"{parent}/plan-2030/policy/1-1"]))
        q(policy, _kk("implements"), target)
        link = iri(f"{policy[1:-1]}/link/1")
        q(link, A, iri(RDF_NS + "Statement"))
        q(link, iri(RDF_NS + "subject"), policy)
        q(link, iri(RDF_NS + "predicate"), _kk("implements"))
        q(link, iri(RDF_NS + "object"), target)
        q(link, _kk("basis"), _kk("Curated"))
        q(link, iri(PROV + "wasAttributedTo"), iri(str(EDITORS)))
        doc.quote(link, _kk("evidence"), "市の総合計画に基づき実施します（合成）")


def municipalities_graph(all_slugs: list[str], parents: dict[str, str], out: Callable[[str], None]) -> int:
    graph = iri(str(GRAPH["municipalities"]))
    count = 0
    for slug in all_slugs:
        code = slug[1:]
        code6 = code + check_digit(code)
        mun = iri(str(ID[slug]))
        external = iri(f"{ESTAT_SAC}{code}")
        rows = [
            (A, _kk("Municipality")),
            (A, iri(ORG + "Organization")),
            (LABEL, lit(f"合成市{code}", lang="ja")),
            (LABEL, lit(f"Synthetic city {code}", lang="en")),
            (iri(SKOS_NS + "prefLabel"), lit(f"合成市{code}", lang="ja")),
            (iri(SKOS_NS + "prefLabel"), lit(f"Synthetic city {code}", lang="en")),
            (_kk("localGovernmentCode"), lit(code6)),
            (NOTATION, lit(code6)),
            (iri(SKOS_NS + "exactMatch"), external),
            (iri(OWL + "sameAs"), external),
            (iri(SCHEMA + "containedInPlace"), lit(f"合成県{code[:2]}", lang="ja")),
        ]
        if slug in parents:
            rows.append((_kk("partOf"), iri(str(ID[parents[slug]]))))
        for p, o in rows:
            out(f"{mun} {p} {o} {graph} .\n")
        count += len(rows)
    return count


def shared_graphs(out: Callable[[str], None], ontology: Path = ONTOLOGY) -> tuple[int, Graph, Graph]:
    """The real ontology and SDG graphs (as the build ingests them)."""
    onto, sdg = load_ontology(ontology), load_sdg(ontology / "sdg")
    count = 0
    for name, graph in (("ontology", to_canonical_graph(onto)), ("sdg", to_canonical_graph(sdg))):
        g = iri(str(GRAPH[name]))
        for line in sorted(f"{term_nt(s)} {term_nt(p)} {term_nt(o)} {g} .\n" for s, p, o in graph):
            out(line)
            count += 1
    return count, onto, sdg


@dataclass
class Generated:
    path: Path
    municipalities: int
    quads: int
    documents: int
    seconds: float


def wards_of(all_slugs: list[str]) -> dict[str, str]:
    """Every 25th municipality is a ward of the one before it (kk:partOf; a cross-plan `implements`)."""
    return {all_slugs[i]: all_slugs[i - 1] for i in range(1, len(all_slugs)) if i % 25 == 1}


def iter_national(municipalities: int = NATIONAL, seed: int = SEED) -> Iterator[str]:
    """The dataset as N-Quads lines (shared graphs first, then one document per municipality)."""
    lines: list[str] = []
    _, onto, sdg = shared_graphs(lines.append)
    yield from lines
    vocab = Vocab.load(onto, sdg)
    all_slugs = slugs(municipalities)
    parents = wards_of(all_slugs)
    lines = []
    municipalities_graph(all_slugs, parents, lines.append)
    yield from lines
    for index, slug in enumerate(all_slugs):
        rng = random.Random(f"{seed}:{slug}")
        lines = []
        doc = Document(slug, "plan-2030", lines.append)
        municipality_doc(slug, index, rng, vocab, doc, parents.get(slug))
        yield from lines


def generate(path: Path, municipalities: int = NATIONAL, seed: int = SEED) -> Generated:
    """Write the dataset to `path` (N-Quads) and say what was written."""
    start = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    quads = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        buffer: list[str] = []
        for line in iter_national(municipalities, seed):
            buffer.append(line)
            quads += 1
            if len(buffer) >= 100_000:
                handle.write("".join(buffer))
                buffer.clear()
        handle.write("".join(buffer))
    tmp.replace(path)
    return Generated(path, municipalities, quads, municipalities, round(time.perf_counter() - start, 2))


def dataset_path(municipalities: int, seed: int = SEED, folder: Path = OUT) -> Path:
    return folder / f"national-{municipalities}-s{seed}-v{GENERATOR_VERSION}.nq"


def ensure(municipalities: int, seed: int = SEED, folder: Path = OUT) -> Path:
    """The cached dataset file for these arguments, generated if missing."""
    path = dataset_path(municipalities, seed, folder)
    if not path.exists():
        generate(path, municipalities, seed)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipalities", "-n", type=int, default=NATIONAL)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    path = args.out or dataset_path(args.municipalities, args.seed)
    result = generate(path, args.municipalities, args.seed)
    print(
        f"wrote {result.quads} quads ({result.municipalities} municipalities) to {path} in {result.seconds}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
