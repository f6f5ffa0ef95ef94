"""What only the merged graph shows: a node several documents describe, given two values for a
property the shapes allow once (an event's end date, a document's symbol, a place's country).

Each document's graph conforms on its own; the merged default graph can still break a
``sh:maxCount 1`` when two documents disagree about a shared node. Two checks, both asked of the
engine (no pass over the store in Python):

* ``conflicts``: before a document is written, which of its values contradict what other
  documents already say about the same node (the first document read keeps its value; the
  writer leaves the later one out and records why);
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

from kg.store import GraphStore, meta_graph_iri
from kg.store.layout import P_SOURCE
from kg.validate import Violation, shapes_graph

_TYPE = ox.NamedNode(str(RDF.type))


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
            "on the merged node"
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


def conflicts(
    store: GraphStore, triples: Sequence[ox.Triple], ignore: Sequence[str] = ()
) -> list[tuple[ox.Triple, Violation]]:
    """The statements of a document that give a node of a class a second value of a functional
    property, against what other documents in the store state (the graphs in ``ignore``, the
    document's own and the one it replaces, do not count)."""
    by_class: dict[str, set[str]] = defaultdict(set)
    for f in functional_properties():
        by_class[f.cls].add(f.path)
    functional: dict[tuple[str, str], Functional] = {(f.cls, f.path): f for f in functional_properties()}
    classes: dict[object, set[str]] = defaultdict(set)
    for t in triples:
        if t.predicate == _TYPE and isinstance(t.object, ox.NamedNode) and t.object.value in by_class:
            classes[t.subject].add(t.object.value)
    candidates: dict[tuple[str, str], list[ox.Triple]] = defaultdict(list)
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            continue
        for cls in classes.get(t.subject, ()):
            if t.predicate.value in by_class[cls]:
                candidates[(t.subject.value, t.predicate.value)].append(t)
    if not candidates:
        return []
    values = " ".join(f"(<{s}> <{p}>)" for s, p in sorted(candidates))
    skip = f"FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in ignore)}))" if ignore else ""
    rows = store.select(
        "SELECT DISTINCT ?s ?p ?o WHERE { "
        f"VALUES (?s ?p) {{ {values} }} "
        f"GRAPH <{meta_graph_iri(store.base)}> {{ ?g {P_SOURCE} ?src }} "
        f"GRAPH ?g {{ ?s ?p ?o }} {skip} }}"
    )
    stored: dict[tuple[str, str], set[object]] = defaultdict(set)
    for r in rows:
        s, p = cast(ox.NamedNode, r["s"]), cast(ox.NamedNode, r["p"])
        stored[(s.value, p.value)].add(r["o"])
    out: list[tuple[ox.Triple, Violation]] = []
    for key, mine in sorted(candidates.items()):
        if not stored.get(key):
            continue
        for t in mine:
            if t.object in stored[key]:
                continue
            cls = next(c for c in sorted(classes[t.subject]) if (c, key[1]) in functional)
            f = functional[(cls, key[1])]
            theirs = [_plain(o) for o in stored[key]]
            out.append(
                (
                    t,
                    Violation(
                        focus=key[0],
                        path=key[1],
                        value=_plain(t.object),
                        message=f.message([_plain(t.object), *theirs]),
                    ),
                )
            )
    return out


def _plain(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else str(term)


def merged_violations(store: GraphStore) -> list[Violation]:
    """Nodes of the merged default graph with more than one value of a functional property."""
    out: list[Violation] = []
    for f in functional_properties():
        pattern = store.ops.in_merge(f"?s a <{f.cls}> ; <{f.path}> ?o")
        rows = store.select(
            f"SELECT ?s (GROUP_CONCAT(DISTINCT STR(?o); separator=' | ') AS ?vs) (COUNT(DISTINCT ?o) AS ?n) "
            f"WHERE {{ {pattern} }} GROUP BY ?s HAVING (COUNT(DISTINCT ?o) > 1) ORDER BY ?s"
        )
        for r in rows:
            s, vs = cast(ox.NamedNode, r["s"]), cast(ox.Literal, r["vs"])
            out.append(
                Violation(
                    focus=s.value, path=f.path, value=vs.value, message=f.message(vs.value.split(" | "))
                )
            )
    return sorted(set(out), key=lambda v: (v.focus, v.path or "", v.message))
