"""The web UI: the home page, the SPARQL editor, plan-text search, static assets — and the small toolkit
every HTML page of the service shares (`Web`: language, links, queries, rendering).

Pages are Jinja2 templates with autoescape on, so every literal from the graph is escaped; a Content
Security Policy (`connect-src 'self'`, no inline script) makes the browser itself refuse any call to a
third-party host, which is how "no CDN, no third-party calls at run time" is enforced, not just intended.

Queries go through `server.execution` (timeout that really stops, row cap) like every other query of the
service. Handlers are plain `def`: they block on the store.
"""

from __future__ import annotations

import json
import mimetypes
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS
from rdflib.term import Node

from kg.namespaces import SDG
from kg.queries import NamedQuery
from server.deps import get_executor, get_registry, get_settings
from server.execution import Executor, run_query
from server.i18n import LANGS, RELATION_LABELS, pick_lang, t
from server.settings import Settings

router = APIRouter(tags=["web"])

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
YASGUI_JS = STATIC_DIR / "yasgui" / "yasgui.min.js"

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

_SDG_CODE = re.compile(r"^(\d{1,2})(?:\.([0-9]{1,2}|[a-z]))?$")
_SOURCE_FRAGMENT = re.compile(r"^([a-z0-9-]+/[a-z0-9-]+)(?:#char=(\d+),(\d+))?$")

LABEL_PROPS = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SKOS.altLabel)


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


def sdg_code(iri: str) -> str | None:
    """'http://metadata.un.org/sdg/13.2' → '13.2' (goals and targets only; indicators → None)."""
    if not iri.startswith(str(SDG)):
        return None
    code = iri[len(str(SDG)) :]
    return code if _SDG_CODE.match(code) else None


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


def term_from_json(value: dict[str, str]) -> Node:
    """One term of a SPARQL 1.1 JSON result as an rdflib term."""
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return Literal(value["value"], lang=value["xml:lang"])
    if "datatype" in value:
        return Literal(value["value"], datatype=URIRef(value["datatype"]))
    return Literal(value["value"])


@dataclass
class Web:
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
            m = _SOURCE_FRAGMENT.match(iri[len(self.base + "source/") :])
            if m:
                if m.group(2):
                    return self.url(f"/source/{m.group(1)}", char=f"{m.group(2)},{m.group(3)}") + "#hl"
                return self.url(f"/source/{m.group(1)}")
        if iri.startswith(self.base + "def#"):
            return self.url("/ontology#" + iri.split("#", 1)[1])
        if iri.startswith(self.base + "def"):
            return self.url("/ontology")
        code = sdg_code(iri)
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
            {name: term_from_json(value) for name, value in row.items()}
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


def get_web(
    request: Request,
    executor: Executor = Depends(get_executor),  # noqa: B008
    settings: Settings = Depends(get_settings),  # noqa: B008
) -> Web:
    """The per-request page toolkit (a dependency, so tests can swap the store as for every route)."""
    query_lang = request.query_params.get("lang")
    lang = pick_lang(query_lang, request.headers.get("accept-language"))
    return Web(request, executor, settings, lang, explicit_lang=query_lang in LANGS)


# --------------------------------------------------------------------------------------------------
# Home page
# --------------------------------------------------------------------------------------------------

HOME_PLANS = """
PREFIX kk: <https://w3id.org/keikaku/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?muni ?muniLabel ?parentLabel ?plan ?planLabel ?start ?end ?typeLabel ?elements ?basis WHERE {
  { ?muni a kk:Municipality .
    OPTIONAL { ?plan kk:issuedBy ?muni ; a kk:Plan . FILTER EXISTS { ?plan kk:hasPart ?any } } }
  UNION
  { ?plan a kk:Plan ; kk:issuedBy ?muni . FILTER EXISTS { ?plan kk:hasPart ?any } }
  OPTIONAL { ?muni rdfs:label ?muniLabel }
  OPTIONAL { ?muni kk:partOf/rdfs:label ?parentLabel }
  OPTIONAL { ?plan dct:title|rdfs:label ?planLabel }
  OPTIONAL { ?plan kk:periodStart ?start }
  OPTIONAL { ?plan kk:periodEnd ?end }
  OPTIONAL { ?plan kk:planType/skos:prefLabel ?typeLabel }
  OPTIONAL { ?plan kk:basis ?basis }
  OPTIONAL { SELECT ?plan (COUNT(DISTINCT ?e) AS ?elements) WHERE { ?plan kk:hasPart ?e } GROUP BY ?plan }
}
"""

GOAL_COUNTS = """
PREFIX kk: <https://w3id.org/keikaku/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sdgo: <http://metadata.un.org/sdg/ontology#>
SELECT ?goal ?label (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?goal a sdgo:Goal .
  OPTIONAL { ?goal skos:altLabel|skos:prefLabel ?label }
  OPTIONAL { ?e kk:contributesTo ?goal ; a kk:PlanElement }
} GROUP BY ?goal ?label
"""


def goal_tiles(web: Web) -> list[dict[str, Any]]:
    """The 17 goals with their label in the page language and the number of elements serving each."""
    goals: dict[str, dict[str, Any]] = {}
    for row in web.select(GOAL_COUNTS):
        code = sdg_code(str(row["goal"]))
        if code is None:
            continue
        tile = goals.setdefault(
            code, {"code": code, "labels": [], "count": 0, "href": web.url(f"/sdg/{code}")}
        )
        if "label" in row:
            tile["labels"].append(row["label"])
        tile["count"] = max(tile["count"], int(row["n"].toPython()))  # type: ignore[union-attr]
    out = []
    for code in sorted(goals, key=int):
        tile = goals[code]
        tile["label"] = sdg_label(tile.pop("labels"), web.lang)
        out.append(tile)
    return out


def sdg_label(labels: list[Node], lang: str) -> str:
    """A goal's short Japanese label (our altLabel@ja) or its UN English title."""
    if lang == "ja":
        ja = [str(v) for v in labels if isinstance(v, Literal) and v.language == "ja"]
        if ja:
            return ja[0]
    en = [str(v) for v in labels if isinstance(v, Literal) and v.language == "en"]
    return min(en, key=len) if en else ""


def municipalities(web: Web) -> list[dict[str, Any]]:
    """Municipalities with the plans they issued (plans with at least one element)."""
    munis: dict[str, dict[str, Any]] = {}
    for row in web.select(HOME_PLANS):
        iri = str(row["muni"])
        m = munis.setdefault(
            iri, {"iri": iri, "href": web.href(iri), "labels": [], "parent": [], "plans": {}}
        )
        if "muniLabel" in row:
            m["labels"].append(row["muniLabel"])
        if "parentLabel" in row:
            m["parent"].append(row["parentLabel"])
        if "plan" in row:
            p = m["plans"].setdefault(
                str(row["plan"]),
                {
                    "href": web.href(row["plan"]),
                    "labels": [],
                    "types": [],
                    "start": None,
                    "end": None,
                    "n": 0,
                    "stub": False,
                },
            )
            if "planLabel" in row:
                p["labels"].append(row["planLabel"])
            if "typeLabel" in row:
                p["types"].append(row["typeLabel"])
            p["start"] = str(row["start"]) if "start" in row else p["start"]
            p["end"] = str(row["end"]) if "end" in row else p["end"]
            # plans a document only refers to are stubs, stated by the editors (kk:Curated), not the plan
            p["stub"] = p["stub"] or str(row.get("basis", "")).endswith("#Curated")
            if "elements" in row:
                p["n"] = int(row["elements"].toPython())  # type: ignore[union-attr]
    out = []
    for m in munis.values():
        m["label"] = best_literal(m.pop("labels"), web.lang) or m["iri"].rsplit("/", 1)[-1]
        m["parent"] = best_literal(m["parent"], web.lang)
        plans = []
        for p in m["plans"].values():
            p["label"] = best_literal(p.pop("labels"), web.lang) or ""
            p["type"] = best_literal(p.pop("types"), web.lang)
            plans.append(p)
        m["plans"] = sorted(plans, key=lambda p: (p["start"] or "", p["label"]))
        out.append(m)
    return sorted(out, key=lambda m: (not m["plans"], m["iri"]))


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(web: Web = Depends(get_web)) -> HTMLResponse:  # noqa: B008
    """Municipalities and their plans, and the 17 SDG goals — one click to "which measures serve SDG 13?"."""
    return web.render("home.html", municipalities=municipalities(web), goals=goal_tiles(web))


# --------------------------------------------------------------------------------------------------
# Search (the `search` named query, as a page)
# --------------------------------------------------------------------------------------------------


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(
    q: str = "",
    web: Web = Depends(get_web),  # noqa: B008
    registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
) -> HTMLResponse:
    """Substring search over plan texts for people who do not write SPARQL (the `search` named query)."""
    from kg.errors import QueryParamError

    rows: list[dict[str, Any]] = []
    error = None
    if q.strip():
        query = registry.get("search")
        if query is None:
            return web.not_found()
        try:
            text, bindings = query.bind({"q": q})
        except QueryParamError as exc:
            error = str(exc)
        else:
            for row in web.select(text, bindings)[:500]:
                rows.append({k: v for k, v in row.items()})
    return web.render("search.html", q=q, rows=rows, error=error, columns=_search_columns(rows))


def _search_columns(rows: list[dict[str, Any]]) -> list[str]:
    preferred = ["municipality", "class", "notation", "label", "field", "text"]
    present = {k for row in rows for k in row}
    return [c for c in preferred if c in present]


# --------------------------------------------------------------------------------------------------
# SPARQL editor
# --------------------------------------------------------------------------------------------------


def editor_examples(registry: dict[str, NamedQuery]) -> list[dict[str, str]]:
    """The named queries as ready-to-run examples (their example parameter values written in)."""
    from server.api import example_text  # the catalogue lives in server.api

    examples = []
    for name, query in registry.items():
        examples.append({"name": name, "summary": query.summary, "query": example_text(query)})
    return examples


@router.get("/sparql/ui", response_class=HTMLResponse, include_in_schema=False)
def sparql_editor(
    web: Web = Depends(get_web),  # noqa: B008
    registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
) -> HTMLResponse:
    """YASGUI (self-hosted, built by scripts/build_ui.sh) or, when it is not built, our small editor."""
    return web.render(
        "editor.html",
        examples=editor_examples(registry),
        yasgui=YASGUI_JS.exists(),
        endpoint=web.url("/sparql"),
    )


@router.get("/yasgui", include_in_schema=False)
def yasgui_alias(request: Request) -> RedirectResponse:
    root = request.scope.get("root_path", "") or ""
    query = ("?" + request.url.query) if request.url.query else ""
    return RedirectResponse(root + "/sparql/ui" + query, status_code=308)


# --------------------------------------------------------------------------------------------------
# Static assets (our CSS/JS and the built YASGUI files), served without a Mount so that every router
# of the service stays an ordinary APIRouter
# --------------------------------------------------------------------------------------------------

_MEDIA = {".js": "text/javascript", ".css": "text/css", ".map": "application/json", ".svg": "image/svg+xml"}


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> Response:
    """A file below server/static/, never outside it."""
    target = (STATIC_DIR / path).resolve()
    if not path or not target.is_relative_to(STATIC_DIR) or not target.is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    media = _MEDIA.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if media.startswith("text/") or media in ("application/json",):
        media += "; charset=utf-8"
    return FileResponse(
        target,
        media_type=media,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
