"""Linked-data polish (issue 13): named-graph IRIs, RDF/XML and every RDF syntax for /def and VoID,
wildcard Accept, `format=`/`output=` on /sparql, cache validators with 304, gzip dumps, richer VoID,
robots.txt / sitemap / schema.org, and the two page bugs (stub plans, the 自己評価 rows)."""

from __future__ import annotations

import gzip
import re

import ld_fixture as fx  # tests/server/fixtures/, put on sys.path by conftest.py
import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import RDF, VOID

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
DATASET = URIRef(fx.BASE + ".well-known/void#keikaku-graph")
PLAN_GRAPH = fx.GRAPH + "kamakura/plan-2030"
KK = "https://w3id.org/keikaku/def#"
PROTEGE = "application/rdf+xml, application/xml;q=0.7, text/xml;q=0.6, text/plain;q=0.1, */*;q=0.09"


def test_named_graph_iri_dereferences(ld_client: TestClient, ld_app) -> None:
    html = ld_client.get("/graph/kamakura/plan-2030", headers={"accept": "text/html"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    n = ld_app.state.store.count(PLAN_GRAPH)
    assert f"{n:,}" in html.text and "kk:Policy" in html.text  # the count and the class partition
    ttl = ld_client.get("/graph/kamakura/plan-2030", headers={"accept": "text/turtle"})
    assert ttl.status_code == 200 and len(Graph().parse(data=ttl.text, format="turtle")) == n
    trig = ld_client.get("/graph/kamakura/plan-2030?format=trig")
    ds = Dataset().parse(data=trig.text, format="trig")
    assert len(ds.graph(URIRef(PLAN_GRAPH))) == n  # TriG carries the graph name
    rdfxml = ld_client.get("/graph/kamakura/plan-2030", headers={"accept": "application/rdf+xml"})
    assert len(Graph().parse(data=rdfxml.text, format="xml")) == n
    assert ld_client.get("/graph/no-such-graph").status_code == 404
    assert ld_client.get("/graph/no-such-graph", headers={"accept": "text/turtle"}).status_code == 404


@pytest.mark.parametrize("path", ["/def", "/.well-known/void"])
@pytest.mark.parametrize(
    ("accept", "expected", "syntax"),
    [
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        (PROTEGE, "application/rdf+xml", "xml"),
        ("application/trig", "application/trig", "trig"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
    ],
)
def test_def_and_void_in_every_rdf_syntax(
    ld_client: TestClient, path: str, accept: str, expected: str, syntax: str
) -> None:
    response = ld_client.get(path, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)
    graph = Dataset() if syntax in ("trig", "nquads") else Graph()
    graph.parse(data=response.text, format=syntax)
    assert len(graph) > 10 or sum(1 for _ in graph.quads()) > 10


@pytest.mark.parametrize(
    "path", ["/id/" + fx.POLICY, "/def", "/.well-known/void", "/graph/kamakura/plan-2030"]
)
def test_application_wildcard_never_gives_html(ld_client: TestClient, path: str) -> None:
    response = ld_client.get(path, headers={"accept": "application/*"})
    assert response.status_code == 200
    assert not response.headers["content-type"].startswith("text/html")


SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/keikaku/def#Policy> } LIMIT 3"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"format": "csv"}, "text/csv"),
        ({"output": "csv"}, "text/csv"),
        ({"format": "tsv"}, "text/tab-separated-values"),
        ({"output": "xml"}, "application/sparql-results+xml"),
        ({"format": "json"}, "application/sparql-results+json"),
        ({"format": "text/csv"}, "text/csv"),
    ],
)
def test_sparql_format_parameter(ld_client: TestClient, params: dict[str, str], expected: str) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = ld_client.get("/sparql", params={"query": SELECT, **params}, headers={"accept": browser})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)


def test_sparql_format_for_graphs_and_unknown_names(ld_client: TestClient) -> None:
    construct = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 3"
    response = ld_client.get("/sparql", params={"query": construct, "format": "rdf"})
    assert response.headers["content-type"].startswith("application/rdf+xml")
    response = ld_client.get("/sparql", params={"query": SELECT, "format": "bogus"})
    assert response.status_code == 400 and "excel" in response.json()["detail"]


def test_sparql_csv_for_excel_has_a_bom(ld_client: TestClient) -> None:
    plain = ld_client.get("/sparql", params={"query": SELECT, "format": "csv"})
    assert not plain.content.startswith(b"\xef\xbb\xbf")  # the SPARQL CSV format itself has none
    excel = ld_client.get("/sparql", params={"query": SELECT, "format": "excel"})
    assert excel.status_code == 200 and excel.headers["content-type"].startswith("text/csv")
    assert excel.content == b"\xef\xbb\xbf" + plain.content
    assert "attachment" in excel.headers["content-disposition"]


@pytest.mark.parametrize(
    "path", ["/", "/id/" + fx.POLICY, "/.well-known/void", "/def", "/download/dataset.nq", "/api/queries"]
)
def test_validators_give_304(ld_client: TestClient, path: str) -> None:
    first = ld_client.get(path)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = ld_client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert ld_client.get(path, headers={"if-modified-since": modified}).status_code == 304
    assert ld_client.get(path, headers={"if-none-match": '"something-else"'}).status_code == 200


def test_etag_differs_by_representation(ld_client: TestClient) -> None:
    ja = ld_client.get("/id/" + fx.POLICY).headers["etag"]
    en = ld_client.get("/id/" + fx.POLICY + "?lang=en").headers["etag"]
    ttl = ld_client.get("/id/" + fx.POLICY, headers={"accept": "text/turtle"}).headers["etag"]
    assert len({ja, en, ttl}) == 3


def test_gzip_dumps(ld_client: TestClient, ld_dist) -> None:
    for name in ("dataset.nq", "dataset.trig", "dataset.jsonld"):
        response = ld_client.get(f"/download/{name}.gz")
        assert response.status_code == 200 and response.headers["content-type"] == "application/gzip"
        assert gzip.decompress(response.content) == (ld_dist / name).read_bytes()
        etag = response.headers["etag"]
        assert ld_client.get(f"/download/{name}.gz", headers={"if-none-match": etag}).status_code == 304
    assert ld_client.get("/download/nothing.gz").status_code == 404
    assert ".gz" in ld_client.get("/download").text


def test_void_publisher_keywords_partitions_examples(ld_client: TestClient) -> None:
    g = Graph().parse(data=ld_client.get("/.well-known/void?format=ttl").text, format="turtle")
    assert g.value(DATASET, DCT.publisher) is not None
    keywords = {str(k) for k in g.objects(DATASET, DCAT.keyword)}
    assert {"SDGs", "自治体計画"} <= keywords
    classes = {
        g.value(p, VOID["class"]): g.value(p, VOID.entities).toPython()
        for p in g.objects(DATASET, VOID.classPartition)
    }
    count = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a <{KK}Policy> }} }}"
    answer = ld_client.get("/sparql", params={"query": count, "format": "json"}).json()
    policies = int(answer["results"]["bindings"][0]["n"]["value"])
    assert policies > 0 and classes[URIRef("https://w3id.org/keikaku/def#Policy")] == policies
    props = {g.value(p, VOID.property) for p in g.objects(DATASET, VOID.propertyPartition)}
    assert RDF.type in props and URIRef("https://w3id.org/keikaku/def#inPlan") in props
    examples = set(g.objects(DATASET, VOID.exampleResource))
    assert URIRef(fx.ID + "kamakura/plan-2030") in examples
    for sub in g.objects(DATASET, VOID.subset):  # a licence per graph, or the rights of its source
        assert g.value(sub, DCT.license) is not None or g.value(sub, DCT.rights) is not None
    gz = [d for d in g.objects(DATASET, DCAT.distribution) if g.value(d, DCAT.compressFormat) is not None]
    assert len(gz) == 3


def test_robots_sitemap_and_schema_org(ld_client: TestClient) -> None:
    robots = ld_client.get("/robots.txt")
    assert robots.status_code == 200 and "Sitemap: http://testserver/sitemap.xml" in robots.text
    sitemap = ld_client.get("/sitemap.xml")
    assert sitemap.status_code == 200 and sitemap.headers["content-type"].startswith("application/xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap.text)
    assert "http://testserver/id/" + fx.POLICY in locs
    assert "http://testserver/graph/kamakura/plan-2030" in locs
    assert all(ld_client.get(loc.removeprefix("http://testserver")).status_code == 200 for loc in locs[:12])
    home = ld_client.get("/").text
    assert 'itemtype="https://schema.org/Dataset"' in home
    assert '<meta itemprop="name" content="計画グラフ">' in home
    assert home.count('itemtype="https://schema.org/DataDownload"') == 3
    assert re.search(r'<link itemprop="license" href="https?://creativecommons.org/licenses/by/4.0/?"', home)


def test_municipality_page_marks_only_real_stubs(ld_client: TestClient) -> None:
    page = ld_client.get("/id/kamakura").text
    plans = re.findall(r'<li><a href="/id/kamakura/([^"]+)">.*?</li>', page)
    assert "plan-2030" in plans
    line = re.search(r'<li><a href="/id/kamakura/plan-2030">.*?</li>', page).group(0)
    assert "保持していません" not in line  # the plan has elements in the store (issue 13)


def test_evaluation_rows_name_their_scheme(ld_client: TestClient) -> None:
    page = ld_client.get("/id/" + fx.OUTCOME).text
    section = page[page.index('id="evaluations"') :].split("</section>", 1)[0]
    rows = re.findall(r"<tr><td>.*?</tr>", section, re.S)
    assert rows and len(set(rows)) == len(rows)  # 個別 and 全体 were printed as two identical rows
    # the outcome keeps its 全体 rating; its 個別 rating rates the outcome's indicator (one per
    # indicator on the sheet), so it is listed on the indicator's row, beside the computed status
    assert "全体" in section and "個別" not in section
    indicators = page[page.index('id="indicators"') :].split("</section>", 1)[0]
    assert "シートの自己評価" in indicators


def test_english_texts_in_the_japanese_ui_are_marked(ld_client: TestClient) -> None:
    """No Japanese SDG target text or note translation exists yet: English is shown marked as such."""
    sdg = ld_client.get("/sdg/13").text
    assert "国連の英語原文" in sdg and "日本語訳は未収録" in sdg
    policy = ld_client.get("/id/" + fx.POLICY).text
    assert "（国連の英語原文）" in policy
    assert "国連の英語原文" not in ld_client.get("/sdg/13?lang=en").text
    outcome = ld_client.get("/id/" + fx.OUTCOME).text
    start = outcome.find('class="notes"')
    notes = outcome[start:].split("</section>", 1)[0] if start >= 0 else ""
    for item in re.findall(r"<li[^>]*>(.*?)</li>", notes, re.S):
        if re.match(r"[ -~]{12}", item) and "（英語のみ）" not in item:  # an English note unmarked
            raise AssertionError(f"unmarked English note: {item[:60]}")
