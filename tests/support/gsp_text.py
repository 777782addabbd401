"""A reader for the ORIGINAL SPARQL 1.1 Graph Store Protocol test suite: `http-rdf-update/tests.txt`.

rdflib's sdist (PyPI) ships that file in test/data/suites/w3c/sparql11/http-rdf-update/ (scripts/
w3c_suites.sh copies it into .cache/w3c/). It is the Working Group's "Initial draft of test suite":
no manifest, only raw HTTP exchanges, each a request block and the response block expected for it::

    ------- Request (PUT - Initial state) -----------
    PUT /person/1.ttl HTTP/1.1
    Host: $HOST$
    Content-Type: text/turtle
    <body>
    ------- Response --------------------------------
    201 Created
    <headers>
    <blank line>
    <body>
    -------------------------------------------------

with three placeholders: `$HOST$` (the server's authority), `$GRAPHSTORE$` (the path of the graph
store) and `$NEWPATH$` (the URL a `Location` header answered). `parse` turns the text into ordered
`Exchange`s, each keyed by a stable id made from its title ("PUT - Initial state" →
`put-initial-state`). The exchanges build on each other's state (a later GET reads an earlier PUT),
so a runner replays them in order.

The draft predates the Turtle Recommendation, and its Turtle is loose in two ways a strict parser
refuses; `parse` repairs exactly these two and lists what it did in `Exchange.repairs` (a runner can
print them), and changes nothing else:
- a Turtle body whose last statement has no final `.` gets one (every body in the draft);
- an expected Turtle body that uses a prefix it does not declare gets the `@prefix` line the
  document declared earlier for that name (two response bodies rely on the request's prefixes).
A multipart body is sent with CRLF line breaks (MIME's, RFC 2046 §5.1.1; a text file cannot show
them); its parts and headers are left exactly as written.

>>> [(e.id, e.method, e.target, e.status) for e in parse(_SAMPLE)]
[('put-x', 'PUT', '/person/1.ttl', 201), ('get-of-put-x', 'GET', '/person/1.ttl', 200)]
>>> parse(_SAMPLE)[1].response_body
'@prefix foaf: <http://xmlns.com/foaf/0.1/> .\\n<http://$HOST$/person/1> a foaf:Person .'
>>> parse(_SAMPLE)[1].repairs
('added the final "." to the response body', 'declared foaf: in the response body as earlier in the document')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_SAMPLE = """Preamble

------- Request (PUT - x) -----------
PUT /person/1.ttl HTTP/1.1
Host: $HOST$
Content-Type: text/turtle
@prefix foaf: <http://xmlns.com/foaf/0.1/> .

<http://$HOST$/person/1> a foaf:Person

------- Response --------------------------------
201 Created
-------------------------------------------------

---- Request (GET of PUT - x) -------
GET /person/1.ttl HTTP/1.1
Host: $HOST$
------- Response --------------------------------
200 OK
Content-type: text/turtle

<http://$HOST$/person/1> a foaf:Person
-------------------------------------------------
"""

_REQUEST = re.compile(r"^-+\s*Request\s*\((?P<title>.*)\)\s*-+\s*$")
_RESPONSE = re.compile(r"^-+\s*Response\s*-+\s*$")
_END = re.compile(r"^-{5,}\s*$")
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<target>\S+) HTTP/1\.1$")
_STATUS_LINE = re.compile(r"^(?P<status>[1-5]\d\d) (?P<reason>.+)$")
_HEADER = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9-]*): (?P<value>.*)$")
_PREFIX = re.compile(r"^\s*@prefix\s+(?P<name>[A-Za-z][\w-]*)?:\s*<[^>]*>\s*\.\s*$", re.MULTILINE)

PLACEHOLDERS = ("$HOST$", "$GRAPHSTORE$", "$NEWPATH$")


@dataclass(frozen=True)
class Exchange:
    """One request of the suite and the response it expects, as written (placeholders kept)."""

    id: str
    title: str
    line: int  # of the request's title line in the file, 1-based
    method: str
    target: str  # "/person/1.ttl", "$GRAPHSTORE$?default", "$NEWPATH$"
    request_headers: tuple[tuple[str, str], ...]
    request_body: str | None
    status: int
    reason: str
    response_headers: tuple[tuple[str, str], ...]
    response_body: str  # "" when the block shows none
    repairs: tuple[str, ...]

    def request_header(self, name: str) -> str | None:
        return _header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return _header(self.response_headers, name)


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name.lower():
            return value
    return None


def media_type(value: str | None) -> str:
    """The media type of a Content-Type value, lower-cased, without parameters."""
    return (value or "").split(";")[0].strip().lower()


def slug(title: str) -> str:
    """The stable id of an exchange title.

    >>> slug("POST - create  new graph")
    'post-create-new-graph'
    """
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def substitute(text: str, values: dict[str, str]) -> str:
    """`text` with each placeholder replaced by its value (placeholders without a value stay)."""
    for name, value in values.items():
        text = text.replace(name, value)
    return text


def read(path: Path) -> list[Exchange]:
    return parse(path.read_text(encoding="utf-8"))


def parse(text: str) -> list[Exchange]:
    """Every exchange of the suite text, in document order; ValueError on a block it cannot read."""
    lines = text.splitlines()
    exchanges: list[Exchange] = []
    prefixes: dict[str, str] = {}  # prefix name → its @prefix line, as first declared in the document
    i = 0
    while i < len(lines):
        head = _REQUEST.match(lines[i])
        if head is None:
            i += 1
            continue
        start = i
        i += 1
        request: list[str] = []
        while i < len(lines) and not _RESPONSE.match(lines[i]):
            if _REQUEST.match(lines[i]) or _END.match(lines[i]):
                raise ValueError(f"line {i + 1}: request {head['title']!r} has no response block")
            request.append(lines[i])
            i += 1
        i += 1
        response: list[str] = []
        while i < len(lines) and not _END.match(lines[i]):
            response.append(lines[i])
            i += 1
        if i >= len(lines):
            raise ValueError(f"line {start + 1}: response of {head['title']!r} is not closed")
        i += 1
        exchanges.append(_exchange(head["title"], start + 1, request, response, prefixes))
    ids = [e.id for e in exchanges]
    if len(set(ids)) != len(ids):
        raise ValueError(f"two exchanges share an id: {sorted({x for x in ids if ids.count(x) > 1})}")
    return exchanges


def _exchange(
    title: str, line: int, request: list[str], response: list[str], prefixes: dict[str, str]
) -> Exchange:
    where = f"line {line} ({title})"
    request = _trim(request)
    first = _REQUEST_LINE.match(request[0]) if request else None
    if first is None:
        raise ValueError(f"{where}: no request line")
    req_headers, req_body = _headers_and_body(request[1:])
    response = _trim(response)
    status = _STATUS_LINE.match(response[0]) if response else None
    if status is None:
        raise ValueError(f"{where}: no status line")
    resp_headers, resp_body = _headers_and_body(response[1:])
    repairs: list[str] = []
    req_type = media_type(_header(req_headers, "content-type"))
    if req_body is not None:
        _learn_prefixes(req_body, prefixes)
        if req_type == "text/turtle":
            req_body = _final_dot(req_body, "request", repairs)
        elif req_type.startswith("multipart/"):
            req_body = req_body.replace("\n", "\r\n")
            repairs.append("sent the multipart body with CRLF line breaks")
    body = resp_body or ""
    if body and media_type(_header(resp_headers, "content-type")) == "text/turtle":
        body = _final_dot(body, "response", repairs)
        body = _declare_prefixes(body, prefixes, repairs)
        _learn_prefixes(body, prefixes)
    return Exchange(
        id=slug(title),
        title=title.strip(),
        line=line,
        method=first["method"],
        target=first["target"],
        request_headers=req_headers,
        request_body=req_body,
        status=int(status["status"]),
        reason=status["reason"].strip(),
        response_headers=resp_headers,
        response_body=body,
        repairs=tuple(repairs),
    )


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return [line.rstrip() for line in lines]


def _headers_and_body(lines: list[str]) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """Header lines up to the first line that is not one (a blank line there is dropped); the rest is
    the body, None when there is none."""
    headers: list[tuple[str, str]] = []
    k = 0
    while k < len(lines) and (m := _HEADER.match(lines[k])):
        headers.append((m["name"], m["value"].strip()))
        k += 1
    if k < len(lines) and not lines[k].strip():
        k += 1
    body = "\n".join(_trim(lines[k:]))
    return tuple(headers), body or None


def _final_dot(body: str, which: str, repairs: list[str]) -> str:
    stripped = body.rstrip()
    statements = _PREFIX.sub("", stripped).strip()
    if statements and not stripped.endswith("."):
        repairs.append(f'added the final "." to the {which} body')
        return stripped + " ."
    return body


def _learn_prefixes(body: str, prefixes: dict[str, str]) -> None:
    for m in _PREFIX.finditer(body):
        prefixes.setdefault(m["name"] or "", m.group(0).strip())


def _declare_prefixes(body: str, prefixes: dict[str, str], repairs: list[str]) -> str:
    declared = {m["name"] or "" for m in _PREFIX.finditer(body)}
    text = re.sub(r'<[^>]*>|"[^"]*"', "", body)  # prefixed names outside IRIs and strings
    used = set(re.findall(r"(?<![\w:])([A-Za-z][\w-]*)?:(?=[A-Za-z_\s\[\]])", text))
    missing = sorted(name for name in used - declared if name in prefixes)
    if not missing:
        return body
    repairs.append(
        f"declared {', '.join(n + ':' for n in missing)} in the response body as earlier in the document"
    )
    return "\n".join([*(prefixes[n] for n in missing), body])
