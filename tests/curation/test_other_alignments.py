"""Curated SDG alignments of the four non-Kamakura documents: located, faithful, and where they belong.

The same checks as tests/curation/test_kamakura_alignments.py, parametrised over Tsurumi's 将来ビジョン and
FY2015 evaluation, Setagaya's 基本計画 and Izumi's 運営方針. Where an element's text lies is computed here
from the structured extraction (data/plans/…), independently of the generator: an element's block runs from
the first to the last character of its own quoted texts and those of its descendants, so a quote attached to
the wrong element fails. Every 施策/取組 (Policy/Measure) must be aligned or listed below with the reason it
is not: unlinked must be a decision, not an oversight.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg import paths
from kg.extract import alignments as gen

DOCUMENTS = [
    ("osaka-tsurumi", "vision-2027"),
    ("osaka-tsurumi", "evaluation-2015"),
    ("setagaya", "basic-plan"),
    ("yokohama-izumi", "policy-2024"),
]
IDS = [f"{m}/{d}" for m, d in DOCUMENTS]

# Policies and measures deliberately left without an SDG link (reasons also in the report of issue 3).
UNLINKED: dict[str, dict[str, str]] = {
    "osaka-tsurumi/vision-2027": {
        "vision-2027/stance": "names the SDGs only as a whole (区政運営 to reflect them); no goal follows",
    },
    "osaka-tsurumi/evaluation-2015": {
        "evaluation-2015/outcome/1-1/measure/1-1-1": "promotion events (town walks, concerts, festivals)",
        # 業務運営: the cells bundle four actions (1)–(4); the links sit on the actions (issue 11)
        "evaluation-2015/outcome/gyomu-unei/strategy/1": "bundled cell: its links are on its parts (1)–(4)",
        "evaluation-2015/outcome/gyomu-unei/measure/gyomu-unei-torikumi": "bundled cell: links on its parts",
        **{
            f"evaluation-2015/outcome/gyomu-unei/{cell}/part/{n}": f"{what}: no link held before the split "
            "(the cell's 17.1 link rested on (2)); pending the SDG re-review"
            for cell in ("strategy/1", "measure/gyomu-unei-torikumi")
            for n, what in (("3", "国保料の収納対策"), ("4", "広告事業"))
        },
    },
    "setagaya/basic-plan": {},
    "yokohama-izumi/policy-2024": {
        "policy-2024/policy/1": "city promotion (シティプロモーション); its heritage measure carries 11.4",
        "policy-2024/policy/1/measure/1": "city promotion and events to attract residents",
        "policy-2024/policy/2/measure/1": "children volunteering in local activities; no target's subject",
        "policy-2024/management/2": "how the ward office organises its support of local communities",
        "policy-2024/management/3": "internal organisation (team spirit, communication)",
    },
}

QUOTED_FIELDS = ("label", "subtitle", "description", "target_state", "texts", "cocreation")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
SDG_NAMED = re.compile(r"SDG|持続可能な開発目標")


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def spans(at: list) -> list[tuple[int, int]]:
    return [tuple(at)] if isinstance(at[0], int) else [tuple(pair) for pair in at]


def quoted(value: Any) -> list[tuple[int, int]]:
    """Ranges of a quoted text or a list of quoted texts."""
    items = value if isinstance(value, list) else [value]
    return [pair for item in items for pair in spans(item["at"])]


class Document:
    """One document's source text, extraction and generated alignments, with the element blocks."""

    def __init__(self, municipality: str, document: str) -> None:
        self.municipality, self.document = municipality, document
        self.key = f"{municipality}/{document}"
        with open(paths.SOURCES / municipality / f"{document}.txt", encoding="utf-8", newline="") as handle:
            self.text = handle.read()
        self.plan = yaml.safe_load(
            (paths.PLANS / municipality / f"{document}.yaml").read_text(encoding="utf-8")
        )
        self.output_file = paths.ALIGNMENTS / municipality / f"{document}.yaml"
        self.output = yaml.safe_load(self.output_file.read_text(encoding="utf-8"))
        self.elements = {e["id"]: e for e in self.plan["elements"]}
        own = {
            eid: [pair for key in QUOTED_FIELDS if key in e for pair in quoted(e[key])]
            for eid, e in self.elements.items()
        }
        # Widen each element to its descendants' ranges.
        ranges: dict[str, list[tuple[int, int]]] = {eid: list(pairs) for eid, pairs in own.items()}
        for eid, pairs in own.items():
            parent = self.elements[eid].get("parent")
            while parent in ranges:
                ranges[parent] += pairs
                parent = self.elements[parent].get("parent")
        self.ranges = ranges
        self.blocks = {
            eid: (min(s for s, _ in pairs), max(e for _, e in pairs))
            for eid, pairs in ranges.items()
            if pairs
        }

    def of(self, element: str) -> list[dict]:
        return [a for a in self.output["alignments"] if a["element"] == element]


_CACHE: dict[str, Document] = {}


@pytest.fixture(params=DOCUMENTS, ids=IDS)
def doc(request: pytest.FixtureRequest) -> Document:
    municipality, document = request.param
    key = f"{municipality}/{document}"
    if key not in _CACHE:
        _CACHE[key] = Document(municipality, document)
    return _CACHE[key]


def document(key: str) -> Document:
    municipality, name = key.split("/", 1)
    if key not in _CACHE:
        _CACHE[key] = Document(municipality, name)
    return _CACHE[key]


@pytest.fixture(scope="module")
def sdg_codes() -> set[str]:
    graph = Graph()
    graph.parse(paths.ONTOLOGY / "sdg" / "sdg-kos-goals-targets-indicators.ttl", format="turtle")
    sdgo = "http://metadata.un.org/sdg/ontology#"
    return {
        str(s).removeprefix("http://metadata.un.org/sdg/")
        for cls in ("Goal", "Target")
        for s in graph.subjects(RDF.type, URIRef(sdgo + cls))
    }


def test_output_equals_regeneration(doc: Document) -> None:
    assert doc.output_file.read_text(encoding="utf-8") == gen.build(doc.municipality, doc.document)


def test_every_evidence_obeys_the_fidelity_rule(doc: Document) -> None:
    assert doc.output["alignments"], doc.key
    for a in doc.output["alignments"]:
        pairs = spans(a["evidence"]["at"])
        assert all(0 <= s < e <= len(doc.text) for s, e in pairs), a
        assert all(pairs[i][1] <= pairs[i + 1][0] for i in range(len(pairs) - 1)), a
        assert a["evidence"]["text"].strip(), a
        sliced = "".join(doc.text[s:e] for s, e in pairs)
        assert squeeze(sliced) == squeeze(a["evidence"]["text"]), (a["element"], a["sdg"])


def test_every_evidence_lies_in_its_elements_block(doc: Document) -> None:
    for a in doc.output["alignments"]:
        assert a["element"] in doc.blocks, f"{a['element']} is not an element of {doc.key}"
        start, end = doc.blocks[a["element"]]
        pairs = spans(a["evidence"]["at"])
        assert start <= pairs[0][0] and pairs[-1][1] <= end, (a["element"], a["sdg"], a["evidence"]["text"])


def test_every_evidence_lies_in_one_of_its_elements_quoted_texts(doc: Document) -> None:
    """Stricter than the block: the layouts interleave elements (Izumi's 施策 text comes pages before its
    取組), so each evidence range must lie inside one quoted text of the element or of a descendant."""
    for a in doc.output["alignments"]:
        own = doc.ranges[a["element"]]
        for s, e in spans(a["evidence"]["at"]):
            assert any(a0 <= s and e <= b0 for a0, b0 in own), (a["element"], a["sdg"], a["evidence"]["text"])


def test_every_sdg_code_exists_in_the_kos(doc: Document, sdg_codes: set[str]) -> None:
    assert len(sdg_codes) == 17 + 169
    for a in doc.output["alignments"]:
        assert isinstance(a["sdg"], str) and a["sdg"] in sdg_codes, a


def test_alignments_are_well_formed(doc: Document) -> None:
    assert doc.output["document"] == doc.key
    pairs = [(a["element"], a["sdg"]) for a in doc.output["alignments"]]
    assert len(pairs) == len(set(pairs)), "an element may be aligned to an SDG only once"
    per_element: dict[str, int] = {}
    for a in doc.output["alignments"]:
        assert a["basis"] in ("Explicit", "Curated"), a  # curated by hand: nothing Automatic here
        assert a["confidence"] in (0.5, 0.7, 0.9), a
        assert doc.elements[a["element"]]["class"] in ("Vision", "Goal", "Policy", "Measure"), a
        per_element[a["element"]] = per_element.get(a["element"], 0) + 1
    assert max(per_element.values()) <= 3


def test_every_rationale_is_japanese_and_names_its_sdg(doc: Document) -> None:
    for a in doc.output["alignments"]:
        rationale = a["rationale"]
        assert rationale.strip() and len(JAPANESE.findall(rationale)) >= 10, a
        named = f"ターゲット{a['sdg']}" if "." in a["sdg"] else f"目標{a['sdg']}"
        assert named in rationale, (a["element"], a["sdg"], rationale)


def test_explicit_only_where_the_text_names_the_sdgs(doc: Document) -> None:
    explicit = [a for a in doc.output["alignments"] if a["basis"] == "Explicit"]
    for a in explicit:
        assert SDG_NAMED.search(a["evidence"]["text"]), a
    if not SDG_NAMED.search(doc.text):
        assert not explicit, f"{doc.key} never names the SDGs"


def test_every_policy_and_measure_is_aligned_or_deliberately_unlinked(doc: Document) -> None:
    aligned = {a["element"] for a in doc.output["alignments"]}
    unlinked = UNLINKED[doc.key]
    for element, reason in unlinked.items():
        assert element in doc.elements and reason, element
        assert element not in aligned, f"{element} is listed as unlinked but has an alignment"
    for eid, e in doc.elements.items():
        if e["class"] in ("Policy", "Measure"):
            assert eid in aligned or eid in unlinked, f"{eid} ({e['label']['text']}) was not considered"


# ── acceptance facts, one or two per document ─────────────────────────────────────────────────────


def sdgs_of(key: str, element: str) -> dict[str, dict]:
    return {a["sdg"]: a for a in document(key).of(element)}


def test_tsurumi_vision_sdg_direction_is_the_one_explicit_alignment() -> None:
    doc = document("osaka-tsurumi/vision-2027")
    explicit = [a for a in doc.output["alignments"] if a["basis"] == "Explicit"]
    assert [(a["element"], a["sdg"]) for a in explicit] == [("vision-2027/pillar/5/direction/1", "12.8")]
    assert "SDGsの区民への浸透" in explicit[0]["evidence"]["text"]
    # The 将来像 cites the SDGs' 理念 but names no goal: linked, but as our reading.
    assert sdgs_of(doc.key, "vision-2027/vision")["10.2"]["basis"] == "Curated"


def test_tsurumi_vision_disaster_direction_serves_sdg13() -> None:
    element = "vision-2027/pillar/2/direction/1"
    assert document("osaka-tsurumi/vision-2027").elements[element]["label"]["text"] == "災害に強いまちづくり"
    assert "13.1" in sdgs_of("osaka-tsurumi/vision-2027", element)


def test_tsurumi_evaluation_repeated_rows_resolve_to_the_elements_own_text() -> None:
    """区政会議 is printed in three rows; the alignment quotes the element's own (first) row."""
    doc = document("osaka-tsurumi/evaluation-2015")
    element = doc.elements["evaluation-2015/measure/kusei-kaigi"]
    quote = element["label"]["text"]
    assert len(gen.SourceIndex.from_text(doc.text).occurrences(quote)) == 3
    alignment = sdgs_of(doc.key, "evaluation-2015/measure/kusei-kaigi")["16.7"]
    assert alignment["evidence"]["at"] == element["label"]["at"]
    assert "1.5" in sdgs_of(doc.key, "evaluation-2015/outcome/4-2/strategy/1")  # 災害時要援護者支援


def test_generator_refuses_a_repeated_quote_outside_the_elements_text(tmp_path: Path) -> None:
    """The same repeated quote, attached to an element whose text does not hold it, stays ambiguous."""
    curation = tmp_path / "curation.yaml"
    item = {
        "element": "evaluation-2015/measure/faq",
        "sdg": "16.7",
        "basis": "Curated",
        "confidence": 0.9,
        "evidence": "区政への区民意見の反映に向け、区政会議を開催",
        "rationale": "区政会議の開催はターゲット16.7に対応する。",
    }
    doc = {"document": "osaka-tsurumi/evaluation-2015", "curator": "test", "alignments": [item]}
    curation.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(gen.EvidenceAmbiguous, match="occurs 3 times"):
        gen.generate("osaka-tsurumi", "evaluation-2015", curation_file=curation)


def test_setagaya_environment_and_inclusion_priorities() -> None:
    key = "setagaya/basic-plan"
    environment = sdgs_of(key, "basic-plan/priority/5")
    assert any(c.startswith("13.") for c in environment) and any(c.startswith("15.") for c in environment)
    assert sdgs_of(key, "basic-plan/priority/4")["10.2"]["confidence"] == 0.9


def test_izumi_disaster_and_decarbonisation_measures() -> None:
    key = "yokohama-izumi/policy-2024"
    disaster = document(key).elements["policy-2024/policy/3/measure/1"]
    assert disaster["label"]["text"] == "地域防災力の向上と防災体制の整備強化"
    assert {"11.5", "13.1"} & set(sdgs_of(key, "policy-2024/policy/3/measure/1"))
    assert any(c.startswith("13.") for c in sdgs_of(key, "policy-2024/policy/2/measure/2"))  # 脱炭素行動
