"""The Tsurumi FY2015 evaluation extraction, checked against the real source and hand-typed expectations.

The lists of notations and ids below were typed by reading the source text, independently of the
curation file, so a curation or generator mistake shows up as a difference.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from kg.extract import tsurumi_evaluation as te
from kg.paths import ROOT

SOURCE = te.SOURCE_PATH
META = SOURCE.with_suffix(".meta.yaml")

# Read from the text by hand: the ward outcomes (めざす状態) and concrete measures (具体的取組) as printed.
# 【6‐2】 and 【6‐2‐1】 are printed with U+2010; skos:notation uses U+002D (the printed form is in a note)
OUTCOME_NOTATIONS = {"【2-1】", "【4-1】", "【4-2】", "【6-2】", "【1-1】", "【6-1】"}
MEASURE_NOTATIONS = {"【2-1-1】", "【4-1-1】", "【4-2-1】", "【6-2-1】", "【1-1-1】", "【6-1-1】"}
UNNUMBERED_OUTCOMES = {"gyomu-unei"}  # the (1)–(4) row under ㋑ 区民が納税者の視点で…業務運営
UNNUMBERED_MEASURES = {"kusei-kaigi", "faq", "gyomu-unei-torikumi"}  # 区政会議, 区役所版ＦＡＱ, (1)–(4)
INDICATOR_KEYS = {
    # outcome indicators (アウトカム / アウトカムの達成状況)
    "2-1", "4-1", "4-2", "6-2", "1-1", "6-1", "6-1-b",
    "gyomu-unei-1", "gyomu-unei-2", "gyomu-unei-3", "gyomu-unei-3b", "gyomu-unei-4",
    # measure indicators (業績目標)
    "2-1-1-1", "4-1-1-1", "4-2-1-1", "6-2-1-1", "1-1-1-1", "6-1-1-1", "kusei-kaigi-1",
    "gyomu-unei-torikumi-1", "gyomu-unei-torikumi-2", "gyomu-unei-torikumi-3",
    "gyomu-unei-torikumi-3b", "gyomu-unei-torikumi-4",
}  # fmt: skip
THEMES = {
    "防災", "防犯", "交通安全", "子育て", "教育", "福祉", "健康", "環境・脱炭素", "廃棄物・資源循環",
    "自然環境・緑", "地域コミュニティ", "協働", "広報・広聴", "観光", "産業", "農業", "水産業", "雇用・労働",
    "交通", "都市基盤", "住宅", "景観", "歴史・文化", "芸術・文化", "スポーツ", "国際交流", "人権・共生",
    "消費生活", "行政経営", "デジタル",
}  # fmt: skip
LEVELS = {
    "めざす状態", "戦略", "具体的取組", "経営課題", "区の目標", "施策", "柱", "政策", "テーマ", "基本目標",
}  # fmt: skip


@pytest.fixture(scope="module")
def source() -> str:
    with SOURCE.open(encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return yaml.safe_load(te.OUTPUT_PATH.read_text(encoding="utf-8"))


def _ranges(at: Any) -> list[tuple[int, int]]:
    return [tuple(at)] if isinstance(at[0], int) else [tuple(p) for p in at]  # type: ignore[misc]


def _quotes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if {"text", "at"} <= set(node) else []
        return found + [q for v in node.values() for q in _quotes(v)]
    if isinstance(node, list):
        return [q for v in node for q in _quotes(v)]
    return []


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


# ---- source and metadata ---------------------------------------------------------------------------


def test_source_is_unchanged_and_meta_is_complete(source: str) -> None:
    meta = yaml.safe_load(META.read_text(encoding="utf-8"))
    assert hashlib.sha256(SOURCE.read_bytes()).hexdigest() == meta["sha256"]
    assert meta["seed"] == "001_e2e1be5c3d910b64.txt"
    seed = ROOT.parent / "shared" / "seeds" / meta["seed"]
    if seed.exists():
        assert seed.read_bytes() == SOURCE.read_bytes()
    assert meta["title"]["ja"] in source
    assert meta["publisher"]["ja"] == "大阪市鶴見区"
    assert meta["plan_types"] == ["評価"]
    assert meta["periods"] == [{"plan": "evaluation-2015", "start": 2015, "end": 2015}]
    assert meta["licence"] == "not stated in the source text"
    assert "retrieved_from" not in meta


# ---- the YAML on disk ------------------------------------------------------------------------------


def test_yaml_on_disk_equals_regeneration() -> None:
    assert te.OUTPUT_PATH.read_text(encoding="utf-8") == te.dump(te.generate())


def test_every_quote_obeys_the_fidelity_rule(source: str, data: dict[str, Any]) -> None:
    quotes = _quotes(data)
    assert len(quotes) > 150
    for q in quotes:
        ranges = _ranges(q["at"])
        assert all(0 <= s < e <= len(source) for s, e in ranges), q
        sliced = "".join(source[s:e] for s, e in ranges)
        assert re.sub(r"\s", "", sliced) == re.sub(r"\s", "", q["text"]), q
        assert "\n" not in q["text"]


def test_observation_and_target_offsets_hold_their_numbers(source: str, data: dict[str, Any]) -> None:
    """`at` of targets and observations is not text-checked by the engine, so check it here."""
    for ind in data["indicators"]:
        for obs in ind.get("observations", []):
            printed = re.sub(r"\s", "", "".join(source[s:e] for s, e in _ranges(obs["at"])))
            digits = printed.translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace(",", "")
            assert Decimal(str(obs["value"])) == Decimal(re.search(r"\d+(?:\.\d+)?", digits).group()), obs
        if "target" in ind and "relative_to" not in ind["target"]:
            printed = "".join(source[s:e] for s, e in _ranges(ind["target"]["at"]))
            assert te.parse_quantity(printed)[0] == Decimal(str(ind["target"]["value"])), ind["id"]


def test_curation_holds_no_offsets() -> None:
    """Offsets are computed by code: the hand-written curation has no `at` and no integer pairs."""
    curation = te.load_curation()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert "at" not in node
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            assert not (len(node) == 2 and all(isinstance(x, int) for x in node)), node
            for v in node:
                walk(v)

    walk(curation)


# ---- structure and counts --------------------------------------------------------------------------


def test_every_numbered_item_of_the_source_is_extracted_once(source: str, data: dict[str, Any]) -> None:
    printed = set(re.findall(r"【\d+[-‐]\d+(?:[-‐]\d+)?】", source))
    assert {"【6‐2】", "【6‐2‐1】"} <= printed  # U+2010 as printed
    assert {p.replace("‐", "-") for p in printed} == OUTCOME_NOTATIONS | MEASURE_NOTATIONS
    notations = [e.get("notation") for e in data["elements"] if e.get("notation") and "/part/" not in e["id"]]
    assert len(notations) == len(set(notations))


def test_outcomes(data: dict[str, Any]) -> None:
    everything = [e for e in data["elements"] if e["level"] == "めざす状態"]
    assert all(e["class"] == "Goal" for e in everything)
    outcomes = [e for e in everything if "/part/" not in e["id"]]
    assert {e["notation"] for e in outcomes if "notation" in e} == OUTCOME_NOTATIONS
    assert {e["id"].rsplit("/", 1)[1] for e in outcomes if "notation" not in e} == UNNUMBERED_OUTCOMES
    assert len(outcomes) == 7
    ids = {e["id"] for e in outcomes}
    assert "evaluation-2015/outcome/2-1" in ids and "evaluation-2015/outcome/6-2" in ids


def test_strategies_one_per_outcome(data: dict[str, Any]) -> None:
    strategies = [e for e in data["elements"] if e["level"] == "戦略"]
    assert all(e["class"] == "Policy" for e in strategies)
    assert sorted(e["parent"] for e in strategies if "/part/" not in e["id"]) == sorted(
        e["id"] for e in data["elements"] if e["level"] == "めざす状態" and "/part/" not in e["id"]
    )
    s21 = _by_id(data["elements"])["evaluation-2015/outcome/2-1/strategy/1"]
    assert [t["text"][:6] for t in s21["texts"]] == ["自律的な地域", "地域活動への", "多様な分野に"]


def test_measures(data: dict[str, Any]) -> None:
    measures = [e for e in data["elements"] if e["level"] == "具体的取組" and "/part/" not in e["id"]]
    assert all(e["class"] == "Measure" for e in measures)
    assert {e["notation"] for e in measures if "notation" in e} == MEASURE_NOTATIONS
    assert {e["id"].rsplit("/", 1)[1] for e in measures if "notation" not in e} == UNNUMBERED_MEASURES
    assert len(measures) == 9
    m = _by_id(data["elements"])["evaluation-2015/outcome/2-1/measure/2-1-1"]
    assert m["parent"] == "evaluation-2015/outcome/2-1/strategy/1"
    assert m["label"]["text"].startswith("各地域に担当職員を複数名配置し")
    assert m["description"]["text"].startswith("会計の透明性に向けた勉強会")  # 取組実績, not 前年度までの実績
    assert m["texts"][0]["text"] == "左記目標が30％未満であれば、事業手法を再構築する。"  # 撤退基準


def test_repeated_rows_are_merged_and_quoted_from_the_first(source: str, data: dict[str, Any]) -> None:
    elements = _by_id(data["elements"])
    first = source.index("【2-1】")
    assert _ranges(elements["evaluation-2015/outcome/2-1"]["label"]["at"])[0][0] < source.index("【4-1】")
    assert source.count("【2-1】") == 8
    links = elements["evaluation-2015/outcome/2-1"]["relations"]
    assert len(links) == 8
    assert _ranges(links[0]["evidence"]["at"])[0][0] == first
    assert len({_ranges(r["evidence"]["at"])[0] for r in links}) == 8  # each row's own copy


def test_indicators(data: dict[str, Any]) -> None:
    prefix = "osaka-tsurumi/evaluation-2015/indicator/"
    ward = {i["id"].removeprefix(prefix) for i in data["indicators"] if "/indicator/city-" not in i["id"]}
    assert ward == INDICATOR_KEYS
    element_ids = {e["id"] for e in data["elements"]}
    assert all(i["of"] in element_ids for i in data["indicators"] if "/indicator/city-" not in i["id"])


def test_indicator_2_1_target_and_actuals(data: dict[str, Any]) -> None:
    ind = _by_id(data["indicators"])["osaka-tsurumi/evaluation-2015/indicator/2-1"]
    assert ind["of"] == "evaluation-2015/outcome/2-1"
    assert ind["unit"] == "%"
    assert {k: ind["target"][k] for k in ("value", "comparator", "year")} == {
        "value": 70,
        "comparator": "≥",
        "year": 2017,
    }
    assert {o["fiscal_year"]: o["value"] for o in ind["observations"]} == {2015: 67.4, 2014: 47.8}


def test_other_targets(data: dict[str, Any]) -> None:
    inds = _by_id(data["indicators"])
    p = "osaka-tsurumi/evaluation-2015/indicator/"
    t41 = inds[p + "4-1"]["target"]  # 「平成29年度までに70％」: a plain figure
    assert (t41["value"], t41["comparator"], t41["year"]) == (70, "≥", 2017)
    assert any("plain figure" in n for n in inds[p + "4-1"]["notes"])
    t42 = inds[p + "4-2"]["target"]  # full-width 「平成２９年度までに７０％以上」
    assert (t42["value"], t42["comparator"], t42["year"]) == (70, "≥", 2017)
    t = inds[p + "gyomu-unei-torikumi-3"]["target"]  # 「９１.１％以上」
    assert (t["value"], t["comparator"], t["year"]) == (91.1, "≥", 2015)
    assert inds[p + "gyomu-unei-4"]["unit"] == "円"
    assert {o["fiscal_year"]: o["value"] for o in inds[p + "gyomu-unei-4"]["observations"]} == {
        2015: 2148171,
        2014: 916339,
    }
    # 「毎年、前年度収納率を上回る。」: a relative target, no value, due in the report year
    rel = inds[p + "gyomu-unei-2"]["target"]
    assert "value" not in rel
    assert (rel["relative_to"], rel["comparator"], rel["year"]) == ("previous-year", ">", 2015)
    assert te.SOURCE_PATH.read_text(encoding="utf-8")[slice(*rel["at"])] == "毎年、前年度収納率を上回る。"
    rel4 = inds[p + "gyomu-unei-torikumi-4"]["target"]  # 「平成26年度以上の歳入の確保」: ≥ FY2014, due FY2015
    assert (rel4["relative_to"], rel4["comparator"], rel4["year"]) == ("previous-year", "≥", 2015)
    # a bare figure: the comparator is our reading; 「以上」 printed: the document's
    assert t41["comparator_basis"] == "Curated"
    assert "comparator_basis" not in t42
    curated = {i["id"].removeprefix(p) for i in inds.values() if i.get("target", {}).get("comparator_basis")}
    assert curated == {"4-1", "gyomu-unei-1", "gyomu-unei-torikumi-1"}


def test_forecasts_are_flagged(data: dict[str, Any]) -> None:
    """「(出納閉鎖時（6/1）の最終予測)」 is printed beside the 収納率 91.1％ (outcome, measure)."""
    flagged = {
        (i["id"].rsplit("/", 1)[1], o["fiscal_year"])
        for i in data["indicators"]
        for o in i.get("observations", [])
        if o.get("forecast")
    }
    assert flagged == {("gyomu-unei-3", 2015), ("gyomu-unei-torikumi-3", 2015)}


def test_notations_use_one_hyphen_and_keep_the_printed_form_in_a_note(data: dict[str, Any]) -> None:
    for e in data["elements"]:
        notation = e.get("notation", "")
        assert not re.search("[\u2010-\u2013\uff0d]", notation), e["id"]
    six_two = _by_id(data["elements"])["evaluation-2015/outcome/6-2"]
    assert any("printed 【6‐2】" in n for n in six_two["notes"])


def test_no_met_flag_is_typed_in() -> None:
    text = te.OUTPUT_PATH.read_text(encoding="utf-8")
    assert not re.search(r"^\s*-?\s*(met|status|achieved):", text, re.MULTILINE)


# ---- ratings ---------------------------------------------------------------------------------------


def test_every_rating_is_a_code_of_its_scheme(source: str, data: dict[str, Any]) -> None:
    schemes = _by_id(data["rating_schemes"])
    assert len(data["evaluations"]) == 7 * 4 + 1 + 7 * 2  # 【6-1】 has a second 個別
    elements = {e["id"] for e in data["elements"]}
    # 個別 rates the indicator where the row prints one per indicator (the duplicate 自己評価 row on the
    # outcome page was 個別 and 全体 of the same outcome)
    elements |= {"evaluation-2015/indicator/" + i["id"].rsplit("/", 1)[1] for i in data["indicators"]}
    individual = {ev["of"] for ev in data["evaluations"] if ev["scheme"].endswith("/outcome-individual")}
    assert individual == {
        "evaluation-2015/indicator/" + k for k in ("2-1", "4-1", "4-2", "6-2", "1-1", "6-1", "6-1-b")
    } | {"evaluation-2015/outcome/gyomu-unei"}
    for ev in data["evaluations"]:
        codes = {c["notation"] for c in schemes[ev["scheme"]]["codes"]}
        assert ev["rating"] in codes, ev
        assert ev["of"] in elements
        printed = "".join(source[s:e] for s, e in _ranges(ev["at"]))
        assert printed.translate(str.maketrans("ＡＢａｂ", "ABab")) == ev["rating"]


def test_rating_legends_are_quoted(data: dict[str, Any]) -> None:
    schemes = _by_id(data["rating_schemes"])
    eff = schemes["osaka-tsurumi/evaluation-2015/rating/strategy-effectiveness"]
    assert {c["notation"]: c["label"]["text"] for c in eff["codes"]} == {
        "ア": "有効であり、継続して推進",
        "イ": "有効でないため、戦略を見直す",
    }
    ach = schemes["osaka-tsurumi/evaluation-2015/rating/measure-achievement"]
    assert [c["notation"] for c in ach["codes"]] == ["①(ⅰ)", "①(ⅱ)", "②(ⅰ)", "②(ⅱ)", "③"]


def test_repeated_rows_print_the_same_ratings(source: str, data: dict[str, Any]) -> None:
    """Every copy of the 【2-1】 row, parsed independently, agrees with the evaluations we keep."""
    rows = re.findall(r"【2-1】.*?\n(\d+(?:\.\d+)?)% ([AＡ]) ([AＡ]) ([ab])", source, re.DOTALL)
    assert len(rows) == 8
    assert {(Decimal(p), a, b, c) for p, a, b, c in rows} == {(Decimal("47.8"), "Ａ", "Ａ", "a")}
    evs = {ev["id"].rsplit("/", 1)[1]: ev["rating"] for ev in data["evaluations"] if "/2-1/" in ev["id"]}
    assert evs == {
        "strategy-effectiveness": "ア",
        "outcome-individual": "A",
        "outcome-overall": "A",
        "strategy-progress": "a",
    }


# ---- themes, levels, ids ---------------------------------------------------------------------------


def test_themes_and_levels(data: dict[str, Any]) -> None:
    for e in data["elements"]:
        assert e["level"] in LEVELS
        if e["class"] in {"Goal", "Policy"}:
            assert e["themes"], e["id"]
        assert set(e.get("themes", [])) <= THEMES, e["id"]


def test_ids_unique_and_parents_defined_first(data: dict[str, Any]) -> None:
    defined = {p["id"] for p in data["plans"]} | {s["id"] for s in data["stubs"]}
    for e in data["elements"]:
        assert e["parent"] in defined, e["id"]
        assert e["id"] not in defined
        defined.add(e["id"])
    full = [x["id"] for key in ("indicators", "evaluations", "rating_schemes") for x in data[key]]
    assert len(full) == len(set(full))
    stub_ids = {s["id"] for s in data["stubs"]}
    targets = [r["target"] for e in data["elements"] for r in e.get("relations", [])]
    assert targets and all(t in stub_ids for t in targets)


def test_the_engine_ingests_it() -> None:
    from rdflib import RDF

    from kg.ingest import DocumentIngester, Vocabulary, load_ontology
    from kg.namespaces import ID, KK

    graph = DocumentIngester(te.OUTPUT_PATH, Vocabulary.load(load_ontology())).run()
    assert len(set(graph.subjects(RDF.type, KK.Indicator))) == len(INDICATOR_KEYS) + sum(
        len(v) for v in CITY_INDICATORS.values()
    )
    city = ID["osaka/kusei-unei-kihon-hoshin/2/3/a"]
    assert len(set(graph.objects(city, KK.hasIndicator))) == 2  # 窓口の応対 80％, 覆面調査 3.5点
    assert len(set(graph.subjects(RDF.type, KK.Measure))) == 9 + 4  # + the four parts of 業務運営's 取組
    assert len(set(graph.subjects(RDF.type, KK.Evaluation))) == 43
    relative = set(graph.subjects(KK.targetRelativeTo, KK.PreviousFiscalYear))
    assert {str(i).rsplit("/", 1)[1] for i in relative} == {
        "gyomu-unei-2",
        "gyomu-unei-3",
        "gyomu-unei-4",
        "gyomu-unei-torikumi-4",
    }
    assert len(set(graph.subjects(KK.forecast, None))) == 2
    assert len(set(graph.subjects(KK.targetComparatorBasis, KK.Curated))) == 3


# ---- helpers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("平成29年度までに70％以上", 2017),
        ("H29年度まで\nに", 2017),
        ("平成２９年度までに７０％以上", 2017),
        ("平成27年度", 2015),
        ("平成元年度", 1989),
        ("令和元年度", 2019),
        ("令和5年度", 2023),
        ("昭和64年", 1989),
        ("60％以上", None),
        ("2015年度", None),
    ],
)
def test_era_conversion(text: str, year: int | None) -> None:
    assert te.fiscal_year_from_era(text) == year


@pytest.mark.parametrize(
    ("text", "value", "unit", "comparator"),
    [
        ("平成29年度までに70％", Decimal("70"), "%", "≥"),
        ("９１.１％以上", Decimal("91.1"), "%", "≥"),
        ("30％未満", Decimal("30"), "%", "<"),
        ("30％以下", Decimal("30"), "%", "≤"),
        ("H29年度までに3.5点以上", Decimal("3.5"), "点", "≥"),
        ("916,339\n円", Decimal("916339"), "円", "≥"),
    ],
)
def test_quantities(text: str, value: Decimal, unit: str, comparator: str) -> None:
    assert te.parse_quantity(text) == (value, unit)
    assert te.comparator_of(text) == comparator


def test_a_spec_missing_from_the_source_fails_loudly(source: str) -> None:
    loc = te.Locator(source)
    with pytest.raises(te.SpecError):
        loc.resolve("この文は原文にない")
    with pytest.raises(te.SpecError):
        loc.resolve({"q": "【4-1】", "nth": 2})
    found = loc.resolve({"line": "47.8% Ａ Ａ a ― ―", "pick": "Ａ", "pick_nth": 2})
    assert source[found.start : found.end] == "Ａ" and source[found.start - 2] == "Ａ"


def test_check_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`keikaku extract --check` passes on the committed file and fails, writing nothing, on a stale one."""
    from kg.cli import main

    assert main(["extract", "--check", te.DOCUMENT]) == 0
    stale = tmp_path / "evaluation-2015.yaml"
    stale.write_text(te.OUTPUT_PATH.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    before = stale.read_bytes()
    monkeypatch.setattr(te, "OUTPUT_PATH", stale)
    assert main(["extract", "--check", te.DOCUMENT]) == 1
    assert "stale:" in capsys.readouterr().err
    assert stale.read_bytes() == before


# ---- cells that bundle numbered actions ------------------------------------------------------------

PARTS = {
    # parent → the first characters of each part's label, as printed after (1)…(4)
    "evaluation-2015/outcome/gyomu-unei": [
        "歳出の削減",
        "未収金対策の強化（介",
        "未収金対策の強化（国",
        "歳入の確保",
    ],
    "evaluation-2015/outcome/gyomu-unei/strategy/1": ["省エネルギー", "電話、文書", "区長マネジ", "行政財産"],
    "evaluation-2015/outcome/gyomu-unei/measure/gyomu-unei-torikumi": [
        "区庁舎耐震",
        "介護保険制",
        "①保険料の",
        "１階玄関ホ",
    ],
}


def test_bundled_cells_are_split_into_their_numbered_actions(source: str, data: dict[str, Any]) -> None:
    elements = _by_id(data["elements"])
    for parent, heads in PARTS.items():
        parts = [e for e in data["elements"] if e.get("parent") == parent and "/part/" in e["id"]]
        assert [e["notation"] for e in parts] == ["(1)", "(2)", "(3)", "(4)"], parent
        assert [e["label"]["text"][: len(h)] for e, h in zip(parts, heads, strict=True)] == heads
        whole = _ranges(elements[parent].get("target_state", elements[parent]["label"])["at"])
        for e in parts:
            ((s, t),) = _ranges(e["label"]["at"])
            # its own range, inside the parent's cell, right after its printed notation
            assert any(a <= s and t <= b for a, b in whole), e["id"]
            assert re.sub(r"\s", "", source[s - 3 : s]) in {e["notation"], "（" + e["notation"][1] + "）"}
            assert e["class"] == elements[parent]["class"] and e["level"] == elements[parent]["level"]
    # the outcome parts are short: the heading only, the paragraph as target_state
    assert (
        elements["evaluation-2015/outcome/gyomu-unei/part/1"]["label"]["text"]
        == "歳出の削減（庁舎等の維持管理費）"
    )


def test_indicators_of_the_parts(data: dict[str, Any]) -> None:
    of = {i["id"].rsplit("/", 1)[1]: i["of"] for i in data["indicators"]}
    base = "evaluation-2015/outcome/gyomu-unei"
    assert {k: v.removeprefix(base) for k, v in of.items() if k.startswith("gyomu-unei")} == {
        "gyomu-unei-1": "/part/1",
        "gyomu-unei-2": "/part/2",
        "gyomu-unei-3": "/part/3",
        "gyomu-unei-3b": "/part/3",
        "gyomu-unei-4": "/part/4",
        "gyomu-unei-torikumi-1": "/measure/gyomu-unei-torikumi/part/1",
        "gyomu-unei-torikumi-2": "/measure/gyomu-unei-torikumi/part/2",
        "gyomu-unei-torikumi-3": "/measure/gyomu-unei-torikumi/part/3",
        "gyomu-unei-torikumi-3b": "/measure/gyomu-unei-torikumi/part/3",
        "gyomu-unei-torikumi-4": "/measure/gyomu-unei-torikumi/part/4",
    }


def test_sdg_links_of_split_cells_moved_to_the_action_their_evidence_is_in() -> None:
    import yaml

    from kg.paths import ALIGNMENTS

    links = yaml.safe_load(
        (ALIGNMENTS / "osaka-tsurumi" / "evaluation-2015.yaml").read_text(encoding="utf-8")
    )
    moved = {
        (a["element"].removeprefix("evaluation-2015/outcome/gyomu-unei"), a["sdg"])
        for a in links["alignments"]
        if a["element"].startswith("evaluation-2015/outcome/gyomu-unei")
    }
    assert moved == {
        ("/part/1", "7.3"),
        ("/part/4", "17.1"),
        ("/strategy/1/part/1", "7.3"),
        ("/strategy/1/part/2", "17.1"),
        ("/measure/gyomu-unei-torikumi/part/1", "7.3"),
        ("/measure/gyomu-unei-torikumi/part/2", "17.1"),
    }
    assert len(links["alignments"]) == 27  # none lost


# ---- the city's 成果指標 table -----------------------------------------------------------------------

#: stub item → (target value, unit) of each 成果指標 in the 項目 / 成果指標と目標値 columns, read by hand
#: (every target 「H29年度までに…以上」 = FY2017, ≥; 1/3/a prints 「継続実施」, no figure)
CITY_INDICATORS = {
    "1/1/a": [(50, "%")],
    "1/2/a": [(50, "%")],
    "1/2/i": [(50, "%")],
    "1/3/a": [(None, None)],
    "1/3/i": [(1, "件")],
    "1/3/u": [(1, "件")],
    "1/4/a": [(50, "%")],
    "1/4/i": [(50, "%")],
    "2/1": [(60, "%")] * 4,
    "2/2": [(60, "%")],
    "2/2/a": [(80, "%")],
    "2/3/a": [(80, "%"), (3.5, "点")],
    "2/3/i": [(60, "%")],
}


def test_city_indicators_are_indicators_of_the_city_items(source: str, data: dict[str, Any]) -> None:
    base = "osaka/kusei-unei-kihon-hoshin/"
    got: dict[str, list[tuple[Any, Any]]] = {}
    for i in data["indicators"]:
        if "/indicator/city-" not in i["id"]:
            continue
        got.setdefault(i["of"].removeprefix(base), []).append(
            (i.get("target", {}).get("value"), i.get("unit"))
        )
        assert "observations" not in i  # the city's table prints no actual value
        if "target" in i:
            t = i["target"]
            assert (t["comparator"], t["year"]) == ("≥", 2017), i["id"]
            printed = re.sub(r"\s", "", "".join(source[s:e] for s, e in _ranges(t["at"])))
            assert printed.startswith("H29年度までに") and printed.endswith("以上"), printed
        (s, e), *_ = _ranges(i["label"]["at"])
        assert re.sub(r"\s", "", source[s:e]) == re.sub(r"\s", "", i["label"]["text"])
    assert got == CITY_INDICATORS
    stubs = {s["id"] for s in data["stubs"]}
    assert all(i["of"] in stubs for i in data["indicators"] if "/indicator/city-" in i["id"])
