"""The toolkit every HTML page of the service shares: `PageContext` (language, links, queries,
rendering) and the small helpers that pick labels in the page language.

Pages are Jinja2 templates with autoescape on, so every literal from the graph is escaped; a Content
Security Policy (`connect-src 'self'`, no inline script) makes the browser itself refuse any call to a
third-party host, which is how "no CDN, no third-party calls at run time" is enforced, not just intended.
Queries go through `server.execution` (timeout that really stops, row cap) like every other query.

>>> sdg_label([Literal("気候変動", lang="ja"), Literal("Climate action", lang="en")], "en")
'Climate action'
>>> best_literal([Literal("防災", lang="ja"), Literal("disaster", lang="en")], "en")
'disaster'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from rdflib import Graph, Literal
from rdflib.term import Node

from kg.queries.types import sdg_code_of
from kg.terms import term_from_sparql_json
from server.deps import get_executor, get_settings
from server.dist import SOURCE_REF
from server.execution import Executor, run_query
from server.i18n import LANGS, RELATION_LABELS, pick_lang, t
from server.settings import Settings

HERE = Path(__file__).resolve().parent.parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"

#: HTML pages may load only our own scripts, styles, images and fonts, and talk only to our own host.
#: 'unsafe-inline' for styles only: CodeMirror/YASGUI set style attributes; no inline script anywhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'self'; form-action 'self'"
)
HTML_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@cache
def templates() -> jinja2.Environment:
    """The template environment (autoescape on for every template, whatever its name)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def best_literal(values: list[Node], lang: str) -> str | None:
    """The literal in `lang`, else Japanese, else untagged, else any."""
    literals = [v for v in values if isinstance(v, Literal)]
    for wanted in (lang, "ja", None):
        for v in literals:
            if (v.language or None) == wanted:
                return str(v)
    return str(literals[0]) if literals else None


def literals_in(values: list[Node], lang: str) -> list[str]:
    """All literals in `lang` (falling back to Japanese / untagged when there are none in `lang`)."""
    literals = [v for v in values if isinstance(v, Literal)]
    for wanted in (lang, "ja", None):
        chosen = [str(v) for v in literals if (v.language or None) == wanted]
        if chosen:
            return chosen
    return [str(v) for v in literals]


@dataclass
class PageContext:
    """What an HTML handler needs: the request, the query executor, the settings and the language."""

    request: Request
    executor: Executor
    settings: Settings
    lang: str
    explicit_lang: bool

    # ---- IRIs and links ---------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return self.settings.base_iri

    @property
    def id_base(self) -> str:
        return self.base + "id/"

    @property
    def inferred_graph(self) -> str:
        return self.base + "graph/inferred"

    def url(self, path: str, **params: Any) -> str:
        """A local URL (mount prefix added), keeping `?lang=` when the reader chose the language."""
        root = self.request.scope.get("root_path", "") or ""
        fragment = ""
        if "#" in path:
            path, fragment = path.split("#", 1)
            fragment = "#" + fragment
        query = {k: v for k, v in params.items() if v is not None}
        if self.explicit_lang and "lang" not in query:
            query["lang"] = self.lang
        sep = "&" if "?" in path else "?"
        return root + path + (sep + urlencode(query, doseq=True) if query else "") + fragment

    def href(self, term: Node | str) -> str:
        """Where a link to `term` should go: our own pages for our IRIs, SDG goals/targets and the
        vocabulary; the IRI itself for anything else."""
        iri = str(term)
        if iri.startswith(self.id_base):
            return self.url("/id/" + quote(iri[len(self.id_base) :], safe="/-._~%"))
        if iri.startswith(self.base + "source/"):
            m = SOURCE_REF.match(iri[len(self.base + "source/") :])
            if m:
                document = f"/source/{m.group(1)}/{m.group(2)}"
                if m.group(3):
                    return self.url(document, char=f"{m.group(3)},{m.group(4)}") + "#hl"
                return self.url(document)
        if iri.startswith(self.base + "def#"):
            return self.url("/ontology#" + iri.split("#", 1)[1])
        if iri.startswith(self.base + "def"):
            return self.url("/ontology")
        code = sdg_code_of(iri)
        if code:
            return self.url(f"/sdg/{code}")
        return iri

    def is_local(self, term: Node) -> bool:
        return not self.href(term).startswith(("http://", "https://"))

    def t(self, key: str) -> str:
        return t(key, self.lang)

    def relation_label(self, local_name: str) -> str:
        ja, en = RELATION_LABELS.get(local_name, (local_name, local_name))
        return en if self.lang == "en" else ja

    # ---- queries -----------------------------------------------------------------------------------

    def select(self, sparql: str, bindings: dict[str, Node] | None = None) -> list[dict[str, Node]]:
        """Run a SELECT through the executor; rows as dicts of rdflib terms (unbound names absent)."""
        outcome = run_query(self.executor, self.settings, sparql, bindings, "json")
        data = json.loads(outcome.body)
        return [
            {name: term_from_sparql_json(value) for name, value in row.items()}
            for row in data.get("results", {}).get("bindings", [])
        ]

    def ask(self, sparql: str, bindings: dict[str, Node] | None = None) -> bool:
        outcome = run_query(self.executor, self.settings, sparql, bindings, "json")
        return bool(json.loads(outcome.body).get("boolean"))

    def construct_ntriples(self, sparql: str, bindings: dict[str, Node] | None = None) -> bytes:
        """A CONSTRUCT answer as N-Triples bytes (no row cap: page graphs are bounded by their query)."""
        outcome = run_query(
            self.executor, self.settings, sparql, bindings, graph_format="ntriples", max_rows=None
        )
        return outcome.body

    def construct(self, sparql: str, bindings: dict[str, Node] | None = None) -> Graph:
        graph = Graph()
        body = self.construct_ntriples(sparql, bindings)
        if body.strip():
            graph.parse(data=body.decode("utf-8"), format="nt")
        return graph

    # ---- rendering ---------------------------------------------------------------------------------

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """Render a page; every page varies by language and carries the security headers."""
        body = (
            templates()
            .get_template(template)
            .render(
                web=self,
                t=self.t,
                lang=self.lang,
                url=self.url,
                href=self.href,
                other_lang_url=self.other_lang_url(),
                **context,
            )
        )
        headers = dict(HTML_HEADERS)
        headers["Content-Language"] = self.lang
        headers["Vary"] = "Accept, Accept-Language"
        return HTMLResponse(body, status_code=status, headers=headers)

    def other_lang_url(self) -> str:
        other = "en" if self.lang == "ja" else "ja"
        params = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        params.append(("lang", other))
        root = self.request.scope.get("root_path", "") or ""
        return root + self.request.url.path + "?" + urlencode(params)

    def not_found(self) -> HTMLResponse:
        return self.render(
            "error.html", status=404, title=self.t("not_found_title"), message=self.t("not_found_text")
        )

    def bad_request(self, message: str) -> HTMLResponse:
        return self.render("error.html", status=400, title=self.t("bad_request_title"), message=message)


def get_page_context(
    request: Request,
    executor: Executor = Depends(get_executor),  # noqa: B008
    settings: Settings = Depends(get_settings),  # noqa: B008
) -> PageContext:
    """The per-request page toolkit (a dependency, so tests can swap the store as for every route)."""
    query_lang = request.query_params.get("lang")
    lang = pick_lang(query_lang, request.headers.get("accept-language"))
    return PageContext(request, executor, settings, lang, explicit_lang=query_lang in LANGS)


def sdg_label(labels: list[Node], lang: str) -> str:
    """A goal's short Japanese label (our altLabel@ja) or its UN English title."""
    if lang == "ja":
        ja = [str(v) for v in labels if isinstance(v, Literal) and v.language == "ja"]
        if ja:
            return ja[0]
    en = [str(v) for v in labels if isinstance(v, Literal) and v.language == "en"]
    return min(en, key=len) if en else ""
