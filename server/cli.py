"""The `keikaku` console script: kg's command line plus `serve`, which lives here so kg never imports
the server package.

kg/cli.py owns every engine command (build, validate, query, queries, load, extract) and its exit codes;
this module adds one subcommand to `kg.cli.make_parser()`. FastAPI and uvicorn are imported only when
`serve` runs, so `keikaku build` stays as light as `python -m kg.cli build`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kg import cli as kg_cli


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the SPARQL endpoint, linked data and the query API (blocks until stopped)."""
    import uvicorn

    from kg.errors import KgError
    from server.app import create_app
    from server.settings import Settings

    settings = Settings.from_env(store_url=args.store, dist=Path(args.dist))
    try:
        app = create_app(settings)
    except KgError as exc:  # a store that cannot open, writes that would be lost: said, not a traceback
        print(f"keikaku serve: {exc}", file=sys.stderr)
        return 2
    # SIGTERM ends the server within `shutdown_timeout_s` plus the lifespan's stop (workers killed)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        timeout_graceful_shutdown=max(1, round(settings.shutdown_timeout_s)),
    )
    return 0


def make_parser() -> argparse.ArgumentParser:
    """`kg.cli.make_parser()` with `serve` added.

    >>> args = make_parser().parse_args(["serve", "--port", "8001"])
    >>> (args.fn is cmd_serve, args.host, args.port, args.store)
    (True, '127.0.0.1', 8001, None)
    """
    parser = kg_cli.make_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    serve = sub.add_parser("serve", help="serve the SPARQL endpoint, linked data and the query API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--store", default=None, help="embedded (default), oxigraph:/path or a SPARQL endpoint URL"
    )
    serve.set_defaults(fn=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The console script (pyproject `keikaku = "server.cli:main"`); exit codes as kg.cli documents."""
    return kg_cli.main(argv, parser=make_parser())


if __name__ == "__main__":
    raise SystemExit(main())
