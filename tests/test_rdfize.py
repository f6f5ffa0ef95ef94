"""resolve + rdfize + validate on a hand-made extraction, compared with a golden graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.ingest import document_from_text
from kg.model import Entity, Extraction, Kind, Mention, PartialDate, Quotation, Relation, Span
from kg.rdfize import rdfize
from kg.resolve import entity_iri, resolve, slug
from kg.store import Store, to_ox_triples
from kg.validate import validate_graph

BASE = "https://kg.example/id/"
GOLDEN = Path(__file__).parent / "data" / "rdfize" / "expected.ttl"
TEXT = (
    "3 March 2021\n\nCouncil Opens Session\n\n"
    "SUVA, Fiji, 2 March - Ada Quill, Permanent Representative of Fiji to the United Nations, "
    'chaired the meeting. "We agree," Ms. Quill said.\n'
)


def span_of(text: str, needle: str, start: int = 0) -> Span:
    i = TEXT.index(needle, start)
    return Span(i, i + len(needle))


def extraction() -> Extraction:
    doc = document_from_text(TEXT, source="examples/suva.txt")
    s1 = span_of(TEXT, "SUVA, Fiji, 2 March - Ada Quill")
    s1 = Span(s1.start, TEXT.index("meeting.") + len("meeting."))
    s2 = Span(s1.end + 1, len(TEXT) - 1)

    def m(needle: str, sent: Span, start: int = 0) -> Mention:
        sp = span_of(TEXT, needle, start)
        return Mention(sp, needle, sent)

    ents = [
        Entity("p1", Kind.PERSON, "Ada Quill", "ada quill", [m("Ada Quill", s1), m("Ms. Quill", s2)]),
        Entity("p1b", Kind.PERSON, "Ada Quill", "ada quill", [], {"Quill"}),  # merged into p1
        Entity(
            "post1",
            Kind.POST,
            "Permanent Representative of Fiji to the United Nations",
            "permanent representative of fiji to the united nations",
            [m("Permanent Representative of Fiji to the United Nations", s1)],
            attrs={"of": "st1"},
        ),
        Entity("st1", Kind.STATE, "Fiji", "FJI", [m("Fiji", s1)], attrs={"iso3": "FJI"}),
        Entity("pl1", Kind.PLACE, "Suva", "suva", [m("SUVA", s1)], attrs={"country": "st1"}),
        Entity(
            "ev1",
            Kind.EVENT,
            "meeting",
            "meeting|2021-03-02",
            [m("meeting", s1)],
            attrs={"start": PartialDate(2021, 3, 2), "end": PartialDate(2021, 3), "location": "pl1"},
        ),
    ]
    rels = [
        Relation("p1", "holds", "post1", [s1]),
        Relation("p1b", "representativeOf", "st1", [s1]),
        Relation("p1", "chairs", "ev1", [s1]),
        Relation("p1", "chairs", "ev1", [s1]),  # duplicate, merged
        Relation("ev1", "locatedIn", "pl1", [s1]),
    ]
    quote = span_of(TEXT, '"We agree,"')
    return Extraction(doc, ents, rels, [Quotation(quote, "We agree,", "p1", "ev1")], [s1, s2])


def test_slugs_and_iris() -> None:
    assert slug("Jürg Lauber") == slug("Jurg Lauber") == "jurg-lauber"
    assert slug("Ellen Margrethe Løj") == "ellen-margrethe-loj"
    assert entity_iri(BASE, Kind.PERSON, "anna k. lindqvist") == entity_iri(
        BASE, Kind.PERSON, "anna lindqvist"
    )
    assert entity_iri(BASE, Kind.PERSON, "josé ramos") == entity_iri(BASE, Kind.PERSON, "jose ramos")
    assert entity_iri(BASE, Kind.ORGANIZATION, "anna k. lindqvist") != entity_iri(
        BASE, Kind.ORGANIZATION, "anna lindqvist"
    )
    assert slug("  A/RES/72/195 ") == "a-res-72-195"
    long = slug("x" * 200)
    assert len(long) <= 89 and long != slug("x" * 199)
    assert entity_iri(BASE, Kind.STATE, "MEX") == BASE + "state/mex"


def test_resolve_merges_same_kind_and_key() -> None:
    res = resolve(extraction(), BASE)
    people = [e for e in res.entities if e.kind is Kind.PERSON]
    assert len(people) == 1 and people[0].alt_labels == {"Quill"}
    assert res.iri["p1b"] == res.iri["p1"] == BASE + "person/ada-quill"
    assert len([r for r in res.relations if r.predicate == "chairs"]) == 1


def test_stored_label_wins_and_new_spelling_becomes_alt_label() -> None:
    res = resolve(
        extraction(), BASE, known_label=lambda iri: "ADA QUILL" if iri.endswith("ada-quill") else None
    )
    person = next(e for e in res.entities if e.kind is Kind.PERSON)
    assert person.label == "ADA QUILL" and "Ada Quill" in person.alt_labels


def test_graph_conforms_and_matches_golden() -> None:
    graph = rdfize(resolve(extraction(), BASE))
    report = validate_graph(graph)
    assert report.conforms, [v.line() for v in report.violations]
    expected = Graph().parse(GOLDEN)
    if not isomorphic(graph, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(graph), to_isomorphic(expected))
        raise AssertionError(
            "graph differs from golden:\n+ "
            + "\n+ ".join(sorted(map(str, only_got)))[:3000]
            + "\n- "
            + "\n- ".join(sorted(map(str, only_expected)))[:3000]
        )


def test_evidence_sentence_of_a_fact_by_sparql() -> None:
    res = resolve(extraction(), BASE)
    store = Store(None, BASE)
    store.put_document(res.extraction.document.doc_id, "examples/suva.txt", to_ox_triples(rdfize(res)))
    rows = store.query(
        """PREFIX kg: <https://kg.example/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?sentence ?start WHERE {
          ?person rdfs:label "Ada Quill"@en . ?state rdfs:label "Fiji"@en .
          ?st rdf:subject ?person ; rdf:predicate kg:representativeOf ; rdf:object ?state .
          ?ev oa:hasBody ?st ; oa:hasTarget ?t . ?t oa:hasSelector ?q, ?p .
          ?q oa:exact ?sentence . ?p oa:start ?start }""",
        prefixes={"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
    )
    assert isinstance(rows, ox.QuerySolutions)
    found = [(r["sentence"].value, int(r["start"].value)) for r in rows]
    assert len(found) == 1
    sentence, start = found[0]
    assert sentence.startswith("SUVA, Fiji") and sentence.endswith("chaired the meeting.")
    assert TEXT[start : start + len(sentence)] == sentence
