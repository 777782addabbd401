"""`keikaku ask`: the development set's figures on the real build, the lexicon, refusals, the CLI and the
/ask page and JSON API (in-process)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kg.ask import build_lexicon, normalise, understand
from kg.ask.evaluate import evaluate, load_devset
from kg.cli import main
from kg.queries import load_registry
from kg.stores import open_store
from server.app import create_app
from server.settings import Settings


@pytest.fixture(scope="module")
def lex(store: object):
    return build_lexicon(store)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def registry() -> dict:
    return load_registry()


@pytest.fixture(scope="module")
def client(built_dist: Path) -> Iterator[TestClient]:
    settings = Settings(dist=built_dist, query_workers=0, max_rows=10_000, query_timeout_s=10.0)
    app = create_app(settings, open_store(None, dist=built_dist))
    with TestClient(app) as c:
        yield c


def test_devset_is_big_enough_and_varied() -> None:
    cases = load_devset()
    assert len(cases) >= 150
    assert sum(c.expected == "REFUSE" for c in cases) >= 20
    assert any("ＳＤＧ" in c.question or "１" in c.question for c in cases)  # full-width
    assert any("十三" in c.question for c in cases)  # kanji numerals
    assert sum(c.question.isascii() for c in cases) >= 15  # English


def test_devset_figures(store: object, registry: dict) -> None:
    report = evaluate(store, registry, load_devset())
    assert report.route_accuracy >= 0.95, report.failures
    assert report.refusal_precision == 1.0, report.failures
    assert report.refusal_recall >= 0.9, report.failures
    assert report.answer_accuracy >= 0.9, report.failures


def test_lexicon_is_read_from_the_graph(lex) -> None:
    def kinds(word: str) -> set[tuple[str, str]]:
        return {(e.kind, e.value) for e in lex.words.get(normalise(word), [])}

    assert ("municipality", "kamakura") in kinds("鎌倉") and ("municipality", "kamakura") in kinds("鎌倉市")
    assert ("municipality", "osaka-tsurumi") in kinds("鶴見") and ("municipality", "yokohama-izumi") in kinds(
        "泉区"
    )
    assert ("municipality", "setagaya") in kinds("世田谷")
    assert ("partner", "企業・事業者") in kinds("民間") and ("partner", "企業・事業者") in kinds("民間企業")
    assert ("theme", "環境・脱炭素") in kinds("環境")
    assert ("goal", "13") in kinds("気候変動に具体的な対策を")  # the goal label of the SDG graph
    assert "13.3" in lex.targets and "13.9" not in lex.targets
    assert ("term", "再エネ") in kinds("再エネ")  # the thesaurus


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("札幌市の施策は？", "札幌市のデータはありません"),
        ("SDG18に貢献する施策", "SDG 18"),
        ("ターゲット13.9", "13.9"),
        ("SELECT * WHERE { ?s ?p ?o }", "わかりませんでした"),
    ],
)
def test_refusals_say_what_was_not_understood(lex, registry: dict, question: str, reason: str) -> None:
    u = understand(question, lex, registry)
    assert u.status == "refused" and reason in u.reason_ja


def test_candidates_each_read_one_way(lex, registry: dict) -> None:
    u = understand("鶴見区の計画の全体像", lex, registry)
    assert u.status == "ambiguous" and len(u.candidates) == 2
    for c in u.candidates:
        again = understand(c.question, lex, registry)
        assert again.status == "answer" and again.reading.params == c.params  # type: ignore[union-attr]


def test_understanding_is_fast(lex, registry: dict) -> None:
    understand("SDG13", lex, registry)
    questions = [c.question for c in load_devset()]
    started = time.perf_counter()
    for q in questions:
        understand(q, lex, registry)
    assert (time.perf_counter() - started) / len(questions) < 0.02


def test_cli_ask(built_dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dist", str(built_dist), "ask", "SDG13に貢献する施策は？"]) == 0
    out = capsys.readouterr().out
    assert "SDG 13 に貢献する施策・取組を、4自治体すべてから探しました" in out
    assert "measures-by-sdg" in out and "鎌倉市" in out
    assert main(["--dist", str(built_dist), "ask", "-f", "json", "札幌市のSDG13"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "refused" and "札幌市のデータはありません" in data["reason_ja"]


def test_ask_page_is_transparent(client: TestClient) -> None:
    r = client.get("/ask", params={"q": "SDG13に貢献する施策は？"}, headers={"Accept": "text/html"})
    assert r.status_code == 200
    html = r.text
    assert "SDG 13 に貢献する施策・取組を、4自治体すべてから探しました" in html
    assert "measures-by-sdg" in html and "sdg=13" in html
    assert "/sparql/ui?query=" in html and "contributesTo" in html and "鎌倉市" in html


def test_ask_json_api(client: TestClient) -> None:
    r = client.get("/ask", params={"q": "鎌倉市で企業と共創する施策"}, headers={"Accept": "application/json"})
    data = r.json()
    assert data["status"] == "answer" and data["query"] == "elements-by-partner"
    assert data["parameters"] == {"partner": "企業・事業者", "municipality": "kamakura"}
    assert data["rows"] and "VALUES" in data["sparql"]
    amb = client.get("/ask", params={"q": "鶴見区の計画の全体像", "format": "json"}).json()
    assert amb["status"] == "ambiguous" and len(amb["candidates"]) == 2
    ref = client.get("/ask", params={"q": "SDG18", "format": "json"}).json()
    assert ref["status"] == "refused" and ref["suggestions"]


def test_home_page_has_a_question_box(client: TestClient) -> None:
    assert 'id="home-ask"' in client.get("/", headers={"Accept": "text/html"}).text
