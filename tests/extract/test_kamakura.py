"""The Kamakura extraction, checked against the real source text.

The expectations below were typed by hand from data/sources/kamakura/plan-2030.txt (line numbers in the
comments), not copied from the extractor's output, so that a parser mistake shows up as a failure.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from kg.errors import SourceError
from kg.extract import common
from kg.extract import kamakura as kk
from kg.paths import PLANS, SOURCES

SOURCE = SOURCES / "kamakura" / "plan-2030.txt"
META = SOURCES / "kamakura" / "plan-2030.meta.yaml"
YAML_FILE = PLANS / "kamakura" / "plan-2030.yaml"
TYPES = ["市民", "地域", "市民活動団体", "関係機関", "企業・事業者", "滞在者", "他行政機関", "その他"]

# 主な取組 per 施策, counted by hand from the circled numbers of the text.
MEASURES_PER_POLICY = {
    "0-1": 2, "0-2": 2,
    "1-1": 4, "1-2": 3,
    "2-1": 6, "2-2": 4, "2-3": 4, "2-4": 4, "2-5": 3,
    "3-1": 2, "3-2": 2, "3-3": 4, "3-4": 3, "3-5": 3, "3-6": 3, "3-7": 3, "3-8": 3, "3-9": 3,
    "3-10": 4, "3-11": 4, "3-12": 2, "3-13": 2, "3-14": 3, "3-15": 5,
    "4-1": 3, "4-2": 3, "4-3": 1, "4-4": 3, "4-5": 3, "4-6": 2, "4-7": 3, "4-8": 2, "4-9": 3, "4-10": 2,
    "5-1": 3, "5-2": 3, "5-3": 2, "5-4": 2, "5-5": 2, "5-6": 1, "5-7": 4, "5-8": 3, "5-9": 2,
}  # fmt: skip

# The ■/□ lines of some 施策, typed from the text: ■ = involved.
BOXES = {
    "1-2": "■市民 ■地域 ■市民活動団体 ■関係機関 ■企業・事業者 ■滞在者 ■他行政機関 ■その他",  # l. 599
    "2-4": "■市民 □地域 ■市民活動団体 ■関係機関 ■企業・事業者 □滞在者 □他行政機関 □その他",  # l. 845
    "3-4": "■市民 □地域 ■市民活動団体 ■関係機関 ■企業・事業者 ■滞在者 ■他行政機関 □その他",  # l. 1090
    "3-14": "■市民 □地域 □市民活動団体 ■関係機関 ■企業・事業者 □滞在者 □他行政機関 ■その他",  # l. 1650
    # 4-9: the text marks 市民 ■ and every other box □ (l. 2132–2134).
    "4-9": "■市民 □地域 □市民活動団体 □関係機関 □企業・事業者 □滞在者 □他行政機関 □その他",
    "4-10": "□市民 □地域 ■市民活動団体 ■関係機関 ■企業・事業者 □滞在者 □他行政機関 □その他",  # l. 2173
}


@pytest.fixture(scope="module")
def source() -> str:
    with SOURCE.open(encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    """The YAML on disk (what the engine reads)."""
    return yaml.safe_load(YAML_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in doc["elements"]}


def _quotes(data: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every mapping with `text` and `at`, walked independently of kg.extract.common."""
    found = []
    if isinstance(data, dict):
        if "text" in data and "at" in data:
            found.append((path, data))
        for key, value in data.items():
            found.extend(_quotes(value, f"{path}.{key}"))
    elif isinstance(data, list):
        for n, value in enumerate(data):
            found.extend(_quotes(value, f"{path}[{n}]"))
    return found


def _pairs(at: Any) -> list[tuple[int, int]]:
    return [tuple(at)] if isinstance(at[0], int) else [tuple(p) for p in at]  # type: ignore[misc]


# ---- the file on disk ----------------------------------------------------------------------------------


def test_yaml_on_disk_is_exactly_what_the_extractor_produces() -> None:
    expected = common.dump_yaml(kk.extract(), header=kk.HEADER)
    assert YAML_FILE.read_text(encoding="utf-8") == expected, (
        "data/plans/kamakura/plan-2030.yaml differs from the extractor: fix kg/extract/kamakura.py and run "
        "`keikaku extract kamakura/plan-2030`"
    )


def test_meta_records_the_seed_unchanged(source: str) -> None:
    meta = yaml.safe_load(META.read_text(encoding="utf-8"))
    assert meta["sha256"] == hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    assert meta["seed"] == "002_4cf4fcb7bd0d8852.txt"
    assert meta["document"] == "kamakura/plan-2030" and meta["plan_types"] == ["基本構想", "基本計画"]
    assert {p["plan"]: (p["start"], p["end"]) for p in meta["periods"]} == {
        "vision-2034": (2026, 2034),
        "plan-2030": (2026, 2030),
    }
    assert meta["licence"] == "not stated in the source text"


def test_source_is_byte_for_byte_the_seed(shared_dir: Path) -> None:
    seed = shared_dir / "seeds" / "002_4cf4fcb7bd0d8852.txt"
    if not seed.exists():
        pytest.skip("seed file not present")
    assert SOURCE.read_bytes() == seed.read_bytes()


# ---- fidelity ------------------------------------------------------------------------------------------


def test_every_quoted_text_obeys_the_fidelity_rule(doc: dict[str, Any], source: str) -> None:
    quotes = _quotes(doc)
    assert len(quotes) > 400  # labels, descriptions, target states, texts … of ~190 elements
    bad = []
    for path, q in quotes:
        pairs = _pairs(q["at"])
        assert all(0 <= s < e <= len(source) for s, e in pairs), path
        sliced = "".join(source[s:e] for s, e in pairs)
        if re.sub(r"\s", "", sliced) != re.sub(r"\s", "", q["text"]):
            bad.append(path)
        # written as a reader wants it: no PDF line breaks, no indentation left at either end
        assert "\n" not in q["text"] and q["text"] == q["text"].strip(), path
        # ranges never start or end in white space, and stay in order
        assert all(not source[s].isspace() and not source[e - 1].isspace() for s, e in pairs), path
        assert all(a[1] <= b[0] for a, b in pairwise(pairs)), path
    assert not bad, f"quotes that do not match the source: {bad[:5]}"


def test_no_quote_takes_in_the_page_number(doc: dict[str, Any], source: str) -> None:
    page = source.index("\n5 \n") + 1  # the only page-number line of the text (l. 73)
    for path, q in _quotes(doc):
        assert all(not s <= page < e for s, e in _pairs(q["at"])), path


def test_fidelity_check_rejects_a_changed_text(source: str) -> None:
    ranges = common.find_quote(source, "ごみの削減に取り組みます")
    good = common.quote_ranges(source, ranges)
    assert common.check_fidelity(source, good)
    assert not common.check_fidelity(source, {**good, "text": "ゴミの削減に取り組みます"})
    assert not common.check_fidelity(source, {**good, "at": [ranges[0][0] + 1, ranges[0][1]]})
    assert not common.check_fidelity(source, {**good, "at": [len(source) - 2, len(source) + 5]})


def test_find_quote_splits_around_a_page_number() -> None:
    text = "目指す\n\n 12 \n\n社会です。"
    ranges = common.find_quote(text, "目指す社会です。", skip=common.PAGE_NUMBER)
    assert ranges == [(0, 3), (11, 16)]
    assert common.quote_ranges(text, ranges)["text"] == "目指す社会です。"
    with pytest.raises(common.QuoteNotFound):
        common.find_quote(text, "目指す社会です。")  # without skip the page number is in the way


def test_clean_text_keeps_characters_and_ascii_word_breaks(source: str) -> None:
    q = common.find(source, "持続可能な開発目標（Sustainable Development Goals）")
    assert q["text"] == "持続可能な開発目標（Sustainable Development Goals）"
    assert common.quote(source, *q["at"])["text"] == q["text"]


def test_dumper_writes_japanese_and_flow_pairs() -> None:
    text = common.dump_yaml({"notation": "3-4", "label": {"text": "廃棄物", "at": [[1, 2], [3, 4]]}})
    assert text == 'notation: "3-4"\nlabel: {text: 廃棄物, at: [[1, 2], [3, 4]]}\n'


# ---- plans ---------------------------------------------------------------------------------------------


def test_two_plans_with_periods_and_names(doc: dict[str, Any], source: str) -> None:
    plans = {p["id"]: p for p in doc["plans"]}
    assert set(plans) == {"vision-2034", "plan-2030"}
    vision, plan = plans["vision-2034"], plans["plan-2030"]
    assert (vision["plan_type"], plan["plan_type"]) == ("基本構想", "基本計画")
    assert vision["title"]["text"] == "鎌倉市基本構想「鎌倉ビジョン 2034」"
    assert plan["title"]["text"] == "鎌倉市基本計画「鎌倉ミライ共創プラン 2030」"
    assert (vision["period"]["start"], vision["period"]["end"]) == (2026, 2034)
    assert (plan["period"]["start"], plan["period"]["end"]) == (2026, 2030)
    s, e = vision["period"]["at"]
    assert source[s:e] == "令和８年（2026 年）度から令和 16年（2034 年）度までの９年間とします。"
    s, e = plan["period"]["at"]
    assert source[s:e] == "令和８年（2026 年）度から令和 12年（2030 年）度までの５年間とします。"
    assert re.sub(r"\s", "", vision["name"]["text"]) == "鎌倉ビジョン2034"
    assert re.sub(r"\s", "", plan["name"]["text"]) == "鎌倉ミライ共創プラン2030"
    assert plan["relations"][0]["type"] == "implements"
    assert plan["relations"][0]["target"] == "kamakura/vision-2034"


def test_city_image_inherits_from_the_third_comprehensive_plan(
    doc: dict[str, Any], by_id: dict[str, dict[str, Any]]
) -> None:
    stub = {s["id"]: s for s in doc["stubs"]}["kamakura/comprehensive-plan-3"]
    assert stub["class"] == "Plan" and stub["label"]["text"] == "第３次鎌倉市総合計画"
    city = by_id["vision-2034/city-image"]
    assert city["class"] == "Vision" and city["level"] == "将来都市像"
    assert city["label"]["text"] == "古都としての風格を保ちながら、生きる喜びと新しい魅力を創造するまち"
    (rel,) = city["relations"]
    assert rel["type"] == "inheritsFrom" and rel["target"] == "kamakura/comprehensive-plan-3"
    assert "第３次鎌倉市総合計画の将来都市像を引き継" in rel["evidence"]["text"]
    principle = by_id["vision-2034/basic-philosophy"]
    assert principle["level"] == "基本理念"
    assert principle["label"]["text"] == "平和都市宣言及び鎌倉市民憲章の精神"


def test_three_future_goals_with_their_texts(by_id: dict[str, dict[str, Any]]) -> None:
    goals = [by_id[f"vision-2034/goal/{n}"] for n in (1, 2, 3)]
    assert [g["label"]["text"] for g in goals] == [
        "自然・歴史・文化を未来につなぐまち",
        "多世代・多文化・多様な絆がいきるまち",
        "ひとの想いが尊重される豊かで安全なまち",
    ]
    assert [g["notation"] for g in goals] == ["(1)", "(2)", "(3)"]
    assert all(g["class"] == "Goal" and g["level"] == "将来目標" for g in goals)
    texts = [g["description"]["text"] for g in goals]
    assert texts[0].startswith("先人が築いてきたかけがえのない資産を後世に引き継ぐことは")
    assert texts[0].endswith("「自然・歴史・文化を未来につなぐまち」を形成します。")
    assert texts[1].startswith("持続可能なまちづくりに向けては、行政のみによる都市経営ではなく")
    assert texts[1].endswith("「多世代・多文化・多様な絆がいきる（生きる・活きる）まち」を形成します。")
    assert texts[2].startswith("安心できる安全なまちは、日々の生活にあたり最も重要です。")
    assert texts[2].endswith("「ひとの想いが尊重される豊かで安全なまち」を形成します。")
    assert goals[1]["variants"][0]["text"] == "多世代・多文化・多様な絆がいきる（生きる・活きる）まち"
    assert sum(e["level"] == "将来目標" for e in by_id.values() if "level" in e) == 3


def test_town_principles_and_leading_project(by_id: dict[str, dict[str, Any]]) -> None:
    principles = by_id["plan-2030/town-development-principles"]
    assert principles["level"] == "まちづくりの基本方針"
    assert principles["label"]["text"] == "“地域力×自分らしさ”が発揮できる共創社会の実現"
    assert principles["description"]["text"].endswith(
        "それぞれが主体的に関われる「地域」を行政として整えていきます。"
    )
    project = by_id["plan-2030/leading-project"]
    assert project["level"] == "リーディングプロジェクト"
    assert project["label"]["text"] == "こどもたちと紡ぐミライの鎌倉プロジェクト"
    actions = [e for e in by_id.values() if e["parent"] == "plan-2030/leading-project"]
    assert [(a["notation"], a["label"]["text"]) for a in actions] == [
        ("ア", "こどもたちの多様性が認められ、安心できている環境を整えます"),
        ("イ", "こどもたちが自身の未来にワクワクしている環境を整えます"),
        ("ウ", "その他、「こども」という視点から各種施策を推進します"),
    ]
    assert all(a["class"] == "Measure" and a["level"] == "取組" for a in actions)
    assert [a["id"] for a in actions] == [f"plan-2030/leading-project/measure/{n}" for n in (1, 2, 3)]


# ---- groups, 施策, 主な取組 -------------------------------------------------------------------------------


def test_six_groups_and_the_two_subheadings_of_ka(by_id: dict[str, dict[str, Any]]) -> None:
    groups = [by_id[f"plan-2030/group/{n}"] for n in range(1, 7)]
    assert [(g["notation"], g["label"]["text"]) for g in groups] == [
        ("ア", "施策の前提"),
        ("イ", "横断的施策"),
        ("ウ", "ひとの共創"),
        ("エ", "暮らしの共創"),
        ("オ", "まちの共創"),
        ("カ", "計画推進体制"),
    ]
    assert all(g["level"] == "政策分野" and g["notes"] for g in groups)
    sub = [by_id["plan-2030/group/6/1"], by_id["plan-2030/group/6/2"]]
    assert [(s["notation"], s["label"]["text"]) for s in sub] == [
        ("(ｱ)", "市民自治"),
        ("(ｲ)", "市政基本運営"),
    ]
    assert by_id["plan-2030/policy/5-2"]["parent"] == "plan-2030/group/6/1"
    assert by_id["plan-2030/policy/5-3"]["parent"] == "plan-2030/group/6/2"
    assert by_id["plan-2030/policy/3-4"]["parent"] == "plan-2030/group/4"


def test_exactly_43_policies(doc: dict[str, Any]) -> None:
    policies = [e for e in doc["elements"] if e["class"] == "Policy"]
    assert len(policies) == 43
    assert all(p["level"] == "施策" for p in policies)
    assert [p["notation"] for p in policies] == list(MEASURES_PER_POLICY)
    assert all(p["id"] == f"plan-2030/policy/{p['notation']}" for p in policies)
    labels = {p["notation"]: p["label"]["text"] for p in policies}
    assert labels["0-1"] == "平和" and labels["3-4"] == "廃棄物" and labels["4-10"] == "住宅"
    assert labels["2-5"] == "スポーツ・レクリエーション" and labels["5-9"] == "ICT"
    assert all(p.get("target_state", {}).get("text", "").endswith("まち") for p in policies)


def test_exactly_125_main_measures(doc: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> None:
    measures = [e for e in doc["elements"] if e["class"] == "Measure" and e.get("level") == "主な取組"]
    assert len(measures) == 125 == sum(MEASURES_PER_POLICY.values())
    per_policy = Counter(m["parent"].rsplit("/", 1)[1] for m in measures)
    assert dict(per_policy) == MEASURES_PER_POLICY
    for m in measures:
        n = int(m["id"].rsplit("/", 1)[1])
        assert m["id"] == f"{m['parent']}/measure/{n}"
        assert m["notation"] == "①②③④⑤⑥"[n - 1] and m["order"] == n
        assert m["label"]["text"].endswith("ます") and m["description"]["text"].endswith("。")
    waste = by_id["plan-2030/policy/3-4/measure/1"]
    assert waste["label"]["text"] == "ごみの削減に取り組みます"
    assert waste["description"]["text"] == (
        "３Ｒを推進し、ごみ処理施策に関する情報提供を行い、市民及び事業者への普及啓発を行うことで、"
        "ごみ削減に向けた意識を醸成し、更なるごみの削減につなげていきます。"
    )
    # an explanation of three paragraphs stays whole (4-3 ①, l. 1830–1836)
    river = by_id["plan-2030/policy/4-3/measure/1"]["description"]["text"]
    assert river.startswith("河川維持管理業務") and river.endswith("河川の状況が把握できる情報を提供します。")


def test_partner_boxes_typed_by_hand(by_id: dict[str, dict[str, Any]]) -> None:
    for notation, line in BOXES.items():
        boxes = by_id[f"plan-2030/policy/{notation}"]["partner_types"]
        marks = {name: mark for mark, name in re.findall(r"([■□])(\S+)", line)}
        assert list(marks) == TYPES
        assert boxes["involved"] == [t for t in TYPES if marks[t] == "■"], notation
        assert boxes["not_involved"] == [t for t in TYPES if marks[t] == "□"], notation


def test_partner_boxes_are_exactly_the_eight_types_as_marked(doc: dict[str, Any], source: str) -> None:
    with_boxes = [e for e in doc["elements"] if "partner_types" in e]
    # groups イ–オ (1-x … 4-x) print the boxes; ア (0-x) and カ (5-x) do not
    assert sorted(e["notation"] for e in with_boxes) == sorted(
        n for n in MEASURES_PER_POLICY if n[0] in "1234"
    )
    assert len(with_boxes) == 32
    for e in with_boxes:
        boxes = e["partner_types"]
        assert sorted(boxes["involved"] + boxes["not_involved"]) == sorted(TYPES), e["id"]
        s, t = boxes["at"]
        printed = source[s:t]
        assert printed.count("\n") >= 1 and len([ln for ln in printed.splitlines() if ln.strip()]) == 2
        marks = re.findall(r"([■□])([^\s■□]+)", printed)
        assert [name for _, name in marks] == TYPES, e["id"]
        assert [n for m, n in marks if m == "■"] == boxes["involved"], e["id"]
        assert [n for m, n in marks if m == "□"] == boxes["not_involved"], e["id"]
    assert sum(len(e["partner_types"]["involved"]) for e in with_boxes) == source.count("■")


def test_cocreation_texts_one_per_paragraph(by_id: dict[str, dict[str, Any]]) -> None:
    texts = {n: by_id[f"plan-2030/policy/{n}"].get("cocreation", []) for n in MEASURES_PER_POLICY}
    assert all(not texts[n] for n in MEASURES_PER_POLICY if n[0] in "05")
    assert all(texts[n] for n in MEASURES_PER_POLICY if n[0] in "1234")
    assert all(t["text"].endswith("。") for ts in texts.values() for t in ts)
    # paragraphs counted by hand: 1-1 three, 1-2 one, 2-1 two (the second of five sentences), 3-4 three
    assert [len(texts[n]) for n in ("1-1", "1-2", "2-1", "3-4", "3-14", "4-9")] == [3, 1, 2, 3, 1, 1]
    assert texts["4-9"][0]["text"] == "市民によるボランティアとともに都市公園の維持管理を進めます。"
    assert texts["3-4"][2]["text"].startswith("逗子市・葉山町とはゼロ・ウェイストの実現を目指し")


# ---- structure -------------------------------------------------------------------------------------------


def test_ids_unique_parents_first_and_orders_contiguous(doc: dict[str, Any]) -> None:
    seen = {p["id"] for p in doc["plans"]}
    orders: dict[str, list[int]] = {}
    for e in doc["elements"]:
        assert e["id"] not in seen, e["id"]
        assert e["parent"] in seen, f"{e['id']}: parent {e['parent']} not defined before it"
        assert e["id"].split("/")[0] in {"vision-2034", "plan-2030"}
        seen.add(e["id"])
        orders.setdefault(e["parent"], []).append(e["order"])
    assert all(o == list(range(1, len(o) + 1)) for o in orders.values())
    assert Counter(e["class"] for e in doc["elements"]) == {
        "Vision": 2,
        # 将来目標 3, 基礎条件 2, 基本方針 1, リーディングプロジェクト 1, ア–カ 6, (ｱ)(ｲ) 2
        "Goal": 15,
        "Policy": 43,
        "Measure": 125 + 3,
    }


def test_a_missing_box_line_is_recorded_not_guessed(source: str) -> None:
    second_line = "■企業・事業者 □滞在者 □他行政機関 □その他 \n\n市民とともに、自らのこころ"
    broken = source.replace(second_line, "市民とともに、自らのこころ", 1)
    assert broken != source
    doc = kk.KamakuraExtractor(broken).run()
    policy = next(e for e in doc["elements"] if e["id"] == "plan-2030/policy/2-3")
    assert policy["partner_types"]["involved"] == ["市民", "地域", "関係機関"]
    assert any("欠落" in note for note in policy["notes"])


def test_a_numbering_break_fails_loudly(source: str) -> None:
    broken = source.replace(" 3-4 廃棄物", " 3-5 廃棄物", 1)
    with pytest.raises(SourceError, match="out of sequence"):
        kk.KamakuraExtractor(broken).run()
