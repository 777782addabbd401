"""`keikaku` command line: parses arguments and calls the engine; nothing else lives here.

Exit codes (pySHACL's contract): 0 ok, 1 data does not conform / query failed / extraction stale,
2 bad input or usage. Only the kg.errors types map to 1 and 2; any other exception is a bug and keeps
its traceback. The console script is server.cli:main, which adds `serve` to this parser
(`make_parser()`), so that kg never imports the server package.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kg.errors import KgError, QueryParamError, ShapeViolation
from kg.paths import DATA, DIST

#: the documented flag values (README) and the engine of kg.reason / kg.validate each one selects
REASONERS = {"fast": "rules", "owlrl": "owlrl"}
VALIDATORS = {"fast": "compiled", "pyshacl": "pyshacl"}


def _parse_params(pairs: Sequence[str]) -> dict[str, str | list[str]]:
    params: dict[str, str | list[str]] = {}
    for pair in pairs:
        if "=" not in pair:
            raise QueryParamError(f"--param expects k=v, got {pair!r}")
        key, value = pair.split("=", 1)
        if key in params:
            prev = params[key]
            params[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            params[key] = value
    return params


def cmd_build(args: argparse.Namespace) -> int:
    from kg.build import build

    result = build(
        dist=Path(args.dist),
        data=Path(args.data),
        reasoner=REASONERS[args.reasoner],
        validator=VALIDATORS[args.validator],
    )
    report = result.report
    width = max(len(k) for k in report.triples_per_graph)
    for graph, count in sorted(report.triples_per_graph.items()):
        print(f"  {graph:<{width}}  {count:>7} triples")
    print(f"  {'total':<{width}}  {sum(report.triples_per_graph.values()):>7} triples")
    print("  seconds: " + ", ".join(f"{k} {v}" for k, v in report.seconds.items()))
    for warning in report.violations:
        print(f"  warning: {warning}")
    print(f"built {args.dist}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from kg.build import assemble

    result = assemble(
        data=Path(args.data), reasoner=REASONERS[args.reasoner], validator=VALIDATORS[args.validator]
    )
    print(f"conforms: {sum(result.report.triples_per_graph.values())} triples, 0 violations")
    for warning in result.report.violations:
        print(f"  warning: {warning}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from kg.output import render
    from kg.queries import get_query
    from kg.stores import open_store

    query = get_query(args.name)
    text, bindings = query.bind(_parse_params(args.param))
    store = open_store(args.store, dist=Path(args.dist))
    try:
        sys.stdout.write(render(store, text, bindings, args.format, query.table))
    finally:
        store.close()
    return 0


def cmd_queries(args: argparse.Namespace) -> int:
    from kg.queries import load_registry

    for name, query in load_registry().items():
        params = ", ".join(f"{p.name}:{p.type}{'' if p.required else '?'}" for p in query.params.values())
        print(f"{name:<22} {query.summary}  [{params}]")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from kg.ask.cli import run

    return run(
        args.question, dist=Path(args.dist), store_url=args.store, fmt=args.format, evaluate=args.evaluate
    )


def cmd_load(args: argparse.Namespace) -> int:
    from kg.stores.remote import load_dataset

    count = load_dataset(args.endpoint, Path(args.dist) / "dataset.nq", replace=not args.append)
    print(f"loaded {count} quads into {args.endpoint}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from kg.extract.cli import run

    return run(args.document, check=args.check)


def make_parser() -> argparse.ArgumentParser:
    """The `keikaku` parser; each subcommand sets `fn` (server.cli adds `serve` to it)."""
    parser = argparse.ArgumentParser(prog="keikaku", description="計画グラフ Keikaku Graph")
    parser.add_argument("--dist", default=str(DIST), help="build output directory (default: dist/)")
    parser.add_argument("--data", default=str(DATA), help="data directory to build from (default: data/)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn, text in (
        ("build", cmd_build, "ingest, reason, validate and write dist/ atomically"),
        ("validate", cmd_validate, "run ingest, reasoning and the SHACL shapes only"),
    ):
        stage = sub.add_parser(name, help=text)
        stage.add_argument(
            "--reasoner",
            choices=tuple(REASONERS),
            default="fast",
            help="OWL 2 RL materialiser: fast (in pyoxigraph, default) or owlrl (the reference)",
        )
        stage.add_argument(
            "--validator",
            choices=tuple(VALIDATORS),
            default="fast",
            help="SHACL validator: fast (shapes compiled to SPARQL in pyoxigraph, default) or pyshacl "
            "(the reference)",
        )
        stage.set_defaults(fn=fn)
    q = sub.add_parser("query", help="run a named query")
    q.add_argument("name")
    q.add_argument("--param", "-p", action="append", default=[], metavar="K=V")
    q.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table")
    q.add_argument(
        "--store", default=None, help="embedded (default), oxigraph:/path or a SPARQL endpoint URL"
    )
    q.set_defaults(fn=cmd_query)
    sub.add_parser("queries", help="list the named queries").set_defaults(fn=cmd_queries)
    ask = sub.add_parser("ask", help="answer a question in Japanese or English through a named query")
    ask.add_argument("question", nargs="?", default="", help="e.g. 「SDG13に貢献する施策は？」")
    ask.add_argument("--format", "-f", choices=("table", "json"), default="table")
    ask.add_argument(
        "--store", default=None, help="embedded (default), oxigraph:/path or a SPARQL endpoint URL"
    )
    ask.add_argument("--evaluate", action="store_true", help="print the development set's figures instead")
    ask.set_defaults(fn=cmd_ask)
    ld = sub.add_parser("load", help="load the built dataset into a SPARQL 1.1 endpoint")
    ld.add_argument("--endpoint", required=True)
    ld.add_argument(
        "--append", action="store_true", help="add to the endpoint instead of replacing its graphs"
    )
    ld.set_defaults(fn=cmd_load)
    ex = sub.add_parser(
        "extract", help="regenerate data/plans and data/alignments from the sources and curation files"
    )
    ex.add_argument(
        "document",
        nargs="?",
        default=None,
        metavar="DOCUMENT",
        help="one document, e.g. kamakura/plan-2030 (default: every document)",
    )
    ex.add_argument("--check", action="store_true", help="write nothing; exit 1 if a committed file differs")
    ex.set_defaults(fn=cmd_extract)
    return parser


def main(argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    """Run one command; `parser` defaults to `make_parser()` (server.cli passes its extended one)."""
    args = (parser or make_parser()).parse_args(argv)
    try:
        return int(args.fn(args))
    except ShapeViolation as exc:
        for violation in exc.violations:
            print(str(violation), file=sys.stderr)
        print(
            f"error: {exc} — dist/ left unchanged / 検証エラー: dist/ は変更されていません", file=sys.stderr
        )
        return exc.exit_code
    except KgError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if args.command == "build":
            print("dist/ left unchanged / dist/ は変更されていません", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
