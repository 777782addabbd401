"""Being found: `robots.txt`, `sitemap.xml` and the schema.org `Dataset` record of the home page.

Search engines (and Google Dataset Search) read these; they list only what the site serves anyway.
The sitemap names the fixed pages, every municipality, plan and plan element (`/id/…`) and every named
graph (`/graph/…`), with the build time as `lastmod`.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from rdflib import Literal

from server.dist import build_info
from server.internal import sparql
from server.routes.publish import KEYWORDS, PUBLISHER, graph_counts, public_url
from server.views.context import PageContext, get_page_context

router = APIRouter(tags=["web"])

#: pages that exist whatever the data
FIXED_PAGES = ("/", "/sdg", "/download", "/docs", "/ontology", "/sparql/ui", "/.well-known/void")


@router.get("/robots.txt", response_class=PlainTextResponse, include_in_schema=False)
def robots(request: Request) -> PlainTextResponse:
    """Everything may be crawled except the query endpoints (each URL is a query, not a page)."""
    body = "\n".join(
        [
            "User-agent: *",
            "Disallow: /sparql?",
            "Disallow: /api/",
            "Disallow: /search?",
            "Allow: /",
            f"Sitemap: {public_url(request, '/sitemap.xml')}",
            "",
        ]
    )
    return PlainTextResponse(body)


@router.get("/sitemap.xml", include_in_schema=False)
def sitemap(web: PageContext = Depends(get_page_context)) -> Response:  # noqa: B008
    """The sitemap (sitemaps.org 0.9); `/id/` and `/graph/` IRIs are written as this host's URLs."""
    request = web.request
    urls = [public_url(request, p) for p in FIXED_PAGES]
    urls += [public_url(request, f"/sdg/{n}") for n in range(1, 18)]
    for row in web.select(sparql("sitemap")):
        iri = str(row["r"])
        if iri.startswith(web.id_base):
            urls.append(public_url(request, "/id/" + iri[len(web.id_base) :]))
    for graph in sorted(graph_counts(web)):
        if graph.startswith(web.base + "graph/"):
            urls.append(public_url(request, "/graph/" + graph[len(web.base + "graph/") :]))
    built = str(build_info(web.settings.dist).get("built_at") or "")[:10]
    lastmod = f"<lastmod>{escape(built)}</lastmod>" if built else ""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    lines += [f"<url><loc>{escape(u)}</loc>{lastmod}</url>" for u in dict.fromkeys(urls)]
    lines.append("</urlset>")
    return Response("\n".join(lines).encode("utf-8"), media_type="application/xml; charset=utf-8")


def dataset_record(web: PageContext) -> dict[str, Any]:
    """schema.org `Dataset` for the home page, written there as microdata (`_dataset_microdata.html`):
    attributes rather than a JSON-LD `<script>` block, so the pages keep having no inline script at all."""
    request = web.request
    rows = web.select(sparql("licence"), {"base": Literal(web.base)})
    licences = sorted({str(r["licence"]) for r in rows if "licence" in r})
    record: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": ["計画グラフ", "Keikaku Graph"],
        "description": (
            "日本の自治体計画の将来像・目標・施策・取組と、SDGs・共創のパートナー・成果指標との関係を記述した"
            "リンクトデータ。Linked data of Japanese municipal plans, linked to the UN SDGs."
        ),
        "url": public_url(request, "/"),
        "sameAs": web.base + ".well-known/void#keikaku-graph",
        "keywords": [word for word, _ in KEYWORDS],
        "inLanguage": ["ja", "en"],
        "creator": {"@type": "Organization", "name": "計画グラフ編集者 / Keikaku Graph editors",
                    "url": web.base + PUBLISHER},
        "isAccessibleForFree": True,
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": media,
             "contentUrl": public_url(request, f"/download/{name}")}
            for name, media in (
                ("dataset.trig", "application/trig"),
                ("dataset.nq", "application/n-quads"),
                ("dataset.jsonld", "application/ld+json"),
            )
            if (web.settings.dist / name).is_file()
        ],
    }  # fmt: skip
    record["license"] = licences
    built = build_info(web.settings.dist).get("built_at")
    if built:
        record["dateModified"] = str(built)
    return record
