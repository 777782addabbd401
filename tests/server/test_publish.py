"""Publishing: VoID + DCAT, the dumps, and the vocabulary documentation."""

from __future__ import annotations

import re
from pathlib import Path

import ld_fixture as fx  # tests/server/fixtures/, put on sys.path by conftest.py
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, VOID

BASE = fx.BASE

KK = Namespace("https://w3id.org/keikaku/def#")
# plain Namespaces: rdflib's strict DefinedNamespace objects warn when pytest inspects module attributes
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
IANA = "https://www.iana.org/assignments/media-types/"
DATASET = URIRef(BASE + ".well-known/void#keikaku-graph")


def void_graph(client: TestClient) -> Graph:
    response = client.get("/.well-known/void", headers={"accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=response.text, format="turtle")


def test_void_counts_every_named_graph(ld_client: TestClient, ld_app) -> None:
    g = void_graph(ld_client)
    assert (DATASET, RDF.type, VOID.Dataset) in g and (DATASET, RDF.type, DCAT.Dataset) in g
    store = ld_app.state.store
    subsets = set(g.objects(DATASET, VOID.subset))
    assert {str(s) for s in subsets} == set(store.graph_names())
    for sub in subsets:
        assert g.value(sub, VOID.triples) == Literal(store.count(str(sub)), datatype=XSD.integer)
    assert g.value(DATASET, VOID.triples).toPython() == store.count()


def test_void_names_endpoint_dumps_licence_and_sources(ld_client: TestClient) -> None:
    g = void_graph(ld_client)
    assert (DATASET, VOID.sparqlEndpoint, URIRef("http://testserver/sparql")) in g
    dumps = {str(d) for d in g.objects(DATASET, VOID.dataDump)}
    names = [f"dataset.{ext}{gz}" for ext in ("trig", "nq", "jsonld") for gz in ("", ".gz")]
    assert dumps == {"http://testserver/download/" + n for n in names}  # and the gzip copies (issue 13)
    assert (DATASET, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    sources = {str(s) for s in g.objects(DATASET, DCTERMS.source)}
    assert BASE + "source/kamakura/plan-2030" in sources
    assert BASE + "source/osaka-tsurumi/evaluation-2015" in sources
    sub = URIRef(BASE + "graph/kamakura/plan-2030")
    assert (sub, VOID.dataDump, URIRef("http://testserver/download/graphs/kamakura/plan-2030.ttl")) in g


def test_dcat_service_and_distributions(ld_client: TestClient) -> None:
    g = void_graph(ld_client)
    services = list(g.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1
    service = services[0]
    assert (service, DCAT.endpointURL, URIRef("http://testserver/sparql")) in g
    assert (service, DCAT.servesDataset, DATASET) in g
    catalog = next(g.subjects(RDF.type, DCAT.Catalog))
    assert (catalog, DCAT.dataset, DATASET) in g and (catalog, DCAT.service, service) in g
    media = {}
    for dist in g.objects(DATASET, DCAT.distribution):
        assert g.value(dist, DCAT.byteSize).toPython() > 0
        if g.value(dist, DCAT.compressFormat) is not None:  # the gzip copies: test_linked_data_polish.py
            continue
        media[str(g.value(dist, DCAT.downloadURL))] = str(g.value(dist, DCAT.mediaType))
    assert media == {
        "http://testserver/download/dataset.trig": IANA + "application/trig",
        "http://testserver/download/dataset.nq": IANA + "application/n-quads",
        "http://testserver/download/dataset.jsonld": IANA + "application/ld+json",
    }


def test_void_other_representations(ld_client: TestClient) -> None:
    jsonld = ld_client.get("/.well-known/void", headers={"accept": "application/ld+json"})
    assert jsonld.headers["content-type"] == "application/ld+json"
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == len(void_graph(ld_client))
    page = ld_client.get("/.well-known/void", headers={"accept": "text/html,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert "/download/dataset.nq" in page.text
    # a client that accepts anything gets RDF, not a web page
    assert (
        ld_client.get("/.well-known/void", headers={"accept": "*/*"})
        .headers["content-type"]
        .startswith("text/turtle")
    )


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("dataset.trig", "application/trig"),
        ("dataset.nq", "application/n-quads"),
        ("dataset.jsonld", "application/ld+json"),
    ],
)
def test_dumps_stream_from_dist(ld_client: TestClient, ld_dist: Path, name: str, media: str) -> None:
    response = ld_client.get(f"/download/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == media
    assert response.headers["content-disposition"].startswith("attachment")
    assert f"keikaku-{name}" in response.headers["content-disposition"]
    assert response.content == (ld_dist / name).read_bytes()


def test_graph_dump_and_refusals(ld_client: TestClient, ld_dist: Path) -> None:
    response = ld_client.get("/download/graphs/kamakura/plan-2030.ttl")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    assert response.content == (ld_dist / "graphs" / "kamakura" / "plan-2030.ttl").read_bytes()
    for bad in (
        "/download/graphs/..%2F..%2Fbuild.json",
        "/download/graphs/nothing.ttl",
        "/download/build.json",
        "/download/graphs/kamakura/plan-2030.txt",
    ):
        assert ld_client.get(bad).status_code == 404, bad
    index = ld_client.get("/download", headers={"accept": "text/html"}).text
    assert "/download/dataset.trig" in index and "kamakura/plan-2030.ttl" in index


def test_ontology_documentation(ld_client: TestClient) -> None:
    response = ld_client.get("/ontology", headers={"accept": "text/html"})
    assert response.status_code == 200
    body = response.text
    assert 'id="Policy"' in body and "施策" in body  # class with its Japanese label
    assert 'id="issuedBy"' in body
    issued = body[body.index('id="issuedBy"') :][:3000]
    assert "kk:Plan" in issued and "org:Organization" in issued  # domain and range
    assert 'id="PartnerTypeScheme"' in body and "企業・事業者" in body  # schemes and concepts
    assert "Keikaku Graph vocabulary" in ld_client.get("/ontology?lang=en").text


def test_ontology_as_turtle(ld_client: TestClient) -> None:
    response = ld_client.get("/ontology", headers={"accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=response.text, format="turtle")
    assert (KK.Policy, RDF.type, OWL.Class) in g
    assert (KK.Policy, RDFS.label, Literal("施策", lang="ja")) in g
    assert (URIRef(BASE + "id/partner-type/citizens"), None, None) in g  # schemes.ttl too
    assert len(Graph().parse(data=ld_client.get("/def?format=ttl").text, format="turtle")) == len(g)


def test_kk_terms_link_to_the_documentation(ld_client: TestClient) -> None:
    body = ld_client.get("/id/kamakura/plan-2030/policy/1-2", headers={"accept": "text/html"}).text
    assert re.search(r'href="/ontology#\w+"', body)
