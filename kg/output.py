"""Render query results for people (table) and programs (SPARQL 1.1 JSON, CSV)."""

from __future__ import annotations

import unicodedata

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.formats import by_key
from kg.namespaces import ID, SDG
from kg.queries.binding import Bindings
from kg.stores import Store


def render(store: Store, sparql: str, bindings: Bindings, fmt: str, columns: tuple[str, ...] = ()) -> str:
    """`json` is the SPARQL 1.1 Query Results JSON, `csv` the SPARQL CSV (UTF-8), `table` aligned text
    (a graph result is Turtle in every format)."""
    if fmt in ("json", "csv"):
        answer = store.query_serialized(
            sparql, bindings, result_format=by_key(fmt), graph_format=by_key("turtle")
        )
        text = answer.body.decode("utf-8")
        return text if text.endswith("\n") else text + "\n"
    result = store.query(sparql, bindings)
    if result.kind == "ask":
        return f"{'yes' if result.boolean else 'no'}\n"
    if result.kind == "graph":
        assert result.graph is not None
        return result.graph.serialize(format="turtle")
    shown = [v for v in columns if v in result.variables] or result.variables
    index = [result.variables.index(v) for v in shown]
    return table(shown, [[short(row[i]) for i in index] for row in result.rows])


def short(term: Node | None) -> str:
    """A compact display form: prefixed IRIs, plain literal text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, ns in (("sdg:", str(SDG)), ("", str(ID))):
            if text.startswith(ns):
                return prefix + text[len(ns) :]
        return text
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: list[str], rows: list[list[str]], max_cell: int = 60) -> str:
    """Aligned columns that account for double-width Japanese characters."""

    def clip(cell: str) -> str:
        cell = cell.replace("\n", " ")
        if _width(cell) <= max_cell:
            return cell
        out = ""
        for ch in cell:
            if _width(out + ch) > max_cell - 1:
                break
            out += ch
        return out + "…"

    cells = [[clip(c) for c in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    out.append(f"({len(rows)} rows)")
    return "\n".join(out) + "\n"
