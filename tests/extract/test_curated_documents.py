"""The three hand-curated documents (Tsurumi vision, Setagaya poster, Izumi 運営方針) and the municipalities.

Checked against the real sources: the YAML on disk is exactly what the curation files regenerate, every
quoted text obeys the fidelity rule (checked here independently of the generator), and the counts and
labels typed below — read off the source texts by hand — match the extraction.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from kg.extract import curated
from kg.paths import DATA, ONTOLOGY

DOCUMENTS = curated.DOCUMENTS

SEEDS = {
    "osaka-tsurumi/vision-2027": "000_6bfb22281519bf9f.txt",
    "setagaya/basic-plan": "003_3c9314758ebc1cfb.txt",
    "yokohama-izumi/policy-2024": "004_bdb956e43d6dc4ce.txt",
}

THEMES = {
    "防災", "防犯", "交通安全", "子育て", "教育", "福祉", "健康", "環境・脱炭素", "廃棄物・資源循環",
    "自然環境・緑", "地域コミュニティ", "協働", "広報・広聴", "観光", "産業", "農業", "水産業", "雇用・労働",
    "交通", "都市基盤", "住宅", "景観", "歴史・文化", "芸術・文化", "スポーツ", "国際交流", "人権・共生",
    "消費生活", "行政経営", "デジタル",
}  # fmt: skip
LEVELS = {
    "基本理念", "将来都市像", "将来目標", "まちづくりの基本方針", "リーディングプロジェクト", "取組",
    "政策分野", "施策", "主な取組", "共創の取組", "めざすべき将来像", "柱", "施策展開の方向性", "基本姿勢",
    "めざす状態", "戦略", "具体的取組", "重点政策", "つながり", "ビジョン", "基本目標", "組織運営", "テーマ",
    "政策", "区の目標", "経営課題",
}  # fmt: skip
PARTNER_TYPES = {"市民", "地域", "市民活動団体", "関係機関", "企業・事業者", "滞在者", "他行政機関", "その他"}


def _source(document: str) -> str:
    with (DATA / "sources" / f"{document}.txt").open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _data(document: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / "plans" / f"{document}.yaml").read_text(encoding="utf-8"))


def _quotes(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every {text, at} in a YAML tree, with its path."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "text" in node and "at" in node:
            return [(path, node)]
        for key, value in node.items():
            found += _quotes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            found += _quotes(value, f"{path}[{n}]")
    return found


def _faithful(source: str, quoted: dict[str, Any]) -> bool:
    at = quoted["at"]
    ranges = [at] if isinstance(at[0], int) else at
    if not all(0 <= s < e <= len(source) for s, e in ranges):
        return False
    sliced = "".join(source[s:e] for s, e in ranges)
    return re.sub(r"\s", "", sliced) == re.sub(r"\s", "", quoted["text"])


def _elements(data: dict[str, Any], **match: str) -> list[dict[str, Any]]:
    return [e for e in data["elements"] if all(e.get(k) == v for k, v in match.items())]


def _labels(items: list[dict[str, Any]]) -> list[str]:
    return [e["label"]["text"] for e in items]


def check_digit(code5: str) -> int:
    """JIS X 0402 check digit of a 5-digit code: (11 − Σ wᵢdᵢ mod 11) mod 10, weights 6…2."""
    total = sum(w * int(d) for w, d in zip((6, 5, 4, 3, 2), code5, strict=True))
    return (11 - total % 11) % 10


# ---- regeneration and fidelity ---------------------------------------------------------------------


@pytest.mark.parametrize("document", DOCUMENTS)
def test_yaml_equals_regeneration_from_curation(document: str) -> None:
    on_disk = (DATA / "plans" / f"{document}.yaml").read_text(encoding="utf-8")
    assert on_disk == curated.render(document), f"stale: run keikaku extract {document}"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_quote_obeys_the_fidelity_rule(document: str) -> None:
    source, quotes = _source(document), _quotes(_data(document))
    assert len(quotes) > 20
    bad = [path for path, q in quotes if not _faithful(source, q)]
    assert not bad
    # the reader's text has no line breaks or indentation left
    assert not [path for path, q in quotes if "\n" in q["text"] or q["text"] != q["text"].strip()]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_period_ranges_point_at_the_stated_years(document: str) -> None:
    source = _source(document)
    for plan in _data(document)["plans"]:
        period = plan.get("period")
        if period is None:
            continue
        s, e = period["at"]
        stated = source[s:e]
        assert str(period["start"]) in stated or "令和6年度" in stated


def test_a_spec_not_in_the_source_is_an_error() -> None:
    finder = curated.Finder("① つながる・\n支えあう\n② 備える")
    assert finder.quote("つながる・支えあう")["at"] == [2, 12]
    assert finder.quote({"q": "備える", "after": "②"})["text"] == "備える"
    with pytest.raises(curated.SpecError):
        finder.quote("聞く・伝える")
    with pytest.raises(curated.SpecError):
        finder.quote({"q": "つながる", "nth": 2})


# ---- sources and their metadata --------------------------------------------------------------------


@pytest.mark.parametrize("document", DOCUMENTS)
def test_source_meta_matches_the_unchanged_seed(document: str) -> None:
    path = DATA / "sources" / f"{document}.txt"
    meta = yaml.safe_load(path.with_suffix(".meta.yaml").read_text(encoding="utf-8"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["sha256"] == digest
    assert meta["seed"] == SEEDS[document]
    assert meta["document"] == document and meta["municipality"] == document.split("/")[0]
    assert meta["licence"] == "not stated in the source text"
    assert not str(meta.get("retrieved_from", "")).startswith("http")


@pytest.mark.parametrize("document", DOCUMENTS)
def test_source_is_byte_for_byte_its_seed(document: str, shared_dir: Path) -> None:
    """The seeds are not part of the repository: checked where ../shared is beside it."""
    path = DATA / "sources" / f"{document}.txt"
    seed = shared_dir / "seeds" / SEEDS[document]
    assert hashlib.sha256(seed.read_bytes()).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()


# ---- vocabulary ------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", DOCUMENTS)
def test_levels_themes_and_parents(document: str) -> None:
    data = _data(document)
    records = data.get("stubs", []) + data["elements"]
    assert {r["level"] for r in records if "level" in r} <= LEVELS
    assert {t for r in records for t in r.get("themes", [])} <= THEMES
    for element in data["elements"]:
        if element["class"] in ("Goal", "Policy"):
            assert element.get("themes"), element["id"]
    # parents are defined before their children (plans, then stubs, then elements in order)
    defined = {p["id"] for p in data["plans"]}
    for stub in data.get("stubs", []):
        if stub["class"] != "Plan":
            assert stub["parent"] in defined, stub["id"]
        defined.add(stub["id"])
    for element in data["elements"]:
        assert element["parent"] in defined, element["id"]
        defined.add(element["id"])
    # sibling orders are 1..n without gaps
    siblings: dict[str, list[int]] = {}
    for element in data["elements"]:
        siblings.setdefault(element["parent"], []).append(element["order"])
    for orders in siblings.values():
        assert sorted(orders) == list(range(1, len(orders) + 1))


@pytest.mark.parametrize("document", DOCUMENTS)
def test_document_ingests_into_rdf(document: str) -> None:
    from rdflib import RDF, Literal

    from kg.ingest import DocumentIngester, Vocabulary, load_ontology
    from kg.namespaces import KK

    vocab = Vocabulary.load(load_ontology(ONTOLOGY))
    graph = DocumentIngester(DATA / "plans" / f"{document}.yaml", vocab).run()
    data = _data(document)
    assert len(set(graph.subjects(RDF.type, KK.Plan))) == len(data["plans"]) + sum(
        1 for s in data.get("stubs", []) if s["class"] == "Plan"
    )
    first = data["elements"][0]["label"]["text"]
    assert (None, None, Literal(first, lang="ja")) in graph


# ---- Tsurumi ---------------------------------------------------------------------------------------


def test_tsurumi_counts_and_structure() -> None:
    data = _data("osaka-tsurumi/vision-2027")
    (plan,) = data["plans"]
    assert plan["plan_type"] == "将来ビジョン"
    assert (plan["period"]["start"], plan["period"]["end"]) == (2023, 2027)
    assert plan["description"]["text"].startswith("各種施策・取組みについては")  # the 2018–2022 review
    pillars = _elements(data, level="柱")
    assert [p["notation"] for p in pillars] == ["①", "②", "③", "④", "⑤"]
    assert _labels(pillars) == [
        "つながる・支えあう",
        "備える",
        "育てる・まなぶ",
        "聴く・伝える",
        "共に生きる",
    ]
    assert {p["parent"] for p in pillars} == {"vision-2027/vision"}
    directions = _elements(data, level="施策展開の方向性")
    assert len(directions) == 9
    per_pillar = Counter(d["parent"] for d in directions)
    assert [per_pillar[f"vision-2027/pillar/{n}"] for n in range(1, 6)] == [2, 2, 3, 1, 1]
    assert all(d.get("description") for d in directions)
    (vision,) = _elements(data, level="めざすべき将来像")
    assert "誰一人取り残さない" in vision["description"]["text"]
    assert "誰一人取り残さない" not in vision["label"]["text"]
    assert len(_elements(data, level="基本姿勢")) == 1


def test_tsurumi_pillar_4_has_both_spellings() -> None:
    source, data = _source("osaka-tsurumi/vision-2027"), _data("osaka-tsurumi/vision-2027")
    (pillar,) = _elements(data, id="vision-2027/pillar/4")
    assert pillar["label"]["text"] == "聴く・伝える"
    assert [v["text"] for v in pillar["variants"]] == ["聞く・伝える"]
    s, e = pillar["variants"][0]["at"]
    assert source[s:e] == "聞く・伝える"
    assert any("聞く" in n and "聴く" in n for n in pillar["notes"])


def test_tsurumi_continuation_of_the_previous_vision() -> None:
    data = _data("osaka-tsurumi/vision-2027")
    stubs = {s["id"]: s for s in data["stubs"]}
    assert stubs["osaka-tsurumi/vision-2022"]["class"] == "Plan"
    for n in range(1, 5):
        (pillar,) = _elements(data, id=f"vision-2027/pillar/{n}")
        (rel,) = pillar["relations"]
        assert rel["type"] == "continues"
        stub = stubs[rel["target"]]
        assert stub["class"] == "Goal" and stub["parent"] == "osaka-tsurumi/vision-2022"
        assert "継続していくことを基本" in rel["evidence"]["text"]
    assert stubs["osaka-tsurumi/vision-2022/pillar/4"]["label"]["text"] == "聞く・伝える"
    (fifth,) = _elements(data, id="vision-2027/pillar/5")
    assert "relations" not in fifth
    assert any(n.startswith("New in 2023–2027") for n in fifth["notes"])
    assert "新たに掲げ" in fifth["description"]["text"]


def test_tsurumi_sdg_quotes_are_available() -> None:
    """The text names the SDGs itself in five quotes (for Explicit alignments).

    Vision description, two stance texts, pillar ⑤'s description, ⑤'s direction's description.
    """
    data = _data("osaka-tsurumi/vision-2027")
    with_sdgs = {path for path, q in _quotes(data["elements"]) if "SDGs" in q["text"]}
    assert len(with_sdgs) == 5


# ---- Setagaya --------------------------------------------------------------------------------------


def test_setagaya_counts_and_structure() -> None:
    data = _data("setagaya/basic-plan")
    (plan,) = data["plans"]
    assert plan["plan_type"] == "基本計画" and "period" not in plan  # the text states no period
    priorities = _elements(data, level="重点政策")
    assert [p["notation"] for p in priorities] == ["❶", "❷", "❸", "❹", "❺", "❻"]
    orders = [p["order"] for p in priorities]
    assert orders == sorted(orders)  # kk:order follows the printed numbers
    assert _labels(priorities)[0] == "子ども・若者が笑顔で過ごせる環境の整備"
    assert _labels(priorities)[1] == "新たな学校教育と生涯を通じた学びの充実"
    assert _labels(priorities)[5] == "安全で魅力的な街づくりと産業連関による新たな価値の創出"
    bullets = [3, 2, 1, 2, 2, 3]  # ● per めざす姿, counted in the text
    for priority, n in zip(priorities, bullets, strict=True):
        at = priority["target_state"]["at"]
        assert (1 if isinstance(at[0], int) else len(at)) == n
        assert "●" not in priority["target_state"]["text"]
    tsunagari = _elements(data, level="つながり")
    assert len(tsunagari) == 6 and {t["class"] for t in tsunagari} == {"Vision"}
    (vision,) = _elements(data, level="ビジョン")
    assert {t["parent"] for t in tsunagari} == {vision["id"]}
    assert [t["order"] for t in tsunagari] == [1, 2, 3, 4, 5, 6]


def test_setagaya_pairings_are_marked_as_ours() -> None:
    data = _data("setagaya/basic-plan")
    ids = {f"setagaya/{e['id']}" for e in data["elements"]}
    links = [
        (t["label"]["text"], rel) for t in _elements(data, level="つながり") for rel in t.get("relations", [])
    ]
    assert len(links) == 6
    for _, rel in links:
        assert rel["type"] == "relatedTo" and rel["target"] in ids
        assert any("curated" in note for note in rel["notes"])
    uncertain = [label for label, rel in links if any("不確か" in n for n in rel["notes"])]
    assert uncertain == ["多様な人が出会い、支援の輪がつながる"] * 2
    (unpaired,) = [t for t in _elements(data, level="つながり") if "relations" not in t]
    assert unpaired["label"]["text"] == "区民、事業者のアイデアと区政課題がつながる"


# ---- Izumi -----------------------------------------------------------------------------------------


def test_izumi_counts_and_structure() -> None:
    data = _data("yokohama-izumi/policy-2024")
    (plan,) = data["plans"]
    assert plan["plan_type"] == "運営方針"
    assert (plan["period"]["start"], plan["period"]["end"]) == (2024, 2024)
    (goal,) = _elements(data, level="基本目標")
    assert goal["label"]["text"] == "みらいへ進もう！地域とともに" and goal.get("description")
    policies = _elements(data, level="施策")
    assert [p["notation"] for p in policies] == ["1", "2", "3", "4", "5"]
    assert [p["subtitle"]["text"] for p in policies] == [
        "～とどけよう！いずみの魅力～", "～はぐくもう！地域の力～", "～まもろう！暮らしの安全・安心～",
        "～ささえあおう！健やかなまち～", "～チーム泉～",
    ]  # fmt: skip
    measures = _elements(data, level="主な取組")
    assert len(measures) == 12
    per_policy = Counter(m["parent"] for m in measures)
    assert [per_policy[f"policy-2024/policy/{n}"] for n in range(1, 6)] == [3, 4, 3, 2, 0]
    assert all(m["texts"] for m in measures)
    assert sum(len(m["texts"]) for m in measures) == 33  # ・ bullets (+ one plain paragraph) in the text
    management = _elements(data, level="組織運営")
    assert len(management) == 3 and {m["class"] for m in management} == {"Policy"}
    assert len(data["units"]) == 14
    assert [u["label"]["text"] for u in data["units"]][:3] == ["総務課", "区政推進課", "地域振興課"]
    assert all(u.get("role") for u in data["units"])


def test_izumi_midterm_plan_references() -> None:
    source, data = _source("yokohama-izumi/policy-2024"), _data("yokohama-izumi/policy-2024")
    stubs = {s["id"]: s for s in data["stubs"]}
    printed = re.findall(r"<中期計画:テーマ(\d\d) 戦略(\d) 政策([\d・]+)>", source)
    assert len(printed) == 12
    expected = {n for *_, numbers in printed for n in numbers.split("・")}
    implemented = set()
    for measure in _elements(data, level="主な取組"):
        for rel in measure["relations"]:
            stub = stubs[rel["target"]]
            assert rel["evidence"]["text"].startswith("中期計画:テーマ")
            if rel["type"] == "implements":
                number = rel["target"].rsplit("/", 1)[1]
                assert stub["class"] == "Policy" and stub["notation"] == f"政策{number}"
                assert stub["notation"].removeprefix("政策") in rel["evidence"]["text"]
                implemented.add(stub["notation"].removeprefix("政策"))
    assert implemented == expected
    assert stubs["yokohama/midterm-plan-2022"]["label"]["text"] == "横浜市中期計画"
    # 政策19 is quoted from 「政策18・19」 as two ranges
    at = stubs["yokohama/midterm-plan-2022/policy/19"]["label"]["at"]
    assert "".join(source[s:e] for s, e in at) == "政策19"


def test_izumi_partners() -> None:
    data = _data("yokohama-izumi/policy-2024")
    partners = {p["id"]: p for p in data["partners"]}
    assert {p["label"]["text"] for p in partners.values()} == {
        "フェリス学院大学",
        "泉区商店街連合会",
        "泉伝統文化保存会",
    }
    assert {p["partner_type"] for p in partners.values()} <= PARTNER_TYPES
    linked = {pid for m in data["elements"] for pid in m.get("partners", [])}
    assert linked == set(partners)
    for element in data["elements"]:
        for pid in element.get("partners", []):
            name = partners[pid]["label"]["text"]
            assert any(name in t["text"] for t in element["texts"]), (element["id"], name)


# ---- municipalities --------------------------------------------------------------------------------


def test_check_digit_function_on_known_codes() -> None:
    # independent cases of the two special remainders: 新宿区 131041 (sum ≡ 0 → 1), 泉区 141160 (≡ 1 → 0)
    assert check_digit("13104") == 1
    assert check_digit("14116") == 0
    assert check_digit("13101") == 6  # 千代田区 131016


def test_municipalities() -> None:
    data = yaml.safe_load((DATA / "municipalities.yaml").read_text(encoding="utf-8"))["municipalities"]
    assert set(data) == {"kamakura", "osaka-tsurumi", "setagaya", "yokohama-izumi", "osaka", "yokohama"}
    for slug, m in data.items():
        code = m["code"]
        assert re.fullmatch(r"\d{6}", code), slug
        assert int(code[5]) == check_digit(code[:5]), slug
        assert m["sac"] == code[:5]
        assert m["estat"] == f"http://data.e-stat.go.jp/lod/sac/C{m['sac']}"
        assert m["label"]["ja"] and m["label"]["en"] and m["prefecture"]["ja"] and m["prefecture"]["en"]
        assert code in m["code_checked"] and "check digit" in m["code_checked"]
    assert data["osaka-tsurumi"]["part_of"] == "osaka" and data["yokohama-izumi"]["part_of"] == "yokohama"
    assert {s: m["code"] for s, m in data.items()} == {
        "kamakura": "142042", "osaka": "271004", "osaka-tsurumi": "271241",
        "setagaya": "131121", "yokohama": "141003", "yokohama-izumi": "141160",
    }  # fmt: skip
    # the municipalities of the documents exist
    for document in DOCUMENTS:
        assert document.split("/")[0] in data
