"""What only the merged graph shows: a node several documents describe, given two values for a
property the shapes allow once (an event's end date, a document's symbol, a place's country).

Each document's graph conforms on its own; the merged default graph can still break a
``sh:maxCount 1`` when two documents disagree about a shared node. Two checks, both asked of the
engine (no pass over the store in Python):

* ``conflicts``: before a document is written, which of its values contradict what other
  documents already say about the same node (the first document written keeps its value;
  ``set_aside`` leaves the later one out of the document, with what depends on it, and the
  writer records why in the quarantine graph);
* ``merged_violations``: ``kg validate``'s check of the merged graph as it is.

The functional properties are read from the shapes (every ``sh:maxCount 1`` under a node shape
with a target class), so a new shape is checked without a change here. ``rdfs:label`` is not
among them: the writer already keeps the stored label and makes a new spelling an alternative
label (``kg.pipeline.adopt_stored_labels``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import cast

import pyoxigraph as ox
from rdflib import RDF, RDFS, SH, Literal, URIRef
from rdflib.term import Node

from kg.namespaces import KG
from kg.quarantine import Quarantined, quarantine, record_graph
from kg.store import GraphStore, meta_graph_iri, quarantine_graph_iri
from kg.store.layout import P_SOURCE, from_ox_triples, to_ox_triples
from kg.validate import Report, Violation, shapes_graph

_TYPE = ox.NamedNode(str(RDF.type))
_PRESS_RELEASE = ox.NamedNode(str(KG.PressRelease))


@dataclass(frozen=True)
class Functional:
    """A property that a node of ``cls`` may have at most once."""

    cls: str
    path: str
    shape: str

    def message(self, values: Sequence[str]) -> str:
        short = self.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return (
            f"{short}: documents disagree ({', '.join(sorted(values))}); the shapes allow one value "
            "on the merged node, and the value written first is kept"
        )


def _id(node: Node) -> str:
    return str(node)


@cache
def functional_properties() -> tuple[Functional, ...]:
    """(class, property) pairs with ``sh:maxCount 1`` in kg's shapes, rdfs:label excepted."""
    g = shapes_graph()
    out: set[Functional] = set()
    for shape in g.subjects(RDF.type, SH.NodeShape):
        classes = [c for c in g.objects(shape, SH.targetClass) if isinstance(c, URIRef)]
        for prop in g.objects(shape, SH.property):
            path = g.value(prop, SH.path)
            limit = g.value(prop, SH.maxCount)
            if not isinstance(path, URIRef) or path == RDFS.label:
                continue
            if isinstance(limit, Literal) and limit.toPython() == 1:
                out.update(Functional(_id(c), _id(path), _id(shape)) for c in classes)
    return tuple(sorted(out, key=lambda f: (f.cls, f.path)))


@cache
def _by_class() -> tuple[dict[str, set[str]], dict[tuple[str, str], Functional], frozenset[str]]:
    """The functional paths of each class, each (class, path)'s ``Functional``, and every path."""
    by_class: dict[str, set[str]] = defaultdict(set)
    for f in functional_properties():
        by_class[f.cls].add(f.path)
    functional = {(f.cls, f.path): f for f in functional_properties()}
    return dict(by_class), functional, frozenset(f.path for f in functional_properties())


def conflicts(
    store: GraphStore, triples: Sequence[ox.Triple], ignore: Sequence[str] = ()
) -> list[tuple[ox.Triple, Violation]]:
    """The statements of a document that give a node of a class a second value of a functional
    property, against what other documents in the store state (the graphs in ``ignore``, the
    document's own and the one it replaces, do not count)."""
    by_class, functional, paths = _by_class()
    # the nodes minted under the document's own IRI (evidence, selectors, tenures, roles) are
    # stated by no other document: only shared nodes are asked about
    local: tuple[str, ...] = ()
    classes: dict[str, set[str]] = defaultdict(set)
    for t in triples:
        if (
            t.predicate == _TYPE
            and isinstance(t.subject, ox.NamedNode)
            and isinstance(t.object, ox.NamedNode)
        ):
            if t.object == _PRESS_RELEASE:
                local = (*local, f"{t.subject.value}/")
            if t.object.value in by_class:
                classes[t.subject.value].add(t.object.value)
    candidates: dict[tuple[str, str], list[ox.Triple]] = defaultdict(list)
    for t in triples:
        p = t.predicate.value
        if p not in paths or not isinstance(t.subject, ox.NamedNode):
            continue
        s = t.subject.value
        if s in classes and not s.startswith(local) and any(p in by_class[c] for c in classes[s]):
            candidates[(s, p)].append(t)
    if not candidates:
        return []
    # only what differs from this document's own value comes back (a conforming document has one
    # value per node and property: the rows are the conflicts, usually none)
    values = " ".join(f"(<{s}> <{p}> {t.object})" for (s, p), ts in sorted(candidates.items()) for t in ts)
    skip = f"FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in ignore)}))" if ignore else ""
    rows = store.select(
        "SELECT DISTINCT ?s ?p ?o WHERE { "
        f"VALUES (?s ?p ?mine) {{ {values} }} "
        f"GRAPH <{meta_graph_iri(store.base)}> {{ ?g {P_SOURCE} ?src }} "
        f"GRAPH ?g {{ ?s ?p ?o }} FILTER(!sameTerm(?o, ?mine)) {skip} }}"
    )
    stored: dict[tuple[str, str], set[object]] = defaultdict(set)
    for r in rows:
        s, p = cast(ox.NamedNode, r["s"]).value, cast(ox.NamedNode, r["p"]).value
        if r["o"] not in {t.object for t in candidates[(s, p)]}:
            stored[(s, p)].add(r["o"])
    out: list[tuple[ox.Triple, Violation]] = []
    for key, theirs_terms in sorted(stored.items()):
        theirs = sorted(_plain(o) for o in theirs_terms)
        for t in candidates[key]:
            cls = next(c for c in sorted(classes[key[0]]) if (c, key[1]) in functional)
            f = functional[(cls, key[1])]
            out.append(
                (
                    t,
                    Violation(
                        focus=key[0],
                        path=key[1],
                        value=_plain(t.object),
                        message=f.message([_plain(t.object), *theirs]),
                        shape=f.shape,
                    ),
                )
            )
    return out


@dataclass
class SetAside:
    """A document's statements once its conflicts with the store are left out: what to write,
    what was left out (each with its reason) and their ``kg:QuarantineRecord``s."""

    triples: list[ox.Triple]
    left_out: list[Quarantined]
    records: list[ox.Triple]
    conforms: bool = True  # False: leaving them out broke the document (not expected)


def set_aside(
    triples: list[ox.Triple], found: Sequence[tuple[ox.Triple, Violation]], base: str, doc_id: str, graph: str
) -> SetAside:
    """Leave the conflicting values (``conflicts``) out of a document's statements, with what
    depends on them, as a document's own violations are (``kg.quarantine``)."""
    if not found:
        return SetAside(triples, [], [])
    original = from_ox_triples(triples)
    cut = quarantine(original, Report(conforms=False, violations=[v for _, v in found]))
    records = record_graph(cut.left_out, original, base, doc_id, graph)
    return SetAside(to_ox_triples(cut.graph), cut.left_out, to_ox_triples(records), cut.report.conforms)


def held_back_by(store: GraphStore, graph: str) -> dict[str, int]:
    """The other documents with statements left out because ``graph`` states the same node's
    property otherwise (``set_aside``): each one's source and how many. Asked before ``graph`` is
    removed; once it is, rebuilding those documents loads them."""
    rows = store.select(
        "SELECT ?src (COUNT(DISTINCT ?r) AS ?n) WHERE { "
        f"GRAPH <{quarantine_graph_iri(store.base)}> {{ ?r <{KG.quarantinedFrom}> ?g ; "
        f'<{KG.cause}> "violation" ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o }} '
        f"FILTER(?g != <{graph}>) "
        f"GRAPH <{graph}> {{ ?s ?p ?mine }} FILTER(!sameTerm(?mine, ?o)) "
        f"GRAPH <{meta_graph_iri(store.base)}> {{ ?g {P_SOURCE} ?src }} }} GROUP BY ?src ORDER BY ?src"
    )
    return {cast(ox.Literal, r["src"]).value: int(cast(ox.Literal, r["n"]).value) for r in rows}


def _plain(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else str(term)


def merged_violations(store: GraphStore) -> list[Violation]:
    """Nodes of the merged default graph with more than one value of a functional property.

    Pairs of differing values are looked for first (the engine streams them through its indexes;
    a GROUP BY over every node of a class would hold them all: evidence and selectors are most of
    the store), then the values of the few nodes found."""
    out: list[Violation] = []
    for f in functional_properties():
        # (a blank node is in one graph only, whose own validation covers it)
        pairs = store.ops.in_merge(
            f"?s a <{f.cls}> ; <{f.path}> ?o1, ?o2 FILTER(isIRI(?s) && !sameTerm(?o1, ?o2))"
        )
        found = [cast(ox.NamedNode, r["s"]) for r in store.select(f"SELECT DISTINCT ?s WHERE {{ {pairs} }}")]
        if not found:
            continue
        values = " ".join(str(s) for s in found)
        rows = store.select(
            f"SELECT ?s (GROUP_CONCAT(DISTINCT STR(?o); separator=' | ') AS ?vs) WHERE {{ "
            f"VALUES ?s {{ {values} }} {store.ops.in_merge(f'?s <{f.path}> ?o')} }} GROUP BY ?s"
        )
        for r in rows:
            s, vs = cast(ox.NamedNode, r["s"]), cast(ox.Literal, r["vs"])
            out.append(
                Violation(
                    focus=s.value, path=f.path, value=vs.value, message=f.message(vs.value.split(" | "))
                )
            )
    return sorted(set(out), key=lambda v: (v.focus, v.path or "", v.message))
