"""The one SPARQL lexer (kg.sparql_text) against the W3C SPARQL 1.1 syntax manifests, and SERVICE detection.

Every positive syntax test of syntax-query/ must be read as the query form rdflib's full parser finds,
every positive test of syntax-update-1/ and syntax-update-2/ as an update, and every text's braces must
pair up. syntax-fed/ holds the positive SERVICE queries; SERVICE written inside strings, IRIs, prefixed
names, variables or comments must not count.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection
from rdflib.plugins.sparql.parser import parseQuery

from kg.errors import QueryRefused
from kg.sparql_text import analyse, group_braces, refuse_service, tokens, where_offset

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QUERY_TESTS = ("syntax-query", "syntax-fed")
UPDATE_TESTS = ("syntax-update-1", "syntax-update-2")
FORM_OF = {
    "SelectQuery": "select",
    "AskQuery": "ask",
    "ConstructQuery": "construct",
    "DescribeQuery": "describe",
}


def positive_tests(suite: Path, folder: str, kind: str) -> list[tuple[str, Path]]:
    """(test name, query file) for every entry of the folder's manifest with type `kind`."""
    manifest = suite / folder / "manifest.ttl"
    graph = Graph().parse(manifest, format="turtle")
    out = []
    for head in graph.objects(None, MF.entries):
        for test in Collection(graph, head):
            if (test, RDF.type, MF[kind]) in graph:
                action = graph.value(test, MF.action)
                out.append(
                    (f"{folder}/{str(test).rsplit('#', 1)[-1]}", Path(str(action).removeprefix("file://")))
                )
    return out


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("folder", QUERY_TESTS)
def test_every_positive_query_syntax_test_has_its_form_and_balanced_braces(
    w3c_sparql11: Path, folder: str
) -> None:
    tests = positive_tests(w3c_sparql11, folder, "PositiveSyntaxTest11")
    assert len(tests) > (50 if folder == "syntax-query" else 2)
    wrong = []
    for name, path in tests:
        text = read(path)
        facts = analyse(text)
        expected = FORM_OF[parseQuery(text)[1].name]
        if facts.form != expected or facts.is_update:
            wrong.append(f"{name}: {facts.form!r}, update={facts.is_update}, expected {expected!r}")
        group_braces(facts.tokens)  # raises QuerySyntaxError when unbalanced
        assert sum(t.kind == "open" for t in facts.tokens) == sum(t.kind == "close" for t in facts.tokens)
        assert facts.tokens[-1].depth == 0 if facts.tokens else True
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("folder", UPDATE_TESTS)
def test_every_positive_update_syntax_test_is_an_update(w3c_sparql11: Path, folder: str) -> None:
    tests = positive_tests(w3c_sparql11, folder, "PositiveUpdateSyntaxTest11")
    assert tests
    wrong = []
    for name, path in tests:
        text = read(path)
        facts = analyse(text)
        empty = all(t.is_word("BASE", "PREFIX") or t.kind in ("iri", "pname") for t in facts.tokens)
        if facts.form is not None or facts.is_update == empty:  # an empty request (prologue only) is valid
            wrong.append(f"{name}: form={facts.form!r}, update={facts.is_update}")
        group_braces(facts.tokens)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("folder", (*QUERY_TESTS, *UPDATE_TESTS))
def test_tokens_are_in_order_and_never_overlap(w3c_sparql11: Path, folder: str) -> None:
    """Every text of the folder, positive or negative: the lexer never fails and never loses its place."""
    for path in sorted((w3c_sparql11 / folder).glob("*.r[qu]")):
        text = read(path)
        toks = tokens(text)
        for before, after in itertools.pairwise(toks):
            assert before.end <= after.start, path.name
        for tok in toks:
            assert text[tok.start : tok.end] == tok.text


def test_syntax_fed_queries_are_found_to_use_service_and_syntax_query_ones_not(w3c_sparql11: Path) -> None:
    for _, path in positive_tests(w3c_sparql11, "syntax-fed", "PositiveSyntaxTest11"):
        assert analyse(read(path)).has_service, path.name
        with pytest.raises(QueryRefused):
            refuse_service(read(path))
    for _, path in positive_tests(w3c_sparql11, "syntax-query", "PositiveSyntaxTest11"):
        assert not analyse(read(path)).has_service, path.name  # none of them calls SERVICE


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * { ?s ?p "SERVICE <http://x/> { }" }',
        "SELECT * { ?s ?p '''\nSERVICE <http://x/> {}\n''' }",
        "SELECT * { ?s <http://x/SERVICE> ?o }",
        "PREFIX service: <http://x/> SELECT * { ?s service:SERVICE ?o }",
        "SELECT ?service { ?service ?p ?o }",
        "SELECT * { ?s ?p ?o } # SERVICE <http://x/> { }",
        "# SERVICE\nASK { ?s ?p 'a\\'SERVICE' }",
        "SELECT * { ?s ex:a\\#SERVICE ?o }",
    ],
)
def test_service_inside_strings_iris_names_variables_and_comments_does_not_count(text: str) -> None:
    assert not analyse(text).has_service
    refuse_service(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
        "SELECT * { service silent <http://x/> { ?s ?p ?o } }",
        'SELECT * { ?s ?p "}" SERVICE ?e { ?s ?p ?o } }',
        "SELECT * { # a comment ends at the line end\nSERVICE <http://x/> {} }",
        "INSERT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    ],
)
def test_service_as_a_keyword_is_refused(text: str) -> None:
    assert analyse(text).has_service
    with pytest.raises(QueryRefused):
        refuse_service(text)


def test_the_facts_of_one_text() -> None:
    text = (
        "BASE <http://b/> PREFIX ex: <http://x/> # SELECT\n"
        'CONSTRUCT { ?s ex:p "{" } FROM <http://g> WHERE { ?s ?p ?o }'
    )
    facts = analyse(text)
    assert (facts.form, facts.is_update, facts.has_service) == ("construct", False, False)
    assert facts.declares_dataset and facts.base == "http://b/"
    assert text[where_offset(text) :] == " ?s ?p ?o }"
    assert analyse(text) is facts  # lexed once per text
