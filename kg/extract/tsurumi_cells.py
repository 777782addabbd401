"""The cells of Tsurumi's FY2015 evaluation sheet: finding curation specs, bullets and numbered parts.

Split from kg/extract/tsurumi_evaluation.py (which turns the curation into the plan YAML) so that each
module stays small; everything here reads the source text only.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from kg.extract.common import Found, SourceReader, SpecError

# ---------------------------------------------------------------------------------------------------
# Finding quotes in the source
# ---------------------------------------------------------------------------------------------------

Span = tuple[int, int]


class Locator(SourceReader):
    """The source as the curation specs read it: `resolve` a spec (see the curation file's header).

    >>> loc = Locator("地域\\n活動  協議会\\n")
    >>> loc.locate("域活動").ranges
    ((1, 5),)
    >>> loc.resolve({"from": "地域", "to": "協議会"}).text
    '地域活動  協議会'
    """

    def resolve(self, spec: Any, start: int = 0) -> Found:
        """Resolve a curation spec (see the curation file's header) to a located quote."""
        if isinstance(spec, str):
            return self.locate(spec, start)
        if not isinstance(spec, dict):
            raise SpecError(f"bad spec {spec!r}")
        if "after" in spec:
            start = self.resolve(spec["after"], start).end
        nth = int(spec.get("nth", 1))
        if "parts" in spec:
            pieces: list[Found] = []
            cursor = start
            for part in spec["parts"]:
                found = self.resolve(part, cursor)
                pieces.append(found)
                cursor = found.end
            joiner = str(spec.get("join", ""))
            return Found(tuple(r for f in pieces for r in f.ranges), joiner.join(f.text for f in pieces))
        if "line" in spec:
            found = self.find_line(str(spec["line"]), start, nth)
            if "pick" in spec:
                line = self.source[found.start : found.end]
                offset = -1
                for _ in range(int(spec.get("pick_nth", 1))):
                    offset = line.find(str(spec["pick"]), offset + 1)
                    if offset < 0:
                        raise SpecError(f"{spec['pick']!r} not in line {line!r}")
                s = found.start + offset
                return self.span(s, s + len(str(spec["pick"])))
            return found
        if "from" in spec:
            head = self.locate(str(spec["from"]), start, nth)
            tail = self.locate(str(spec["to"]), head.start)
            return self.span(head.start, tail.end)
        if "q" in spec:
            return self.locate(str(spec["q"]), start, nth)
        raise SpecError(f"spec needs one of q, from/to, line, parts: {spec!r}")


# ---------------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------------

FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\uff0d": "-"})


def clean_notation(printed: str) -> tuple[str, list[str]]:
    """The notation with one hyphen character (U+002D), and a note when the sheet prints another.

    >>> clean_notation("【6‐2】")[0]
    '【6-2】'
    """
    clean = printed.translate(HYPHENS)
    if clean == printed:
        return clean, []
    odd = sorted({f"U+{ord(c):04X}" for c in printed if c.translate(HYPHENS) != c})
    return clean, [
        f"printed {printed} (hyphen {', '.join(odd)}); skos:notation {clean} uses U+002D so that notations "
        "sort and filter together"
    ]


def split_bullets(loc: Locator, found: Found) -> list[Found]:
    """Split a cell at the bullets that open a line (・, (1), （２）); the ・ itself is not quoted."""
    start, end = found.start, found.end
    text = loc.source
    cuts: list[int] = [start]
    for m in re.finditer(r"\n[ \u3000]*(・|\(\d\)|（[\d１-９]）)", text[start:end]):
        cuts.append(start + m.start(1))
    cuts.append(end)
    pieces: list[Found] = []
    for a, b in itertools.pairwise(cuts):
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        a += lead
        if text.startswith("・", a):
            a += 1
        b = a + len(text[a:b].rstrip())
        if b > a:
            pieces.append(loc.span(a, b))
    return pieces


PART_NOTATION = re.compile(r"[(（]([\d１-９])[)）]")


def numbered_parts(loc: Locator, cell: Found) -> list[tuple[str, Found]]:
    """The numbered actions (1)…(4) of a cell: (notation as printed, the text after it), in order.

    Only pieces that open with a number count; a cell without them gives [].
    """
    out: list[tuple[str, Found]] = []
    for piece in split_bullets(loc, cell):
        m = PART_NOTATION.match(loc.source, piece.start)
        if not m:
            continue
        rest = loc.source[m.end() : piece.end]
        body = m.end() + len(rest) - len(rest.lstrip())
        out.append((m.group(0), loc.span(body, piece.end)))
    return out
