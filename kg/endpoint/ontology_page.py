"""The ontology at its own IRI: ``https://kg.example/ontology`` is served at ``/ontology``, and
each term (``kg:Person`` = ``https://kg.example/ontology#Person``) at its anchor there, as the
hash namespace means. HTML for browsers (label, comment, what it refines, domain and range, how
many entities the store has), the Turtle file itself or JSON-LD by content negotiation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox

from kg import jsonld
from kg.endpoint.pages import Site
from kg.namespaces import KG, PREFIXES
from kg.resources import ontology_path

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class Term:
    iri: str
    name: str  # the local name, also the anchor
    kind: str  # class | object property | datatype property
    label: str = ""
    comment: str = ""
    parents: list[str] = field(default_factory=list)  # subClassOf / subPropertyOf
    domain: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def terms() -> tuple[dict[str, str], list[Term]]:
    """(ontology header: label, comment, version; every kg: term in file order)."""
    kinds = {
        OWL + "Class": "class",
        OWL + "ObjectProperty": "object property",
        OWL + "DatatypeProperty": "datatype property",
    }
    found: dict[str, Term] = {}
    header: dict[str, str] = {}
    for quad in ox.parse(path=str(ontology_path()), format=ox.RdfFormat.TURTLE):
        s, p, o = quad.subject.value, quad.predicate.value, quad.object.value
        if not s.startswith(str(KG)):
            if p in (RDFS + "label", RDFS + "comment", OWL + "versionInfo"):
                header[p.rsplit("#", 1)[-1]] = o
            continue
        if p == RDF_TYPE and o in kinds:
            found.setdefault(s, Term(s, s[len(str(KG)) :], kinds[o]))
            found[s].kind = kinds[o]
            continue
        term = found.setdefault(s, Term(s, s[len(str(KG)) :], "term"))
        if p == RDFS + "label":
            term.label = o
        elif p == RDFS + "comment":
            term.comment = o
        elif p in (RDFS + "subClassOf", RDFS + "subPropertyOf"):
            term.parents.append(o)
        elif p == SCHEMA + "domainIncludes":
            term.domain.append(o)
        elif p == SCHEMA + "rangeIncludes":
            term.range.append(o)
    return header, list(found.values())


def labels() -> dict[str, str]:
    """IRI -> label of every kg: term (``kg:representativeOf`` -> ``representative of``)."""
    return {t.iri: t.label or t.name for t in terms()[1]}


def render(site: Site, counts: dict[str, int]) -> str:
    header, all_terms = terms()
    classes = [t for t in all_terms if t.kind == "class"]
    properties = [t for t in all_terms if t.kind != "class"]
    return site.render(
        "ontology.html", header=header, classes=classes, properties=properties, counts=counts, kg=str(KG)
    )


def rdf(key: str) -> bytes:
    """The ontology as Turtle (the shipped file), or converted to another RDF format."""
    path = ontology_path()
    if key == "ttl":
        return path.read_bytes()
    quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    from kg.endpoint.execute import _RDF

    data = ox.serialize((q.triple for q in quads), format=_RDF[key]) or b""
    return jsonld.compact(data, PREFIXES) if key == "jsonld" else data
