"""Work on callers' input that the server hands to a query worker besides queries.

Parsing what a caller sends can be slow (pyparsing on a long update) or crash (Oxigraph's JSON-LD
parser overflows its stack on deeply nested input). In a worker it runs off the event loop, under
``query_timeout``, without network, and a crash costs a worker, not the server.

    prepare_update(...)  -> Prepared     an update read and checked (``classify.plan_update``),
                                         with the protocol's using-graph-uri applied
    parse_rdf(...)       -> list[Triple] a Graph Store body, parsed
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.endpoint import classify
from kg.endpoint.protocol import ProtocolError
from kg.endpoint.scan import Scan, scan

RDF_INPUT = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/n3": ox.RdfFormat.N3,
}


@dataclass(frozen=True)
class Call:
    """A task for a worker: the name of one of ``TASKS`` and its arguments."""

    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Prepared:
    text: str  #: the update to run (with USING clauses when the protocol gave graphs)
    prologue_end: int  #: where its BASE/PREFIX declarations end
    reading: classify.Reading


_USING_VERBS = ("INSERT", "DELETE", "WITH", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY")


def _with_dataset(text: str, found: Scan, default_graphs: list[str], named_graphs: list[str]) -> str:
    """``text`` with ``USING <g>`` / ``USING NAMED <g>`` before the WHERE of each INSERT/DELETE
    operation: what the protocol's using-graph-uri / using-named-graph-uri parameters mean."""
    clause = "".join(f" USING <{g}>" for g in default_graphs)
    clause += "".join(f" USING NAMED <{g}>" for g in named_graphs)
    inserts: list[int] = []
    verb: str | None = None
    words = found.top_words
    for k, (start, word) in enumerate(words):
        if word == ";":
            verb = None
        elif verb is None and word in _USING_VERBS:
            at, following = words[k + 1] if k + 1 < len(words) else (start, "")
            adjacent = not text[start + len(word) : at].strip()  # INSERT DATA, DELETE WHERE
            verb = "DATA" if adjacent and following in ("DATA", "WHERE") else word
        elif word == "WHERE" and verb in ("INSERT", "DELETE", "WITH"):
            inserts.append(start)
    for pos in reversed(inserts):
        text = text[:pos] + clause.strip() + " " + text[pos:]
    return text


def prepare_update(
    text: str,
    base: str | None,
    prefixes: dict[str, str],
    protected: tuple[str, ...],
    max_depth: int,
    default_graphs: list[str],
    named_graphs: list[str],
) -> Prepared:
    """Bound, parse and read an update (ProtocolError when it is refused)."""
    found = scan(text, max_depth)
    reading = classify.plan_update(text, base, prefixes, protected)
    if default_graphs or named_graphs:
        if reading.has_dataset_clause:
            raise ProtocolError(
                400, "using-graph-uri/using-named-graph-uri and USING or WITH in the update body conflict"
            )
        text = _with_dataset(text, found, default_graphs, named_graphs)
        found = scan(text, max_depth)
        reading = classify.plan_update(text, base, prefixes, protected)
        if reading.modifies_using != reading.modifies:
            raise ProtocolError(
                400, "using-graph-uri could not be applied to this update; write USING instead"
            )
    return Prepared(text, found.prologue_end, reading)


_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth(body: bytes) -> int:
    """How deep a JSON document nests (linear, exact: JSON strings are the only context)."""
    depth = deepest = 0
    for m in _JSON_TOKEN.finditer(body):
        c = m.group()
        if c in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif c in (b"]", b"}"):
            depth -= 1
    return deepest


def parse_rdf(body: bytes, media_type: str, base: str | None, max_depth: int) -> list[ox.Triple]:
    """The triples of a Graph Store body (ProtocolError 400 when it does not parse)."""
    fmt = RDF_INPUT[media_type]
    if fmt == ox.RdfFormat.JSON_LD and max_depth and json_depth(body) > 2 * max_depth:
        raise ProtocolError(
            400, f"the {media_type} body nests more than {2 * max_depth} levels deep (2 x max_depth)"
        )
    try:
        return [
            ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt, base_iri=base)
        ]
    except (SyntaxError, ValueError) as exc:
        raise ProtocolError(400, f"the {media_type} body does not parse: {exc}") from None


TASKS: dict[str, Callable[..., Any]] = {"prepare_update": prepare_update, "parse_rdf": parse_rdf}


def run(call: Call) -> Any:
    """Run a task (ProtocolError passes through; the worker frames it)."""
    return TASKS[call.name](*call.args)
