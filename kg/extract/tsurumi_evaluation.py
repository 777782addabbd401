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

import re
from pathlib import Path
from typing import Any

import yaml

from kg.extract.common import WS as _WS
from kg.extract.common import (
    Found,
    SpecError,
    check_fidelity,
    dump_yaml,
    iter_quotes,
    read_source,
)
from kg.extract.jp import comparator_of, fiscal_year_from_era, number, parse_quantity
from kg.extract.tsurumi_cells import (
    FULLWIDTH_DIGITS,
    Locator,
    clean_notation,
    numbered_parts,
    split_bullets,
)
from kg.paths import CURATION, PLANS, SOURCES

DOCUMENT = "osaka-tsurumi/evaluation-2015"
MUNICIPALITY = "osaka-tsurumi"
SOURCE_PATH = SOURCES / f"{DOCUMENT}.txt"
CURATION_PATH = CURATION / f"{DOCUMENT}.yaml"
OUTPUT_PATH = PLANS / f"{DOCUMENT}.yaml"
PLAN_ID = "evaluation-2015"
ID_PREFIX = f"{DOCUMENT}"  # full paths of indicators, schemes, evaluations start here
RATING_NOTATION = str.maketrans("ＡＢａｂ", "ABab")  # the legend prints A/B, a/b; rows mix in full width


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
            for n, ind in enumerate(item.get("indicators") or [], start=1):
                self._city_indicator(ind, stub["id"], f"city-{key.replace('/', '-')}-{n}")
            if notes:
                stub["notes"] = notes
            stubs.append(stub)
        return stubs

    def _city_indicator(self, ind: dict[str, Any], of: str, key: str) -> None:
        """A 成果指標 of the city's basic policy (項目 / 成果指標と目標値) as a kk:Indicator of its stub.

        The city's table prints the label and the target only: no actual value, so its status is 判定不能.
        """
        label = self.q(ind["label"])
        target_anchor = label.start if ind.get("target_after_label", True) else 0
        spec = {"key": key, "label": ind["label"], "target": ind["target"]}
        note = (
            "成果指標と目標値 of Osaka City's 区政運営基本方針 as restated in the left columns of the table; "
            "the table prints no actual value for it (the ward reports its own outcome indicators)"
        )
        spec["notes"] = [note, *(ind.get("notes") or [])]
        self._indicator(spec, of, 0, target_anchor=target_anchor)

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
    def _indicator(self, ind: dict[str, Any], of: str, anchor: int, target_anchor: int | None = None) -> None:
        label = self.q(ind["label"], anchor)
        out: dict[str, Any] = {"id": self.full("indicator", ind["key"]), "of": of, "label": label.quote()}
        notes = list(ind.get("notes") or [])
        unit = ind.get("unit")
        target = None
        if ind.get("target") is not None:
            target = self.q(ind["target"], anchor if target_anchor is None else target_anchor)
            if not re.search(r"[\d０-９]", target.text):
                notes.append(
                    f"目標値の欄は「{target.text}」（char {target.start}–{target.end}）で数値ではない。"
                    f" / The target column reads 「{target.text}」, not a figure: no target value."
                )
                target = None
        if target is not None:
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
            printed = any(word in _WS.sub("", target.text) for word in ("以上", "以下", "未満", "超"))
            if not printed:
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
            if not printed:
                out["target"]["comparator_basis"] = "Curated"
        elif ind.get("relative_target") is not None:
            rel = ind["relative_target"]
            target = self.q({k: v for k, v in rel.items() if k != "comparator"}, anchor)
            # due in the report year: 「毎年」 targets are due every year, and a 業績目標 is the year's target
            # (a year printed in it, 「平成26年度以上」, is the year compared with, not the year it is due)
            out["target"] = {
                "relative_to": "previous-year",
                "comparator": rel["comparator"],
                "year": self.fy,
                "at": target.at(),
            }
            notes.append(
                f"相対目標「{target.text}」: FY{self.fy} の実績を前年度の実績と比べる"
                f"（{rel['comparator']}）。"
                f"目標年度は報告年度 FY{self.fy}。 / A relative target: the FY{self.fy} value "
                f"{rel['comparator']} the previous year's; due in the report year FY{self.fy}."
            )
        observations = []
        for obs in ind.get("observations") or []:
            # `from_start`: a figure printed in another row of the sheet, searched from the top
            found = self.q(obs["q"], 0 if obs.get("from_start") else anchor)
            value, o_unit = parse_quantity(found.text)
            unit = unit or o_unit
            entry: dict[str, Any] = {
                "value": number(value),
                "fiscal_year": obs["fiscal_year"],
                "at": found.at(),
            }
            if obs.get("forecast"):
                entry["forecast"] = True
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

    # -- numbered parts of a cell that bundles several actions ((1)…(4)) -------------------------------
    def _parts(
        self,
        parent: dict[str, Any],
        cell: Found,
        spec: dict[str, Any],
        first_line_label: bool,
    ) -> dict[str, str]:
        """One child element per numbered action of `cell`; returns {number: child id}.

        The parent keeps the whole cell; each child quotes its own range (label = its first line when
        `first_line_label`, the whole action otherwise; target_state/texts = the whole action).
        """
        parts = numbered_parts(self.loc, cell)
        themes = spec.get("themes") or {}
        expected = [str(n) for n in spec.get("numbers") or []]
        numbers = [notation.translate(FULLWIDTH_DIGITS).strip("()（）") for notation, _ in parts]
        if expected and numbers != expected:
            raise SpecError(f"{parent['id']}: numbered parts {numbers}, curation expects {expected}")
        ids: dict[str, str] = {}
        for order, ((notation, body), num) in enumerate(zip(parts, numbers, strict=True), start=1):
            pid = f"{parent['id']}/part/{num}"
            clean, _ = clean_notation(notation)
            el: dict[str, Any] = {
                "id": pid,
                "class": parent["class"],
                "level": parent["level"],
                "notation": clean,
                "order": order,
                "parent": parent["id"],
            }
            if first_line_label:
                first = self.loc.source[body.start : body.end].split("\n", 1)[0].rstrip()
                el["label"] = self.loc.span(body.start, body.start + len(first)).quote()
                el["target_state"] = body.quote()
            else:
                el["label"] = body.quote()
            el["themes"] = themes.get(num) or parent.get("themes") or []
            if not el["themes"]:
                del el["themes"]
            el["notes"] = [
                f"part {notation} of the {parent['level']} cell {parent['id']}, which bundles "
                f"{len(parts)} numbered actions; the parent keeps the whole cell"
            ]
            self.elements.append(el)
            ids[num] = pid
        return ids

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
            el["notation"], hyphen_notes = clean_notation(notation_found.text)
            notes.extend(hyphen_notes)
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
        part_ids: dict[str, str] = {}
        if o.get("parts"):
            part_ids = self._parts(el, self.q(o["target_state"], anchor), o["parts"], first_line_label=True)

        for ind in o.get("indicators") or []:
            self._indicator(ind, part_ids[str(ind["part"])] if "part" in ind else oid, anchor)

        strategy = self._strategy(o, oid, anchor, order=len(part_ids) + 1)
        ratings = o.get("ratings") or {}
        rating_notes = o.get("rating_notes") or {}
        indicator_ids = [f"{PLAN_ID}/indicator/{ind['key']}" for ind in o.get("indicators") or []]
        for scheme_key, spec in ratings.items():
            specs = spec if isinstance(spec, list) else [spec]
            for n, one in enumerate(specs):
                suffix = "" if n == 0 else "-" + "abcdefgh"[n]
                of = strategy if scheme_key.startswith("strategy-") else oid
                if scheme_key == "outcome-individual" and len(specs) == len(indicator_ids):
                    # 個別 = one A/B per indicator (【6-1】 prints two for its two): it rates the indicator
                    of = indicator_ids[n]
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

    def _strategy(self, o: dict[str, Any], oid: str, anchor: int, order: int = 1) -> str:
        s = o["strategy"]
        sid = f"{oid}/strategy/1"
        cell = self.q(s["text"], anchor)
        bullets = split_bullets(self.loc, cell)
        el: dict[str, Any] = {
            "id": sid,
            "class": "Policy",
            "level": "戦略",
            "order": order,
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
        if s.get("parts"):
            self._parts(el, cell, s["parts"], first_line_label=False)
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
                el["notation"], hyphen_notes = clean_notation(found.text)
                notes.extend(hyphen_notes)
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
        part_ids: dict[str, str] = {}
        if m.get("parts"):
            part_ids = self._parts(el, self.q(m["body"], anchor), m["parts"], first_line_label=False)
        for ind in m.get("indicators") or []:
            self._indicator(ind, part_ids[str(ind["part"])] if "part" in ind else mid, anchor)
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
