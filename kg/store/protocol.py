"""The store protocol: what the pipeline, the commands and the endpoint ask of a store.

``GraphStore`` holds the document logic (which graph a source produced, replacing a changed
document, the counts) once, on top of a few primitives that each store implements:

* ``kg.store.embedded.Store``: pyoxigraph on disk (or in memory), the default;
* ``kg.store.remote.RemoteStore``: a SPARQL 1.1 server (Query, Update, Graph Store Protocol).

Every write is one SPARQL Update request (one transaction): a reader sees a document's graph
entirely or not at all, and the merged default graph and the counts move with it
(``kg.store.layout``).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import cast

import pyoxigraph as ox

from kg.store.layout import (
    P_GRAPH_HASH,
    P_QUADS,
    P_SOURCE,
    P_TRIPLES,
    Operations,
    Outcome,
    StoreStats,
    doc_graph_iri,
    meta_graph_iri,
    stats_graph_iri,
    term_value,
)

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: progress of a long operation: (done, total) in the operation's unit (bytes, graphs)
Progress = Callable[[int, int], None]


def _int(term: object) -> int:
    return int(cast(ox.Literal, term).value) if term is not None else 0


class GraphStore(ABC):
    """A kg store: named graphs per document, their merge as the default graph, and counts."""

    #: where the store is, for messages (a folder or a URL)
    location: str
    base: str
    read_only: bool

    def __init__(self, base: str, read_only: bool, merged: str | None = None) -> None:
        self.base = base
        self.read_only = read_only
        self.ops = Operations(base, merged)
        self.meta_iri = meta_graph_iri(base)
        self.stats_iri = stats_graph_iri(base)
        self.write_lock = threading.RLock()

    # -- primitives --------------------------------------------------------------------------

    @abstractmethod
    def query(self, sparql: str, **kwargs: object) -> object:
        """Run a SPARQL query; a pyoxigraph QuerySolutions, QueryBoolean or QueryTriples."""

    @abstractmethod
    def _run(self, ops: Sequence[str]) -> None:
        """Run update operations as one request (one transaction)."""

    @abstractmethod
    def graph_ntriples(self, graph: str | None) -> bytes:
        """A named graph (``None``: the merged default graph) as N-Triples, in no particular order."""

    @abstractmethod
    def write_graph_ntriples(self, graph: str | None, path: str) -> None:
        """The same, written to the file ``path`` without holding it in memory."""

    @abstractmethod
    def named_graphs(self) -> list[str]:
        """Every named graph but graph/stats, sorted."""

    @abstractmethod
    def flush(self) -> None:
        """Make what was written durable."""

    @abstractmethod
    def close(self) -> None:
        """Release the store (the embedded store's lock, the remote store's connections)."""

    # -- reading -----------------------------------------------------------------------------

    def select(self, sparql: str) -> list[dict[str, object]]:
        """kg's own SELECT queries (they name the graphs they read, the merge through
        ``self.ops.in_merge``); a caller's queries go through ``query``."""
        rows = cast(ox.QuerySolutions, self.query(sparql))
        names = [v.value for v in rows.variables]
        return [{n: r[n] for n in names} for r in rows]

    def ask(self, sparql: str) -> bool:
        return bool(cast(ox.QueryBoolean, self.query(sparql)))

    def graph_triples(self, graph: str) -> Iterator[ox.Triple]:
        for q in ox.parse(self.graph_ntriples(graph), format=ox.RdfFormat.N_TRIPLES):
            yield q.triple

    def has_graph(self, graph: str) -> bool:
        return self.ask(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")

    def sources_of(self, graph: str) -> list[str]:
        rows = self.select(f"SELECT ?src WHERE {{ GRAPH <{self.meta_iri}> {{ <{graph}> {P_SOURCE} ?src }} }}")
        return sorted(term_value(cast(ox.Literal, r["src"])) for r in rows)

    def graph_of_source(self, source: str) -> str | None:
        rows = self.select(
            f"SELECT ?g WHERE {{ GRAPH <{self.meta_iri}> {{ ?g {P_SOURCE} {ox.Literal(source)} }} }} LIMIT 1"
        )
        return term_value(cast(ox.NamedNode, rows[0]["g"])) if rows else None

    def document_graphs(self) -> list[str]:
        """The named graphs that documents produced (those with a source recorded)."""
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH <{self.meta_iri}> {{ ?g {P_SOURCE} ?src }} }}")
        return sorted(term_value(cast(ox.NamedNode, r["g"])) for r in rows)

    def label_of(self, iri: str) -> str | None:
        """The rdfs:label of ``iri`` in the merged graph, if it has one."""
        pattern = self.ops.in_merge(f"<{iri}> <{RDFS_LABEL}> ?l")
        rows = self.select(f"SELECT ?l WHERE {{ {pattern} }} LIMIT 1")
        label = rows[0]["l"] if rows else None
        return label.value if isinstance(label, ox.Literal) else None

    def count(self) -> tuple[int, int]:
        """Quads and distinct triples, counted by the engine (slow on a big store: once, when
        graph/stats is missing)."""
        quads, triples = (_int(self.select(q)[0]["n"]) for q in self.ops.count_queries())
        return quads + triples, triples

    def stats(self) -> StoreStats:
        """The store's size from its kept counts (no pass over the data, unless they are missing)."""
        row = self.select(self.ops.stats_query())[0]
        if row["q"] is None:
            quads, triples = self.ensure_counts()
        else:
            quads, triples = _int(row["q"]), _int(row["n"])
        return StoreStats(quads, triples, _int(row["graphs"]), _int(row["docs"]))

    def ensure_counts(self) -> tuple[int, int]:
        """Count the store and keep the counts in graph/stats, if they are not there."""
        s = f"<{self.stats_iri}>"
        rows = self.select(f"SELECT ?q ?n WHERE {{ GRAPH {s} {{ {s} {P_QUADS} ?q . {s} {P_TRIPLES} ?n }} }}")
        if rows:
            return _int(rows[0]["q"]), _int(rows[0]["n"])
        quads, triples = self.count()
        if not self.read_only:
            self._run(self.ops.set_counts(quads, triples))
        return quads, triples

    # -- writing -----------------------------------------------------------------------------

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """Run a caller's SPARQL Update (the endpoint's). kg cannot tell what it did to the counts,
        so they are dropped in the same transaction and counted again when next asked for. (The
        caller's operations must not copy graph/stats into the merge; the endpoint's do not.)"""
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        self._run([sparql.rstrip().rstrip(";"), f"DROP SILENT GRAPH <{self.stats_iri}>"])

    def replace_graph(self, graph: str, triples: Sequence[ox.Triple]) -> None:
        """Atomically replace a named graph (and its share of the merged default graph)."""
        self._run(self.ops.drop_graph(graph) + self.ops.insert_graph(graph, list(dict.fromkeys(triples))))

    def put_document(
        self,
        doc_id: str,
        source: str,
        triples: Sequence[ox.Triple],
        quarantined: Sequence[ox.Triple] = (),
    ) -> Outcome:
        """Load one document's graph, recording that ``source`` produced it, with the quarantine
        records of what was left out of it (``kg.quarantine``), in one transaction.

        * the same content again (from any path): nothing changes, or only the new path is noted;
        * ``source`` produced another graph before (the file changed): the old graph (and its
          quarantine records) is replaced in the same transaction, unless another source still
          stands behind it.
        """
        graph = doc_graph_iri(self.base, doc_id)
        previous = self.graph_of_source(source)
        if previous == graph:
            return "unchanged"
        src = ox.Literal(source)
        ops: list[str] = []
        outcome: Outcome = "added"
        if previous is not None:
            ops += self.ops.meta_delete(f"<{previous}> {P_SOURCE} {src}")
            if self.sources_of(previous) == [source]:
                ops += self.ops.drop_graph(previous) + self.ops.quarantine_clear(previous)
            outcome = "replaced"
        if self.has_graph(graph):
            outcome = "source-added" if previous is None else outcome
        else:
            ops += self.ops.insert_graph(graph, list(dict.fromkeys(triples)))
            ops += self._quarantine(graph, quarantined)
        ops += self.ops.meta_insert(f"<{graph}> {P_SOURCE} {src}")
        self._run(ops)
        return outcome

    def replace_document(
        self, doc_id: str, triples: Sequence[ox.Triple], quarantined: Sequence[ox.Triple] = ()
    ) -> None:
        """Atomically replace a document's graph and its quarantine records (``kg build --force``)."""
        graph = doc_graph_iri(self.base, doc_id)
        ops = self.ops.drop_graph(graph) + self.ops.insert_graph(graph, list(dict.fromkeys(triples)))
        self._run(ops + self._quarantine(graph, quarantined))

    def _quarantine(self, graph: str, quarantined: Sequence[ox.Triple]) -> list[str]:
        return self.ops.quarantine_clear(graph) + self.ops.quarantine_insert(list(dict.fromkeys(quarantined)))

    def remove_document(self, doc_id: str) -> bool:
        """Remove a document's graph, its source records and its quarantine records; True if there
        was one."""
        graph = doc_graph_iri(self.base, doc_id)
        if not self.has_graph(graph):
            return False
        ops = self.ops.meta_delete_where(f"<{graph}> {P_SOURCE} ?src") + self.ops.drop_graph(graph)
        self._run(ops + self.ops.quarantine_clear(graph))
        return True

    def ensure_graph(self, graph: str, triples: Sequence[ox.Triple], content_hash: str) -> bool:
        """Load ``triples`` as ``graph`` unless the same content (by hash) is already there."""
        digest = ox.Literal(content_hash)
        if self.ask(f"ASK {{ GRAPH <{self.meta_iri}> {{ <{graph}> {P_GRAPH_HASH} {digest} }} }}"):
            return False
        ops = self.ops.drop_graph(graph) + self.ops.insert_graph(graph, list(dict.fromkeys(triples)))
        ops += self.ops.meta_delete_where(f"<{graph}> {P_GRAPH_HASH} ?h")
        ops += self.ops.meta_insert(f"<{graph}> {P_GRAPH_HASH} {digest}")
        self._run(ops)
        return True


__all__ = ["GraphStore", "Progress"]
