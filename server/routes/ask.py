"""`/ask`: a question in Japanese or English, answered through one named query (page and JSON API).

The answer is transparent: what was understood, the named query and its parameters, the SPARQL as it
runs (with a link that opens it in the editor), and the rows; or the candidate readings as links; or a
refusal that says what was not understood, with questions that work. `?format=json` or
`Accept: application/json` gives the same answer as JSON (`kg.ask.Answer.to_json`). The lexicon is read
from the store once, at the first question (`kg.ask.build_lexicon`), and kept on the app.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from kg.ask import SUGGESTIONS, Lexicon, answer, build_lexicon, understand
from kg.formats import HTML, by_key
from kg.queries import NamedQuery
from server import conneg
from server.deps import get_registry, get_store
from server.views.context import PageContext, get_page_context

router = APIRouter(tags=["ask"])
ASK_FORMATS = (HTML, by_key("json"))
MAX_SHOWN = 500
_LOCK = threading.Lock()


def lexicon(request: Request, store: Any) -> Lexicon:
    """The app's lexicon, read from its store at the first question."""
    state = request.app.state
    lex = getattr(state, "ask_lexicon", None)
    if lex is None or getattr(state, "ask_lexicon_store", None) is not store:
        with _LOCK:
            lex = build_lexicon(store)
            state.ask_lexicon, state.ask_lexicon_store = lex, store
    return lex


@router.get(
    "/ask",
    summary="質問に答える / Answer a question through a named query",
    description="A question in Japanese or English (`q`) becomes one named query with typed parameters, "
    "candidate readings, or a refusal; never free-form SPARQL. JSON with `Accept: application/json` "
    "or `?format=json`, otherwise the page.",
    response_model=None,
)
def ask(
    request: Request,
    q: str = "",
    web: PageContext = Depends(get_page_context),  # noqa: B008
    registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
    store: Any = Depends(get_store),  # noqa: B008
) -> Response:
    fmt, _ = conneg.choose_media(request, ASK_FORMATS, headers={"Vary": "Accept"})
    result = None
    if q.strip():
        lex = lexicon(request, store)
        started = time.perf_counter()
        understanding = understand(q, lex, registry)
        seconds = time.perf_counter() - started

        def run(sparql: str, bindings: dict[str, Any]) -> list[dict[str, str]]:
            rows = web.select(sparql, bindings)
            return [{k: str(v) for k, v in row.items()} for row in rows]

        result = answer(q, understanding, registry, run)
        result.seconds_understand = seconds
    if fmt.kind != "html":
        body = (
            result.to_json()
            if result
            else {"question": "", "status": "empty", "suggestions": list(SUGGESTIONS)}
        )
        return JSONResponse(body, headers={"Vary": "Accept"})
    editor = web.url("/sparql/ui", query=result.sparql) if result and result.sparql else None
    candidates = [
        {
            "text": c.understood_en if web.lang == "en" else c.understood_ja,
            "href": web.url("/ask", q=c.question),
        }
        for c in (result.understanding.candidates if result else [])
    ]
    suggestions = [{"text": s, "href": web.url("/ask", q=s)} for s in SUGGESTIONS]
    response = web.render(
        "ask.html",
        q=q,
        result=result,
        editor=editor,
        candidates=candidates,
        suggestions=suggestions,
        shown=(result.rows[:MAX_SHOWN] if result else []),
    )
    response.headers["Vary"] = "Accept, Accept-Language"
    return response
