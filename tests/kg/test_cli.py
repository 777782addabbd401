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
