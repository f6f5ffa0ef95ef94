"""Standard clients against a live kg serve: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

PERSON = "https://kg.example/id/person/louise-arbour"


def test_sparqlwrapper_select_and_construct(live):
    sw = SPARQLWrapper(live.url + "/sparql")
    sw.setQuery("PREFIX kg: <https://kg.example/ontology#> SELECT ?p WHERE { ?p kg:holds ?post }")
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]  # type: ignore[index]
    assert rows[0]["p"]["value"] == PERSON
    sw.setQuery(f"CONSTRUCT {{ <{PERSON}> ?p ?o }} WHERE {{ <{PERSON}> ?p ?o }}")
    sw.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")
    assert (rdflib.URIRef(PERSON), rdflib.RDFS.label, rdflib.Literal("Louise Arbour", lang="en")) in g


def test_sparqlwrapper_post(live):
    sw = SPARQLWrapper(live.url + "/sparql")
    sw.setMethod("POST")
    sw.setQuery("ASK { ?s ?p ?o }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True  # type: ignore[index]


def test_rdflib_sparqlstore(live):
    store = SPARQLStore(live.url + "/sparql")
    g = rdflib.Graph(store=store)
    labels = list(g.objects(rdflib.URIRef(PERSON), rdflib.RDFS.label))
    assert labels == [rdflib.Literal("Louise Arbour", lang="en")]
    res = g.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://kg.example/ontology#Person> }")
    assert [int(r[0]) for r in res] == [1]  # type: ignore[index]
    assert len(g) > 10
