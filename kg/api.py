"""kg as a library: ``kg.Graph`` (a store: build, query, export) and ``kg.extract`` (one text).

Read one text, no store:

>>> import kg
>>> reading = kg.extract(
...     "Mereani Vakatale, Permanent Representative of Fiji to the United Nations, "
...     "co-chaired the dialogue in Suva."
... )
>>> [(e.kind, e.label) for e in reading.entities if e.kind in ("Person", "State")]
[('Person', 'Mereani Vakatale'), ('State', 'Fiji')]
>>> fact = next(f for f in reading.facts if f.predicate == "representativeOf")
>>> (fact.subject_label, fact.predicate, fact.object_label)
('Mereani Vakatale', 'representativeOf', 'Fiji')
>>> fact.evidence[0][:40]
'Mereani Vakatale, Permanent Representati'

Build a store from files and query it (rows are dicts of Python values; ``.to_pandas()`` gives a
DataFrame when pandas is installed):

>>> graph = kg.Graph.open(tmp / "store")
>>> report = graph.build([examples / "pacific-dialogue.txt"])
>>> [r.outcome for r in report.results]
['added']
>>> rows = graph.query('''
...     SELECT ?name ?office WHERE {
...       ?p a kg:Person ; rdfs:label ?name ; kg:holds/rdfs:label ?office
...     } ORDER BY ?name''')
>>> rows.variables
['name', 'office']
>>> rows[0]
{'name': 'Lars Holmqvist', 'office': '...'}
>>> graph.query("ASK { ?p kg:representativeOf ?s }")
True
>>> turtle = graph.export("turtle")
>>> turtle.startswith(b"@prefix")
True
>>> graph.close()

``Graph.open(None)`` keeps the store in memory (nothing is written to disk).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from kg.namespaces import BASE_PREFIX, DEFAULT_BASE, KG, PREFIXES

if TYPE_CHECKING:
    import pandas
    import rdflib

    from kg.pipeline import BuildReport, DocResult
    from kg.quarantine import Quarantined
    from kg.store import Store

__all__ = ["Entity", "Fact", "Graph", "Reading", "Rows", "extract"]

XSD = "http://www.w3.org/2001/XMLSchema#"


# -- one text ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """An entity read out of a text: its IRI, kind (the ontology class), label and mentions."""

    iri: str
    kind: str
    label: str
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    """A relation between two entities, with the sentences that state it."""

    subject: str
    predicate: str  # the kg ontology's local name: holds, representativeOf, chairs, ...
    object: str
    subject_label: str
    object_label: str
    evidence: tuple[str, ...] = ()


@dataclass
class Reading:
    """What ``kg.extract`` read out of one text: entities, facts, and the RDF graph kg would store."""

    text: str
    title: str | None
    issued: dt.date | None
    entities: list[Entity] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    graph: rdflib.Graph | None = None


def extract(text: str, *, base: str = DEFAULT_BASE, source: str = "<text>") -> Reading:
    """The entities and facts of one text, without a store (the pipeline up to the RDF graph).

    The header lines of a press release (date, headline, dateline) are read as by ``kg build``.
    """
    from kg.ingest import document_from_text
    from kg.pipeline import process

    doc = document_from_text(text, source)
    resolution, graph = process(doc, base)
    iri = resolution.iri
    labels = {iri[e.local_id]: e.label for e in resolution.entities}
    entities = sorted(
        (
            Entity(iri[e.local_id], e.kind.value, e.label, tuple(dict.fromkeys(m.text for m in e.mentions)))
            for e in resolution.entities
        ),
        key=lambda e: (e.kind, e.label, e.iri),
    )
    facts = []
    for rel in resolution.relations:
        s, o = iri[rel.subject], iri[rel.object]
        sentences = tuple(dict.fromkeys(span.text(doc.text) for span in rel.evidence))
        facts.append(Fact(s, rel.predicate, o, labels.get(s, s), labels.get(o, o), sentences))
    facts.sort(key=lambda f: (f.predicate, f.subject_label, f.object_label))
    warnings = list(resolution.extraction.warnings)
    return Reading(text, doc.title, doc.issued, entities, facts, warnings, graph)


# -- a store -----------------------------------------------------------------------------------


class Rows(list[dict[str, Any]]):
    """SELECT results: one dict per row (variable -> Python value; unbound variables left out).

    IRIs are ``str``; literals become ``int``, ``float``, ``decimal.Decimal``, ``bool``,
    ``datetime.date``/``datetime`` or ``str`` by their datatype."""

    def __init__(self, variables: list[str], rows: Iterable[dict[str, Any]]) -> None:
        super().__init__(rows)
        self.variables = variables

    def to_pandas(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame, one column per variable (needs pandas installed)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("Rows.to_pandas needs pandas: pip install pandas") from None
        return pandas.DataFrame.from_records(list(self), columns=self.variables)


def _python(term: Any) -> Any:
    import pyoxigraph as ox

    if not isinstance(term, ox.Literal):
        return term.value if term is not None else None
    kind, value = term.datatype.value, term.value
    try:
        if kind in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
            return int(value)
        if kind in (XSD + "double", XSD + "float"):
            return float(value)
        if kind == XSD + "decimal":
            return decimal.Decimal(value)
        if kind == XSD + "boolean":
            return value in ("true", "1")
        if kind == XSD + "date":
            return dt.date.fromisoformat(value)
        if kind == XSD + "dateTime":
            return dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return value


class Graph:
    """A kg store: build it from files, query it, export it.

    ``Graph.open(path)`` opens (or creates) the store folder ``path`` (``None``: in memory). One
    process at a time may hold an on-disk store; close it (or use ``with``) to let ``kg serve`` or
    another program open it.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(
        cls, store: str | Path | None = "kg-store", base: str = DEFAULT_BASE, read_only: bool = False
    ) -> Graph:
        """Open the store at ``store`` (created unless ``read_only``); ``None`` for one in memory."""
        from kg.store import Store

        path = Path(store) if store is not None else None
        return cls(Store(path, base, read_only=read_only))

    def build(
        self,
        paths: Iterable[str | Path],
        *,
        force: bool = False,
        link: bool = True,
        strict: bool = False,
        on_result: Callable[[DocResult], None] | None = None,
        jobs: int = 1,
        scheduler: str = "",
    ) -> BuildReport:
        """Ingest, extract, validate and load files and folders, as ``kg build`` does.

        ``on_result`` is called as each document finishes; the report lists every outcome. A
        document whose graph breaks the shapes loads without what breaks them (outcome
        ``"quarantined"``; ``report.quarantined`` lists the statements left out); with ``strict``
        it is not loaded (outcome ``"invalid"``).
        ``jobs``: worker processes that prepare documents (0: one per CPU core); ``scheduler``:
        a Dask scheduler's address to prepare them on instead (``kg[dask]``). Either way this
        process writes, in input order: the same graph as ``jobs=1``."""
        from kg.parallel import executor_for
        from kg.pipeline import build

        executor = executor_for(jobs, scheduler)
        report = build(
            [Path(p) for p in paths],
            self.store,
            force=force,
            on_result=on_result,
            link=link,
            strict=strict,
            executor=executor,
        )
        return report

    def quarantined(self) -> list[tuple[str, Quarantined]]:
        """The statements builds left out of documents because they broke the shapes (the
        quarantine graph): (document graph IRI, statement and why)."""
        from kg.pipeline import stored_quarantine

        return stored_quarantine(self.store)

    def query(self, sparql: str) -> Rows | bool | rdflib.Graph:
        """Run a SPARQL query with kg's prefixes predeclared (``kg:``, ``rdfs:``, ``id:``, ...).

        SELECT gives ``Rows``, ASK a ``bool``, CONSTRUCT and DESCRIBE an ``rdflib.Graph``."""
        import pyoxigraph as ox

        result = self.store.query(sparql, prefixes={**PREFIXES, BASE_PREFIX: self.store.base})
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            return Rows(names, (_row(names, solution) for solution in result))
        assert isinstance(result, ox.QueryTriples)
        import rdflib

        data = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b""
        return rdflib.Graph().parse(data=data, format="nt")

    def export(self, fmt: str = "turtle", out: IO[bytes] | None = None, graph: str | None = None) -> bytes:
        """The store as ``kg export`` writes it (turtle, ntriples, nquads, trig, jsonld, rdfxml);
        written to ``out`` when given, and returned. ``graph``: only that named graph."""
        import io

        from kg.export import export

        buffer = io.BytesIO()
        export(self.store, fmt, buffer, graph)
        data = buffer.getvalue()
        if out is not None:
            out.write(data)
        return data

    def entities(self, kind: str | None = None) -> Iterator[tuple[str, str]]:
        """(IRI, label) of every entity, or of one kind (``"Person"``, ``"State"``, ...)."""
        cls = f"<{KG}{kind}>" if kind else "?c"
        rows = self.query(
            f"SELECT ?e ?label WHERE {{ ?e a {cls} ; rdfs:label ?label "
            f'FILTER(STRSTARTS(STR(?e), "{self.store.base}")) }} ORDER BY ?label'
        )
        assert isinstance(rows, Rows)
        for row in rows:
            yield row["e"], row["label"]

    def close(self) -> None:
        """Write everything to disk and release the store."""
        self.store.flush()
        del self.store.ox

    def __enter__(self) -> Graph:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _row(names: list[str], solution: Any) -> dict[str, Any]:
    out = {}
    for name in names:
        term = solution[name]
        if term is not None:
            out[name] = _python(term)
    return out
