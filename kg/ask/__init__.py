"""Questions in Japanese (or English) answered through the named-query catalogue: `keikaku ask`, `/ask`.

`build_lexicon(store)` reads the words once from the store; `understand(question, lexicon, registry)`
turns a question into one named query with typed parameters, candidate readings or a refusal;
`answer(...)` runs the chosen query and returns a transparent answer (what was understood, the query,
its parameters, the SPARQL as it runs, the rows). No SPARQL is ever written from the question.
"""

from __future__ import annotations

from kg.ask.answer import Answer, answer, bound_sparql
from kg.ask.lexicon import Lexicon, build_lexicon, normalise
from kg.ask.understand import SUGGESTIONS, Reading, Understanding, understand

__all__ = [
    "SUGGESTIONS", "Answer", "Lexicon", "Reading", "Understanding", "answer", "bound_sparql",
    "build_lexicon", "normalise", "understand",
]  # fmt: skip
