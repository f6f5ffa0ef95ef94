"""Every IRI kg writes is spelled here once."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD

KG = Namespace("https://kg.example/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = SDO  # https://schema.org/
VOID = Namespace("http://rdfs.org/ns/void#")
WD = Namespace("http://www.wikidata.org/entity/")
GEONAMES = Namespace("https://sws.geonames.org/")
DBR = Namespace("http://dbpedia.org/resource/")

#: The default base under which entity, source and graph IRIs are minted (KG_BASE overrides it).
DEFAULT_BASE = "https://kg.example/id/"

#: The ontology graph's name (fixed: it belongs to the product, not to the deployment).
ONTOLOGY_GRAPH = "https://kg.example/ontology"

PREFIXES: dict[str, str] = {
    "kg": str(KG),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "foaf": str(FOAF),
    "oa": str(OA),
    "void": str(VOID),
    "wd": str(WD),
}


#: The prefix of the base IRI (``id:``), known to queries and shown on pages. Never written in
#: Turtle: entity IRIs have slashes in their local part, which Turtle must escape (``id:state\/fra``).
BASE_PREFIX = "id"


def turtle_prefixes(prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes to declare in Turtle/TriG output: all but the base's."""
    return {p: ns for p, ns in prefixes.items() if p != BASE_PREFIX}


def sparql_prologue() -> str:
    """PREFIX lines for every prefix above, for queries typed by users and tests."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


__all__ = [
    "BASE_PREFIX",
    "DBR",
    "DCTERMS",
    "DEFAULT_BASE",
    "FOAF",
    "GEONAMES",
    "KG",
    "OA",
    "ONTOLOGY_GRAPH",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SKOS",
    "VOID",
    "WD",
    "XSD",
    "sparql_prologue",
    "turtle_prefixes",
]
