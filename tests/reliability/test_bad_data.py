"""Bad data is named, never crashed on (issue 10, probes F6–F8): a broken copy of the real data gives
exit 2 with `file:line`, the rule broken, and the last good dist/ left exactly as it was.

Each case changes one line of a copy of data/plans/setagaya/basic-plan.yaml (the file of the probes) and
runs `keikaku --data DIR --dist DIR build` in-process (kg.cli.main).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from kg.cli import main
from kg.paths import DATA

PLAN = Path("plans/setagaya/basic-plan.yaml")


def _tree_digest(dist: Path) -> dict[str, str]:
    return {
        str(p.relative_to(dist)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(dist.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def good_build_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dist/ built from the real data: the last good build every case must leave in place."""
    dist = tmp_path_factory.mktemp("bad-data") / "dist"
    assert main(["--dist", str(dist), "build"]) == 0
    return dist


def _break(tmp_path: Path, line_no: int, old: str, new: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    plan = data / PLAN
    lines = plan.read_text(encoding="utf-8").split("\n")
    assert old in lines[line_no - 1], (line_no, lines[line_no - 1])
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    plan.write_text("\n".join(lines), encoding="utf-8")
    return data


CASES = [
    # (name, line, old text, new text, line the error must name, rule, words of the message)
    ("order-not-a-number", 28, "order: 1", "order: first", 28, "type", "must be an integer"),
    ("order-a-list", 28, "order: 1", "order: [1]", 28, "type", "must be an integer"),
    ("order-a-boolean", 28, "order: 1", "order: true", 28, "type", "must be an integer"),
    ("duplicate-id", 38, "- id: basic-plan/tsunagari/2", "- id: basic-plan/tsunagari/1", 38, "unique-id",
     "duplicate id 'basic-plan/tsunagari/1' (first defined at line 25)"),
    ("duplicate-notation", 120, 'notation: "❷"', 'notation: "❶"', 120, "unique-notation",
     "duplicate notation '❶'"),
    ("relations-a-mapping", 32, "- type: relatedTo", "  type: relatedTo", 31, "type",
     "`relations` must be a list"),
    ("partner-box-range-text", 30, "at: [118, 132]", "at: [[a, 132]]", 30, None, "`at` must be"),
    ("elements-a-mapping", 13, "elements:", "elements: {}\nunused:", 13, "type", "`elements` must be a list"),
    # a scalar list item has no line of its own in the loader: the line of its list's key is named
    ("element-a-string", 14, "- id: basic-plan/vision", "- just a string\n- id: basic-plan/vision", 13,
     "type", "must be a mapping"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "line", "old", "new", "at", "rule", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_data_exits_2_with_file_line_and_rule(
    good_build_dist: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    line: int,
    old: str,
    new: str,
    at: int,
    rule: str | None,
    words: str,
) -> None:
    data = _break(tmp_path, line, old, new)
    before = _tree_digest(good_build_dist)
    target = os.readlink(good_build_dist)
    capsys.readouterr()
    code = main(["--dist", str(good_build_dist), "--data", str(data), "build"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert f"{data / PLAN}:{at}: " in err, err
    if rule:
        assert f"[{rule}]" in err, err
    assert words in err, err
    assert "dist/ left unchanged" in err
    assert os.readlink(good_build_dist) == target
    assert _tree_digest(good_build_dist) == before


def test_validate_names_bad_data_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _break(tmp_path, 28, "order: 1", "order: first")
    assert main(["--data", str(data), "validate"]) == 2
    assert f"{data / PLAN}:28: [type]" in capsys.readouterr().err
