"""Deterministic dumps: the same store always gives byte-identical output.

Triple formats (Turtle, N-Triples, JSON-LD, RDF/XML) carry the merged default graph: every
distinct fact once. Quad formats (N-Quads, TriG) carry the named graphs (one per document, the
ontology, links, metadata), from which the merged default graph can be rebuilt. Lines are
sorted as canonical N-Triples/N-Quads before serialising, so order never depends on the store.
"""

from __future__ import annotations

from typing import IO

import pyoxigraph as ox

from kg import jsonld
from kg.errors import UsageError
from kg.namespaces import PREFIXES
from kg.store import Store

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted({line for line in data.split(b"\n") if line.strip()})
    return b"\n".join(lines) + (b"\n" if lines else b"")


def export(store: Store, fmt: str, out: IO[bytes], graph: str | None = None) -> None:
    """Write the store in ``fmt`` (a key of FORMATS) to ``out``; only the named graph ``graph``
    when one is given (one document's graph: its triples, or its quads in nquads/trig)."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r} (choose one of: {', '.join(FORMATS)})")
    target = FORMATS[fmt]
    if graph is not None:
        if not store.has_graph(graph):
            raise UsageError(f"--graph: no graph <{graph}> in the store")
        quads = store.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        if target.supports_datasets:
            raw, source_format = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", ox.RdfFormat.N_QUADS
        else:
            triples = (q.triple for q in quads)
            raw, source_format = (
                ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"",
                ox.RdfFormat.N_TRIPLES,
            )
    elif target.supports_datasets:
        raw = b"".join(
            store.ox.dump(format=ox.RdfFormat.N_QUADS, from_graph=ox.NamedNode(g.value)) or b""
            for g in store.ox.named_graphs()
            if isinstance(g, ox.NamedNode)
        )
        source_format = ox.RdfFormat.N_QUADS
    else:
        raw = store.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
        source_format = ox.RdfFormat.N_TRIPLES
    canonical = _sorted_lines(raw)
    if target in (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES):
        out.write(canonical)
        return
    parsed = ox.parse(canonical, format=source_format)
    if target is ox.RdfFormat.JSON_LD:  # with an @context (pyoxigraph writes none)
        out.write(
            jsonld.compact(ox.serialize(parsed, format=target) or b"[]", {**PREFIXES, "id": store.base})
        )
        return
    ox.serialize(parsed, out, format=target, prefixes=PREFIXES)
