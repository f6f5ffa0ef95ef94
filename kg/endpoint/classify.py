"""What a SPARQL request may do, decided from a real parse, failing closed.

Two questions decide whether a request may run: does it reach the network (``SERVICE`` in a query
or update, ``LOAD`` in an update), and which graphs does an update write. Both are read from the
parse tree of rdflib's SPARQL 1.1 parser; what cannot be parsed, or cannot be read the way the
engine (Oxigraph) will read it, is refused:

* **Fast path.** A request whose text contains no ``service`` (and, for an update, no ``load``)
  in any letter case, before or after expanding ``\\uXXXX`` escapes, has no such operation: no
  parse is needed. This is how most queries go.
* **Escapes.** SPARQL 1.1 Query §19.2 expands codepoint escapes over the whole text before
  parsing, and rdflib does; Oxigraph 0.5 expands them only inside strings and IRIs. The two then
  read ``"\\u0022"`` differently (a quote inside a string, or the end of a string), which can hide
  a ``SERVICE`` from one of them. A request that mentions ``service``/``load`` and holds a
  codepoint escape is refused (400) rather than guessed at.
* **Targets.** A ``SERVICE`` or ``LOAD`` target is the IRI the engine would call, resolved against
  ``BASE`` and the request's own URL as Oxigraph resolves it; a variable target is unknown.

``classify_query`` and ``plan_update`` are pure and may be slow on long texts (pyparsing): the
endpoint runs them in a query worker, off the event loop and under the query timeout.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from kg.endpoint.protocol import ProtocolError

ALL = "*"  #: "any named graph may have changed" (a graph given by a variable, DROP ALL, ...)
DEFAULT = "DEFAULT"
_ESCAPE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")
_PN_LOCAL_ESC = re.compile(r"\\(.)")
#: Python frames rdflib's parser may use; deeper texts are refused (``scan`` bounds nesting first).
RECURSION = 20_000


def _expand(text: str) -> str:
    return _ESCAPE.sub(
        lambda m: chr(int(m.group()[2:], 16)) if int(m.group()[2:], 16) < 0x110000 else "", text
    )


def mentions(text: str, words: tuple[str, ...]) -> bool:
    """Whether any of ``words`` (lower case) may occur as a keyword in ``text``: a substring in
    any case, in the text as sent or with its codepoint escapes expanded."""
    for variant in (text, _expand(text)) if "\\" in text else (text,):
        folded = variant.casefold()
        lowered = variant.lower()
        if any(w in folded or w in lowered for w in words):
            return True
    return False


def remote_words(update: bool) -> tuple[str, ...]:
    return ("service", "load") if update else ("service",)


@dataclass
class Reading:
    """What a parse found: SERVICE and LOAD targets (None: a variable), graphs an update writes."""

    services: list[str | None] = field(default_factory=list)
    loads: list[str | None] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    refusal: str | None = None
    meta_written: bool = False
    has_dataset_clause: bool = False  #: USING or WITH somewhere (conflicts with using-graph-uri)
    modifies: int = 0  #: INSERT/DELETE ... WHERE operations
    modifies_using: int = 0  #: ... of which have USING clauses


def _parse(text: str, update: bool) -> Any:
    """rdflib's parse tree of ``text`` (no escape expansion: see the module docstring)."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser

    kind = "update" if update else "query"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, RECURSION))
    try:
        if update:
            return parser.UpdateUnit.parse_string(text, parse_all=True)[0]
        return parser.Query.parse_string(text, parse_all=True)
    except ParseBaseException as exc:
        why = " (it may reach the network, so it must parse in full before it runs)"
        raise ProtocolError(
            400,
            f"SPARQL {kind} syntax error: {exc.msg} at line {exc.lineno}, column {exc.col}"
            + (why if mentions(text, remote_words(update)) else ""),
        ) from None
    except RecursionError:
        raise ProtocolError(400, f"the {kind} is nested too deeply to be checked; write it flatter") from None
    finally:
        sys.setrecursionlimit(limit)


def _get(node: Any, key: str, default: Any = None) -> Any:
    """A parse-tree node's value (CompValue.get answers missing keys with the key's name)."""
    return dict.get(node, key, default)


def _nodes(node: Any) -> Iterator[Any]:
    """Every CompValue in a parse tree, depth first (iteratively: trees can be deep)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, CompValue):
            yield n
            stack.extend(reversed(list(n.values())))
        elif isinstance(n, list | tuple | ParseResults):
            stack.extend(reversed(list(n)))
        elif isinstance(n, dict):
            stack.extend(reversed(list(n.values())))


class _Names:
    """Resolves parse-tree IRIs as the engine will: prefixes, BASE, the request URL."""

    def __init__(self, base: str | None, prefixes: Mapping[str, str]) -> None:
        self.base = base
        self.prefixes = dict(prefixes)

    def declare(self, prologue: Any) -> None:
        for decl in _nodes(prologue):
            if decl.name == "Base":
                self.base = self.iri(decl["iri"])
            elif decl.name == "PrefixDecl":
                self.prefixes[str(_get(decl, "prefix") or "")] = self.iri(decl["iri"]) or ""

    def iri(self, term: Any) -> str | None:
        """The absolute IRI a term names; None for a variable or an undeclared prefix."""
        from rdflib import URIRef
        from rdflib.plugins.sparql.parserutils import CompValue

        if isinstance(term, URIRef):
            return urljoin(self.base, str(term)) if self.base else str(term)
        if isinstance(term, CompValue) and term.name == "pname":
            ns = self.prefixes.get(str(_get(term, "prefix") or ""))
            if ns is None:
                return None
            return ns + _PN_LOCAL_ESC.sub(r"\1", str(_get(term, "localname") or ""))
        return None


def _services(tree: Any, names: _Names) -> list[str | None]:
    return [names.iri(_get(n, "term")) for n in _nodes(tree) if n.name == "ServiceGraphPattern"]


def classify_query(text: str, base: str | None, prefixes: Mapping[str, str]) -> Reading:
    """The SERVICE targets of a query (its text passed ``mentions``); 400 if it cannot be read."""
    _refuse_escapes(text, False)
    tree = _parse(text, update=False)
    names = _Names(base, prefixes)
    names.declare(tree[0])
    return Reading(services=_services(tree, names))


def _refuse_escapes(text: str, update: bool) -> None:
    if _ESCAPE.search(text) and mentions(text, remote_words(update)):
        raise ProtocolError(
            400,
            "this request holds a \\u or \\U codepoint escape and may use "
            + ("SERVICE or LOAD" if update else "SERVICE")
            + ", which the endpoint cannot check reliably; write the characters themselves",
        )


_DEFAULT_REFUSAL = (
    "this update writes the default graph, which kg keeps as the merge of all named graphs; "
    "write a named graph instead (GRAPH <g> { ... }, WITH <g>, INTO GRAPH <g>)"
)


def plan_update(
    text: str, base: str | None, prefixes: Mapping[str, str], protected: tuple[str, ...]
) -> Reading:
    """Read an update operation by operation: remote targets, the named graphs it writes, and why
    it is refused (it writes the default graph, or one of kg's own graphs, ``protected``)."""
    if mentions(text, remote_words(True)):
        _refuse_escapes(text, True)
    tree = _parse(text, update=True)
    names = _Names(base, prefixes)
    reading = Reading()
    for prologue, op in zip(_get(tree, "prologue", []), _get(tree, "request", []), strict=False):
        names.declare(prologue)
        reading.services += _services(op, names)
        _plan_operation(op, names, reading)
    written = sorted(set(protected) & reading.touched)
    reading.meta_written = bool(written)
    if written:
        reading.refusal = reading.refusal or (
            f"this update writes <{written[0]}>, one of the graphs kg keeps itself (which file produced "
            "which graph, counts, quarantine); kg build and kg remove keep them"
        )
    return reading


def _written(reading: Reading, names: _Names, term: Any) -> None:
    """Note a graph an operation writes (a term, ``DEFAULT``, or a variable)."""
    from rdflib import Variable

    if isinstance(term, str) and term.upper() == DEFAULT:
        reading.refusal = reading.refusal or _DEFAULT_REFUSAL
    elif (isinstance(term, str) and term.upper() in ("NAMED", "ALL")) or isinstance(term, Variable):
        reading.touched.add(ALL)
    else:
        iri = names.iri(term)
        reading.touched.add(iri if iri is not None else ALL)


def _template(reading: Reading, names: _Names, clause: Any, with_graph: Any) -> None:
    """The graphs a QuadData / QuadPattern / template writes; bare triples go to WITH or default."""
    quads = _get(clause, "quads") if clause is not None and clause.name.endswith("Clause") else clause
    if quads is None:
        return
    for part in _nodes(quads):
        if part.name == "QuadsNotTriples":
            _written(reading, names, _get(part, "term"))
    bare = _get(quads, "triples")
    if bare is not None and any(len(t) for t in bare):
        if with_graph is None:
            _written(reading, names, DEFAULT)
        else:
            _written(reading, names, with_graph)


def _plan_operation(op: Any, names: _Names, reading: Reading) -> None:
    kind = op.name
    if kind == "Load":
        reading.loads.append(names.iri(_get(op, "iri")))
        _written(reading, names, _get(op, "graphiri", DEFAULT))
    elif kind in ("Clear", "Drop"):
        _written(reading, names, _get(op, "graphiri"))
    elif kind in ("Add", "Copy", "Move"):
        source, target = list(_get(op, "graph"))
        _written(reading, names, target)
        if kind == "Move":
            _written(reading, names, source)
    elif kind in ("InsertData", "DeleteData", "DeleteWhere"):
        _template(reading, names, _get(op, "quads"), None)
    elif kind == "Modify":
        with_graph = _get(op, "withClause")
        reading.has_dataset_clause |= with_graph is not None or bool(_get(op, "using"))
        reading.modifies += 1
        reading.modifies_using += bool(_get(op, "using"))
        for clause in ("delete", "insert"):
            _template(reading, names, _get(op, clause), with_graph)
    elif kind != "Create":
        reading.touched.add(ALL)


@dataclass(frozen=True)
class Origin:
    """An allow-list entry: scheme, host and port, and a path its targets must lie under."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, entry: str) -> Origin:
        """The origin an allow-list entry names; ValueError when it is not an http(s) URL."""
        o = _origin(entry)
        if o is None:
            raise ValueError(f"{entry!r} is not an http(s) URL such as https://query.wikidata.org/sparql")
        return o

    def admits(self, target: Origin) -> bool:
        if (self.scheme, self.host, self.port) != (target.scheme, target.host, target.port):
            return False
        prefix = self.path.rstrip("/")
        return not prefix or target.path == prefix or target.path.startswith(prefix + "/")


_HOST = re.compile(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]")


def _origin(iri: str) -> Origin | None:
    """The origin of an absolute http(s) IRI, None for anything else (userinfo included)."""
    try:
        parts = urlsplit(iri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or "@" in parts.netloc or not parts.hostname:
        return None
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    host = host.lower()
    if not _HOST.fullmatch(host):
        return None
    return Origin(scheme, host, port or (443 if scheme == "https" else 80), parts.path or "/")


def check_remote(reading: Reading, allow: bool, allowlist: tuple[Origin, ...]) -> None:
    """403 unless every SERVICE/LOAD of ``reading`` is allowed."""
    for keyword, targets in (("SERVICE", reading.services), ("LOAD", reading.loads)):
        if not targets:
            continue
        if not allow:
            raise ProtocolError(
                403,
                f"{keyword} is turned off: it lets a caller make the server fetch any URL "
                "(turn it on with allow_service / KG_ALLOW_SERVICE, limited by service_allowlist)",
            )
        if not allowlist:
            continue
        for iri in targets:
            target = None if iri is None else _origin(iri)
            if target is None or not any(o.admits(target) for o in allowlist):
                listed = ", ".join(f"{o.scheme}://{o.host}:{o.port}{o.path}" for o in allowlist)
                raise ProtocolError(
                    403, f"{keyword} {iri or '(a variable)'} is outside service_allowlist ({listed})"
                )
