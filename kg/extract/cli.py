"""`keikaku extract [--check] [DOCUMENT]`: every generated file of data/plans and data/alignments.

Each source document has one extractor for its plan file — a layout grammar (kamakura), a curation of
quote specs (curated, tsurumi_evaluation) — and, where a curator has aligned it to the SDGs, the
alignments generator for its alignment file, which reads the plan file (element ids, quoted ranges), so
it runs second. The generated files are committed and reviewed; `--check` proves they are exactly what
the extractors produce now, byte for byte, and writes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg import paths
from kg.errors import KgError

#: each document and the extractor that writes its plan file (module of kg.extract)
PLAN_EXTRACTORS = {
    "kamakura/plan-2030": "kamakura",
    "osaka-tsurumi/evaluation-2015": "tsurumi_evaluation",
    "osaka-tsurumi/vision-2027": "curated",
    "setagaya/basic-plan": "curated",
    "yokohama-izumi/policy-2024": "curated",
}


@dataclass(frozen=True)
class Output:
    """One generated file: where it lives, and how to produce its text."""

    document: str
    extractor: str
    path: Path
    render: Callable[[], str]


def outputs(document: str | None = None) -> Iterator[Output]:
    """The generated files of `document` (all documents when None), plan file before alignment file.

    >>> for output in outputs("kamakura/plan-2030"):
    ...     print(output.extractor, output.path.relative_to(paths.ROOT).as_posix())
    kamakura data/plans/kamakura/plan-2030.yaml
    alignments data/alignments/kamakura/plan-2030.yaml
    """
    if document is not None and document not in PLAN_EXTRACTORS:
        raise UnknownDocument(f"unknown document {document!r}: use one of {', '.join(PLAN_EXTRACTORS)}")
    from kg.extract import alignments, curated, kamakura, tsurumi_evaluation

    for name, extractor in PLAN_EXTRACTORS.items():
        if document not in (None, name):
            continue
        municipality, slug = name.split("/", 1)
        if extractor == "kamakura":
            yield Output(name, extractor, kamakura.OUTPUT, kamakura.render)
        elif extractor == "tsurumi_evaluation":
            yield Output(name, extractor, tsurumi_evaluation.OUTPUT_PATH, tsurumi_evaluation.render)
        else:
            yield Output(name, extractor, curated.output_path(name), lambda n=name: curated.render(n))
        if (alignments.CURATION / municipality / f"{slug}.yaml").is_file():
            yield Output(
                name,
                "alignments",
                alignments.output_path(municipality, slug),
                lambda m=municipality, s=slug: alignments.build(m, s),
            )


class UnknownDocument(KgError):
    """`keikaku extract` was given a document no extractor knows."""

    exit_code = 2


def run(document: str | None = None, *, check: bool = False) -> int:
    """Regenerate (or with `check`, compare) the generated files; 1 when `check` finds a stale one.

    Errors of the sources or curation files are `SourceError`s (exit 2), raised to the caller.
    """
    stale = []
    for output in outputs(document):
        text = output.render()
        shown = _shown(output.path)
        if check:
            current = output.path.read_text(encoding="utf-8") if output.path.is_file() else None
            if current != text:
                stale.append(shown)
            continue
        output.path.parent.mkdir(parents=True, exist_ok=True)
        with output.path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        print(f"wrote {shown} ({output.extractor})")
    for shown in stale:
        print(f"stale: {shown} — run `keikaku extract` and review the diff", file=sys.stderr)
    return 1 if stale else 0


def _shown(path: Path) -> str:
    try:
        return path.relative_to(paths.ROOT).as_posix()
    except ValueError:
        return str(path)


def module_main(documents: Sequence[str], argv: Sequence[str]) -> int:
    """`python -m kg.extract.<module> [--check]`, which the generated files' headers name: the same as
    `keikaku extract [--check] DOCUMENT` for each of `documents`, with the CLI's exit codes."""
    check = "--check" in argv
    try:
        return max(run(document, check=check) for document in documents)
    except KgError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
