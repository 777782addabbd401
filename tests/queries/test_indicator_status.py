"""indicator-status on the real data: every Tsurumi indicator's status and the reason for it.

The expected table was checked by hand against data/sources/osaka-tsurumi/evaluation-2015.txt (the
FY2015 sheet: FY2015 actuals, FY2014 in the 前年度 column, outcome targets due 平成29年度 = FY2017,
業績目標 due in FY2015). The rules are those of docs/indicator-status.md.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kg.queries import load_registry
from kg.stores import Store

#: indicator id (below …/evaluation-2015/indicator/) → (statusJa, track or reason, sheet rating, agreement)
#: 途上 rows: the track; 判定不能 rows: the reason; other rows: None.
EXPECTED: dict[str, tuple[str, str | None, str | None, str | None]] = {
    # 【1-1】 80％以上 by FY2017, 66.2 % in FY2015, 前年度 printed ― → no trend
    "1-1": ("途上", "unknown", "A", None),
    # 【1-1-1】 業績目標 60％以上 (FY2015), 66.2 %
    "1-1-1-1": ("達成", None, "①(ⅰ)", "agrees"),
    # 【2-1】 70％以上 by FY2017; 47.8 → 67.4 (+19.6 a year) → 106.6 at FY2017
    "2-1": ("途上", "on track", "A", "agrees"),
    "2-1-1-1": ("達成", None, "①(ⅰ)", "agrees"),  # 60％以上, 67.4 %
    # 【4-1】 a bare 「70％」 by FY2017 (≥ is our reading); 84.7 % already above it
    "4-1": ("途上", "reached", "A", "agrees"),
    "4-1-1-1": ("達成", None, "①(ⅰ)", "agrees"),  # 50％以上, 74.6 %
    # 【4-2】 ７０％以上 by FY2017; 28 → 40.5 (+12.5 a year) → 65.5 at FY2017: behind, the sheet says A
    "4-2": ("途上", "behind", "A", "disagrees"),
    # 【4-2-1】 ８０％以上 (FY2015), 76.6 %: not met, the sheet prints ①(ⅰ) 目標達成
    "4-2-1-1": ("未達成", None, "①(ⅰ)", "disagrees"),
    # 【6-1】 満足度80％以上の維持 by FY2017; 91.5 % (87.0 % in FY2014)
    "6-1": ("途上", "reached", "A", "agrees"),
    "6-1-b": ("判定不能", "no target value", "A", None),  # 職員のやりがい: no target printed
    "6-1-1-1": ("達成", None, "①(ⅰ)", "agrees"),  # 80％以上の維持, 91.5 %
    # 【6-2】 85％以上の維持 by FY2017; 63.6 → 73.9 (+10.3 a year) → 94.5 at FY2017
    "6-2": ("途上", "on track", "A", "agrees"),
    "6-2-1-1": ("達成", None, "①(ⅰ)", "agrees"),  # 認知度80％以上, 89.2 %
    # 業務運営 (1): 約15％の削減 by FY2017 (≥ our reading); 32 % already
    "gyomu-unei-1": ("途上", "reached", "A", "agrees"),
    # (2) 毎年、前年度収納率を上回る: 98.09 > 97.96
    "gyomu-unei-2": ("相対目標・達成", None, "A", "agrees"),
    # (3) the same, 91.1 (a forecast) > 90.36
    "gyomu-unei-3": ("相対目標・達成", None, "A", "agrees"),
    "gyomu-unei-3b": ("判定不能", "no target value", "A", None),  # 口座振替率: no outcome target
    # (4) 毎年、前年度歳入額を上回る: 2,148,171 > 916,339 円
    "gyomu-unei-4": ("相対目標・達成", None, "A", "agrees"),
    "gyomu-unei-torikumi-1": ("達成", None, "①(ⅰ)", "agrees"),  # 約10％の削減 (FY2015), 32 %
    "gyomu-unei-torikumi-2": ("達成", None, "①(ⅰ)", "agrees"),  # 98.0％以上, 98.09 %
    "gyomu-unei-torikumi-3": ("達成", None, "①(ⅰ)", "agrees"),  # ９１.１％以上, 91.1 % (forecast)
    # 口座振替率 ５０％以上, 49.5 %: not met, the row's one rating is ①(ⅰ)
    "gyomu-unei-torikumi-3b": ("未達成", None, "①(ⅰ)", "disagrees"),
    # 平成26年度以上の歳入: 2,148,171 ≥ 916,339 円 (the FY2014 figure of the outcome row)
    "gyomu-unei-torikumi-4": ("相対目標・達成", None, "①(ⅰ)", "agrees"),
    # 区政会議の意見を区政へ反映する: no figure; not rated (「－ －」)
    "kusei-kaigi-1": ("判定不能", "no target value", None, None),
}

PREFIX = "https://w3id.org/keikaku/id/osaka-tsurumi/evaluation-2015/indicator/"


@pytest.fixture(scope="module")
def rows(store: Store) -> dict[str, dict]:
    text, bindings = load_registry()["indicator-status"].bind({"municipality": "osaka-tsurumi"})
    out = {}
    for r in store.query(text, bindings).dicts():
        key = str(r["indicator"]).removeprefix(PREFIX)
        assert key not in out, f"two rows for {key}"
        out[key] = r
    return out


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def test_every_tsurumi_indicator_has_the_hand_checked_status(rows: dict[str, dict]) -> None:
    assert set(rows) == set(EXPECTED)
    got = {
        key: (
            _s(r["statusJa"]),
            _s(r.get("track")) if _s(r["statusJa"]) == "途上" else _s(r.get("reason")),
            _s(r.get("sheetRating")),
            _s(r.get("agreement")),
        )
        for key, r in rows.items()
    }
    assert got == EXPECTED


def test_a_target_not_yet_due_is_not_called_not_met(rows: dict[str, dict]) -> None:
    r = rows["4-2"]  # 40.5 % against 「平成２９年度までに７０％以上」 in the FY2015 sheet
    assert (str(r["statusJa"]), str(r["targetYear"]), str(r["actualYear"])) == ("途上", "2017", "2015")
    assert r["projected"].toPython() == Decimal("65.5")
    assert str(r["trackJa"]).startswith("遅れ")


def test_relative_targets_use_both_figures(rows: dict[str, dict]) -> None:
    r = rows["gyomu-unei-2"]
    assert (r["actual"].toPython(), r["previous"].toPython()) == (Decimal("98.09"), Decimal("97.96"))
    assert str(r["relativeTo"]).endswith("#PreviousFiscalYear")
    assert str(r["comparator"]) == ">"


def test_forecasts_are_marked(rows: dict[str, dict]) -> None:
    forecast = {key for key, r in rows.items() if r.get("forecast") is not None and r["forecast"].toPython()}
    assert forecast == {"gyomu-unei-3", "gyomu-unei-torikumi-3"}


def test_comparators_the_text_does_not_print_carry_the_note(rows: dict[str, dict]) -> None:
    noted = {key for key, r in rows.items() if r.get("comparatorNote") is not None}
    # 「平成29年度までに70％」, 「約15％の削減」, 「約10％の削減」
    assert noted == {"4-1", "gyomu-unei-1", "gyomu-unei-torikumi-1"}
    assert "編集者の解釈" in str(rows["4-1"]["comparatorNote"])


def test_every_disagreement_with_the_sheet_is_flagged(rows: dict[str, dict]) -> None:
    flagged = {key for key, r in rows.items() if _s(r.get("agreementJa")) == "不一致"}
    assert flagged == {"4-2", "4-2-1-1", "gyomu-unei-torikumi-3b"}


def test_every_judgement_that_cannot_be_made_says_why(rows: dict[str, dict]) -> None:
    for key, r in rows.items():
        assert (str(r["statusJa"]) == "判定不能") == (r.get("reasonJa") is not None), key


def test_notations_use_one_hyphen(rows: dict[str, dict]) -> None:
    notations = {str(r["elementNotation"]) for r in rows.values() if r.get("elementNotation") is not None}
    assert "【6-2】" in notations
    assert not any(c in n for n in notations for c in "\u2010\u2011\u2012\u2013\uff0d")


def test_the_city_indicators_are_seen_and_say_why_they_cannot_be_judged(store: Store) -> None:
    """The 成果指標 of Osaka City's 区政運営基本方針 (restated in the sheet) are indicators of its items."""
    text, bindings = load_registry()["indicator-status"].bind({})  # `osaka` is not a parameter value
    rows = [r for r in store.query(text, bindings).dicts() if "/indicator/city-" in str(r["indicator"])]
    assert len(rows) == 17
    assert {(str(r["statusJa"]), str(r["reasonJa"])) for r in rows} == {("判定不能", "実績なし")}
    assert all(
        str(r["element"]).startswith("https://w3id.org/keikaku/id/osaka/kusei-unei-kihon-hoshin/")
        for r in rows
    )
    due = {str(r["targetYear"]) for r in rows if r.get("targetYear") is not None}
    assert due == {"2017"}  # every 「H29年度までに…」
