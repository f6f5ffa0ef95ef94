"""The service description (GET /sparql without a query) and VoID statistics, as RDF.

Statistics (triples, entities per class, graphs) are computed once per store generation (a write
bumps it) and cached: on a million triples they take about a second.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.endpoint.execute import _RDF
from kg.endpoint.negotiation import RDF_FORMATS, RESULT_FORMATS, pick
from kg.endpoint.pool import Answer
from kg.endpoint.protocol import ProtocolError, Request
from kg.namespaces import turtle_prefixes

if TYPE_CHECKING:
    from kg.endpoint.service import Endpoint

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FORMATS_NS = "http://www.w3.org/ns/formats/"
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "ttl": "Turtle",
    "nt": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
    "trig": "TriG",
    "nq": "N-Quads",
}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _void(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


_cache: dict[int, tuple[int, list[tuple[str, int]], list[tuple[str, int]]]] = {}


def _statistics(endpoint: Endpoint) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(default-graph triples, [(class, entities)], [(graph, triples)]), read in this process."""
    key = id(endpoint) * 1_000_003 + endpoint.generation
    if key in _cache:
        return _cache[key]
    q = endpoint.store.query

    def rows(sparql: str) -> list[tuple[str, int]]:
        res = q(sparql)
        assert isinstance(res, ox.QuerySolutions)
        return [(s[0].value, int(s[1].value)) for s in res if s[0] is not None and s[1] is not None]

    total = endpoint.store.stats().default_triples  # kept by the store, not counted
    classes = rows("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c")
    graphs = rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    _cache.clear()
    _cache[key] = (total, classes, graphs)
    return _cache[key]


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


def void_triples(
    endpoint: Endpoint, dataset: ox.NamedNode | ox.BlankNode, sparql_url: str
) -> list[ox.Triple]:
    total, classes, graphs = _statistics(endpoint)
    out = [
        ox.Triple(dataset, RDF_TYPE, _void("Dataset")),
        ox.Triple(dataset, _void("triples"), _int(total)),
        ox.Triple(dataset, _void("sparqlEndpoint"), ox.NamedNode(sparql_url)),
        ox.Triple(dataset, _void("uriSpace"), ox.Literal(endpoint.settings.base)),
        ox.Triple(dataset, _void("classes"), _int(len(classes))),
    ]
    for cls, n in classes:
        part = ox.BlankNode()
        out += [
            ox.Triple(dataset, _void("classPartition"), part),
            ox.Triple(part, _void("class"), ox.NamedNode(cls)),
            ox.Triple(part, _void("entities"), _int(n)),
        ]
    for g, n in graphs:
        named = ox.BlankNode()
        graph = ox.BlankNode()
        out += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(g)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, _void("triples"), _int(n)),
        ]
    return out


def _rdf_answer(endpoint: Endpoint, req: Request, triples: list[ox.Triple]) -> Answer:
    key = req.first("format")
    fmt = pick(req.accept, RDF_FORMATS, key)
    if fmt is None:
        raise ProtocolError(
            406,
            "the service description is RDF: accept one of " + ", ".join(f.media_type for f in RDF_FORMATS),
        )
    prefixes = {"sd": SD, "void": VOID, "formats": FORMATS_NS, **turtle_prefixes(endpoint.prefixes)}
    body = ox.serialize(
        triples, format=_RDF[fmt.key], prefixes=prefixes if fmt.key in ("ttl", "trig") else None
    )
    assert body is not None
    return Answer(200, fmt.media_type, {}, body)


async def service_description(endpoint: Endpoint, req: Request, sparql_url: str) -> Answer:
    service = ox.BlankNode()
    dataset = ox.BlankNode()
    default = ox.BlankNode()
    t = ox.Triple
    out = [
        t(service, RDF_TYPE, _sd("Service")),
        t(service, _sd("endpoint"), ox.NamedNode(sparql_url)),
        t(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        t(service, _sd("feature"), _sd("UnionDefaultGraph")),
        t(service, _sd("feature"), _sd("BasicFederatedQuery")) if endpoint.settings.allow_service else None,
        t(service, _sd("supportedLanguage"), _sd("SPARQL11Update"))
        if endpoint.settings.allow_update
        else None,
        t(service, _sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        t(service, _sd("defaultDataset"), dataset),
        t(dataset, RDF_TYPE, _sd("Dataset")),
        t(dataset, _sd("defaultGraph"), default),
        t(default, RDF_TYPE, _sd("Graph")),
    ]
    for fmt in (*RESULT_FORMATS, *RDF_FORMATS):
        out.append(t(service, _sd("resultFormat"), ox.NamedNode(FORMATS_NS + FORMAT_IRIS[fmt.key])))
    stats = await asyncio.to_thread(void_triples, endpoint, dataset, sparql_url)
    total = next(x.object for x in stats if x.predicate == _void("triples") and x.subject == dataset)
    out.append(t(default, _void("triples"), total))
    return _rdf_answer(endpoint, req, [x for x in out if x is not None] + stats)


async def void_answer(endpoint: Endpoint, req: Request, root: str) -> Answer:
    dataset = ox.NamedNode(root.rstrip("/") + "/void#dataset")
    stats = await asyncio.to_thread(void_triples, endpoint, dataset, root.rstrip("/") + "/sparql")
    return _rdf_answer(endpoint, req, stats)
