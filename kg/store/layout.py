"""How kg lays out a dataset, whatever holds it: graph IRIs, and the SPARQL Update operations that
write documents and keep the merged default graph and the counts exact.

* one named graph per source document, ``<base>graph/<doc-id>``, holding everything extracted
  from it with its provenance; the ontology graph and other named graphs (links, ...);
* ``<base>graph/meta`` records which source path produced which graph (``kg:loadedFrom``) and the
  content hash of generated graphs (``kg:contentHash``);
* the **default graph is the deduplicated merge of the named graphs**, maintained by every write
  (a union-default-graph mode would count a fact stated by k documents k times); a fact leaves
  it only when no named graph states it any more. Graphs in ``unmerged_graphs`` stay out of it;
* ``<base>graph/quarantine`` (unmerged) holds the statements left out of documents' graphs
  (``kg.quarantine``): one ``kg:QuarantineRecord`` per statement, keyed by its document graph
  (``kg:quarantinedFrom``), written, replaced and removed in the same transaction as that graph;
* ``<base>graph/stats`` (unmerged, not counted, not exported) holds the number of quads and of
  distinct triples, updated in the same transaction as every write, so that no command has to
  count the store. A write that cannot keep them (a raw SPARQL Update) drops them, and the next
  reader counts once.

Both stores (``kg.store.embedded``, ``kg.store.remote``) run exactly these operations, so the merge
is the same in both. Named graphs hold no blank nodes (kg mints IRIs), which makes the merge exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal as Lit

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.namespaces import KG, OA, ONTOLOGY_GRAPH

DEFAULT = ox.DefaultGraph()
P_SOURCE = ox.NamedNode(str(KG.loadedFrom))
P_GRAPH_HASH = ox.NamedNode(str(KG.contentHash))
P_QUADS = ox.NamedNode(str(KG.quadCount))
P_TRIPLES = ox.NamedNode(str(KG.tripleCount))
P_QUARANTINED_FROM = ox.NamedNode(str(KG.quarantinedFrom))
P_EVIDENCE = ox.NamedNode(str(KG.evidence))
P_SELECTOR = ox.NamedNode(str(OA.hasSelector))

Outcome = Lit["added", "replaced", "unchanged", "source-added"]


def meta_graph_iri(base: str) -> str:
    return f"{base}graph/meta"


def stats_graph_iri(base: str) -> str:
    """kg's own counts of the store (see the module docstring); never merged, counted or exported."""
    return f"{base}graph/stats"


def quarantine_graph_iri(base: str) -> str:
    """Statements left out of the graph because they broke a shape: recorded, never merged."""
    return f"{base}graph/quarantine"


def links_graph_iri(base: str) -> str:
    """The graph of machine-made links (``-online`` and ``-confirmed`` graphs sit beside it)."""
    return f"{base}graph/links"


def doc_graph_iri(base: str, doc_id: str) -> str:
    return f"{base}graph/{doc_id}"


def unmerged_graphs(base: str) -> tuple[str, ...]:
    """Named graphs whose triples are not part of the merged default graph."""
    return (stats_graph_iri(base), quarantine_graph_iri(base))


@dataclass(frozen=True)
class StoreStats:
    quads: int  # in the named graphs and the merged default graph (graph/stats not counted)
    default_triples: int  # distinct triples: the merged default graph
    named_graphs: int  # graph/stats not counted
    document_graphs: int


def term_value(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return t.value if not isinstance(t, ox.Triple) else str(t)


def triple_data(triples: Iterable[ox.Triple]) -> str:
    return " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)


def _ox_term(t: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(t, URIRef):
        return ox.NamedNode(t)
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=ox.NamedNode(t.datatype))
        return ox.Literal(str(t))
    return ox.BlankNode(str(t))


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _rdflib_term(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value == _XSD_STRING:
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    raise ValueError(f"kg keeps no RDF-star triples: {t}")


def from_ox_triples(triples: Iterable[ox.Triple]) -> Graph:
    """pyoxigraph triples -> an in-memory rdflib Graph (SimpleMemory: what validation reads;
    three times faster than rdflib parsing the same N-Triples)."""
    graph = Graph(store="SimpleMemory", bind_namespaces="core")
    for t in triples:
        graph.add((_rdflib_term(t.subject), _rdflib_term(t.predicate), _rdflib_term(t.object)))
    return graph


def to_ox_triples(graph: Graph) -> list[ox.Triple]:
    """rdflib Graph -> pyoxigraph triples, each distinct term converted once (a document's graph
    repeats its subjects, predicates and classes: a third of the time of converting every term, a
    sixth of a round trip through rdflib's N-Triples writer)."""
    memo: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}

    def term(t: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        out = memo.get(t)
        if out is None:
            out = memo[t] = _ox_term(t)
        return out

    return [ox.Triple(term(s), term(p), term(o)) for s, p, o in graph]  # type: ignore[arg-type]


class Operations:
    """The SPARQL Update operations of every kg write, for one base IRI.

    ``merged`` names the graph that holds the merge when the server's default graph cannot
    (``None``: the default graph itself, as in Oxigraph and Fuseki)."""

    def __init__(self, base: str, merged: str | None = None) -> None:
        self.base = base
        self.meta = f"<{meta_graph_iri(base)}>"
        self.stats = f"<{stats_graph_iri(base)}>"
        self.quarantine = f"<{quarantine_graph_iri(base)}>"
        self.unmerged = [f"<{g}>" for g in unmerged_graphs(base)]
        self.merged = f"<{merged}>" if merged else None
        if self.merged:
            self.unmerged.append(self.merged)

    def in_merge(self, body: str) -> str:
        """``body`` as triples of the merged graph (a data block or a pattern)."""
        return f"GRAPH {self.merged} {{ {body} }}" if self.merged else body

    def bump(self, quads: str, triples: str, where: str = "") -> str:
        """Add the SPARQL expressions ``quads`` and ``triples`` to the counts (``where`` binds their
        variables)."""
        s, q, n = self.stats, P_QUADS, P_TRIPLES
        return (
            f"DELETE {{ GRAPH {s} {{ {s} {q} ?q . {s} {n} ?n }} }} "
            f"INSERT {{ GRAPH {s} {{ {s} {q} ?q2 . {s} {n} ?n2 }} }} "
            f"WHERE {{ GRAPH {s} {{ {s} {q} ?q . {s} {n} ?n }} {where} "
            f"BIND(?q + ({quads}) AS ?q2) BIND(?n + ({triples}) AS ?n2) }}"
        )

    def _not_elsewhere(self, g: str) -> str:
        """A filter: the triple ?s ?p ?o is in no merged named graph other than ``g``."""
        others = ", ".join([g, *self.unmerged])
        return f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other NOT IN ({others})) }}"

    def drop_graph(self, graph: str) -> list[str]:
        """Drop a named graph and its share of the merge (the triples no other graph states).
        (Unmerged graphs have no share; graph/stats is not written through these operations.)"""
        g = f"<{graph}>"
        if g in self.unmerged:
            size = f"{{ SELECT (COUNT(*) AS ?size) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }} }}"
            return [self.bump("0 - ?size", "0", size), f"DROP SILENT GRAPH {g}"]
        unique = f"GRAPH {g} {{ ?s ?p ?o }} {self._not_elsewhere(g)}"
        return [
            self.bump(
                "0 - ?size - ?gone",
                "0 - ?gone",
                f"{{ SELECT (COUNT(*) AS ?size) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }} }} "
                f"{{ SELECT (COUNT(*) AS ?gone) WHERE {{ {unique} }} }}",
            ),
            f"DELETE {{ {self.in_merge('?s ?p ?o')} }} WHERE {{ {unique} }}",
            f"DROP SILENT GRAPH {g}",
        ]

    def insert_graph(self, graph: str, triples: Sequence[ox.Triple]) -> list[str]:
        """Fill an empty named graph and merge it (counting what is new to the merge)."""
        if not triples:
            return []
        g = f"<{graph}>"
        data = triple_data(triples)
        if g in self.unmerged:
            return [f"INSERT DATA {{ GRAPH {g} {{ {data} }} }}", self.bump(str(len(triples)), "0")]
        new = f"GRAPH {g} {{ ?s ?p ?o }} FILTER NOT EXISTS {{ {self.in_merge('?s ?p ?o')} }}"
        return [
            f"INSERT DATA {{ GRAPH {g} {{ {data} }} }}",
            self.bump(f"{len(triples)} + ?new", "?new", f"{{ SELECT (COUNT(*) AS ?new) WHERE {{ {new} }} }}"),
            # copied from the graph, not sent twice: the same blank nodes, half the request
            f"INSERT {{ {self.in_merge('?s ?p ?o')} }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}",
        ]

    def _records_of(self, graph: str) -> str:
        """A pattern binding ?x ?p ?o to the triples of ``graph``'s quarantine records: the records,
        their evidence spans and the spans' selectors."""
        g, f, e = f"<{graph}>", P_QUARANTINED_FROM, P_EVIDENCE
        return (
            f"GRAPH {self.quarantine} {{ {{ ?x {f} {g} }} UNION {{ ?r {f} {g} ; {e} ?x }} "
            f"UNION {{ ?r {f} {g} ; {e} ?t . ?t {P_SELECTOR} ?x }} ?x ?p ?o }}"
        )

    def quarantine_clear(self, graph: str) -> list[str]:
        """Remove the quarantine records of a document graph (there may be none)."""
        records = self._records_of(graph)
        gone = f"{{ SELECT (COUNT(*) AS ?gone) WHERE {{ SELECT DISTINCT ?x ?p ?o WHERE {{ {records} }} }} }}"
        return [
            self.bump("0 - ?gone", "0", gone),
            f"DELETE {{ GRAPH {self.quarantine} {{ ?x ?p ?o }} }} WHERE {{ {records} }}",
        ]

    def quarantine_insert(self, triples: Sequence[ox.Triple]) -> list[str]:
        """Add a document's quarantine records (after ``quarantine_clear`` of its graph: they are all
        new, as each names its document)."""
        if not triples:
            return []
        return [
            f"INSERT DATA {{ GRAPH {self.quarantine} {{ {triple_data(triples)} }} }}",
            self.bump(str(len(triples)), "0"),
        ]

    def meta_insert(self, triple: str) -> list[str]:
        """Record a metadata triple that is not there yet (in the metadata graph and the merge)."""
        return [
            f"INSERT DATA {{ GRAPH {self.meta} {{ {triple} }} {self.in_merge(triple)} }}",
            self.bump("2", "1"),
        ]

    def meta_delete(self, triple: str) -> list[str]:
        """Remove a metadata triple that is there."""
        return [
            f"DELETE DATA {{ GRAPH {self.meta} {{ {triple} }} {self.in_merge(triple)} }}",
            self.bump("-2", "-1"),
        ]

    def meta_delete_where(self, pattern: str) -> list[str]:
        """Remove the metadata triples that match ``pattern``, however many there are."""
        inside = f"GRAPH {self.meta} {{ {pattern} }}"
        return [
            self.bump("0 - 2 * ?c", "0 - ?c", f"{{ SELECT (COUNT(*) AS ?c) WHERE {{ {inside} }} }}"),
            f"DELETE {{ {inside} {self.in_merge(pattern)} }} WHERE {{ {inside} }}",
        ]

    def set_counts(self, quads: int, triples: int) -> list[str]:
        s = self.stats
        return [
            f"DROP SILENT GRAPH {s}",
            f"INSERT DATA {{ GRAPH {s} {{ {s} {P_QUADS} {quads} . {s} {P_TRIPLES} {triples} }} }}",
        ]

    # -- queries -----------------------------------------------------------------------------

    def graphs(self) -> str:
        """A pattern that binds ?g to each of kg's named graphs but graph/stats (and the merged
        graph). On a server that keeps the merge in a named graph (Virtuoso), other graphs are the
        server's own: kg's are those under the base IRI and the ontology's, and ``GRAPH ?g { }``
        does not list graphs there, so they are found through their triples."""
        own = f"?g != {self.stats}"
        if not self.merged:
            return f"GRAPH ?g {{ }} FILTER({own})"
        return (
            f"GRAPH ?g {{ ?s ?p ?o }} FILTER({own} && ?g != {self.merged} "
            f'&& (STRSTARTS(STR(?g), "{self.base}") || ?g = <{ONTOLOGY_GRAPH}>))'
        )

    def count_queries(self) -> tuple[str, str]:
        """Count the store the slow way (quads outside graph/stats, distinct triples of the merge)."""
        return (
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {self.graphs().replace('{ }', '{ ?s ?p ?o }')} }}",
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {self.in_merge('?s ?p ?o')} }}",
        )

    def stats_query(self) -> str:
        s = self.stats
        return (
            "SELECT ?q ?n ?graphs ?docs WHERE { "
            f"OPTIONAL {{ GRAPH {s} {{ {s} {P_QUADS} ?q . {s} {P_TRIPLES} ?n }} }} "
            f"{{ SELECT (COUNT(DISTINCT ?g) AS ?graphs) WHERE {{ {self.graphs()} }} }} "
            "{ SELECT (COUNT(DISTINCT ?d) AS ?docs) "
            f"WHERE {{ GRAPH {self.meta} {{ ?d {P_SOURCE} ?src }} }} }} }}"
        )


__all__ = [
    "DEFAULT",
    "Operations",
    "Outcome",
    "StoreStats",
    "doc_graph_iri",
    "links_graph_iri",
    "meta_graph_iri",
    "quarantine_graph_iri",
    "stats_graph_iri",
    "to_ox_triples",
    "unmerged_graphs",
]
