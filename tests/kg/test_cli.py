"""The CLI contract: exit codes 0/1/2, formats, and parameters refused rather than spliced."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from kg.cli import main


def run(capsys: pytest.CaptureFixture[str], dist: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--dist", str(dist), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_query_json_is_sparql_results_json(capsys: pytest.CaptureFixture[str], built_dist: Path) -> None:
    code, out, _ = run(
        capsys, built_dist, "query", "measures-by-sdg", "--param", "sdg=13", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert "element" in data["head"]["vars"]
    labels = {b["label"]["value"] for b in data["results"]["bindings"]}
    assert "温暖化対策" in labels


def test_query_csv_is_utf8_with_header(capsys: pytest.CaptureFixture[str], built_dist: Path) -> None:
    code, out, _ = run(capsys, built_dist, "query", "sdg-coverage", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"municipality", "goal", "policies", "measures"} <= set(rows[0])


def test_table_output_lists_rows(capsys: pytest.CaptureFixture[str], built_dist: Path) -> None:
    code, out, _ = run(capsys, built_dist, "query", "search", "--param", "q=ごみ")
    assert code == 0
    assert "ごみ" in out
    assert out.rstrip().endswith("rows)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "measures-by-sdg", "--param", "sdg=18"], "SDG goal 1–17"),
        (["query", "measures-by-sdg", "--param", 'sdg=13" } UNION { ?s ?p ?o'], "sdg"),
        (["query", "measures-by-sdg"], "required"),
        (["query", "measures-by-sdg", "--param", "sdg=13", "--param", "nope=1"], "unknown parameter"),
        (["query", "measures-by-sdg", "--param", "sdg=13", "--param", "municipality=tokyo"], "one of"),
        (["query", "no-such-query"], "no named query"),
        (["query", "measures-by-sdg", "--param", "sdg"], "k=v"),
    ],
)
def test_bad_parameters_exit_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], built_dist: Path, args: list[str], message: str
) -> None:
    code, out, err = run(capsys, built_dist, *args)
    assert code == 2
    assert message in err
    assert out == ""


def test_query_without_build_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, tmp_path / "nothing", "query", "sdg-coverage")
    assert code == 1
    assert "keikaku build" in err


def test_serve_lives_in_the_server_package(capsys: pytest.CaptureFixture[str]) -> None:
    """kg's parser has no `serve` (kg never imports server); the console script's parser adds it."""
    from kg.cli import make_parser
    from server.cli import make_parser as server_parser

    with pytest.raises(SystemExit):
        make_parser().parse_args(["serve"])
    assert "invalid choice" in capsys.readouterr().err
    args = server_parser().parse_args(["--dist", "/tmp/d", "serve", "--port", "8123"])
    assert (args.dist, args.port, args.host) == ("/tmp/d", 8123, "127.0.0.1")


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only kg.errors types become exit codes 1/2; any other exception is a bug and propagates."""
    import kg.cli

    def broken(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(kg.cli, "cmd_queries", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        kg.cli.main(["queries"])


@pytest.mark.parametrize(
    ("flag", "value", "engine"), [("--reasoner", "owlrl", "owlrl"), ("--validator", "fast", "compiled")]
)
def test_engine_flags_map_onto_the_stage_engines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], flag: str, value: str, engine: str
) -> None:
    import kg.build
    from kg.build import BuildResult

    seen: dict[str, str] = {}

    def fake_assemble(**kwargs: str) -> BuildResult:
        seen.update(kwargs)
        result = BuildResult()
        result.report.triples_per_graph = {"x": 1}
        return result

    monkeypatch.setattr(kg.build, "assemble", fake_assemble)
    assert main(["validate", flag, value]) == 0
    assert seen[flag.removeprefix("--")] == engine
