"""Quarantine, not rejection: what of a document's graph breaks the shapes is left out and
recorded, and the rest of the document loads.

    graph + its validation report
      -> the offending statements of each violation
      -> the statements that depend on them (to a fixpoint)
      -> validate the remainder again; repeat with its violations until it conforms
      -> Quarantine: the remainder (what loads) and the left-out statements, each with its reason

**Offending statements** of a violation (focus, path, value), found in the graph as it stood before
the round (so that one violation's closure does not change what another one means):

* a value is named: the focus's statements on the path with that value (a bad literal, a link to a
  node of the wrong class);
* no value, and the focus has values on the path: all of them (too many values, and which one is
  right cannot be told);
* otherwise (a value the shape requires is missing, or the node itself is wrong): every statement
  about the focus node (the node is left out).

**What depends on a left-out statement** (the graph layout of ``kg.rdfize``):

* a node that is left out takes every statement that points at it (nothing may point at a node that
  is not there) and the evidence annotations whose body it is;
* a node that loses its last ``rdf:type`` is left out (an untyped node is a dangling node);
* a relation and its reification (the ``kg:Statement`` with the same rdf:subject, rdf:predicate and
  rdf:object) stand and fall together;
* a span or selector of the document's evidence that nothing points at any more is left out.

What the shapes require of the nodes that remain (a tenure needs its agent, evidence its body) is
not repeated here: validating the remainder again finds a node that lost such a value as a new
violation, and the next round leaves it out. The rounds end when the remainder conforms (or, should
they stop making progress, the document is rejected as a whole: ``Quarantine.report``).

Each left-out statement is recorded, but for the provenance that goes with what was left out
(its reification, evidence annotations, spans and selectors), which becomes the records' evidence.
Each record keeps the shape and message of the violation it goes back to, whether it
broke the shape itself (``violation``) or depends on something that did (``dependent``), and the
evidence spans (offsets and sentence) it came from: a relation's evidence, else that of its
subject, else (a tenure, an event role) that of the relations between the nodes it links, else
that of its object.

``record_graph`` turns them into ``kg:QuarantineRecord`` nodes for ``<base>graph/quarantine``, a
graph of its own that is never merged into the default graph (``kg.store.layout``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF
from rdflib.term import Node

from kg.namespaces import KG, OA
from kg.validate import Report, Violation, validate_graph

#: rounds of leaving out and validating again (each round follows one more step of dependency)
MAX_ROUNDS = 12
VIOLATION, DEPENDENT = "violation", "dependent"

Triple = tuple[Node, Node, Node]
_PARTS = (OA.SpecificResource, OA.TextPositionSelector, OA.TextQuoteSelector)
_PROVENANCE = (*_PARTS, KG.Statement, KG.Evidence, OA.Annotation)


@dataclass(frozen=True)
class EvidenceSpan:
    """A stretch of the source text: offsets, the exact text, and the span's IRI in the graph."""

    start: int
    end: int
    text: str
    target: str


@dataclass(frozen=True)
class Quarantined:
    """One statement left out of a document's graph, and why.

    ``subject``, ``predicate`` and ``object`` are N-Triples terms; ``focus``, ``path``, ``value``,
    ``message`` and ``shape`` are those of the violation it goes back to; ``cause`` says whether the
    statement broke the shape itself (``violation``) or depends on one that did (``dependent``)."""

    subject: str
    predicate: str
    object: str
    cause: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None = None
    evidence: tuple[EvidenceSpan, ...] = ()

    def line(self) -> str:
        why = self.message
        if self.cause == DEPENDENT:
            why = f"depends on what was left out of {self.focus} ({self.message})"
        return f"{self.subject} {self.predicate} {self.object}: {why}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Quarantined:
        return cls(**{**data, "evidence": tuple(EvidenceSpan(**e) for e in data.get("evidence", ()))})


@dataclass
class Quarantine:
    """The remainder of a graph (what loads), what was left out, and the remainder's report (it
    conforms, unless the rounds stopped making progress: then nothing of the document loads)."""

    graph: Graph
    left_out: list[Quarantined]
    report: Report


def quarantine(
    graph: Graph, report: Report, validate: Callable[[Graph], Report] = validate_graph
) -> Quarantine:
    """Leave out of ``graph`` (not changed) what ``report``'s violations and their consequences
    make wrong, until the remainder conforms."""
    work = Graph()
    for t in graph:
        work.add(t)
    state = _State(graph, work)
    violations = report.violations
    for n in range(MAX_ROUNDS):
        before = len(state.removed)
        state.apply(violations, VIOLATION if n == 0 else DEPENDENT)
        report = validate(work)
        if report.conforms or len(state.removed) == before:
            break
        violations = report.violations
    return Quarantine(work, state.records(), report)


class _State:
    """The graph being cut down, and what was left out of it and why."""

    def __init__(self, original: Graph, work: Graph) -> None:
        self.original, self.g = original, work
        self.removed: dict[Triple, tuple[str, Violation]] = {}
        self.dropped: set[Node] = set()
        self.queue: list[Triple] = []
        self.reified: dict[Triple, list[Node]] = {}
        self.fact_of: dict[Node, Triple] = {}
        for st in original.subjects(RDF.type, KG.Statement):
            s, p, o = (original.value(st, q) for q in (RDF.subject, RDF.predicate, RDF.object))
            if s is not None and p is not None and o is not None:
                self.reified.setdefault((s, p, o), []).append(st)
                self.fact_of[st] = (s, p, o)
        source = original.value(predicate=RDF.type, object=KG.PressRelease)
        self.prefix = f"{source}/" if source is not None else None

    # -- leaving out ---------------------------------------------------------------------------

    def apply(self, violations: Iterable[Violation], cause: str) -> None:
        plans = [(v, self.offending(v)) for v in violations if v.severity == "Violation"]
        for v, (statements, node) in plans:
            for t in statements:
                self.leave(t, cause, v)
            if node is not None:
                self.drop(node, cause, v)
        self.close()

    def offending(self, v: Violation) -> tuple[list[Triple], Node | None]:
        """The statements a violation names, or the node to leave out when it names none."""
        focus: Node = URIRef(v.focus)
        if v.path is not None:
            path: Node = URIRef(v.path)
            values = list(self.g.objects(focus, path))
            if v.value is not None:
                hits = [(focus, path, o) for o in values if str(o) == v.value]
                if hits:
                    return hits, None
            elif values:
                return [(focus, path, o) for o in values], None
        return [], focus

    def leave(self, t: Triple, cause: str, v: Violation) -> None:
        if t not in self.g:
            return
        self.g.remove(t)
        self.removed.setdefault(t, (cause, v))
        self.queue.append(t)

    def drop(self, node: Node, cause: str, v: Violation) -> None:
        if node in self.dropped:
            return
        self.dropped.add(node)
        for t in list(self.g.triples((node, None, None))):
            self.leave(t, cause, v)
        for t in list(self.g.triples((None, None, node))):
            self.leave(t, DEPENDENT, v)
        for annotation in list(self.original.subjects(OA.hasBody, node)):
            self.drop(annotation, DEPENDENT, v)

    def close(self) -> None:
        """Follow what depends on the statements left out so far (see the module docstring)."""
        while self.queue:
            s, p, o = t = self.queue.pop()
            v = self.removed[t][1]
            if p == RDF.type and (s, RDF.type, None) not in self.g:
                self.drop(s, DEPENDENT, v)
            for st in self.reified.get(t, ()):
                self.drop(st, DEPENDENT, v)
            if p in (RDF.subject, RDF.predicate, RDF.object) and s in self.fact_of:
                self.leave(self.fact_of[s], DEPENDENT, v)
                self.drop(s, DEPENDENT, v)
            if self.is_part(o) and (None, None, o) not in self.g:
                self.drop(o, DEPENDENT, v)

    def is_part(self, node: Node) -> bool:
        """A span or selector of this document's evidence (it exists for what points at it)."""
        return (
            self.prefix is not None
            and isinstance(node, URIRef)
            and node.startswith(self.prefix)
            and any((node, RDF.type, c) in self.original for c in _PARTS)
        )

    def is_provenance(self, node: Node) -> bool:
        return any((node, RDF.type, c) in self.original for c in _PROVENANCE)

    # -- the records ---------------------------------------------------------------------------

    def records(self) -> list[Quarantined]:
        """One per left-out statement, but for the provenance of what was left out (reifications,
        evidence annotations, spans, selectors): that is each record's evidence."""
        out = []
        for (s, p, o), (cause, v) in self.removed.items():
            if cause == DEPENDENT and self.is_provenance(s):
                continue
            out.append(
                Quarantined(
                    subject=s.n3(),
                    predicate=p.n3(),
                    object=o.n3(),
                    cause=cause,
                    focus=v.focus,
                    path=v.path,
                    value=v.value,
                    message=v.message,
                    shape=v.shape,
                    evidence=self.evidence(s, p, o),
                )
            )
        out.sort(key=lambda q: (q.subject, q.predicate, q.object))
        return out

    def evidence(self, s: Node, p: Node, o: Node) -> tuple[EvidenceSpan, ...]:
        g = self.original
        bodies = self.reified.get((s, p, o)) or [s]
        targets = set(self._targets(bodies))
        if not targets:
            if (s, OA.hasTarget, None) in g:
                targets = set(g.objects(s, OA.hasTarget))
            elif (s, RDF.type, OA.SpecificResource) in g:
                targets = {s}
            elif (None, OA.hasSelector, s) in g:
                targets = set(g.subjects(OA.hasSelector, s))
            elif self.prefix is not None and str(s).startswith(self.prefix):  # a tenure, an event role
                linked = set(g.objects(s, None))
                facts = [st for st, (a, _, b) in self.fact_of.items() if a in linked and b in linked]
                targets = set(self._targets(facts))
        if not targets and isinstance(o, URIRef):  # a link to what was read elsewhere (kg:sourceOf)
            targets = set(self._targets([o]))
        spans = [span for t in targets if (span := self._span(t)) is not None]
        return tuple(sorted(spans, key=lambda e: (e.start, e.end, e.target)))

    def _targets(self, bodies: Iterable[Node]) -> Iterable[Node]:
        for body in bodies:
            for annotation in self.original.subjects(OA.hasBody, body):
                yield from self.original.objects(annotation, OA.hasTarget)

    def _span(self, target: Node) -> EvidenceSpan | None:
        g = self.original
        start = end = text = None
        for selector in g.objects(target, OA.hasSelector):
            start = g.value(selector, OA.start, default=start)
            end = g.value(selector, OA.end, default=end)
            text = g.value(selector, OA.exact, default=text)
        if not isinstance(start, Literal) or not isinstance(end, Literal):
            return None
        try:
            return EvidenceSpan(int(start), int(end), str(text or ""), str(target))
        except ValueError:
            return None


# -- the quarantine graph ----------------------------------------------------------------------


def record_iri(base: str, doc_id: str, q: Quarantined) -> URIRef:
    digest = hashlib.sha1(f"{q.subject} {q.predicate} {q.object}".encode()).hexdigest()[:16]
    return URIRef(f"{base}quarantine/{doc_id}/{digest}")


def record_graph(
    left_out: list[Quarantined], original: Graph, base: str, doc_id: str, doc_graph: str
) -> Graph:
    """The ``kg:QuarantineRecord`` of each left-out statement, for the quarantine graph.

    A record names the document graph it was left out of (``kg:quarantinedFrom``: the key by which
    replacing or removing the document removes its records), the source, the statement as plain
    reification (rdf:subject, rdf:predicate, rdf:object), why (``kg:cause``, ``kg:message``,
    ``kg:shape``, ``kg:focusNode``, ``kg:resultPath``, ``kg:resultValue``) and its evidence spans
    (``kg:evidence``, the document's own span IRIs, copied with their selectors so that the
    quarantine graph reads on its own)."""
    g = Graph()
    source = original.value(predicate=RDF.type, object=KG.PressRelease)
    graph_iri = URIRef(doc_graph)
    for q in left_out:
        r = record_iri(base, doc_id, q)
        g.add((r, RDF.type, KG.QuarantineRecord))
        g.add((r, KG.quarantinedFrom, graph_iri))
        if source is not None:
            g.add((r, PROV.wasDerivedFrom, source))
        for prop, term in zip((RDF.subject, RDF.predicate, RDF.object), _terms(original, q), strict=True):
            g.add((r, prop, term))
        g.add((r, KG.cause, Literal(q.cause)))
        g.add((r, KG.message, Literal(q.message)))
        g.add((r, KG.focusNode, URIRef(q.focus)))
        if q.path is not None:
            g.add((r, KG.resultPath, URIRef(q.path)))
        if q.value is not None:
            g.add((r, KG.resultValue, Literal(q.value)))
        if q.shape is not None:
            g.add((r, KG.shape, URIRef(q.shape)))
        for span in q.evidence:
            target = URIRef(span.target)
            g.add((r, KG.evidence, target))
            for t in original.triples((target, None, None)):
                g.add(t)
            for selector in original.objects(target, OA.hasSelector):
                for t in original.triples((selector, None, None)):
                    g.add(t)
    return g


def _terms(original: Graph, q: Quarantined) -> tuple[Node, Node, Node]:
    """The rdflib terms of a record's statement (found again by their N-Triples form)."""
    for s, p, o in original.triples((URIRef(q.subject[1:-1]), URIRef(q.predicate[1:-1]), None)):
        if o.n3() == q.object:
            return s, p, o
    raise ValueError(f"not in the graph: {q.subject} {q.predicate} {q.object}")


__all__ = [
    "DEPENDENT",
    "MAX_ROUNDS",
    "VIOLATION",
    "EvidenceSpan",
    "Quarantine",
    "Quarantined",
    "quarantine",
    "record_graph",
    "record_iri",
]
