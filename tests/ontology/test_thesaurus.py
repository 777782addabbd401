"""The policy thesaurus (ontology/thesaurus.ttl) checked against the five source documents.

The thesaurus is what Japanese search will expand queries with (issue 12), so a wrong group silently
widens or narrows every search. These tests pin down what a group may contain and where its words come
from: every concept has exactly one prefLabel in ja and in en and sits in the scheme; labels are NFKC
text with no width or kana-only variants (the search normalisation folds those); at least one label of
every concept occurs in a source text, and `dct:source` names exactly those documents; a term that
belongs to two groups is explained by a scopeNote; the issue's five example groups are there, exactly;
broader/narrower/related are consistent. The checking helpers are also run on invented data, to show
they do fail.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

ROOT = Path(__file__).resolve().parents[2]
THESAURUS_TTL = ROOT / "ontology" / "thesaurus.ttl"
SOURCES = ROOT / "data" / "sources"

SCHEME = URIRef("https://w3id.org/keikaku/def/thesaurus")
TH = Namespace("https://w3id.org/keikaku/id/thesaurus/")
SOURCE_BASE = "https://w3id.org/keikaku/source/"
EDITORS = URIRef("https://w3id.org/keikaku/id/agent/keikaku-editors")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
DOCUMENTS = {
    "kamakura/plan-2030",
    "osaka-tsurumi/evaluation-2015",
    "osaka-tsurumi/vision-2027",
    "setagaya/basic-plan",
    "yokohama-izumi/policy-2024",
}

# issue 12, point 2: each example must be one group with exactly these Japanese labels
ISSUE_EXAMPLES = [
    pytest.param({"脱炭素", "温暖化対策", "カーボンニュートラル"}, id="decarbonisation"),
    pytest.param({"ごみ", "廃棄物", "資源循環"}, id="waste"),
    pytest.param({"再エネ", "再生可能エネルギー"}, id="renewable-energy"),
    pytest.param({"子ども", "こども", "子供"}, id="children"),
    pytest.param({"高齢者", "シニア"}, id="older-people"),
]


# ------------------------------------------------------------------------------------------- helpers


def normalise(text: str) -> str:
    """NFKC, case-folded, white space removed: the texts break lines (and pages) inside words."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).casefold()


def fold_kana(text: str) -> str:
    """`normalise` plus katakana → hiragana, i.e. what the search normalisation makes equal."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in normalise(text))


def occurs(label: str, text: str) -> bool:
    """Whether a label occurs in a normalised text; a label with Latin letters must not touch Latin
    letters on either side, so that EV is not found inside "Development"."""
    needle = normalise(label)
    if re.search(r"[a-z]", needle):
        return re.search(rf"(?<![a-z]){re.escape(needle)}(?![a-z])", text) is not None
    return needle in text


def concepts_of(graph: Graph) -> list[URIRef]:
    return sorted(c for c in graph.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef))


def ja_labels(graph: Graph, concept: URIRef) -> list[str]:
    """prefLabel@ja first, then the altLabels@ja in a stable order."""
    pref = [str(o) for o in graph.objects(concept, SKOS.prefLabel) if o.language == "ja"]
    alts = sorted(str(o) for o in graph.objects(concept, SKOS.altLabel) if o.language == "ja")
    return pref + alts


def name(graph: Graph, concept: URIRef) -> str:
    pref = [str(o) for o in graph.objects(concept, SKOS.prefLabel) if o.language == "ja"]
    return f"{concept.removeprefix(str(TH))} ({'/'.join(pref)})"


def attestation(graph: Graph, concept: URIRef, texts: dict[str, str]) -> dict[str, list[str]]:
    """label → the documents it occurs in, for every Japanese label of the concept."""
    return {lab: sorted(d for d, t in texts.items() if occurs(lab, t)) for lab in ja_labels(graph, concept)}


def unattested(graph: Graph, texts: dict[str, str]) -> list[str]:
    """Concepts none of whose labels occurs in any source text."""
    return [name(graph, c) for c in concepts_of(graph) if not any(attestation(graph, c, texts).values())]


def unexplained_shared_labels(graph: Graph) -> list[str]:
    """Labels (kana-folded) carried by two concepts, or an altLabel that is another concept's prefLabel,
    where a concept carrying it has no scopeNote@ja that mentions the term."""
    owners: dict[str, set[URIRef]] = defaultdict(set)
    for c in concepts_of(graph):
        for lab in ja_labels(graph, c):
            owners[fold_kana(lab)].add(c)
    problems = []
    for term, holders in sorted(owners.items()):
        if len(holders) < 2:
            continue
        for c in sorted(holders):
            notes = [normalise(n) for n in graph.objects(c, SKOS.scopeNote) if n.language == "ja"]
            if not any(term in fold_kana(n) for n in notes):
                problems.append(f"「{term}」 in {name(graph, c)} (also in {len(holders) - 1} other)")
    return problems


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def thesaurus() -> Graph:
    graph = Graph()
    graph.parse(THESAURUS_TTL, format="turtle")
    return graph


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    """The five source documents, normalised, keyed by `{municipality}/{document}`."""
    found = {
        f"{p.parent.name}/{p.stem}": normalise(p.read_text(encoding="utf-8"))
        for p in sorted(SOURCES.glob("*/*.txt"))
    }
    assert set(found) == DOCUMENTS, "the thesaurus was checked against exactly these five documents"
    return found


@pytest.fixture(scope="module")
def concepts(thesaurus: Graph) -> list[URIRef]:
    return concepts_of(thesaurus)


# ------------------------------------------------------------------------------------------- the scheme


def test_scheme_header_says_whose_work_and_licence(thesaurus: Graph) -> None:
    assert (SCHEME, RDF.type, SKOS.ConceptScheme) in thesaurus
    for prop in (RDFS.label, SKOS.prefLabel, SKOS.definition, RDFS.comment):
        assert {o.language for o in thesaurus.objects(SCHEME, prop)} == {"ja", "en"}, prop
    assert set(thesaurus.objects(SCHEME, DCTERMS.creator)) == {EDITORS}
    assert set(thesaurus.objects(SCHEME, DCTERMS.license)) == {CC_BY}
    assert set(thesaurus.objects(SCHEME, DCTERMS.source)) == {URIRef(SOURCE_BASE + d) for d in DOCUMENTS}


def test_at_least_200_concepts(concepts: list[URIRef]) -> None:
    assert len(concepts) >= 200


def test_every_concept_in_the_scheme_with_one_pref_label_per_language(
    thesaurus: Graph, concepts: list[URIRef]
) -> None:
    problems = []
    for c in concepts:
        langs = sorted(o.language or "" for o in thesaurus.objects(c, SKOS.prefLabel))
        if langs != ["en", "ja"]:
            problems.append(f"{c}: prefLabel languages {langs}")
        if set(thesaurus.objects(c, SKOS.inScheme)) != {SCHEME}:
            problems.append(f"{c}: not (only) in the scheme")
        slug = c.removeprefix(str(TH))
        if slug == str(c) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
            problems.append(f"{c}: not a slug under {TH}")
        if [str(n) for n in thesaurus.objects(c, SKOS.notation)] != [slug]:
            problems.append(f"{c}: skos:notation is not the slug")
        if any(o.language != "ja" for o in thesaurus.objects(c, SKOS.altLabel)):
            problems.append(f"{c}: an altLabel that is not @ja")
    assert not problems, "\n".join(problems)


def test_pref_labels_are_unique_in_the_scheme(thesaurus: Graph, concepts: list[URIRef]) -> None:
    for lang in ("ja", "en"):
        seen: dict[str, URIRef] = {}
        for c in concepts:
            for label in thesaurus.objects(c, SKOS.prefLabel):
                if label.language == lang:
                    assert str(label) not in seen, f"{label}@{lang}: {seen.get(str(label))} and {c}"
                    seen[str(label)] = c


def test_no_label_string_repeated_inside_a_concept(thesaurus: Graph, concepts: list[URIRef]) -> None:
    problems = []
    for c in concepts:
        strings = [str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in thesaurus.objects(c, p)]
        repeated = {s for s in strings if strings.count(s) > 1}
        if repeated:
            problems.append(f"{name(thesaurus, c)}: {sorted(repeated)}")
    assert not problems, "\n".join(problems)


def test_no_width_or_kana_only_variants(thesaurus: Graph, concepts: list[URIRef]) -> None:
    """ゴミ beside ごみ, or ＤＸ beside DX, adds nothing: the search folds them. Labels are NFKC text."""
    problems = []
    for c in concepts:
        labels = ja_labels(thesaurus, c)
        problems += [
            f"{name(thesaurus, c)}: 「{lab}」 is not NFKC"
            for lab in labels
            if unicodedata.normalize("NFKC", lab) != lab
        ]
        folded = [fold_kana(lab) for lab in labels]
        problems += [
            f"{name(thesaurus, c)}: 「{lab}」 differs from another label only in width/kana/case"
            for lab, f in zip(labels, folded, strict=True)
            if folded.count(f) > 1
        ]
    assert not problems, "\n".join(problems)


# -------------------------------------------------------------------------------------- attestation


def test_every_concept_is_attested_in_the_sources(thesaurus: Graph, texts: dict[str, str]) -> None:
    missing = unattested(thesaurus, texts)
    assert not missing, "no label found in any source text:\n" + "\n".join(missing)


def test_dct_source_names_exactly_the_documents_that_attest(
    thesaurus: Graph, concepts: list[URIRef], texts: dict[str, str]
) -> None:
    problems = []
    for c in concepts:
        found = {d for docs in attestation(thesaurus, c, texts).values() for d in docs}
        stated = {str(s).removeprefix(SOURCE_BASE) for s in thesaurus.objects(c, DCTERMS.source)}
        if stated != found:
            problems.append(
                f"{name(thesaurus, c)}: dct:source {sorted(stated)}, labels found in {sorted(found)}"
            )
    assert not problems, "\n".join(problems)


def test_every_document_contributes(thesaurus: Graph, concepts: list[URIRef]) -> None:
    """Each of the five documents attests some groups: the vocabulary is drawn from all four plans."""
    used = {str(s).removeprefix(SOURCE_BASE) for c in concepts for s in thesaurus.objects(c, DCTERMS.source)}
    assert used == DOCUMENTS


def test_the_attestation_check_fails_on_an_invented_group(texts: dict[str, str]) -> None:
    invented = Graph()
    concept = TH["invented"]
    invented.add((concept, RDF.type, SKOS.Concept))
    invented.add((concept, SKOS.prefLabel, Literal("空想施策推進", lang="ja")))
    invented.add((concept, SKOS.altLabel, Literal("ZZQ", lang="ja")))
    assert unattested(invented, texts) == ["invented (空想施策推進)"]
    # and a Latin abbreviation found only inside an English word does not count
    assert not occurs("EV", "sustainabledevelopmentgoals") and occurs("ZEH", "zeb、zehに関する")


# --------------------------------------------------------------------------------- groups and overlaps


@pytest.mark.parametrize("members", ISSUE_EXAMPLES)
def test_the_issue_examples_are_groups_with_exactly_those_members(
    thesaurus: Graph, concepts: list[URIRef], members: set[str]
) -> None:
    holders = [c for c in concepts if members & set(ja_labels(thesaurus, c))]
    assert len(holders) == 1, f"{sorted(members)} spread over {[name(thesaurus, c) for c in holders]}"
    assert set(ja_labels(thesaurus, holders[0])) == members, name(thesaurus, holders[0])


def test_a_term_in_two_groups_is_explained_by_a_scope_note(thesaurus: Graph) -> None:
    problems = unexplained_shared_labels(thesaurus)
    assert not problems, "\n".join(problems)


def test_the_overlap_check_fails_on_an_unexplained_shared_term() -> None:
    graph = Graph()
    for slug, pref in (("a", "見守り"), ("b", "防犯パトロール")):
        graph.add((TH[slug], RDF.type, SKOS.Concept))
        graph.add((TH[slug], SKOS.prefLabel, Literal(pref, lang="ja")))
    assert unexplained_shared_labels(graph) == []
    # another concept's prefLabel used as an altLabel
    graph.add((TH["b"], SKOS.altLabel, Literal("見守り", lang="ja")))
    assert len(unexplained_shared_labels(graph)) == 2
    for slug in ("a", "b"):
        graph.add((TH[slug], SKOS.scopeNote, Literal("「見守り」は防犯にも福祉にも用いる。", lang="ja")))
    assert unexplained_shared_labels(graph) == []
    # a label that differs from another group's only in kana is the same term for search
    graph.add((TH["a"], SKOS.altLabel, Literal("パトロール", lang="ja")))
    graph.add((TH["b"], SKOS.altLabel, Literal("ぱとろーる", lang="ja")))
    assert len(unexplained_shared_labels(graph)) == 2


def test_notes_and_definitions_are_in_japanese_and_english(thesaurus: Graph, concepts: list[URIRef]) -> None:
    problems = []
    for c in concepts:
        for prop in (SKOS.scopeNote, SKOS.definition):
            langs = sorted(o.language or "" for o in thesaurus.objects(c, prop))
            if langs and langs != ["en", "ja"]:
                problems.append(f"{name(thesaurus, c)}: {prop} in {langs}")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------------------- hierarchy


def test_broader_narrower_related_are_consistent(thesaurus: Graph, concepts: list[URIRef]) -> None:
    members = set(concepts)
    problems = []
    for c in concepts:
        for prop in (SKOS.broader, SKOS.narrower, SKOS.related):
            problems += [
                f"{c} {prop} {o}: not a concept of the scheme"
                for o in thesaurus.objects(c, prop)
                if o not in members
            ]
        broader = set(thesaurus.objects(c, SKOS.broader))
        if len(broader) > 1:
            problems.append(f"{name(thesaurus, c)}: more than one broader concept")
        problems += [
            f"{c} broader {b} without the narrower link"
            for b in broader
            if (b, SKOS.narrower, c) not in thesaurus
        ]
        problems += [
            f"{c} narrower {n} without the broader link"
            for n in thesaurus.objects(c, SKOS.narrower)
            if (n, SKOS.broader, c) not in thesaurus
        ]
        problems += [
            f"{c} related {r} not symmetric"
            for r in thesaurus.objects(c, SKOS.related)
            if (r, SKOS.related, c) not in thesaurus
        ]
        ancestors, node = [], c
        while (parent := thesaurus.value(node, SKOS.broader)) is not None:
            if parent in ancestors or parent == c:
                problems.append(f"{name(thesaurus, c)}: broader cycle")
                break
            ancestors.append(parent)
            node = parent
        problems += [
            f"{name(thesaurus, c)}: related to its ancestor {a}"
            for a in ancestors
            if (c, SKOS.related, a) in thesaurus
        ]
        top = (c, SKOS.topConceptOf, SCHEME) in thesaurus
        if top != (not broader) or top != ((SCHEME, SKOS.hasTopConcept, c) in thesaurus):
            problems.append(f"{name(thesaurus, c)}: top concept iff it has no broader concept")
    assert not problems, "\n".join(problems)
