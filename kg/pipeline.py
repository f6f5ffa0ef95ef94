"""The only module that knows the order of the stages.

    ingest -> extract -> resolve -> rdfize -> validate -> store -> link (offline)

``build`` runs them over files and folders. When a document's graph does not conform to the
shapes, the statements that break them and those that depend on them are left out, the rest of
the document loads, and each left-out statement is recorded in the quarantine graph
(``kg.quarantine``); with ``strict`` such a document is not loaded at all. Either way it is
reported with its file, focus node and message; a file that cannot be read is reported with its
problem; the rest of the batch loads either way. Each document (with its quarantine records) is
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
from rdflib.namespace import RDF, RDFS, SKOS

from kg.errors import InputError
from kg.extract import extract
from kg.ingest import discover, read_document
from kg.link import offline_link_triples
from kg.merged import conflicts, merged_violations, set_aside
from kg.model import Document
from kg.namespaces import KG, OA, ONTOLOGY_GRAPH
from kg.quarantine import EvidenceSpan, Quarantined, quarantine, record_graph
from kg.rdfize import rdfize
from kg.resolve import Resolution, resolve
from kg.resources import file_hash, ontology_path
from kg.store import GraphStore, doc_graph_iri, links_graph_iri, quarantine_graph_iri, to_ox_triples
from kg.store.layout import from_ox_triples
from kg.validate import Report as ValidationReport
from kg.validate import Violation, validate_graph

if TYPE_CHECKING:
    from kg.parallel import Executor


@dataclass
class DocResult:
    """What happened to one input file."""

    source: str
    #: added | replaced | unchanged | source-added (loaded whole) | quarantined (loaded, with
    #: statements left out) | invalid (not loaded: --strict) | unreadable
    outcome: str
    doc_id: str | None = None
    entities: Counter[str] = field(default_factory=Counter)
    triples: int = 0
    violations: list[Violation] = field(default_factory=list)  # what the shapes reported
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)  # the statements left out

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["entities"] = dict(self.entities)  # (asdict would rebuild the Counter from pairs)
        data["violations"] = [asdict(v) for v in self.violations]
        data["quarantined"] = [q.to_json() for q in self.quarantined]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocResult:
        return cls(
            **{
                **data,
                "entities": Counter(data.get("entities", {})),
                "violations": [Violation(**v) for v in data.get("violations", [])],
                "quarantined": [Quarantined.from_json(q) for q in data.get("quarantined", [])],
            }
        )


@dataclass
class BuildReport:
    results: list[DocResult] = field(default_factory=list)

    @property
    def loaded(self) -> list[DocResult]:
        return [r for r in self.results if r.outcome in LOADED]

    @property
    def quarantined(self) -> list[tuple[str, Quarantined]]:
        """Each statement left out of a loaded document: (its file, the statement and why)."""
        return [(r.source, q) for r in self.loaded for q in r.quarantined]

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
        """0 all loaded whole; 1 some document did not conform (statements of it quarantined, or
        with --strict the document not loaded); 2 some input could not be read."""
        if any(r.outcome == "unreadable" for r in self.results):
            return 2
        if any(r.outcome == "invalid" for r in self.results) or self.quarantined:
            return 1
        return 0


#: the outcomes of a document that is in the store after the build
LOADED = frozenset({"added", "replaced", "unchanged", "source-added", "quarantined"})


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
    """One document after the stages that need no store (extract, resolve, rdfize, validate,
    quarantine): what a worker process hands to the writer. Plain data, so it crosses process
    boundaries."""

    doc: Document
    result: DocResult
    ntriples: bytes = b""  # the document's graph as N-Triples; empty when it is not loaded
    quarantine: bytes = b""  # the quarantine records of what was left out of it, as N-Triples


def prepare(doc: Document, base: str, strict: bool = False) -> Prepared:
    """extract -> resolve -> rdfize -> validate for one document; no store is read or written.

    A graph that does not conform loses what breaks the shapes (and what depends on it), which
    is recorded (``kg.quarantine``); with ``strict`` the document is not loaded at all."""
    result = DocResult(source=doc.source, outcome="prepared", doc_id=doc.doc_id)
    resolution, graph = process(doc, base)
    result.warnings = [*doc.warnings, *resolution.extraction.warnings]
    result.entities = Counter(e.kind.value for e in resolution.entities)
    result.triples = len(graph)
    report = validate_graph(graph)
    if report.conforms:
        return Prepared(doc, result, ox.serialize(to_ox_triples(graph), format=ox.RdfFormat.N_TRIPLES) or b"")
    result.violations = report.violations
    if strict:
        result.outcome = "invalid"
        return Prepared(doc, result)
    cut = quarantine(graph, report)
    if not cut.report.conforms:  # (not expected: each round leaves out more) rejected as a whole
        result.outcome = "invalid"
        result.warnings.append(
            f"the statements that break the shapes could not be left out ({len(cut.report.violations)} "
            "violations remained); the document was not loaded"
        )
        return Prepared(doc, result)
    result.quarantined = cut.left_out
    result.triples = len(cut.graph)
    graph_iri = doc_graph_iri(base, doc.doc_id)
    records = record_graph(cut.left_out, graph, base, doc.doc_id, graph_iri)
    return Prepared(
        doc,
        result,
        ox.serialize(to_ox_triples(cut.graph), format=ox.RdfFormat.N_TRIPLES) or b"",
        records.serialize(format="nt", encoding="utf-8"),
    )


def already_stored(store: GraphStore, doc: Document, force: bool = False) -> DocResult | None:
    """The result for a document the store already holds (nothing to extract), else None."""
    if force or not store.has_graph(doc_graph_iri(store.base, doc.doc_id)):
        return None
    graph = doc_graph_iri(store.base, doc.doc_id)
    result = DocResult(source=doc.source, outcome="unchanged", doc_id=doc.doc_id)
    result.quarantined = [q for _, q in stored_quarantine(store, graph)]  # still left out
    if doc.source not in store.sources_of(graph):
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
    """Load a prepared document into the store with its quarantine records (one transaction),
    unless it was rejected. A value of a shared node that another stored document states
    otherwise, where the shapes allow one (``kg.merged``), is left out and recorded: the merged
    default graph conforms as each document does."""
    result, doc = prepared.result, prepared.doc
    if result.outcome == "invalid":
        return result
    parsed = ox.parse(prepared.ntriples, format=ox.RdfFormat.N_TRIPLES)
    triples = adopt_stored_labels(store, [q.triple for q in parsed])
    records = [q.triple for q in ox.parse(prepared.quarantine, format=ox.RdfFormat.N_TRIPLES)]
    graph_iri = doc_graph_iri(store.base, doc.doc_id)
    # neither the document's own graph nor the one it replaces (its file before an edit) is
    # another document to disagree with
    previous = store.graph_of_source(doc.source)
    replaced = [previous] if previous and store.sources_of(previous) == [doc.source] else []
    found = conflicts(store, triples, ignore=[graph_iri, *replaced])
    aside = set_aside(triples, found, store.base, doc.doc_id, graph_iri)
    if not aside.conforms:  # (not expected: what is left is the document's own conforming graph)
        result.outcome = "invalid"
        result.warnings.append(
            "leaving out its conflicts with other documents broke the document; not loaded"
        )
        return result
    if aside.left_out:  # values other documents state otherwise: the first written is kept
        triples, records = aside.triples, [*records, *aside.records]
        result.quarantined = [*result.quarantined, *aside.left_out]
        result.triples = len(triples)
    if force and store.has_graph(graph_iri):
        store.replace_document(doc.doc_id, triples, records)
        result.outcome = "replaced"
        if doc.source not in store.sources_of(graph_iri):
            store.put_document(doc.doc_id, doc.source, triples)
    else:
        result.outcome = store.put_document(doc.doc_id, doc.source, triples, records)
    if result.quarantined and result.outcome in ("added", "replaced"):
        result.outcome = "quarantined"
    return result


def build_document(store: GraphStore, doc: Document, force: bool = False, strict: bool = False) -> DocResult:
    """Run the stages on one document and load it: whole if it conforms, else what conforms
    (``strict``: nothing)."""
    done = already_stored(store, doc, force)
    if done is not None:
        return done
    return write(store, prepare(doc, store.base, strict), force)


def warm(freeze: bool = True) -> None:
    """Load what every build needs (extraction pipeline, shapes, linking tables), then move all
    that is loaded out of the garbage collector's sight (``gc.freeze``; not with ``freeze`` off).

    For a long-lived process that builds now and then (``kg serve`` taking builds from kg build):
    otherwise each full collection walks these objects, a pause of about 100 ms here during which
    the process's other threads (the server's event loop) wait for the GIL."""
    import gc

    from kg.extract.pipeline import get_nlp
    from kg.link import tables
    from kg.validate import compiled_shapes, shapes_graph

    get_nlp()
    shapes_graph()
    compiled_shapes()
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
    strict: bool = False,
    executor: Executor | None = None,
) -> BuildReport:
    """Ingest, extract, map, validate and load every file under ``paths``.

    A document whose graph breaks the shapes loads without what breaks them (recorded in the
    quarantine graph); with ``strict`` it is not loaded at all.

    Raises InputError before touching the store when a path does not exist; files that cannot
    be read are reported in the result and skipped. ``executor`` (kg.parallel): documents are
    prepared in its workers and written here in input order, the same graph as without it.
    """
    report = BuildReport()
    files = discover(paths) if files is None else files  # a missing path stops here, store untouched
    ensure_ontology(store)
    if executor is None:
        results = _sequential(files, store, force, cwd, strict)
    else:
        from kg.parallel import results as parallel_results

        results = parallel_results(files, store, executor, force=force, cwd=cwd, strict=strict)
    with closing(results):  # (an error in on_result ends the workers at once)
        for result in results:
            report.results.append(result)
            if on_result is not None:
                on_result(result)
    if link:
        link_offline(store)
    store.flush()
    return report


def _sequential(
    files: list[Path], store: GraphStore, force: bool, cwd: Path | None, strict: bool = False
) -> Generator[DocResult]:
    for path in files:
        try:  # relative paths are read from ``cwd`` when given (the caller's, in kg serve)
            doc = read_document(path if cwd is None else cwd / path, source=str(path))
            result = build_document(store, doc, force=force, strict=strict)  # (past its budget: unreadable)
        except InputError as exc:
            result = DocResult(source=exc.path, outcome="unreadable", error=exc.message)
        yield result


def link_offline(store: GraphStore) -> bool:
    """Recompute the offline links of everything in the store; write only if they changed."""
    triples, digest = offline_link_triples(store)
    return store.ensure_graph(links_graph_iri(store.base), triples, digest)


def graph_of(store: GraphStore, graph_iri: str) -> Graph:
    """A named graph of the store as a plain in-memory rdflib Graph (what validation reads)."""
    return from_ox_triples(store.graph_triples(graph_iri))


#: how validate_store names the merged default graph in its results
MERGED = "merged default graph"


def validate_store(
    store: GraphStore, on_graph: Callable[[int, int], None] | None = None
) -> list[tuple[str, ValidationReport]]:
    """Validate each document graph (and the links graph, if any) on its own, then the merged
    default graph for what only it shows (``kg.merged``, reported as graph ``MERGED``);
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
    merged = merged_violations(store)  # what no document shows on its own
    out.append((MERGED, ValidationReport(conforms=not merged, violations=merged)))
    return out


# -- the quarantine graph, read back ----------------------------------------------------------

_Q_RECORDS = """SELECT ?r ?g ?s ?p ?o ?cause ?focus ?path ?value ?message ?shape WHERE {{
  GRAPH <{quarantine}> {{ {only}
    ?r a <{KG}QuarantineRecord> ; <{KG}quarantinedFrom> ?g ; <{RDF}subject> ?s ; <{RDF}predicate> ?p ;
       <{RDF}object> ?o ; <{KG}cause> ?cause ; <{KG}focusNode> ?focus ; <{KG}message> ?message .
    OPTIONAL {{ ?r <{KG}resultPath> ?path }} OPTIONAL {{ ?r <{KG}resultValue> ?value }}
    OPTIONAL {{ ?r <{KG}shape> ?shape }}
  }}
}}"""
_Q_EVIDENCE = """SELECT ?r ?t ?start ?end ?text WHERE {{
  GRAPH <{quarantine}> {{ {only}
    ?r <{KG}quarantinedFrom> ?g ; <{KG}evidence> ?t .
    ?t <{OA}hasSelector> ?a . ?a <{OA}start> ?start ; <{OA}end> ?end .
    OPTIONAL {{ ?t <{OA}hasSelector> ?b . ?b <{OA}exact> ?text }}
  }}
}}"""
_Q_COUNTS = """SELECT (COUNT(DISTINCT ?r) AS ?n) (COUNT(DISTINCT ?g) AS ?d) WHERE {{
  GRAPH <{quarantine}> {{ ?r <{KG}quarantinedFrom> ?g }}
}}"""


def _query(template: str, store: GraphStore, graph: str | None) -> list[dict[str, object]]:
    only = f"VALUES ?g {{ <{graph}> }}" if graph is not None else ""  # (bound first: an index lookup)
    sparql = template.format(quarantine=quarantine_graph_iri(store.base), KG=KG, RDF=RDF, OA=OA, only=only)
    return store.select(sparql)


def quarantine_counts(store: GraphStore) -> tuple[int, int]:
    """How many statements the quarantine graph holds, and from how many documents."""
    row = _query(_Q_COUNTS, store, None)[0]
    return int(_text(row["n"]) or 0), int(_text(row["d"]) or 0)


def stored_quarantine(store: GraphStore, graph: str | None = None) -> list[tuple[str, Quarantined]]:
    """The quarantine records in the store (of one document graph, or all): (document graph,
    record), in graph and statement order."""
    spans: dict[str, list[EvidenceSpan]] = {}
    for row in _query(_Q_EVIDENCE, store, graph):
        span = EvidenceSpan(
            int(_text(row["start"]) or 0),
            int(_text(row["end"]) or 0),
            _text(row["text"]) or "",
            _text(row["t"]) or "",
        )
        spans.setdefault(str(_text(row["r"])), []).append(span)
    out = []
    for row in _query(_Q_RECORDS, store, graph):
        record = str(_text(row["r"]))
        q = Quarantined(
            subject=str(row["s"]),
            predicate=str(row["p"]),
            object=str(row["o"]),
            cause=_text(row["cause"]) or "",
            focus=_text(row["focus"]) or "",
            path=_text(row["path"]),
            value=_text(row["value"]),
            message=_text(row["message"]) or "",
            shape=_text(row["shape"]),
            evidence=tuple(sorted(set(spans.get(record, [])), key=lambda e: (e.start, e.end, e.target))),
        )
        out.append((_text(row["g"]) or "", q))
    out.sort(key=lambda gq: (gq[0], gq[1].subject, gq[1].predicate, gq[1].object))
    return out


def _text(term: object) -> str | None:
    """The value of a SPARQL result term (an IRI's IRI, a literal's lexical form), or None."""
    return None if term is None else str(getattr(term, "value", term))
