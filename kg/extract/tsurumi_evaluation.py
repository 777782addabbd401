"""Structured extraction of Tsurumi ward's FY2015 evaluation of the 区政運営基本方針.

The source (`data/sources/osaka-tsurumi/evaluation-2015.txt`) is an A3 table flattened into text: each
row of Osaka City's 「豊かな地域社会の形成に向けた区政運営基本方針」 (left columns: 項目, 成果指標と目標値)
repeats the ward outcome (【2-1】 …) reported under it, with its strategy, actual values and ratings, and
the columns come out in an order that changes from row to row. No parser survives that layout, so the
structure is curated by hand in `data/curation/osaka-tsurumi/evaluation-2015.yaml` — but only as *quote
specs* (pieces of the text, never offsets). This module finds every spec in the source, computes the
offsets, converts era years and numbers, and writes `data/plans/osaka-tsurumi/evaluation-2015.yaml`.

Run `keikaku extract osaka-tsurumi/evaluation-2015` to regenerate, `--check` to verify the file on disk.

Example:
    >>> fiscal_year_from_era("平成２９年度までに７０％以上")
    2017
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import yaml

from kg.extract.common import WS as _WS
from kg.extract.common import (
    Found,
    SourceReader,
    SpecError,
    check_fidelity,
    dump_yaml,
    iter_quotes,
    read_source,
)
from kg.extract.jp import comparator_of, fiscal_year_from_era, number, parse_quantity
from kg.paths import CURATION, PLANS, SOURCES

DOCUMENT = "osaka-tsurumi/evaluation-2015"
MUNICIPALITY = "osaka-tsurumi"
SOURCE_PATH = SOURCES / f"{DOCUMENT}.txt"
CURATION_PATH = CURATION / f"{DOCUMENT}.yaml"
OUTPUT_PATH = PLANS / f"{DOCUMENT}.yaml"
PLAN_ID = "evaluation-2015"
ID_PREFIX = f"{DOCUMENT}"  # full paths of indicators, schemes, evaluations start here

# ---------------------------------------------------------------------------------------------------
# Finding quotes in the source
# ---------------------------------------------------------------------------------------------------

Span = tuple[int, int]


class Locator(SourceReader):
    """The source as the curation specs read it: `resolve` a spec (see the curation file's header).

    >>> loc = Locator("地域\\n活動  協議会\\n")
    >>> loc.locate("域活動").ranges
    ((1, 5),)
    >>> loc.resolve({"from": "地域", "to": "協議会"}).text
    '地域活動  協議会'
    """

    def resolve(self, spec: Any, start: int = 0) -> Found:
        """Resolve a curation spec (see the curation file's header) to a located quote."""
        if isinstance(spec, str):
            return self.locate(spec, start)
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
            return Found(tuple(r for f in pieces for r in f.ranges), joiner.join(f.text for f in pieces))
        if "line" in spec:
            found = self.find_line(str(spec["line"]), start, nth)
            if "pick" in spec:
                line = self.source[found.start : found.end]
                offset = -1
                for _ in range(int(spec.get("pick_nth", 1))):
                    offset = line.find(str(spec["pick"]), offset + 1)
                    if offset < 0:
                        raise SpecError(f"{spec['pick']!r} not in line {line!r}")
                s = found.start + offset
                return self.span(s, s + len(str(spec["pick"])))
            return found
        if "from" in spec:
            head = self.locate(str(spec["from"]), start, nth)
            tail = self.locate(str(spec["to"]), head.start)
            return self.span(head.start, tail.end)
        if "q" in spec:
            return self.locate(str(spec["q"]), start, nth)
        raise SpecError(f"spec needs one of q, from/to, line, parts: {spec!r}")


# ---------------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------------

RATING_NOTATION = str.maketrans("ＡＢａｂ", "ABab")  # the legend prints A/B, a/b; rows mix in full width


def split_bullets(loc: Locator, found: Found) -> list[Found]:
    """Split a cell at the bullets that open a line (・, (1), （２）); the ・ itself is not quoted."""
    start, end = found.start, found.end
    text = loc.source
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
            tail = self.loc.locate(label.text, head.end)
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


def load_curation(path: Path = CURATION_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def generate(source: Path = SOURCE_PATH, curation: Path = CURATION_PATH) -> dict[str, Any]:
    """The extraction as Python data (what `dump` writes); refuses to return an unfaithful quote."""
    text = read_source(source)
    data = Generator(text, load_curation(curation)).run()
    bad = unfaithful_quotes(data, text)
    if bad:
        raise SpecError(f"quotes break the fidelity rule: {', '.join(bad)}")
    return data


def render() -> str:
    """The YAML text `keikaku extract` writes to data/plans/osaka-tsurumi/evaluation-2015.yaml."""
    return dump(generate())


__all__ = [
    "HEADER",
    "OUTPUT_PATH",
    "Generator",
    "Locator",
    "SpecError",
    "comparator_of",
    "dump",
    "fiscal_year_from_era",
    "generate",
    "parse_quantity",
    "render",
]
