"""The embedded store: pyoxigraph on disk (RocksDB), or in memory for tests and one-off runs.

RocksDB keeps every write in a write-ahead log until its memtables are flushed; left alone it
lets the log grow to gigabytes, which the next open replays (minutes, after an interrupted
build) and which sits on disk beside the data. The store therefore flushes after every
``FLUSH_EVERY`` written triples: the log stays small, and so does the replay after a crash.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from kg import syntax
from kg.errors import QueryError, StoreError, StoreInUse
from kg.store.layout import DEFAULT, P_SOURCE, term_value
from kg.store.protocol import GraphStore

#: triples written between two flushes of the write-ahead log (about 20 documents)
FLUSH_EVERY = 25_000


def require_store(path: Path) -> None:
    """Raise a StoreError that says how to make one when ``path`` holds no kg store."""
    if not (path / "CURRENT").exists():
        raise StoreError(f"{path}: no kg store here (build one first: kg build FILES --store {path})")


def _open(path: Path | None, read_only: bool) -> ox.Store:
    try:
        if path is None:
            return ox.Store()
        if read_only:
            require_store(path)
            return ox.Store.read_only(str(path))
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path}: exists and is not a folder (choose another --store)")
        if path.is_dir() and any(path.iterdir()) and not (path / "CURRENT").exists():
            raise StoreError(
                f"{path}: the folder is not empty and is not a kg store "
                "(choose an empty or new folder for --store)"
            )
        return ox.Store(str(path))
    except (OSError, RuntimeError) as exc:  # RocksDB reports some open failures as RuntimeError
        reason = str(exc)
        if "lock" in reason.lower():
            raise StoreInUse(
                f"{path}: cannot open the store: it is in use by another process "
                "(a running kg serve or kg build?)"
            ) from None
        raise StoreError(f"{path}: cannot open the store: {reason}") from None


class Store(GraphStore):
    """The embedded store at ``path`` (``None``: in memory)."""

    def __init__(self, path: Path | None, base: str, read_only: bool = False) -> None:
        super().__init__(base, read_only)
        self.path = path
        self.location = str(path) if path is not None else "(in memory)"
        self.ox = _open(path, read_only)
        self.meta = ox.NamedNode(self.meta_iri)
        self._unflushed = 0
        if not read_only:
            self.ensure_counts()

    # -- primitives --------------------------------------------------------------------------

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
            raise StoreError(f"{self.location}: error reading the store: {exc}") from None

    def _run(self, ops: Sequence[str]) -> None:
        if self.read_only:
            raise StoreError(f"{self.location}: the store is open read-only")
        if not ops:
            return
        text = " ;\n".join(ops)
        try:
            with self.write_lock:
                self.ox.update(text)
                self._unflushed += text.count(" .\n") + 1
                if self._unflushed > FLUSH_EVERY and self.path is not None:
                    self.ox.flush()
                    self._unflushed = 0
        except OSError as exc:
            raise StoreError(f"{self.location}: error writing the store: {exc}") from None

    def graph_ntriples(self, graph: str | None) -> bytes:
        source = DEFAULT if graph is None else ox.NamedNode(graph)
        return self.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=source) or b""

    def write_graph_ntriples(self, graph: str | None, path: str) -> None:
        source = DEFAULT if graph is None else ox.NamedNode(graph)
        self.ox.dump(path, format=ox.RdfFormat.N_TRIPLES, from_graph=source)

    def named_graphs(self) -> list[str]:
        stats = self.stats_iri
        return sorted(
            g.value for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode) and g.value != stats
        )

    def flush(self) -> None:
        if not self.read_only and self.path is not None:
            with self.write_lock:
                self.ox.flush()
                self._unflushed = 0

    def close(self) -> None:
        """Flush and let go of the store: RocksDB closes and releases its lock (the object is
        unusable afterwards)."""
        if hasattr(self, "ox"):
            self.flush()
            del self.ox

    # -- faster reads than SPARQL for the build's per-document lookups ------------------------

    def graph_triples(self, graph: str) -> Iterator[ox.Triple]:
        for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            yield ox.Triple(q.subject, q.predicate, q.object)

    def has_graph(self, graph: str) -> bool:
        return bool(self.ox.contains_named_graph(ox.NamedNode(graph)))

    def sources_of(self, graph: str) -> list[str]:
        return sorted(
            term_value(q.object)
            for q in self.ox.quads_for_pattern(ox.NamedNode(graph), P_SOURCE, None, self.meta)
        )

    def graph_of_source(self, source: str) -> str | None:
        for q in self.ox.quads_for_pattern(None, P_SOURCE, ox.Literal(source), self.meta):
            return term_value(q.subject)
        return None

    def label_of(self, iri: str) -> str | None:
        for q in self.ox.quads_for_pattern(ox.NamedNode(iri), _LABEL, None, DEFAULT):
            return str(q.object.value) if isinstance(q.object, ox.Literal) else None
        return None


_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")

__all__ = ["FLUSH_EVERY", "Store", "require_store"]
