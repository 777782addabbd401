"""Structured extraction of Tsurumi ward's FY2015 evaluation of the 区政運営基本方針.

The source (`data/sources/osaka-tsurumi/evaluation-2015.txt`) is an A3 table flattened into text: each
row of Osaka City's 「豊かな地域社会の形成に向けた区政運営基本方針」 (left columns: 項目, 成果指標と目標値)
repeats the ward outcome (【2-1】 …) reported under it, with its strategy, actual values and ratings, and
the columns come out in an order that changes from row to row. No parser survives that layout, so the
structure is curated by hand in `data/curation/osaka-tsurumi/evaluation-2015.yaml` — but only as *quote
specs* (pieces of the text, never offsets). This module finds every spec in the source, computes the
offsets, converts era years and numbers, and writes `data/plans/osaka-tsurumi/evaluation-2015.yaml`.

Run `python -m kg.extract.tsurumi_evaluation` to regenerate, `--check` to verify the file on disk.

Example:
    >>> fiscal_year_from_era("平成２９年度までに７０％以上")
    2017
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kg.extract.common import WS as _WS
from kg.extract.common import check_fidelity, clean_text, dump_yaml, iter_quotes
from kg.paths import DATA, PLANS, SOURCES

DOCUMENT = "osaka-tsurumi/evaluation-2015"
MUNICIPALITY = "osaka-tsurumi"
SOURCE_PATH = SOURCES / f"{DOCUMENT}.txt"
CURATION_PATH = DATA / "curation" / f"{DOCUMENT}.yaml"
OUTPUT_PATH = PLANS / f"{DOCUMENT}.yaml"
PLAN_ID = "evaluation-2015"
ID_PREFIX = f"{DOCUMENT}"  # full paths of indicators, schemes, evaluations start here

# ---------------------------------------------------------------------------------------------------
# Era years and numbers
# ---------------------------------------------------------------------------------------------------

ERA_BASE = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018, "H": 1988, "R": 2018}
_ERA = re.compile(r"(明治|大正|昭和|平成|令和|(?<![A-Za-z])[HR])\s*(元|\d+)\s*年")


def _ascii_digits(text: str) -> str:
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
    match = _ERA.search(_ascii_digits(text))
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
    plain = _WS.sub("", _ascii_digits(text))
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


# ---------------------------------------------------------------------------------------------------
# Finding quotes in the source
# ---------------------------------------------------------------------------------------------------

Span = tuple[int, int]


class SpecError(ValueError):
    """A curation spec that does not match the source (the curation must be fixed, never the source)."""


@dataclass
class Found:
    """A located quote: its ranges in the source (one or more) and the reader's text."""

    ranges: list[Span]
    text: str

    @property
    def start(self) -> int:
        return self.ranges[0][0]

    @property
    def end(self) -> int:
        return self.ranges[-1][1]

    def quote(self) -> dict[str, Any]:
        """The `{text, at}` form of docs/data-format.md."""
        at: Any = list(self.ranges[0]) if len(self.ranges) == 1 else [list(r) for r in self.ranges]
        return {"text": self.text, "at": at}

    def at(self) -> Any:
        return self.quote()["at"]


class Locator:
    """Finds text in the source with white space ignored, so a PDF line break never defeats a quote.

    >>> loc = Locator("地域\\n活動  協議会\\n")
    >>> loc.find("域活動").ranges
    [(1, 5)]
    >>> loc.find("域活動").text
    '域活動'
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.positions = [i for i, c in enumerate(text) if not _WS.match(c)]
        self.stripped = "".join(text[i] for i in self.positions)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def reader_text(self, start: int, end: int) -> str:
        """The slice as a reader wants it (common.clean_text: line breaks and indentation removed)."""
        return clean_text(self.text[start:end])

    def span(self, start: int, end: int) -> Found:
        return Found([(start, end)], self.reader_text(start, end))

    def find(self, needle: str, start: int = 0, nth: int = 1) -> Found:
        """The nth occurrence of `needle` (white space ignored) starting at or after `start`."""
        target = _WS.sub("", needle)
        if not target:
            raise SpecError("empty quote")
        k = bisect.bisect_left(self.positions, start)
        for _ in range(nth):
            k = self.stripped.find(target, k)
            if k < 0:
                raise SpecError(f"{needle!r} (occurrence {nth}) not found after char {start}")
            found_at = k
            k += 1
        s = self.positions[found_at]
        e = self.positions[found_at + len(target) - 1] + 1
        return self.span(s, e)

    def count(self, needle: str) -> int:
        target = _WS.sub("", needle)
        return self.stripped.count(target)

    def find_line(self, content: str, start: int = 0, nth: int = 1) -> Found:
        """The nth whole line (after `start`) whose text, white space ignored, equals `content`."""
        target = _WS.sub("", content)
        seen = 0
        first = bisect.bisect_right(self.line_starts, start) - 1
        for idx in range(max(first, 0), len(self.line_starts)):
            ls = self.line_starts[idx]
            le = self.line_starts[idx + 1] - 1 if idx + 1 < len(self.line_starts) else len(self.text)
            if ls < start:
                continue
            if _WS.sub("", self.text[ls:le]) == target:
                seen += 1
                if seen == nth:
                    line = self.text[ls:le]
                    lead = len(line) - len(line.lstrip())
                    trail = len(line.rstrip())
                    return self.span(ls + lead, ls + trail)
        raise SpecError(f"line {content!r} (occurrence {nth}) not found after char {start}")

    def resolve(self, spec: Any, start: int = 0) -> Found:
        """Resolve a curation spec (see the curation file's header) to a located quote."""
        if isinstance(spec, str):
            return self.find(spec, start)
        if not isinstance(spec, dict):
            raise SpecError(f"bad spec {spec!r}")
        if "after" in spec:
            start = self.resolve(spec["after"], start).end
        nth = int(spec.get("nth", 1))
        if "parts" in spec:
            pieces: list[Found] = []
            cursor = start
            for part in spec["parts"]:
                found = self.resolve(part, cursor)
                pieces.append(found)
                cursor = found.end
            joiner = str(spec.get("join", ""))
            return Found([r for f in pieces for r in f.ranges], joiner.join(f.text for f in pieces))
        if "line" in spec:
            found = self.find_line(str(spec["line"]), start, nth)
            if "pick" in spec:
                line = self.text[found.start : found.end]
                offset = -1
                for _ in range(int(spec.get("pick_nth", 1))):
                    offset = line.find(str(spec["pick"]), offset + 1)
                    if offset < 0:
                        raise SpecError(f"{spec['pick']!r} not in line {line!r}")
                s = found.start + offset
                return self.span(s, s + len(str(spec["pick"])))
            return found
        if "from" in spec:
            head = self.find(str(spec["from"]), start, nth)
            tail = self.find(str(spec["to"]), head.start)
            return self.span(head.start, tail.end)
        if "q" in spec:
            return self.find(str(spec["q"]), start, nth)
        raise SpecError(f"spec needs one of q, from/to, line, parts: {spec!r}")


# ---------------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------------

RATING_NOTATION = str.maketrans("ＡＢａｂ", "ABab")  # the legend prints A/B, a/b; rows mix in full width


def split_bullets(loc: Locator, found: Found) -> list[Found]:
    """Split a cell at the bullets that open a line (・, (1), （２）); the ・ itself is not quoted."""
    start, end = found.start, found.end
    text = loc.text
    cuts: list[int] = [start]
    for m in re.finditer(r"\n[ \u3000]*(・|\(\d\)|（[\d１-９]）)", text[start:end]):
        cuts.append(start + m.start(1))
    cuts.append(end)
    pieces: list[Found] = []
    for a, b in itertools.pairwise(cuts):
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        a += lead
        if text.startswith("・", a):
            a += 1
        b = a + len(text[a:b].rstrip())
        if b > a:
            pieces.append(loc.span(a, b))
    return pieces


class Generator:
    """Turns the curation into the YAML structure of docs/data-format.md."""

    def __init__(self, source_text: str, curation: dict[str, Any]) -> None:
        self.loc = Locator(source_text)
        self.cur = curation
        self.fy = int(curation["fiscal_year"])
        self.elements: list[dict[str, Any]] = []
        self.indicators: list[dict[str, Any]] = []
        self.evaluations: list[dict[str, Any]] = []
        self.schemes: dict[str, dict[str, Any]] = {}
        self.basic_policy = curation["basic_policy"]["id"]

    # -- helpers -------------------------------------------------------------------------------------
    def q(self, spec: Any, start: int = 0) -> Found:
        try:
            return self.loc.resolve(spec, start)
        except SpecError as exc:
            raise SpecError(f"{exc} — spec {spec!r}") from exc

    def full(self, *parts: str) -> str:
        return "/".join((ID_PREFIX, *parts))

    # -- the whole document --------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        plan = self._plan()
        stubs = self._stubs()
        self._rating_schemes()
        tops = [("outcome", o) for o in self.cur["outcomes"]] + [
            ("measure", m) for m in self.cur["measures"] if m.get("outcome") is None
        ]
        placed = sorted(tops, key=lambda item: self.q(item[1]["anchor"]).start)
        for order, (kind, item) in enumerate(placed, start=1):
            if kind == "outcome":
                self._outcome(item, order)
            else:
                self._measure(item, parent=PLAN_ID, order=order, outcome=None)
        return {
            "document": DOCUMENT,
            "municipality": MUNICIPALITY,
            "plans": [plan],
            "stubs": stubs,
            "elements": self.elements,
            "rating_schemes": list(self.schemes.values()),
            "indicators": self.indicators,
            "evaluations": self.evaluations,
        }

    def _plan(self) -> dict[str, Any]:
        p = self.cur["plan"]
        title = self.q(p["title"])
        period = self.q(p["period"])
        year = fiscal_year_from_era(period.text)
        if year != self.fy:
            raise SpecError(f"period {period.text} is not FY{self.fy}")
        out: dict[str, Any] = {
            "id": PLAN_ID,
            "title": title.quote(),
            "plan_type": p["plan_type"],
            "period": {"start": year, "end": year, "at": period.at()},
            "relations": [
                {
                    "type": "relatedTo",
                    "target": self.basic_policy,
                    "evidence": self.q(p["evaluates_evidence"]).quote(),
                    "notes": p["relation_notes"],
                }
            ],
            "notes": p["notes"],
        }
        return out

    # -- Osaka City's 区政運営基本方針 as stubs -------------------------------------------------------
    def _stubs(self) -> list[dict[str, Any]]:
        bp = self.cur["basic_policy"]
        stubs: list[dict[str, Any]] = [
            {
                "id": bp["id"],
                "class": "Plan",
                "label": self.q(bp["label"]).quote(),
                "issued_by": bp["issued_by"],
                "notes": bp["notes"],
            }
        ]
        for item in bp["items"]:
            key = item["key"]
            parent = bp["id"] + ("/" + key.rsplit("/", 1)[0] if "/" in key else "")
            stub: dict[str, Any] = {
                "id": f"{bp['id']}/{key}",
                "class": item["class"],
                "label": self.q(item["label"]).quote(),
                "notation": item["notation"],
                "parent": parent,
            }
            notes = list(item.get("notes") or [])
            for ind in item.get("indicators") or []:
                notes.append(self._city_indicator_note(ind))
            if notes:
                stub["notes"] = notes
            stubs.append(stub)
        return stubs

    def _city_indicator_note(self, ind: dict[str, Any]) -> str:
        """The city's 成果指標 as a note: `indicators.of` can only name an element of this document."""
        label = self.q(ind["label"])
        target = self.q(ind["target"], label.start if ind.get("target_after_label", True) else 0)
        year = fiscal_year_from_era(target.text)
        reading = ""
        if year is not None:
            value, unit = parse_quantity(target.text)
            reading = f"（= FY{year}, {comparator_of(target.text)} {number(value)} {unit or ''}）".replace(
                " ）", "）"
            )
        return (
            f"成果指標と目標値（区政運営基本方針、本文 char {label.start}–{label.end} / "
            f"{target.start}–{target.end}）: 「{label.text}」 「{target.text}」{reading}. "
            "Not a kk:Indicator here because `indicators.of` must name an element of this document."
        )

    # -- rating schemes -------------------------------------------------------------------------------
    def _rating_schemes(self) -> None:
        for scheme in self.cur["rating_schemes"]:
            sid = self.full("rating", scheme["key"])
            codes = []
            for code in scheme["codes"]:
                codes.append({"notation": code["notation"], "label": self.q(code["label"]).quote()})
            out: dict[str, Any] = {"id": sid, "label": self.q(scheme["label"]).quote(), "codes": codes}
            if scheme.get("notes"):
                out["notes"] = scheme["notes"]
            self.schemes[scheme["key"]] = out

    # -- indicators -----------------------------------------------------------------------------------
    def _indicator(self, ind: dict[str, Any], of: str, anchor: int) -> None:
        label = self.q(ind["label"], anchor)
        out: dict[str, Any] = {"id": self.full("indicator", ind["key"]), "of": of, "label": label.quote()}
        notes = list(ind.get("notes") or [])
        unit = ind.get("unit")
        if ind.get("target") is not None:
            target = self.q(ind["target"], anchor)
            value, t_unit = parse_quantity(target.text)
            unit = unit or t_unit
            year = fiscal_year_from_era(target.text)
            if year is None:
                year = self.fy
                notes.append(
                    f"target year not printed in the cell; FY{self.fy} from the column header 平成27年度 "
                    "(業績目標 are the year's targets)"
                )
            comparator = comparator_of(target.text)
            if not any(word in _WS.sub("", target.text) for word in ("以上", "以下", "未満", "超")):
                notes.append(
                    f"目標「{target.text}」は数値のみで「以上」等の記載がない。目標水準に達すること（≥）と解した"
                    "（編集者の解釈）。 / The target prints a plain figure; read as a level to reach (≥), "
                    "our reading."
                )
            out["target"] = {
                "value": number(value),
                "comparator": comparator,
                "year": year,
                "at": target.at(),
            }
        observations = []
        for obs in ind.get("observations") or []:
            found = self.q(obs["q"], anchor)
            value, o_unit = parse_quantity(found.text)
            unit = unit or o_unit
            entry: dict[str, Any] = {
                "value": number(value),
                "fiscal_year": obs["fiscal_year"],
                "at": found.at(),
            }
            if obs.get("notes"):
                entry["notes"] = obs["notes"]
            observations.append(entry)
        if unit:
            out["unit"] = unit
        if observations:
            out["observations"] = observations
        if notes:
            out["notes"] = notes
        # keep the documented key order
        keys = ("id", "of", "label", "unit", "target", "observations", "notes")
        ordered = {k: out[k] for k in keys if k in out}
        self.indicators.append(ordered)

    # -- outcomes (めざす状態), their strategy (戦略) and measures (具体的取組) ----------------------
    def _outcome(self, o: dict[str, Any], order: int) -> None:
        anchor = self.q(o["anchor"]).start
        key = o["key"]
        oid = f"{PLAN_ID}/outcome/{key}"
        label = self.q(o["label"], anchor)
        el: dict[str, Any] = {"id": oid, "class": "Goal", "level": "めざす状態"}
        notes = list(o.get("notes") or [])
        notation_found = None
        if o.get("notation"):
            notation_found = self.q(o["notation"], anchor)
            el["notation"] = notation_found.text
            if self.q(o["notation"]).start != notation_found.start:
                raise SpecError(f"outcome {key}: not quoted from the first occurrence of its notation")
            repeats = self.loc.count(o["notation"])
            if repeats > 1:
                notes.append(
                    f"{notation_found.text} is printed {repeats} times (once per row of the 区政運営基本方針 "
                    "it is reported under); one element, quoted from the first occurrence"
                )
        el["order"] = order
        el["parent"] = PLAN_ID
        el["label"] = label.quote()
        el["target_state"] = self.q(o.get("target_state", o["label"]), anchor).quote()
        texts = [self.q(t["q"], anchor) for t in o.get("texts") or []]
        if texts:
            el["texts"] = [t.quote() for t in texts]
            roles = ", ".join(f"{n} = {t['role']}" for n, t in enumerate(o["texts"], start=1))
            notes.append(f"texts: {roles}")
        el["themes"] = o["themes"]
        relations = []
        for n, target in enumerate(o.get("implements") or [], start=1):
            relations.append(self._implements(o, target, n, label))
        if relations:
            el["relations"] = relations
        if notes:
            el["notes"] = notes
        self.elements.append(el)

        for ind in o.get("indicators") or []:
            self._indicator(ind, oid, anchor)

        strategy = self._strategy(o, oid, anchor)
        ratings = o.get("ratings") or {}
        rating_notes = o.get("rating_notes") or {}
        for scheme_key, spec in ratings.items():
            of = strategy if scheme_key.startswith("strategy-") else oid
            for n, one in enumerate(spec if isinstance(spec, list) else [spec]):
                suffix = "" if n == 0 else "-" + "abcdefgh"[n]
                self._evaluate(key, suffix, of, scheme_key, one, anchor, rating_notes)

        for m_order, m in enumerate((m for m in self.cur["measures"] if m.get("outcome") == key), start=1):
            self._measure(m, parent=strategy, order=m_order, outcome=key)

    def _evaluate(
        self,
        key: str,
        suffix: str,
        of: str,
        scheme_key: str,
        spec: Any,
        anchor: int,
        rating_notes: dict[str, list[str]],
    ) -> None:
        """One evaluation; a second rating of the same column (【6-1】 has two 個別) gets `-b`."""
        found = self.q(spec, anchor)
        rating = found.text.translate(RATING_NOTATION)
        codes = {c["notation"] for c in self.schemes[scheme_key]["codes"]}
        if rating not in codes:
            raise SpecError(f"rating {found.text!r} of {key} is not a code of {scheme_key}")
        ev: dict[str, Any] = {
            "id": self.full("evaluation", key, scheme_key + suffix),
            "of": of,
            "scheme": self.full("rating", scheme_key),
            "rating": rating,
            "fiscal_year": self.fy,
            "at": found.at(),
        }
        notes = list(rating_notes.get(scheme_key + suffix) or [])
        if rating != found.text:
            notes.append(f"printed {found.text!r} (full width); the legend's code is {rating!r}")
        if notes:
            ev["notes"] = notes
        self.evaluations.append(ev)

    def _implements(self, o: dict[str, Any], target: Any, n: int, label: Found) -> dict[str, Any]:
        """A ward outcome → the city item of the table row it is reported in (kk:implements)."""
        if isinstance(target, dict):
            item, evidence = target["item"], self.q(target["evidence"])
        else:
            item = target
            head = self.q({"q": o["notation"], "nth": n})
            tail = self.loc.find(label.text, head.end)
            evidence = self.loc.span(head.start, tail.end)
        return {
            "type": "implements",
            "target": f"{self.basic_policy}/{item}",
            "evidence": evidence.quote(),
            "notes": [
                "curated from the table layout: the outcome is printed in the row of this item of the "
                "区政運営基本方針 (the evidence is that row's copy of the outcome)"
            ],
        }

    def _strategy(self, o: dict[str, Any], oid: str, anchor: int) -> str:
        s = o["strategy"]
        sid = f"{oid}/strategy/1"
        cell = self.q(s["text"], anchor)
        bullets = split_bullets(self.loc, cell)
        el: dict[str, Any] = {
            "id": sid,
            "class": "Policy",
            "level": "戦略",
            "order": 1,
            "parent": oid,
            "label": cell.quote(),
        }
        if len(bullets) > 1:
            el["texts"] = [b.quote() for b in bullets]
        el["themes"] = s["themes"]
        notes = [
            "the 戦略 column has no title: label = the whole cell"
            + ("; texts = its bullets in order" if len(bullets) > 1 else "")
        ]
        el["notes"] = notes + list(s.get("notes") or [])
        self.elements.append(el)
        return sid

    def _measure(self, m: dict[str, Any], parent: str, order: int, outcome: str | None) -> None:
        anchor = self.q(m["anchor"]).start
        key = m["key"]
        mid = f"{PLAN_ID}/outcome/{outcome}/measure/{key}" if outcome else f"{PLAN_ID}/measure/{key}"
        el: dict[str, Any] = {"id": mid, "class": "Measure", "level": "具体的取組"}
        notes = list(m.get("notes") or [])
        probe = m.get("notation") or m.get("repeat_probe")
        if probe:
            found = self.q(probe, anchor)
            if self.q(probe).start != found.start:
                raise SpecError(f"measure {key}: not quoted from the first occurrence of its row")
            if m.get("notation"):
                el["notation"] = found.text
            repeats = self.loc.count(probe)
            if repeats > 1:
                notes.append(
                    f"{found.text} is printed {repeats} times (one row per item of the 区政運営基本方針); "
                    "one element, quoted from the first, complete row"
                )
        el["order"] = order
        el["parent"] = parent
        el["label"] = self.q(m["body"], anchor).quote()
        if m.get("results"):
            el["description"] = self.q(m["results"], anchor).quote()
        texts = []
        roles = []
        for role, field in (
            ("撤退基準 (withdrawal criterion)", "withdrawal"),
            ("前年度までの実績 (results up to the previous year)", "previous"),
        ):
            if m.get(field):
                texts.append(self.q(m[field], anchor))
                roles.append(role)
        for extra in m.get("texts") or []:
            texts.append(self.q(extra["q"], anchor))
            roles.append(extra["role"])
        if texts:
            el["texts"] = [t.quote() for t in texts]
            notes.append(
                "label = 取組内容 (the plan of the measure)"
                + ("; description = 取組実績 (FY2015 results)" if m.get("results") else "")
                + "; texts: "
                + ", ".join(f"{n} = {r}" for n, r in enumerate(roles, start=1))
            )
        if m.get("themes"):
            el["themes"] = m["themes"]
        if m.get("implements"):
            item = m["implements"]
            el["relations"] = [
                {
                    "type": "implements",
                    "target": f"{self.basic_policy}/{item['item']}",
                    "evidence": self.q(item["evidence"]).quote(),
                    "notes": [
                        "curated from the table layout: the measure is printed in the row(s) of this item "
                        "of the 区政運営基本方針"
                    ],
                }
            ]
        if notes:
            el["notes"] = notes
        self.elements.append(el)
        for ind in m.get("indicators") or []:
            self._indicator(ind, mid, anchor)
        for scheme_key, spec in (m.get("ratings") or {}).items():
            self._evaluate(key, "", mid, scheme_key, spec, anchor, m.get("rating_notes") or {})


# ---------------------------------------------------------------------------------------------------
# YAML output
# ---------------------------------------------------------------------------------------------------


HEADER = (
    "Generated by kg/extract/tsurumi_evaluation.py from data/curation/osaka-tsurumi/evaluation-2015.yaml\n"
    "and the source text — do not edit by hand; change the curation and regenerate."
)


def dump(data: dict[str, Any]) -> str:
    """The YAML text of the extraction (deterministic, so the file on disk can be compared with a rebuild)."""
    return dump_yaml(data, header=HEADER)


def unfaithful_quotes(data: dict[str, Any], source_text: str) -> list[str]:
    """Paths of quoted texts that break the fidelity rule (empty when all are faithful)."""
    return [path for path, q in iter_quotes(data) if not check_fidelity(source_text, q)]


def load_source_text(path: Path = SOURCE_PATH) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def load_curation(path: Path = CURATION_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def generate(source: Path = SOURCE_PATH, curation: Path = CURATION_PATH) -> dict[str, Any]:
    """The extraction as Python data (what `dump` writes); refuses to return an unfaithful quote."""
    text = load_source_text(source)
    data = Generator(text, load_curation(curation)).run()
    bad = unfaithful_quotes(data, text)
    if bad:
        raise SpecError(f"quotes break the fidelity rule: {', '.join(bad)}")
    return data


def main(argv: list[str] | None = None) -> int:
    """Write the extraction, or with `--check` report whether the file on disk is current (exit 1 if not)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the file on disk, do not write")
    args = parser.parse_args(argv)
    text = dump(generate())
    if args.check:
        current = OUTPUT_PATH.read_text(encoding="utf-8") if OUTPUT_PATH.exists() else ""
        if current != text:
            print(f"{OUTPUT_PATH} is out of date; regenerate it", file=sys.stderr)
            return 1
        return 0
    OUTPUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
