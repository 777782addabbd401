"""Staff-ready tables from named-query answers (issue 13): CSV for Excel, XLSX and JSON.

A SPARQL answer is written for people who open it in Excel:

- column headers in Japanese (`header=en` keeps English ones, the query's variable names);
- labels instead of IRIs: an IRI column that has a label column beside it (`plan` / `planTitle`,
  `policy` / `policyLabel` …) is left out, other IRIs are shortened (`13.2` for an SDG target, the local
  name for a `kk:` term), and the row's own IRI (`element`, else the first IRI column) is the last column;
- basis (`Explicit` / `Curated` / `Automatic`) in Japanese, from the vocabulary's labels;
- CSV: UTF-8 with a BOM and CRLF (RFC 4180 quoting); XLSX (XlsxWriter): a bold frozen header row,
  autofilter and column widths; JSON: the same rows as objects keyed by the headers;
- a file name that names the query and its parameters and the date, e.g. `SDG13_鎌倉市_2026-12-04.csv`,
  sent as RFC 6266 `filename*` (UTF-8) with an ASCII `filename` fallback.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from kg.namespaces import ID, KK_NS
from kg.queries.types import sdg_code_of

#: Japanese column headers for the variables of the named queries (others keep their variable name)
HEADERS_JA: dict[str, str] = {
    "sdg": "SDG", "municipality": "自治体", "municipalityLabel": "自治体", "plan": "計画",
    "planTitle": "計画", "element": "要素", "kind": "種類", "level": "階層", "notation": "番号",
    "label": "名称", "policy": "施策", "policyNotation": "施策番号", "policyLabel": "施策名",
    "alignedTo": "ゴール・ターゲット", "basis": "根拠の種類", "confidence": "確信度",
    "evidence": "根拠となる本文",
    "rationale": "理由", "class": "種類", "field": "項目", "text": "本文", "q": "検索語",
    "theme": "テーマ", "themeLabel": "テーマ", "goals": "目標数", "policies": "施策数", "measures": "取組数",
    "elements": "要素数", "partner": "パートナー", "partnerLabel": "パートナー", "goal": "ゴール",
    "goalNumber": "ゴール番号", "goalLabel": "ゴール名", "indicator": "指標", "elementNotation": "番号",
    "comparator": "比較", "targetValue": "目標値", "unit": "単位", "targetYear": "目標年度",
    "actual": "実績", "actualYear": "実績年度", "forecast": "見込み", "previous": "前年度実績",
    "previousYear": "前年度", "status": "達成状況", "statusJa": "達成状況", "track": "進捗",
    "trackJa": "進捗", "reason": "判定理由", "reasonJa": "判定理由", "sheetRating": "自己評価",
    "sheetRatingLabel": "自己評価の意味", "agreement": "判定の一致", "agreementJa": "判定の一致",
    "relation": "関係", "target": "関係先", "targetLabel": "関係先の名称", "targetPlan": "関係先の計画",
    "targetPlanLabel": "関係先の計画", "targetNotation": "関係先の番号", "targetState": "目指す姿",
    "depth": "深さ", "parent": "上位", "note": "注記", "labels": "名称",
}  # fmt: skip
#: IRI column → the label column that stands for it
LABEL_OF: dict[str, tuple[str, ...]] = {
    "municipality": ("municipalityLabel",), "plan": ("planTitle", "planLabel"), "element": ("label",),
    "policy": ("policyLabel",), "theme": ("themeLabel",), "themeNode": ("themeLabel",),
    "partner": ("partnerLabel",), "partnerNode": ("partnerLabel",), "goal": ("goalLabel",),
    "target": ("targetLabel",), "targetPlan": ("targetPlanLabel",), "sheetRating": ("sheetRatingLabel",),
    "status": ("statusJa",), "track": ("trackJa",), "reason": ("reasonJa",), "agreement": ("agreementJa",),
}  # fmt: skip
#: kk:basis values in Japanese (the vocabulary's skos:prefLabel@ja of kk:Explicit / Curated / Automatic)
BASIS_JA = {"Explicit": "計画に明示", "Curated": "編集者による判断", "Automatic": "自動推定"}
IRI_HEADER = {"ja": "IRI", "en": "IRI"}
#: the minted resources (kg.namespaces' base): shown by their path when they have no label column
ID_BASE = str(ID)


@dataclass(frozen=True)
class Table:
    """Headers and rows of strings, ready for any of the three writers."""

    headers: list[str]
    rows: list[list[str]]


def _value(cell: Mapping[str, str] | None) -> str:
    return "" if cell is None else str(cell.get("value", ""))


def short(iri: str) -> str:
    """An IRI as a person reads it: an SDG code, a `kk:` local name, else the IRI."""
    code = sdg_code_of(iri)
    if code is not None:
        return code
    if iri.startswith(KK_NS):
        return iri[len(KK_NS) :]
    if iri.startswith(ID_BASE):  # our own resources without a label column: their path
        return iri[len(ID_BASE) :]
    return iri


def staff_table(variables: Sequence[str], bindings: Sequence[Mapping[str, Any]], header: str = "ja") -> Table:
    """The staff table of a SPARQL JSON answer (see the module docstring)."""
    present = set(variables)
    is_iri = {
        v: any(b.get(v, {}).get("type") == "uri" for b in bindings) for v in variables
    }
    own = "element" if "element" in present else next((v for v in variables if is_iri[v]), None)
    keep: list[str] = []
    for v in variables:
        if v == own:
            continue
        if is_iri[v] and any(label in present for label in LABEL_OF.get(v, ())):
            continue  # its label column stands for it
        if v.endswith("Ja") and header == "en" and v[:-2] in present:
            continue
        if header == "ja" and v + "Ja" in present:
            continue  # the Japanese column stands for it
        keep.append(v)
    # two variables with one Japanese header (municipality/municipalityLabel …) appear once
    names: list[str] = []
    columns: list[str] = []
    for v in keep:
        name = HEADERS_JA.get(v, v) if header == "ja" else v
        if name in names:
            continue
        names.append(name)
        columns.append(v)
    if own is not None:
        names.append(IRI_HEADER.get(header, "IRI"))
    rows = []
    for b in bindings:
        row = []
        for v in columns:
            cell = b.get(v)
            text = _value(cell)
            if v == "basis":
                text = BASIS_JA.get(text, text) if header == "ja" else text
            elif cell is not None and cell.get("type") == "uri":
                text = short(text)
            row.append(text)
        if own is not None:
            row.append(_value(b.get(own)))
        rows.append(row)
    return Table(names, rows)


def to_excel_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark, CRLF line ends, RFC 4180 quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _width(text: str) -> float:
    """Display width in Excel character units (CJK characters count twice)."""
    return sum(2.0 if ord(c) > 0x2E7F else 1.0 for c in text)


def to_xlsx(table: Table, sheet: str = "data") -> bytes:
    """An XLSX workbook: bold frozen header row, autofilter, column widths fitted to the content."""
    import xlsxwriter  # imported here: only an XLSX export needs it

    out = io.BytesIO()
    options = {"in_memory": True, "strings_to_urls": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(out, options)
    ws = book.add_worksheet(re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31] or "data")
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    wrap = book.add_format({"text_wrap": False, "valign": "top"})
    ws.write_row(0, 0, table.headers, bold)
    for r, row in enumerate(table.rows, start=1):
        ws.write_row(r, 0, row, wrap)
    for c, name in enumerate(table.headers):
        widest = max([_width(name), *(_width(row[c]) for row in table.rows[:500])])
        ws.set_column(c, c, min(max(widest + 2, 6), 60))
    ws.freeze_panes(1, 0)
    if table.headers:
        ws.autofilter(0, 0, max(len(table.rows), 1), len(table.headers) - 1)
    book.close()
    return out.getvalue()


def to_json(table: Table) -> bytes:
    return json.dumps(
        [dict(zip(table.headers, row, strict=True)) for row in table.rows], ensure_ascii=False, indent=1
    ).encode("utf-8")


def file_stem(query: str, params: Mapping[str, str], labels: Mapping[str, str], today: date) -> str:
    """`SDG13_鎌倉市_2026-12-04`: the query (an SDG query by its goal or target), the parameter values
    (a municipality by its name when `labels` knows it), and the date."""
    parts: list[str] = []
    sdg = params.get("sdg")
    if sdg:
        parts.append("SDG" + sdg.replace("SDG", "").replace("sdg", ""))
    else:
        parts.append(query)
    for key, value in params.items():
        if key == "sdg" or not value:
            continue
        parts.append(labels.get(value, value))
    parts.append(today.isoformat())
    stem = "_".join(parts)
    return re.sub(r'[\\/:*?"<>|\s]+', "-", stem)[:150]


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback `filename` and the UTF-8 `filename*` (RFC 8187)."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    ascii_name = re.sub(r"[^A-Za-z0-9.-]+", "_", ascii_name).strip("_") or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
