"""Deterministic dumps: the same data always gives byte-identical output, in memory that does not
grow with the store.

Triple formats (Turtle, N-Triples, JSON-LD, RDF/XML) carry the merged default graph: every
distinct fact once. Quad formats (N-Quads, TriG) carry the whole dataset: the merged default
graph first, then every named graph with its name, in IRI order (graph/stats, kg's own counts,
is left out: ``kg restore`` counts again). ``kg restore`` rebuilds a store from them.

The order is produced streaming, section by section (the default graph, then one named graph at
a time), each section sorted by its canonical N-Triples lines. A document's graph is sorted in
memory (it is one document); any other graph goes through a file and an external sort in runs of
``RUN_BYTES``. Other formats are written from that sorted stream by pyoxigraph's serialisers
(JSON-LD is then given an ``@context`` by ``kg.jsonld``, in memory).
"""

from __future__ import annotations

import heapq
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

import pyoxigraph as ox

from kg import jsonld
from kg.errors import UsageError
from kg.namespaces import PREFIXES
from kg.store import GraphStore, Progress

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
#: bytes of lines sorted in memory at once before they are spilled to a temporary file
RUN_BYTES = 16 * 1024 * 1024


def _lines(data: bytes) -> list[bytes]:
    lines = data.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += b"\n"
    return lines


def external_sort(path: str, run_bytes: int = RUN_BYTES) -> Iterator[bytes]:
    """The lines of the file ``path`` in byte order, holding at most about ``run_bytes`` of them."""
    runs: list[IO[bytes]] = []
    run: IO[bytes]
    try:
        with open(path, "rb") as f:
            while lines := f.readlines(run_bytes):
                lines.sort()
                if not runs and not f.peek(1):
                    yield from lines  # it all fitted in one run
                    return
                run = tempfile.TemporaryFile(prefix="kg-sort-")  # noqa: SIM115 (closed below)
                run.writelines(lines)
                run.seek(0)
                runs.append(run)
                del lines
        yield from heapq.merge(*runs)
    finally:
        for run in runs:
            run.close()


def _sorted_graph(store: GraphStore, graph: str | None, small: bool, scratch: str) -> Iterator[bytes]:
    """A graph's N-Triples lines, sorted."""
    if small:
        lines = _lines(store.graph_ntriples(graph))
        lines.sort()
        yield from lines
        return
    path = os.path.join(scratch, "graph.nt")
    store.write_graph_ntriples(graph, path)
    yield from external_sort(path)


def _with_name(lines: Iterable[bytes], graph: str) -> Iterator[bytes]:
    suffix = f"<{graph}> .\n".encode()
    for line in lines:
        yield line[:-2] + suffix  # "<s> <p> <o> .\n" -> "<s> <p> <o> <g> .\n"


def canonical_lines(
    store: GraphStore, quads: bool, graph: str | None = None, progress: Progress | None = None
) -> Iterator[bytes]:
    """The dump as canonical N-Quads (``quads``) or N-Triples lines, in the order described above."""
    if graph is not None:
        named = [graph]
        if graph not in store.named_graphs():
            raise UsageError(
                f"--graph: no graph <{graph}> in {store.location} "
                "(list them: kg query 'SELECT DISTINCT ?g WHERE { GRAPH ?g { } }')"
            )
    else:
        named = store.named_graphs() if quads else []
    documents = set(store.document_graphs())
    total = len(named) + (graph is None)
    done = 0
    with tempfile.TemporaryDirectory(prefix="kg-export-") as scratch:
        if graph is None:
            yield from _sorted_graph(store, None, False, scratch)
            done += 1
            if progress is not None:
                progress(done, total)
        for g in named:
            lines = _sorted_graph(store, g, g in documents, scratch)
            yield from _with_name(lines, g) if quads else lines
            done += 1
            if progress is not None:
                progress(done, total)


class _LinesReader(io.RawIOBase):
    """A binary file over an iterator of lines, for pyoxigraph's streaming parser."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines = lines
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self.pending) < len(buffer):
            chunk = b"".join(line for _, line in zip(range(4096), self.lines, strict=False))
            if not chunk:
                break
            self.pending += chunk
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def export(
    store: GraphStore, fmt: str, out: IO[bytes], graph: str | None = None, progress: Progress | None = None
) -> None:
    """Write the store (or one named ``graph``) in ``fmt`` (a key of FORMATS) to ``out``."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r} (choose one of: {', '.join(FORMATS)})")
    target = FORMATS[fmt]
    quads = target.supports_datasets
    lines = canonical_lines(store, quads, graph, progress)
    if target in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):
        batch: list[bytes] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= 8192:
                out.write(b"".join(batch))
                batch.clear()
        out.write(b"".join(batch))
        return
    source = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    parsed = ox.parse(io.BufferedReader(_LinesReader(lines), 1 << 20), format=source)
    if target is ox.RdfFormat.JSON_LD:  # with an @context (pyoxigraph writes none): held in memory
        out.write(
            jsonld.compact(ox.serialize(parsed, format=target) or b"[]", {**PREFIXES, "id": store.base})
        )
        return
    ox.serialize(parsed, out, format=target, prefixes=PREFIXES)
