"""Japanese era years and printed numbers, as the evaluation sheets and plans print them.

A plan document dates its targets in era years (平成29年度, H29, 令和元年度) and prints figures with
full-width digits, thousands separators and a unit or comparator word after them (９１.１％以上,
2,148,171円). These helpers read such text. A text without a number is an error, never a guess; the one
reading we add (a plain target figure is a level to reach, ≥) is explained at `comparator_of`.

>>> fiscal_year_from_era("平成２９年度までに７０％以上"), parse_quantity("平成２９年度までに７０％以上")
(2017, (Decimal('70'), '%'))
"""

from __future__ import annotations

import re
from decimal import Decimal

from kg.extract.common import WS as _WS

ERA_BASE = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018, "H": 1988, "R": 2018}
_ERA = re.compile(r"(明治|大正|昭和|平成|令和|(?<![A-Za-z])[HR])\s*(元|\d+)\s*年")


def ascii_digits(text: str) -> str:
    """Full-width digits and separators as ASCII (only those; ①, ⅰ and kana stay as they are)."""
    return text.translate(str.maketrans("０１２３４５６７８９．，％", "0123456789.,%"))


def fiscal_year_from_era(text: str) -> int | None:
    """The Western year of the first Japanese era year in `text` (平成N年度 = 1988+N, 令和N = 2018+N).

    A 年度 (fiscal year) keeps the number of the calendar year it starts in, so 平成29年度 → 2017.

    >>> fiscal_year_from_era("H29年度まで")
    2017
    >>> fiscal_year_from_era("令和元年度") , fiscal_year_from_era("令和5年度")
    (2019, 2023)
    >>> fiscal_year_from_era("60％以上") is None
    True
    """
    match = _ERA.search(ascii_digits(text))
    if match is None:
        return None
    era, number = match.group(1), match.group(2)
    return ERA_BASE[era] + (1 if number == "元" else int(number))


_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
UNITS = {"%": "%", "件": "件", "点": "点", "円": "円", "人": "人", "回": "回", "地域": "地域"}


def parse_quantity(text: str) -> tuple[Decimal, str | None]:
    """The last number in `text` and the unit printed right after it (％ → "%").

    The last number is taken because era years come first (平成29年度までに70％).

    >>> parse_quantity("区民の割合：67.4％")
    (Decimal('67.4'), '%')
    >>> parse_quantity("平成27年度広告歳入（2,148,171円）")
    (Decimal('2148171'), '円')
    >>> parse_quantity("９１.１％以上")
    (Decimal('91.1'), '%')
    """
    plain = _WS.sub("", ascii_digits(text))
    matches = [m for m in _NUMBER.finditer(plain) if not _is_era_number(plain, m)]
    if not matches:
        raise ValueError(f"no number in {text!r}")
    match = matches[-1]
    whole = match.group(1).replace(",", "")
    value = Decimal(whole + ("." + match.group(2) if match.group(2) else ""))
    rest = plain[match.end() :]
    unit = next((UNITS[u] for u in UNITS if rest.startswith(u)), None)
    return value, unit


def _is_era_number(plain: str, match: re.Match[str]) -> bool:
    before = plain[max(0, match.start() - 2) : match.start()]
    after = plain[match.end() : match.end() + 1]
    return after == "年" and (before.endswith(("成", "和", "H", "R")))


def comparator_of(text: str) -> str:
    """以上 → ≥, 以下 → ≤, 未満 → <, 超 → >; a plain figure → ≥ (our reading, noted by the caller).

    A plain target figure (「平成29年度までに70％」, 「約15％の削減」) is a level to reach: 84.7 % satisfied
    residents meets a 70 % target, a 32 % cut meets a 15 % cut. Reading it as '=' would call those
    results failures, which no reader of the sheet would; the reading is recorded as a note.
    """
    plain = _WS.sub("", text)
    for word, sign in (("以上", "≥"), ("以下", "≤"), ("未満", "<"), ("を超", ">"), ("超", ">")):
        if word in plain:
            return sign
    return PLAIN_FIGURE


PLAIN_FIGURE = "≥"


def number(value: Decimal) -> int | float:
    """A YAML-friendly number: int when integral, else the shortest float."""
    return int(value) if value == value.to_integral_value() else float(value)
