# ruff: noqa: E501
"""A generated corpus in the kg ontology, and the query mix the endpoint benchmark sends.

Each press release (one named graph ``<base>graph/pr-N``) reports one meeting: the event, its
place and date, two speakers with the office each holds, each fact reified with the sentence it
came from (Web Annotation), and the speakers' Wikidata links. As in ``kg.store``, the default
graph is the deduplicated merge of the document graphs. Deterministic (seeded).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

BASE = "https://kg.example/id/"
KG = "https://kg.example/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OA = "http://www.w3.org/ns/oa#"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = (
    f"PREFIX kg: <{KG}> PREFIX rdf: <{RDF}> PREFIX rdfs: <{RDFS}> PREFIX skos: <{SKOS}> PREFIX oa: <{OA}> "
)


def _iri(path: str) -> str:
    return f"<{BASE}{path}>"


def sizes(triples: int) -> dict[str, int]:
    """How many of each kind of entity a corpus of about ``triples`` default-graph triples has."""
    events = max(10, triples // 48)
    return {"events": events, "persons": max(4, events // 2), "posts": max(2, events // 16), "places": 200}


def _document(i: int, n: dict[str, int], rng: random.Random) -> Iterator[str]:
    event = _iri(f"event/e{i}")
    place = rng.randrange(n["places"])
    year, month, day = 2000 + rng.randrange(20), 1 + rng.randrange(12), 1 + rng.randrange(28)
    yield f"{event} <{RDF}type> <{KG}Event>"
    yield f'{event} <{RDFS}label> "Meeting {i} on item {rng.randrange(500)}"@en'
    yield f"{event} <{KG}locatedIn> {_iri(f'place/p{place}')}"
    yield f'{event} <{KG}startDate> "{year}-{month:02d}-{day:02d}"^^<{XSD}date>'
    yield f"{_iri(f'place/p{place}')} <{RDF}type> <{KG}Place>"
    yield f'{_iri(f"place/p{place}")} <{RDFS}label> "Place {place}"@en'
    yield f"{_iri(f'press-release/pr-{i}')} <{RDF}type> <{KG}PressRelease>"
    for k in range(2):
        p = rng.randrange(n["persons"])
        post = p % n["posts"]
        person, office = _iri(f"person/p{p}"), _iri(f"post/o{post}")
        yield f"{person} <{RDF}type> <{KG}Person>"
        yield f'{person} <{RDFS}label> "Person {p}"@en'
        yield f"{person} <{SKOS}exactMatch> <http://www.wikidata.org/entity/Q{1000 + p}>"
        yield f"{office} <{RDF}type> <{KG}Post>"
        yield f'{office} <{RDFS}label> "Office {post}"@en'
        for pred, obj, sentence in (
            (f"<{KG}holds>", office, f"Person {p}, Office {post}, said on {year}-{month:02d}-{day:02d} ..."),
            (f"<{KG}speaksAt>", event, f"Person {p} addressed meeting {i} in Place {place}."),
        ):
            yield f"{person} {pred} {obj}"
            st, ann = _iri(f"statement/s{i}-{k}-{pred[-8:-1]}"), _iri(f"annotation/a{i}-{k}-{pred[-8:-1]}")
            target, sel = _iri(f"target/t{i}-{k}-{pred[-8:-1]}"), _iri(f"selector/x{i}-{k}-{pred[-8:-1]}")
            yield f"{st} <{RDF}subject> {person}"
            yield f"{st} <{RDF}predicate> {pred}"
            yield f"{st} <{RDF}object> {obj}"
            yield f"{ann} <{OA}hasBody> {st}"
            yield f"{ann} <{OA}hasTarget> {target}"
            yield f"{target} <{OA}hasSource> {_iri(f'press-release/pr-{i}')}"
            yield f"{target} <{OA}hasSelector> {sel}"
            yield f'{sel} <{OA}exact> "{sentence}"'


def write(triples: int, folder: Path) -> tuple[Path, Path, int]:
    """Write ``corpus.nq`` (named graphs + merged default) and ``default.nt``; the default size."""
    folder.mkdir(parents=True, exist_ok=True)
    nq, nt = folder / "corpus.nq", folder / "default.nt"
    n = sizes(triples)
    rng = random.Random(42)
    seen: set[str] = set()
    with nq.open("w") as q, nt.open("w") as t:
        for i in range(n["events"]):
            graph = _iri(f"graph/pr-{i}")
            for line in dict.fromkeys(_document(i, n, rng)):
                q.write(f"{line} {graph} .\n")
                if line not in seen:
                    seen.add(line)
                    q.write(f"{line} .\n")
                    t.write(f"{line} .\n")
    return nq, nt, len(seen)


MIXES = ("lookup", "analyst")


def query_mix(triples: int, kind: str = "lookup", variants: int = 25, seed: int = 7) -> list[tuple[str, str]]:
    """(name, SPARQL) pairs: 8 queries for this ontology, each with ``variants`` parameter values.

    ``lookup``: point lookups and short pages (an entity's facts, one evidence sentence, ASK),
    mostly well under a millisecond in Oxigraph, so the mix measures per-request overhead.
    ``analyst``: the questions of the query page and of an analyst's notebook (who holds which
    office, sorted; meetings of a year by place; counts per class and per place; label search;
    co-speakers), which sort, group or scan: the evaluation dominates."""
    if kind == "analyst":
        return _analyst_mix(triples, variants, seed)
    if kind != "lookup":
        raise ValueError(f"unknown query mix {kind!r} (one of {', '.join(MIXES)})")
    n = sizes(triples)
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for _ in range(variants):
        p, e, pl = rng.randrange(n["persons"]), rng.randrange(n["events"]), rng.randrange(n["places"])
        off = rng.randrange(20) * 50
        out += [
            (
                "holds",
                PREFIXES + "SELECT ?p ?name ?office WHERE { ?p kg:holds ?post ; rdfs:label ?name . "
                f"?post rdfs:label ?office }} LIMIT 50 OFFSET {off}",
            ),
            ("facts", f"SELECT ?p ?o WHERE {{ {_iri(f'person/p{p}')} ?p ?o }}"),
            (
                "meetings",
                PREFIXES + f"SELECT ?e ?date WHERE {{ ?e kg:locatedIn {_iri(f'place/p{pl}')} ; "
                "kg:startDate ?date } ORDER BY ?date LIMIT 20",
            ),
            ("count", PREFIXES + "SELECT (COUNT(?o) AS ?n) WHERE { ?o a kg:Post }"),
            (
                "evidence",
                PREFIXES + f"SELECT ?sentence WHERE {{ ?st rdf:subject {_iri(f'person/p{p}')} ; "
                "rdf:predicate kg:holds . ?ann oa:hasBody ?st ; oa:hasTarget/oa:hasSelector/oa:exact ?sentence }",
            ),
            (
                "wikidata",
                PREFIXES + f"SELECT ?e ?wd WHERE {{ ?e skos:exactMatch ?wd }} LIMIT 100 OFFSET {off}",
            ),
            ("ask", PREFIXES + f"ASK {{ {_iri(f'person/p{p}')} kg:speaksAt ?e }}"),
            (
                "construct",
                f"CONSTRUCT {{ {_iri(f'event/e{e}')} ?p ?o }} WHERE {{ {_iri(f'event/e{e}')} ?p ?o }}",
            ),
        ]
    return out


def request_paths(path: str, mix: list[tuple[str, str]]) -> list[str]:
    return [f"{path}?query={quote(q, safe='')}" for _, q in mix]


def _analyst_mix(triples: int, variants: int, seed: int) -> list[tuple[str, str]]:
    n = sizes(triples)
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    xsd = f"PREFIX xsd: <{XSD}> "
    for _ in range(variants):
        p, year, pl = rng.randrange(n["persons"]), 2000 + rng.randrange(20), rng.randrange(n["places"])
        off = rng.randrange(20) * 50
        out += [
            (
                "holds",
                PREFIXES + "SELECT ?p ?name ?office WHERE { ?p kg:holds ?post ; rdfs:label ?name . "
                f"?post rdfs:label ?office }} ORDER BY ?name ?office LIMIT 50 OFFSET {off}",
            ),
            (
                "meetings",
                PREFIXES + xsd + "SELECT ?e ?label ?date WHERE { ?e a kg:Event ; rdfs:label ?label ; "
                f"kg:locatedIn {_iri(f'place/p{pl}')} ; kg:startDate ?date "
                f'FILTER(?date >= "{year}-01-01"^^xsd:date) }} ORDER BY ?date ?e',
            ),
            (
                "classes",
                PREFIXES
                + "SELECT ?class (COUNT(?e) AS ?n) WHERE { ?e a ?class } GROUP BY ?class ORDER BY DESC(?n)",
            ),
            (
                "search",
                PREFIXES + "SELECT ?e ?label WHERE { ?e rdfs:label ?label "
                f'FILTER(CONTAINS(LCASE(STR(?label)), "place {pl}")) }} ORDER BY ?label LIMIT 20',
            ),
            (
                "places",
                PREFIXES + "SELECT ?place (COUNT(DISTINCT ?p) AS ?speakers) WHERE { ?p kg:speaksAt ?e . "
                "?e kg:locatedIn ?place } GROUP BY ?place ORDER BY DESC(?speakers) ?place LIMIT 10",
            ),
            (
                "cospeakers",
                PREFIXES + f"SELECT DISTINCT ?other ?name WHERE {{ {_iri(f'person/p{p}')} kg:speaksAt ?e . "
                "?other kg:speaksAt ?e ; rdfs:label ?name "
                f"FILTER(?other != {_iri(f'person/p{p}')}) }} ORDER BY ?name",
            ),
            (
                "evidence",
                PREFIXES + "SELECT ?pred ?label ?sentence ?source WHERE { "
                f"?st rdf:subject {_iri(f'person/p{p}')} ; rdf:predicate ?pred ; rdf:object ?o . "
                "?o rdfs:label ?label . ?ann oa:hasBody ?st ; oa:hasTarget ?t . "
                "?t oa:hasSource ?source ; oa:hasSelector/oa:exact ?sentence } ORDER BY ?source",
            ),
            (
                "wikidata",
                PREFIXES + "SELECT ?e ?label ?wd WHERE { ?e skos:exactMatch ?wd ; rdfs:label ?label } "
                f"ORDER BY ?label LIMIT 100 OFFSET {off}",
            ),
        ]
    return out
