"""The Japanese search index on the real data: probes at 100 % recall, analysis, syntax, facets, snippets,
thesaurus expansion, and the /search page, its JSON and the `search` named query served from the index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kg.namespaces import GRAPH
from kg.search import SearchIndex, details, parse, snippet, store_select
from kg.search.probes import evaluate
from kg.stores import open_store

IZUMI = "https://w3id.org/keikaku/id/yokohama-izumi/policy-2024/"


@pytest.fixture(scope="module")
def index(built_dist: Path) -> SearchIndex:
    return SearchIndex.open(built_dist / "search")


@pytest.fixture(scope="module")
def store(built_dist: Path) -> Iterator[object]:
    s = open_store(None, dist=built_dist)
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(built_dist: Path) -> Iterator[TestClient]:
    from server.app import create_app
    from server.settings import Settings

    settings = Settings(dist=built_dist, query_workers=0, max_rows=1000, query_timeout_s=10.0)
    with TestClient(create_app(settings, open_store(None, dist=built_dist))) as c:
        yield c


def test_probes_recall_is_complete(store: object, index: SearchIndex) -> None:
    evaluation = evaluate(store.native, index)  # type: ignore[attr-defined]
    assert len(evaluation.outcomes) >= 60
    kinds = {o.kind for o in evaluation.outcomes}
    assert {"body", "width", "kana", "orthographic", "synonym", "abbreviation", "short", "multi", "phrase",
            "exclusion"} <= kinds  # fmt: skip
    assert all(o.expected for o in evaluation.outcomes), "a probe that expects nothing cannot fail"
    assert evaluation.recall == 1.0, evaluation.report()
    assert evaluation.passed == len(evaluation.outcomes), evaluation.report()


def test_build_puts_the_thesaurus_in_its_own_graph(assembled) -> None:  # type: ignore[no-untyped-def]
    from rdflib import SKOS, URIRef

    thesaurus = assembled.graphs[GRAPH["thesaurus"]]
    scheme = URIRef("https://w3id.org/keikaku/def/thesaurus")
    assert len(set(thesaurus.subjects(SKOS.inScheme, scheme))) >= 200
    assert not set(assembled.graphs[GRAPH["ontology"]].subjects(SKOS.inScheme, scheme))


def test_body_text_and_kana_are_found(index: SearchIndex) -> None:
    kabuki = {h.iri for h in index.search("歌舞伎").hits}
    assert IZUMI + "policy/1/measure/2" in kabuki
    assert {h.iri for h in index.search("ゴミ").hits} == {h.iri for h in index.search("ごみ").hits}
    assert index.search("ごみ").total >= 11


def test_label_outranks_body(index: SearchIndex, store: object) -> None:
    result = index.search("防犯")
    rows = details(store_select(store), result)
    assert rows[0]["field"] == "label", rows[0]


def test_syntax_and_expansion(index: SearchIndex) -> None:
    assert [(t.text, t.phrase, t.exclude) for t in parse('a "b c" -d')] == [
        ("a", False, False), ("b c", True, False), ("d", False, True)]  # fmt: skip
    result = index.search("再エネ")
    assert [e.message() for e in result.expansions] == ["再エネ → 再生可能エネルギー も検索しました"]
    assert result.total >= 1
    assert index.search('"再エネ"').total == 0  # a phrase is not expanded: the plans never write 再エネ
    both = {h.iri for h in index.search("商店街 にぎわい").hits}
    assert both and both <= {h.iri for h in index.search("商店街").hits}
    assert not both & {h.iri for h in index.search("商店街 -にぎわい").hits}


def test_facets_and_filters(index: SearchIndex) -> None:
    result = index.search("防災")
    municipalities = result.facets["municipality"]
    assert len(municipalities) >= 2 and sum(municipalities.values()) >= result.total
    izumi = "https://w3id.org/keikaku/id/yokohama-izumi"
    only = index.search("防災", filters={"municipality": izumi})
    assert only.total == municipalities[izumi]
    assert set(result.facets["cls"]) <= {"Vision", "Goal", "Policy", "Measure"}


def test_snippet_is_escaped_and_marked() -> None:
    assert snippet("<b>ゴミ</b>の減量", ["ごみ"]) == "&lt;b&gt;<mark>ゴミ</mark>&lt;/b&gt;の減量"
    assert "<mark>子ども</mark>" in snippet("子どもの居場所", ["子供"])


def test_search_page_and_json(client: TestClient) -> None:
    page = client.get("/search", params={"q": "再エネ"})
    assert page.status_code == 200
    assert "再エネ → 再生可能エネルギー も検索しました" in page.text
    assert "<mark>" in page.text
    data = client.get("/search", params={"q": "再エネ", "format": "json"}).json()
    assert data["engine"] == "index" and data["expansions"][0]["also"] == ["再生可能エネルギー"]
    assert data["hits"] and "<mark>" in data["hits"][0]["snippet"]
    assert data["facets"]["municipality"]
    xss = client.get("/search", params={"q": "<script>"})
    assert "<script>" not in xss.text.split("<main", 1)[-1]


def test_named_query_uses_the_index(client: TestClient) -> None:
    rows = client.get("/api/queries/search", params={"q": "歌舞伎"}).json()["results"]["bindings"]
    assert rows[0]["element"]["value"] == IZUMI + "policy/1/measure/2"
    assert "score" in rows[0] and rows[0]["q"]["value"] == "歌舞伎"
    csv = client.get("/api/queries/search", params={"q": "ゴミ", "format": "csv"})
    assert csv.status_code == 200 and csv.text.count("\n") >= 12


def test_thesaurus_dereferences(client: TestClient) -> None:
    assert client.get("/def/thesaurus").status_code == 200
    concept = client.get("/id/thesaurus/renewable-energy", headers={"Accept": "text/turtle"})
    assert concept.status_code == 200 and "再エネ" in concept.text
