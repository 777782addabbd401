"""One OpenAPI operation per HTTP method of a path, and 405 for every other method.

A route serving several methods would give them all one operationId, which OpenAPI forbids (FastAPI
warns "Duplicate Operation ID"); Starlette's own 405 would come from the first route and name only its
method. So /sparql and /gsp add one route per method here, and a last one that answers 405 with every
allowed method in `Allow`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter

from server.errors import refuse_other_methods


def add_method_routes(
    router: APIRouter,
    path: str,
    endpoint: Callable[..., Any],
    methods: Sequence[str],
    *,
    name: str,
    operation_id: str,
    openapi_extra: Callable[[str], dict[str, Any] | None] | None = None,
    **route: Any,
) -> None:
    """`endpoint` on `path` for each of `methods` (operation ids `<operation_id>_<method>`), each with
    `openapi_extra(method)` and the other `route` arguments of `add_api_route`; 405 for the rest."""
    for method in methods:
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            name=name,
            operation_id=f"{operation_id}_{method.lower()}",
            openapi_extra=openapi_extra(method) if openapi_extra else None,
            **route,
        )
    refuse_other_methods(router, path, methods)
