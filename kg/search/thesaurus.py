"""The policy thesaurus (ontology/thesaurus.ttl, SKOS) as query expansion.

A word the user types is looked up after folding (width, kana, lines) among the preferred and
alternative labels of every concept; when it is one of them, the other labels of that concept are
searched too, and the page says so (「再エネ → 再生可能エネルギー も検索しました」). Only whole labels
expand: 再エネ expands, 再エネ導入 does not. The build writes the groups as JSON beside the index, so
the server expands without parsing Turtle.

>>> th = Thesaurus([Concept("https://w3id.org/keikaku/id/thesaurus/renewable", "再生可能エネルギー",
...                         ("再エネ", "再生エネルギー"))])
>>> [c.pref for c in th.lookup("再エネ")]
['再生可能エネルギー']
>>> th.expand("再エネ")
['再生可能エネルギー', '再生エネルギー']
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.search.analysis import fold

SCHEME = "https://w3id.org/keikaku/def/thesaurus"


@dataclass(frozen=True)
class Concept:
    iri: str
    pref: str
    alts: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.pref, *self.alts)


def _key(label: str) -> str:
    return "".join(fold(label).split())


class Thesaurus:
    """Concepts keyed by their folded labels."""

    def __init__(self, concepts: Iterable[Concept] = ()) -> None:
        self.concepts = list(concepts)
        self._by_label: dict[str, list[Concept]] = {}
        for c in self.concepts:
            for label in c.labels:
                bucket = self._by_label.setdefault(_key(label), [])
                if c not in bucket:
                    bucket.append(c)

    def lookup(self, word: str) -> list[Concept]:
        return self._by_label.get(_key(word), [])

    def expand(self, word: str) -> list[str]:
        """The other labels of every concept `word` is a label of (not `word` itself nor its variants)."""
        own, out, seen = _key(word), [], set()
        for c in self.lookup(word):
            for label in c.labels:
                k = _key(label)
                if k != own and k not in seen:
                    seen.add(k)
                    out.append(label)
        return out

    def to_json(self) -> str:
        rows = [{"iri": c.iri, "pref": c.pref, "alts": list(c.alts)} for c in self.concepts]
        return json.dumps({"scheme": SCHEME, "concepts": rows}, ensure_ascii=False)

    @classmethod
    def from_json(cls, path: Path) -> Thesaurus:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(Concept(r["iri"], r["pref"], tuple(r["alts"])) for r in data["concepts"])

    @classmethod
    def from_graph(cls, graph) -> Thesaurus:  # type: ignore[no-untyped-def]
        """The concepts of the thesaurus scheme in an rdflib graph (their Japanese labels)."""
        from rdflib import SKOS, URIRef

        scheme = URIRef(SCHEME)
        concepts = []
        for c in sorted(set(graph.subjects(SKOS.inScheme, scheme)), key=str):
            prefs = [str(x) for x in graph.objects(c, SKOS.prefLabel) if _ja(x)]
            alts = sorted(str(x) for x in graph.objects(c, SKOS.altLabel) if _ja(x))
            if prefs:
                concepts.append(Concept(str(c), prefs[0], tuple(alts)))
        return cls(concepts)


def _ja(term: object) -> bool:
    return getattr(term, "language", None) == "ja"


__all__ = ["SCHEME", "Concept", "Thesaurus"]
