"""The only module that knows the order of the stages.

    ingest -> extract -> resolve -> rdfize -> validate -> store -> link (offline)

``build`` runs them over files and folders. A document whose graph does not conform to the
shapes is not loaded and is reported with its file, focus node and message; a file that cannot
be read is reported with its problem; the rest of the batch loads either way. Each document is
written in one transaction, so nothing already stored is lost or half-written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDFS, SKOS

from kg.errors import InputError
from kg.extract import extract
from kg.ingest import discover, read_document
from kg.link import offline_link_triples
from kg.model import Document
from kg.namespaces import ONTOLOGY_GRAPH
from kg.rdfize import rdfize
from kg.resolve import Resolution, resolve
from kg.resources import file_hash, ontology_path
from kg.store import GraphStore, doc_graph_iri, links_graph_iri
from kg.validate import Report as ValidationReport
from kg.validate import Violation, validate_graph

if TYPE_CHECKING:
    from kg.parallel import Executor


@dataclass
class DocResult:
    """What happened to one input file."""

    source: str
    outcome: str  # added | replaced | unchanged | source-added | invalid | unreadable
    doc_id: str | None = None
    entities: Counter[str] = field(default_factory=Counter)
    triples: int = 0
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["entities"] = dict(self.entities)  # (asdict would rebuild the Counter from pairs)
        data["violations"] = [asdict(v) for v in self.violations]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocResult:
        return cls(
            **{
                **data,
                "entities": Counter(data.get("entities", {})),
                "violations": [Violation(**v) for v in data.get("violations", [])],
            }
        )


@dataclass
class BuildReport:
    results: list[DocResult] = field(default_factory=list)

    @property
    def loaded(self) -> list[DocResult]:
        return [r for r in self.results if r.outcome in ("added", "replaced", "unchanged", "source-added")]

    @property
    def entities(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for r in self.loaded:
            total.update(r.entities)
        return total

    @property
    def violations(self) -> int:
        return sum(len(r.violations) for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 all loaded, 1 some document did not conform, 2 some input could not be read."""
        if any(r.outcome == "unreadable" for r in self.results):
            return 2
        if any(r.outcome == "invalid" for r in self.results):
            return 1
        return 0


def ensure_ontology(store: GraphStore) -> bool:
    """Load the ontology into its own graph unless this version is already there."""
    path = ontology_path()
    triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    return store.ensure_graph(ONTOLOGY_GRAPH, triples, file_hash(path))


def process(
    doc: Document, base: str, known_label: Callable[[str], str | None] | None = None
) -> tuple[Resolution, Graph]:
    """extract -> resolve -> rdfize for one document (no store writes)."""
    resolution = resolve(extract(doc), base, known_label)
    return resolution, rdfize(resolution)


@dataclass
class Prepared:
    """One document after the stages that need no store (extract, resolve, rdfize, validate):
    what a worker process hands to the writer. Plain data, so it crosses process boundaries."""

    doc: Document
    result: DocResult
    ntriples: bytes = b""  # the document's graph as N-Triples; empty when it is not loaded


def prepare(doc: Document, base: str) -> Prepared:
    """extract -> resolve -> rdfize -> validate for one document; no store is read or written."""
    result = DocResult(source=doc.source, outcome="prepared", doc_id=doc.doc_id)
    resolution, graph = process(doc, base)
    result.warnings = [*doc.warnings, *resolution.extraction.warnings]
    result.entities = Counter(e.kind.value for e in resolution.entities)
    result.triples = len(graph)
    report = validate_graph(graph)
    if not report.conforms:
        result.outcome = "invalid"
        result.violations = report.violations
        return Prepared(doc, result)
    return Prepared(doc, result, graph.serialize(format="nt", encoding="utf-8"))


def already_stored(store: GraphStore, doc: Document, force: bool = False) -> DocResult | None:
    """The result for a document the store already holds (nothing to extract), else None."""
    if force or not store.has_graph(doc_graph_iri(store.base, doc.doc_id)):
        return None
    result = DocResult(source=doc.source, outcome="unchanged", doc_id=doc.doc_id)
    if doc.source not in store.sources_of(doc_graph_iri(store.base, doc.doc_id)):
        result.outcome = store.put_document(doc.doc_id, doc.source, [])
    return result


_LABEL = ox.NamedNode(str(RDFS.label))
_ALT_LABEL = ox.NamedNode(str(SKOS.altLabel))


def adopt_stored_labels(store: GraphStore, triples: list[ox.Triple]) -> list[ox.Triple]:
    """An entity the store already holds keeps its stored label; this document's spelling becomes
    an alternative label. Done by the one writer, in input order, so that the graph does not
    depend on which worker finished first."""
    swap: dict[object, tuple[ox.Literal, ox.Literal]] = {}
    for t in triples:
        if t.predicate == _LABEL and isinstance(t.object, ox.Literal) and isinstance(t.subject, ox.NamedNode):
            stored = store.label_of(t.subject.value)
            if stored is not None and stored != t.object.value:
                swap[t.subject] = (t.object, ox.Literal(stored, language="en"))
    if not swap:
        return triples
    out: list[ox.Triple] = []
    for t in triples:
        if t.subject in swap and t.predicate == _LABEL:
            mine, stored_label = swap[t.subject]
            out.append(ox.Triple(t.subject, _LABEL, stored_label))
            out.append(ox.Triple(t.subject, _ALT_LABEL, mine))
        elif t.subject in swap and t.predicate == _ALT_LABEL and t.object == swap[t.subject][1]:
            continue
        else:
            out.append(t)
    return list(dict.fromkeys(out))


def write(store: GraphStore, prepared: Prepared, force: bool = False) -> DocResult:
    """Load a prepared document into the store (one transaction), unless it was not valid."""
    result, doc = prepared.result, prepared.doc
    if result.outcome == "invalid":
        return result
    parsed = ox.parse(prepared.ntriples, format=ox.RdfFormat.N_TRIPLES)
    triples = adopt_stored_labels(store, [q.triple for q in parsed])
    graph_iri = doc_graph_iri(store.base, doc.doc_id)
    if force and store.has_graph(graph_iri):
        store.replace_graph(graph_iri, triples)
        result.outcome = "replaced"
        if doc.source not in store.sources_of(graph_iri):
            store.put_document(doc.doc_id, doc.source, triples)
        return result
    result.outcome = store.put_document(doc.doc_id, doc.source, triples)
    return result


def build_document(store: GraphStore, doc: Document, force: bool = False) -> DocResult:
    """Run the stages on one document and load it if it conforms."""
    done = already_stored(store, doc, force)
    if done is not None:
        return done
    return write(store, prepare(doc, store.base), force)


def warm(freeze: bool = True) -> None:
    """Load what every build needs (extraction pipeline, shapes, linking tables), then move all
    that is loaded out of the garbage collector's sight (``gc.freeze``; not with ``freeze`` off).

    For a long-lived process that builds now and then (``kg serve`` taking builds from kg build):
    otherwise each full collection walks these objects, a pause of about 100 ms here during which
    the process's other threads (the server's event loop) wait for the GIL."""
    import gc

    from kg.extract.pipeline import get_nlp
    from kg.link import tables
    from kg.validate import shapes_graph

    get_nlp()
    shapes_graph()
    tables.un_bodies()
    tables.state_overrides()
    if freeze:
        gc.freeze()


def build(
    paths: list[Path],
    store: GraphStore,
    force: bool = False,
    on_result: Callable[[DocResult], None] | None = None,
    files: list[Path] | None = None,
    link: bool = True,
    cwd: Path | None = None,
    executor: Executor | None = None,
) -> BuildReport:
    """Ingest, extract, map, validate and load every file under ``paths``.

    Raises InputError before touching the store when a path does not exist; files that cannot
    be read are reported in the result and skipped. ``executor`` (kg.parallel): documents are
    prepared in its workers and written here in input order, the same graph as without it.
    """
    report = BuildReport()
    files = discover(paths) if files is None else files  # a missing path stops here, store untouched
    ensure_ontology(store)
    if executor is None:
        results = _sequential(files, store, force, cwd)
    else:
        from kg.parallel import results as parallel_results

        results = parallel_results(files, store, executor, force=force, cwd=cwd)
    with closing(results):  # (an error in on_result ends the workers at once)
        for result in results:
            report.results.append(result)
            if on_result is not None:
                on_result(result)
    if link:
        link_offline(store)
    store.flush()
    return report


def _sequential(files: list[Path], store: GraphStore, force: bool, cwd: Path | None) -> Generator[DocResult]:
    for path in files:
        try:  # relative paths are read from ``cwd`` when given (the caller's, in kg serve)
            doc = read_document(path if cwd is None else cwd / path, source=str(path))
            result = build_document(store, doc, force=force)  # (past its time budget: unreadable)
        except InputError as exc:
            result = DocResult(source=exc.path, outcome="unreadable", error=exc.message)
        yield result


def link_offline(store: GraphStore) -> bool:
    """Recompute the offline links of everything in the store; write only if they changed."""
    triples, digest = offline_link_triples(store)
    return store.ensure_graph(links_graph_iri(store.base), triples, digest)


def graph_of(store: GraphStore, graph_iri: str) -> Graph:
    """A named graph of the store as a plain in-memory rdflib Graph (what pyshacl is fast on)."""
    return Graph().parse(data=store.graph_ntriples(graph_iri), format="nt")


def validate_store(
    store: GraphStore, on_graph: Callable[[int, int], None] | None = None
) -> list[tuple[str, ValidationReport]]:
    """Validate each document graph (and the links graph, if any) on its own;
    ``on_graph(done, total)`` after each one."""
    graphs = store.document_graphs()
    for suffix in ("", "-online", "-confirmed"):
        links = links_graph_iri(store.base) + suffix
        if store.has_graph(links):
            graphs.append(links)
    out = []
    for g in graphs:
        out.append((g, validate_graph(graph_of(store, g))))
        if on_graph is not None:
            on_graph(len(out), len(graphs))
    return out
