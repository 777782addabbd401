"""The HTTP routes, one module per resource; each has a `router` that `server.app` includes.

Routes raise (`server.errors` answers for every status), they never build an error response
themselves; the HTML pages of a resource are built in `server.views`.
"""

from __future__ import annotations

from server.routes import (
    api_docs,
    compare,
    discovery,
    exports,
    graphs,
    gsp,
    ontology,
    publish,
    queries,
    resources,
    sdg,
    search,
    sources,
    sparql,
    ui,
)

#: in the order `create_app` includes them
ROUTERS = (
    sparql.router,
    gsp.router,
    resources.router,
    graphs.router,
    sdg.router,
    compare.router,
    sources.router,
    queries.router,
    publish.router,
    ontology.router,
    search.router,
    ui.router,
    api_docs.router,
    discovery.router,
    exports.router,
)
