"""The build: atomic swap, clear errors on bad input, the previous dist/ kept on failure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.build import build
from kg.cli import main
from kg.errors import ShapeViolation, SourceError
from kg.paths import DATA


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def _snapshot(dist: Path) -> dict[str, bytes]:
    return {str(p.relative_to(dist)): p.read_bytes() for p in sorted(dist.rglob("*")) if p.is_file()}


def test_build_writes_every_serialisation(built_dist: Path) -> None:
    for name in ("dataset.trig", "dataset.nq", "dataset.jsonld", "build.json", "validation.ttl"):
        assert (built_dist / name).stat().st_size > 0, name
    for graph in ("ontology", "sdg", "inferred", "municipalities", "kamakura/plan-2030"):
        assert (built_dist / "graphs" / f"{graph}.ttl").exists(), graph
    meta = json.loads((built_dist / "build.json").read_text(encoding="utf-8"))
    assert meta["triples_per_graph"]["kamakura/plan-2030"] > 3000
    assert meta["triples_per_graph"]["inferred"] > 1000


def test_malformed_yaml_names_file_and_line(data_copy: Path, tmp_path: Path) -> None:
    plan = data_copy / "plans" / "kamakura" / "plan-2030.yaml"
    lines = plan.read_text(encoding="utf-8").splitlines()
    lines[9] = lines[9] + " : [unclosed"
    plan.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        build(dist=tmp_path / "dist", data=data_copy)
    assert info.value.path == plan
    assert info.value.line == 10
    assert f"{plan}:10" in str(info.value)


def test_quote_that_does_not_match_its_source_is_refused(data_copy: Path, tmp_path: Path) -> None:
    plan = data_copy / "plans" / "kamakura" / "plan-2030.yaml"
    text = plan.read_text(encoding="utf-8")
    assert "温暖化対策" in text
    plan.write_text(text.replace("温暖化対策", "温暖化対応", 1), encoding="utf-8")
    with pytest.raises(SourceError, match="does not match the source"):
        build(dist=tmp_path / "dist", data=data_copy)


def test_failed_build_leaves_previous_dist_untouched(
    data_copy: Path, tmp_path: Path, built_dist: Path
) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(built_dist, dist)
    before = _snapshot(dist)
    alignments = data_copy / "alignments" / "kamakura" / "plan-2030.yaml"
    text = alignments.read_text(encoding="utf-8")
    # an SDG target that does not exist in the UN KOS: the shapes must reject it
    alignments.write_text(text.replace("sdg: '13.2'", "sdg: '13.9'", 1), encoding="utf-8")
    assert alignments.read_text(encoding="utf-8") != text
    with pytest.raises(ShapeViolation) as info:
        build(dist=dist, data=data_copy)
    assert any("13.9" in str(v) for v in info.value.violations)
    assert _snapshot(dist) == before
    assert not list(tmp_path.glob(".dist.new-*")), "the temporary build directory must be removed"


def test_cli_build_failure_exits_1_and_prints_violations(
    data_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alignments = data_copy / "alignments" / "kamakura" / "plan-2030.yaml"
    text = alignments.read_text(encoding="utf-8")
    alignments.write_text(text.replace("sdg: '13.2'", "sdg: '13.9'", 1), encoding="utf-8")
    code = main(["--dist", str(tmp_path / "dist"), "--data", str(data_copy), "build"])
    err = capsys.readouterr().err
    assert code == 1
    assert "13.9" in err
    assert "dist/ left unchanged" in err
    assert not (tmp_path / "dist").exists()


def test_cli_malformed_yaml_exits_2(
    data_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = data_copy / "plans" / "kamakura" / "plan-2030.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n  - [unbalanced\n", encoding="utf-8")
    code = main(["--dist", str(tmp_path / "dist"), "--data", str(data_copy), "build"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{plan}:" in err


def test_dist_carries_the_sources_and_the_ontology_byte_for_byte(built_dist: Path) -> None:
    """A deployed server reads the source texts and the ontology Turtle from dist/, not the checkout."""
    from kg.paths import ONTOLOGY, SOURCES

    sources = {p.relative_to(SOURCES): p.read_bytes() for p in SOURCES.rglob("*") if p.is_file()}
    copied = {
        p.relative_to(built_dist / "sources"): p.read_bytes()
        for p in (built_dist / "sources").rglob("*")
        if p.is_file()
    }
    assert copied == sources
    assert any(p.suffix == ".txt" for p in copied) and any(p.name.endswith(".meta.yaml") for p in copied)
    for name in ("keikaku.ttl", "schemes.ttl"):
        assert (built_dist / "ontology" / name).read_bytes() == (ONTOLOGY / name).read_bytes()


def test_build_json_is_written_once_with_the_total(built_dist: Path) -> None:
    meta = json.loads((built_dist / "build.json").read_text(encoding="utf-8"))
    seconds = meta["seconds"]
    assert {"ingest", "reason", "validate", "write", "total"} <= set(seconds)
    assert seconds["total"] >= seconds["ingest"] + seconds["reason"] + seconds["write"]
