"""The store: one protocol, an embedded on-disk implementation (pyoxigraph / RocksDB).

Layout
------
* one named graph per source document, ``<base>graph/<doc-id>`` (the id comes from the content
  hash), holding everything extracted from it, with its provenance;
* the ontology graph (``namespaces.ONTOLOGY_GRAPH``) and other named graphs (links, …);
* a metadata graph ``<base>graph/meta`` recording which source path produced which graph;
* the **default graph is a deduplicated merge of all named graphs**, maintained on every write.
  pyoxigraph's union-default-graph mode does not deduplicate (a fact stated in k documents would
  be counted k times and joins slow down by orders of magnitude), so queries run against this
  materialised merge instead. Removing a graph removes from the merge only the triples that no
  other named graph states.

Every write is one transaction: a reader sees a document's graph entirely or not at all.
Named graphs hold no blank nodes (kg mints IRIs for everything), which is what makes the merge
exact.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal as Lit

import pyoxigraph as ox
from rdflib import Graph

from kg import syntax
from kg.errors import QueryError, StoreError, StoreInUse
from kg.namespaces import KG

DEFAULT = ox.DefaultGraph()
_P_SOURCE = ox.NamedNode(str(KG.loadedFrom))
_P_GRAPH_HASH = ox.NamedNode(str(KG.contentHash))


Outcome = Lit["added", "replaced", "unchanged", "source-added"]


def meta_graph_iri(base: str) -> str:
    return f"{base}graph/meta"


def require_store(path: Path) -> None:
    """Raise a StoreError that says how to make one when ``path`` holds no kg store."""
    if not (path / "CURRENT").exists():
        raise StoreError(f"{path}: no kg store here (build one first: kg build FILES --store {path})")


def links_graph_iri(base: str) -> str:
    """The graph of machine-made links (``-online`` and ``-confirmed`` graphs sit beside it)."""
    return f"{base}graph/links"


def doc_graph_iri(base: str, doc_id: str) -> str:
    return f"{base}graph/{doc_id}"


@dataclass(frozen=True)
class StoreStats:
    quads: int
    default_triples: int
    named_graphs: int
    document_graphs: int


def _value(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return t.value if not isinstance(t, ox.Triple) else str(t)


def _triple_data(triples: Iterable[ox.Triple]) -> str:
    return " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)


def to_ox_triples(graph: Graph) -> list[ox.Triple]:
    """rdflib Graph -> pyoxigraph triples (through N-Triples, the fast path)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


class Store:
    """The embedded store at ``path`` (``None``: in memory, for tests and one-off runs)."""

    def __init__(self, path: Path | None, base: str, read_only: bool = False) -> None:
        self.path = path
        self.base = base
        self.read_only = read_only
        self.write_lock = threading.RLock()
        try:
            if path is None:
                self.ox = ox.Store()
            elif read_only:
                require_store(path)
                self.ox = ox.Store.read_only(str(path))
            else:
                if path.exists() and not path.is_dir():
                    raise StoreError(f"{path}: exists and is not a folder (choose another --store)")
                if path.is_dir() and any(path.iterdir()) and not (path / "CURRENT").exists():
                    raise StoreError(
                        f"{path}: the folder is not empty and is not a kg store "
                        "(choose an empty or new folder for --store)"
                    )
                self.ox = ox.Store(str(path))
        except (OSError, RuntimeError) as exc:  # RocksDB reports some open failures as RuntimeError
            reason = str(exc)
            if "lock" in reason.lower():
                raise StoreInUse(
                    f"{path}: cannot open the store: it is in use by another process "
                    "(a running kg serve or kg build?)"
                ) from None
            raise StoreError(f"{path}: cannot open the store: {reason}") from None
        self.meta = ox.NamedNode(meta_graph_iri(base))

    # -- reading -----------------------------------------------------------------------------

    def query(self, sparql: str, **kwargs: object) -> object:
        """Run a SPARQL query against the store (default graph = the deduplicated merge)."""
        try:
            return self.ox.query(sparql, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            prefixes = kwargs.get("prefixes")
            raise QueryError(
                syntax.message(sparql, str(exc), prefixes if isinstance(prefixes, dict) else None)
            ) from None
        except OSError as exc:
            raise StoreError(f"{self.path}: error reading the store: {exc}") from None

    def graph_triples(self, graph: str) -> Iterator[ox.Triple]:
        for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            yield ox.Triple(q.subject, q.predicate, q.object)

    def has_graph(self, graph: str) -> bool:
        return bool(self.ox.contains_named_graph(ox.NamedNode(graph)))

    def sources_of(self, graph: str) -> list[str]:
        return sorted(
            _value(q.object)
            for q in self.ox.quads_for_pattern(ox.NamedNode(graph), _P_SOURCE, None, self.meta)
        )

    def graph_of_source(self, source: str) -> str | None:
        for q in self.ox.quads_for_pattern(None, _P_SOURCE, ox.Literal(source), self.meta):
            return _value(q.subject)
        return None

    def document_graphs(self) -> list[str]:
        """The named graphs that documents produced (those with a source recorded)."""
        return sorted(
            {_value(q.subject) for q in self.ox.quads_for_pattern(None, _P_SOURCE, None, self.meta)}
        )

    def stats(self) -> StoreStats:
        named = [g for g in self.ox.named_graphs()]
        default = sum(1 for _ in self.ox.quads_for_pattern(None, None, None, DEFAULT))
        return StoreStats(
            quads=len(self.ox),
            default_triples=default,
            named_graphs=len(named),
            document_graphs=len(self.document_graphs()),
        )

    # -- writing -----------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path}: the store is open read-only")

    def _drop_graph_ops(self, graph: str) -> list[str]:
        """SPARQL Update operations that drop a named graph and its share of the merged default."""
        g = f"<{graph}>"
        return [
            "DELETE { ?s ?p ?o } WHERE { GRAPH " + g + " { ?s ?p ?o } "
            "FILTER NOT EXISTS { GRAPH ?other { ?s ?p ?o } FILTER(?other != " + g + ") } }",
            f"DROP SILENT GRAPH {g}",
        ]

    def _meta_op(self, verb: str, triple: str) -> str:
        """Write a metadata triple into the metadata graph and the merged default graph."""
        return f"{verb} {{ GRAPH {self.meta} {{ {triple} }} {triple} }}"

    def _meta_delete_where(self, pattern: str) -> str:
        inside = f"GRAPH {self.meta} {{ {pattern} }}"
        return f"DELETE {{ {inside} {pattern} }} WHERE {{ {inside} }}"

    def _insert_ops(self, graph: str, triples: Sequence[ox.Triple]) -> list[str]:
        if not triples:
            return []
        data = _triple_data(triples)
        return [f"INSERT DATA {{ GRAPH <{graph}> {{ {data} }} {data} }}"]

    def _run(self, ops: list[str]) -> None:
        self._check_writable()
        if not ops:
            return
        try:
            with self.write_lock:
                self.ox.update(" ;\n".join(ops))
        except OSError as exc:
            raise StoreError(f"{self.path}: error writing the store: {exc}") from None

    def _add(self, graph: str, triples: list[ox.Triple], meta: ox.Triple) -> None:
        """Add a new named graph, its share of the merge and one metadata triple, atomically."""
        self._check_writable()
        g = ox.NamedNode(graph)
        quads = [ox.Quad(t.subject, t.predicate, t.object, g) for t in triples]
        quads += [ox.Quad(t.subject, t.predicate, t.object, DEFAULT) for t in triples]
        quads += [
            ox.Quad(meta.subject, meta.predicate, meta.object, self.meta),
            ox.Quad(meta.subject, meta.predicate, meta.object, DEFAULT),
        ]
        try:
            with self.write_lock:
                self.ox.extend(quads)
        except OSError as exc:
            raise StoreError(f"{self.path}: error writing the store: {exc}") from None

    def replace_graph(self, graph: str, triples: Sequence[ox.Triple]) -> None:
        """Atomically replace a named graph (and its share of the merged default graph)."""
        self._run(self._drop_graph_ops(graph) + self._insert_ops(graph, triples))

    def put_document(self, doc_id: str, source: str, triples: Sequence[ox.Triple]) -> Outcome:
        """Load one document's graph, recording that ``source`` produced it.

        * the same content again (from any path): nothing changes, or only the new path is noted;
        * ``source`` produced another graph before (the file changed): the old graph is replaced
          in the same transaction, unless another source still stands behind it.
        """
        graph = doc_graph_iri(self.base, doc_id)
        previous = self.graph_of_source(source)
        src = ox.Literal(source)
        meta_line = f"<{graph}> {_P_SOURCE} {src}"
        if previous == graph:
            return "unchanged"
        if previous is None and not self.has_graph(graph):
            # The common case, a new document: one atomic extend, ~4x faster than SPARQL Update.
            self._add(graph, [*triples], ox.Triple(ox.NamedNode(graph), _P_SOURCE, src))
            return "added"
        ops: list[str] = []
        outcome: Outcome = "added"
        if previous is not None:
            ops.append(self._meta_op("DELETE DATA", f"<{previous}> {_P_SOURCE} {src}"))
            if self.sources_of(previous) == [source]:
                ops += self._drop_graph_ops(previous)
            outcome = "replaced"
        if self.has_graph(graph):
            outcome = "source-added" if previous is None else outcome
        else:
            ops += self._insert_ops(graph, triples)
        ops.append(self._meta_op("INSERT DATA", meta_line))
        self._run(ops)
        return outcome

    def remove_document(self, doc_id: str) -> bool:
        """Remove a document's graph and its source records; True if there was one."""
        graph = doc_graph_iri(self.base, doc_id)
        if not self.has_graph(graph):
            return False
        ops = [self._meta_delete_where(f"<{graph}> {_P_SOURCE} ?src")]
        ops += self._drop_graph_ops(graph)
        self._run(ops)
        return True

    def ensure_graph(self, graph: str, triples: Sequence[ox.Triple], content_hash: str) -> bool:
        """Load ``triples`` as ``graph`` unless the same content (by hash) is already there."""
        recorded = list(
            self.ox.quads_for_pattern(ox.NamedNode(graph), _P_GRAPH_HASH, ox.Literal(content_hash), self.meta)
        )
        if recorded:
            return False
        ops = self._drop_graph_ops(graph) + self._insert_ops(graph, triples)
        ops.append(self._meta_delete_where(f"<{graph}> {_P_GRAPH_HASH} ?h"))
        ops.append(self._meta_op("INSERT DATA", f"<{graph}> {_P_GRAPH_HASH} {ox.Literal(content_hash)}"))
        self._run(ops)
        return True

    def flush(self) -> None:
        if not self.read_only and self.path is not None:
            self.ox.flush()


__all__ = [
    "DEFAULT",
    "Outcome",
    "Store",
    "StoreStats",
    "doc_graph_iri",
    "links_graph_iri",
    "meta_graph_iri",
    "require_store",
    "to_ox_triples",
]
