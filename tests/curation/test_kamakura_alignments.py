"""The curated SDG alignments and themes of 鎌倉ミライ共創プラン2030, checked against the real source text.

The element structure (施策 blocks, 主な取組 blocks, the leading project, the 将来目標) is recomputed here
from the text itself, independently of the generator, so that a quote attached to the wrong element fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg import paths
from kg.errors import SourceError
from kg.extract import alignments as gen

MUNICIPALITY, DOCUMENT = "kamakura", "plan-2030"
SOURCE = paths.SOURCES / MUNICIPALITY / f"{DOCUMENT}.txt"
OUTPUT = paths.ALIGNMENTS / MUNICIPALITY / f"{DOCUMENT}.yaml"
CURATION = paths.DATA / "curation" / "alignments" / MUNICIPALITY / f"{DOCUMENT}.yaml"
THEMES = paths.DATA / "curation" / "themes" / MUNICIPALITY / f"{DOCUMENT}.yaml"

THEME_LABELS = {
    "防災", "防犯", "交通安全", "子育て", "教育", "福祉", "健康", "環境・脱炭素", "廃棄物・資源循環",
    "自然環境・緑", "地域コミュニティ", "協働", "広報・広聴", "観光", "産業", "農業", "水産業", "雇用・労働",
    "交通", "都市基盤", "住宅", "景観", "歴史・文化", "芸術・文化", "スポーツ", "国際交流", "人権・共生",
    "消費生活", "行政経営", "デジタル",
}  # fmt: skip
GROUP_LETTERS = "アイウエオカ"
POLICY_HEADING = re.compile(r"(?m)^[ \u3000]*(\d-\d+) (\S+)[ \u3000]*$")
MEASURE_HEADING = re.compile(r"(?m)^[ \u3000]*([①-⑳])[ \u3000]*\S")
COCREATION = re.compile(r"(?m)^[ \u3000]*◎ 共創のパートナー")
GROUP_HEADING = re.compile(
    r"(?m)^[ \u3000]*([アイウエオカ]) (施策の前提|横断的施策|\S+の共創|計画推進体制)[ \u3000]*$"
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


@dataclass
class Structure:
    """Blocks ``(start, end)`` of every alignable element, and the policies' labels and groups."""

    text: str
    blocks: dict[str, tuple[int, int]]
    policy_labels: dict[str, str]
    policy_group: dict[str, int]
    measures: dict[str, list[str]]


def read_structure() -> Structure:
    with open(SOURCE, encoding="utf-8", newline="") as handle:
        text = handle.read()
    blocks: dict[str, tuple[int, int]] = {}
    labels: dict[str, str] = {}
    measures: dict[str, list[str]] = {}
    groups = [(m.start(), GROUP_LETTERS.index(m.group(1)) + 1) for m in GROUP_HEADING.finditer(text)]
    group_of: dict[str, int] = {}

    # 施策: from "N-M label" to the next such heading (the last one runs to the end of the text).
    heads = list(POLICY_HEADING.finditer(text))
    for i, head in enumerate(heads):
        number, end = head.group(1), heads[i + 1].start() if i + 1 < len(heads) else len(text)
        policy = f"plan-2030/policy/{number}"
        blocks[policy] = (head.start(), end)
        labels[number] = head.group(2)
        group_of[number] = max(g for start, g in groups if start < head.start())
        # 主な取組: from its circled number to the next one, the 共創 box or the end of the 施策.
        stops = sorted(
            [m.start() for m in MEASURE_HEADING.finditer(text, head.end(), end)]
            + [m.start() for m in COCREATION.finditer(text, head.end(), end)]
            + [end]
        )
        measures[number] = []
        for m in MEASURE_HEADING.finditer(text, head.end(), end):
            value = ord(m.group(1)) - ord("①") + 1
            stop = next(s for s in stops if s > m.start())
            blocks[f"{policy}/measure/{value}"] = (m.start(), stop)
            measures[number].append(m.group(1))

    # リーディングプロジェクト and its 取組 ア–ウ.
    lp_start, lp_end = text.index("６ リーディングプロジェクト"), text.index("７ 施策の体系")
    blocks["plan-2030/leading-project"] = (lp_start, lp_end)
    lp_items = list(re.finditer(r"(?m)^([アイウ]) \S", text[text.index("(2) プロジェクトの取組") : lp_end]))
    base = text.index("(2) プロジェクトの取組")
    for i, m in enumerate(lp_items):
        stop = base + lp_items[i + 1].start() if i + 1 < len(lp_items) else lp_end
        blocks[f"plan-2030/leading-project/measure/{i + 1}"] = (base + m.start(), stop)

    # 将来目標 (1)–(3) of the 基本構想, up to the start of the 基本計画.
    goal_start = text.index("６ 将来目標")
    goal_end = text.index("鎌倉市基本計画「鎌倉ミライ共創プラン 2030」")
    goal_heads = list(re.finditer(r"(?m)^\(([123])\) \S", text[goal_start:goal_end]))
    for i, m in enumerate(goal_heads):
        stop = goal_start + goal_heads[i + 1].start() if i + 1 < len(goal_heads) else goal_end
        blocks[f"vision-2034/goal/{m.group(1)}"] = (goal_start + m.start(), stop)
    return Structure(text, blocks, labels, group_of, measures)


@pytest.fixture(scope="module")
def structure() -> Structure:
    return read_structure()


@pytest.fixture(scope="module")
def output() -> dict:
    return yaml.safe_load(OUTPUT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sdg_codes() -> set[str]:
    graph = Graph()
    graph.parse(gen.kos_path(), format="turtle")
    sdgo = "http://metadata.un.org/sdg/ontology#"
    codes = set()
    for cls in ("Goal", "Target"):
        for s in graph.subjects(RDF.type, URIRef(sdgo + cls)):
            codes.add(str(s).removeprefix("http://metadata.un.org/sdg/"))
    return codes


def spans(at: list) -> list[tuple[int, int]]:
    return [tuple(at)] if isinstance(at[0], int) else [tuple(pair) for pair in at]


def test_structure_is_what_the_plan_has(structure: Structure) -> None:
    """43 施策, 125 主な取組, 3 leading-project 取組, 3 将来目標 — else the block checks mean nothing."""
    assert len(structure.policy_labels) == 43
    assert sum(len(v) for v in structure.measures.values()) == 125
    assert sum(1 for k in structure.blocks if k.startswith("plan-2030/leading-project/measure/")) == 3
    assert sorted(k for k in structure.blocks if k.startswith("vision-2034/goal/")) == [
        f"vision-2034/goal/{n}" for n in (1, 2, 3)
    ]
    assert set(structure.policy_group.values()) == set(range(1, 7))


def test_output_equals_regeneration() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == gen.build(MUNICIPALITY, DOCUMENT)


def test_every_evidence_obeys_the_fidelity_rule(output: dict, structure: Structure) -> None:
    for a in output["alignments"]:
        pairs = spans(a["evidence"]["at"])
        assert all(0 <= s < e <= len(structure.text) for s, e in pairs), a
        assert all(pairs[i][1] <= pairs[i + 1][0] for i in range(len(pairs) - 1)), a
        sliced = "".join(structure.text[s:e] for s, e in pairs)
        assert squeeze(sliced) == squeeze(a["evidence"]["text"]), a["element"]
        assert a["evidence"]["text"].strip(), a


def test_every_evidence_lies_in_its_elements_block(output: dict, structure: Structure) -> None:
    for a in output["alignments"]:
        assert a["element"] in structure.blocks, f"unknown element {a['element']}"
        start, end = structure.blocks[a["element"]]
        pairs = spans(a["evidence"]["at"])
        assert start <= pairs[0][0] and pairs[-1][1] <= end, (a["element"], a["sdg"], a["evidence"]["text"])


def test_every_sdg_code_exists_in_the_kos(output: dict, sdg_codes: set[str]) -> None:
    assert len(sdg_codes) == 17 + 169
    for a in output["alignments"]:
        assert isinstance(a["sdg"], str) and a["sdg"] in sdg_codes, a


def test_alignments_are_well_formed(output: dict) -> None:
    assert output["document"] == f"{MUNICIPALITY}/{DOCUMENT}"
    pairs = [(a["element"], a["sdg"]) for a in output["alignments"]]
    assert len(pairs) == len(set(pairs)), "an element may be aligned to an SDG only once"
    for a in output["alignments"]:
        assert a["basis"] in ("Explicit", "Curated", "Automatic"), a
        assert a["confidence"] in (0.5, 0.7, 0.9), a
    per_element: dict[str, int] = {}
    for element, _ in pairs:
        per_element[element] = per_element.get(element, 0) + 1
    assert max(per_element.values()) <= 3
    assert 120 <= len(pairs) <= 200


def test_explicit_only_where_the_text_names_the_sdgs(output: dict) -> None:
    for a in output["alignments"]:
        if a["basis"] == "Explicit":
            assert re.search(r"SDG|持続可能な開発目標", a["evidence"]["text"]), a


def test_every_rationale_is_japanese_and_names_its_sdg(output: dict) -> None:
    for a in output["alignments"]:
        rationale = a["rationale"]
        assert rationale.strip() and len(JAPANESE.findall(rationale)) >= 10, a
        named = f"ターゲット{a['sdg']}" if "." in a["sdg"] else f"目標{a['sdg']}"
        assert named in rationale, (a["element"], a["sdg"], rationale)


def test_acceptance_climate_policy_and_its_measures_serve_sdg13(output: dict, structure: Structure) -> None:
    number = next(n for n, label in structure.policy_labels.items() if label == "温暖化対策")
    policy = f"plan-2030/policy/{number}"
    elements = [policy] + [f"{policy}/measure/{i}" for i in range(1, len(structure.measures[number]) + 1)]
    assert len(elements) == 4
    for element in elements:
        sdg13 = [a for a in output["alignments"] if a["element"] == element and a["sdg"].startswith("13.")]
        assert sdg13, f"{element} has no SDG 13 target"
        assert all(a["evidence"]["text"] and a["evidence"]["at"] for a in sdg13)


def test_themes_cover_every_policy_with_known_concepts(structure: Structure) -> None:
    data = yaml.safe_load(THEMES.read_text(encoding="utf-8"))
    assert data["document"] == f"{MUNICIPALITY}/{DOCUMENT}"
    entries = data["themes"]
    ids = [e["element"] for e in entries]
    assert len(ids) == len(set(ids))
    themes = {e["element"]: e["themes"] for e in entries}
    for e in entries:
        assert e["themes"] and set(e["themes"]) <= THEME_LABELS, e
        assert len(e["themes"]) == len(set(e["themes"])), e
    policies = {f"plan-2030/policy/{n}" for n in structure.policy_labels}
    groups = {f"plan-2030/group/{g}" for g in range(1, 7)}
    goals = {f"vision-2034/goal/{g}" for g in (1, 2, 3)}
    others = {
        "plan-2030/basic-condition/2",
        "plan-2030/town-development-principles",
        "plan-2030/leading-project",
        "plan-2030/group/6/1",
        "plan-2030/group/6/2",
    }
    assert set(ids) == policies | groups | goals | others
    # A group's themes are the union of its 施策's themes, in document order.
    for g in range(1, 7):
        union: list[str] = []
        for n in structure.policy_labels:
            if structure.policy_group[n] == g:
                union += [t for t in themes[f"plan-2030/policy/{n}"] if t not in union]
        assert themes[f"plan-2030/group/{g}"] == union, g


def test_climate_policy_theme(structure: Structure) -> None:
    number = next(n for n, label in structure.policy_labels.items() if label == "温暖化対策")
    themes = {e["element"]: e["themes"] for e in yaml.safe_load(THEMES.read_text(encoding="utf-8"))["themes"]}
    assert themes[f"plan-2030/policy/{number}"] == ["環境・脱炭素"]


# ── the generator's refusals, on the real source ─────────────────────────────────────────────────────


def write_curation(tmp_path: Path, item: dict) -> Path:
    path = tmp_path / "curation.yaml"
    base = {
        "element": "plan-2030/policy/3-4/measure/1",
        "sdg": "12.5",
        "basis": "Curated",
        "confidence": 0.9,
        "evidence": "ごみの削減に取り組みます",
        "rationale": "ごみの削減はターゲット12.5に対応する。",
    }
    doc = {"document": "kamakura/plan-2030", "curator": "test", "alignments": [{**base, **item}]}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run(tmp_path: Path, item: dict, sdg_codes: set[str]) -> dict:
    return gen.generate(
        MUNICIPALITY, DOCUMENT, curation_file=write_curation(tmp_path, item), sdg_codes=frozenset(sdg_codes)
    )


def test_generator_locates_a_quote_across_line_breaks(tmp_path: Path, sdg_codes: set[str]) -> None:
    quote = "３Ｒを推進し、ごみ処理施策に関する情報提供を行い、市民及び事業者への普及啓発を行う"
    data = run(tmp_path, {"evidence": quote}, sdg_codes)
    (s, e) = data["alignments"][0]["evidence"]["at"]
    with open(SOURCE, encoding="utf-8", newline="") as handle:
        text = handle.read()
    assert "\n" in text[s:e] and squeeze(text[s:e]) == squeeze(quote)


def test_generator_splits_a_quote_around_a_page_number(sdg_codes: set[str]) -> None:
    index = gen.SourceIndex.from_file(SOURCE)
    found = index.locate("新しい魅力を創造するまち」とします。６ 将来目標")
    assert len(found) == 2
    gap = index.text[found[0][1] : found[1][0]]
    assert squeeze(gap) == "5"  # the page number, left out of the evidence


@pytest.mark.parametrize(
    ("item", "error", "message"),
    [
        ({"evidence": "ごみ"}, gen.EvidenceAmbiguous, "occurs"),
        ({"evidence": "鎌倉市は月にあります"}, gen.EvidenceNotFound, "not found"),
        ({"sdg": 16.10}, SourceError, "quoted string"),
        ({"sdg": "18.1"}, SourceError, "not a goal or target"),
        ({"sdg": "13.2.1"}, SourceError, "not a goal or target"),
        ({"basis": "Guessed"}, SourceError, "basis"),
        ({"confidence": 1.5}, SourceError, "confidence"),
        ({"rationale": " "}, SourceError, "rationale"),
        ({"evidnce": "typo"}, SourceError, "unknown keys"),
    ],
)
def test_generator_refuses_bad_curation(
    tmp_path: Path, sdg_codes: set[str], item: dict, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        run(tmp_path, item, sdg_codes)
    assert "alignment #1 (plan-2030/policy/3-4/measure/1" in str(info.value)


def test_generator_refuses_duplicate_element_sdg_pairs(tmp_path: Path, sdg_codes: set[str]) -> None:
    path = write_curation(tmp_path, {})
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["alignments"].append({**doc["alignments"][0], "evidence": "３Ｒを推進し"})
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(SourceError, match=r"alignment #2 .* duplicates alignment #1"):
        gen.generate(MUNICIPALITY, DOCUMENT, curation_file=path, sdg_codes=frozenset(sdg_codes))


def test_generator_checks_element_ids_once_the_extraction_exists(
    tmp_path: Path, sdg_codes: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = tmp_path / "plans"
    (plans / MUNICIPALITY).mkdir(parents=True)
    (plans / MUNICIPALITY / f"{DOCUMENT}.yaml").write_text(
        "elements:\n  - {id: plan-2030/policy/3-4}\n", encoding="utf-8"
    )
    monkeypatch.setattr(paths, "PLANS", plans)
    with pytest.raises(SourceError, match=re.escape("is not defined in data/plans/kamakura/plan-2030.yaml")):
        run(tmp_path, {}, sdg_codes)
    assert run(tmp_path, {"element": "plan-2030/policy/3-4"}, sdg_codes)["alignments"][0]["sdg"] == "12.5"
