"""The compiled shape checks give pyshacl's verdict: on the graphs of the bundled examples, and on
those graphs mutated the ways extraction could go wrong (a value of the wrong type, class, form or
count; a statement missing)."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyshacl import validate
from rdflib import RDF, RDFS, SH, XSD, BNode, Graph, Literal, URIRef

from kg.ingest import read_document
from kg.namespaces import KG
from kg.pipeline import process
from kg.shacl import compile_shapes, conforms
from kg.validate import compiled_shapes, shapes_graph, validate_graph
from tests.conftest import EXAMPLES

BASE = "https://kg.example/id/"
OA = "http://www.w3.org/ns/oa#"


@cache
def example_graphs() -> tuple[Graph, ...]:
    return tuple(process(read_document(p), BASE)[1] for p in sorted(EXAMPLES.glob("*.txt")))


def pyshacl_conforms(g: Graph) -> bool:
    data = Graph()
    for t in g:
        data.add(t)
    return bool(validate(data, shacl_graph=shapes_graph(), inference="none", allow_warnings=True)[0])


#: wrong values, each of a kind some shape forbids somewhere (and allows elsewhere)
BAD_VALUES = [
    Literal("2031-13-45", datatype=XSD.date),  # ill-typed
    Literal("2031-05-04", datatype=XSD.date),
    Literal("2031", datatype=XSD.gYear),
    Literal("MEX"),
    Literal("mex"),
    Literal(""),
    Literal("Label", lang="en"),
    Literal("Étiquette", lang="fr"),
    Literal(-1, datatype=XSD.integer),
    Literal(3, datatype=XSD.integer),
    Literal("1.5", datatype=XSD.decimal),
    Literal("current"),
    Literal("sometimes"),
    Literal("resolution 2231 (2015)"),
    Literal("Resolution 2231 (2015)"),
    URIRef("http://www.wikidata.org/entity/Q1065"),
    URIRef("http://www.wikidata.org/entity/Q0"),
    URIRef(BASE + "nowhere"),
    BNode("b0"),
]


def test_kg_shapes_compile() -> None:
    assert compiled_shapes() is not None


def test_what_the_compiler_does_not_know_goes_to_pyshacl() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ] .
        """,
        format="turtle",
    )
    assert compile_shapes(shapes) is None
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:a ; sh:node ex:T ] .
        """,
        format="turtle",
    )
    assert compile_shapes(shapes) is None
    data = Graph()
    data.add((URIRef(BASE + "x"), RDFS.subClassOf, KG.Person))
    assert conforms(compiled_shapes() or [], data) is None  # a hierarchy: pyshacl's job


@pytest.mark.parametrize("index", [0, 1])
def test_the_examples_conform_in_both(index: int) -> None:
    g = example_graphs()[index]
    assert conforms(compiled_shapes() or [], g) is True and pyshacl_conforms(g)


@cache
def constrained() -> tuple[tuple[URIRef, URIRef], ...]:
    """(class, path) pairs that kg's shapes constrain."""
    g = shapes_graph()
    pairs = set()
    for shape in g.subjects(RDF.type, SH.NodeShape):
        for cls in g.objects(shape, SH.targetClass):
            for prop in g.objects(shape, SH.property):
                path = g.value(prop, SH.path)
                if isinstance(cls, URIRef) and isinstance(path, URIRef):
                    pairs.add((cls, path))
    return tuple(sorted(pairs))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_graphs_get_pyshacl_s_verdict(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(example_graphs()))
    g = Graph()
    for t in source:
        g.add(t)
    subjects = sorted({s for s in g.subjects() if not isinstance(s, Literal)}, key=str)
    for _ in range(data.draw(st.integers(1, 2))):
        cls, path = data.draw(st.sampled_from(constrained()))
        nodes = sorted(g.subjects(RDF.type, cls), key=str)
        kind = data.draw(st.sampled_from(["drop", "add", "again", "retype"]))
        if kind == "retype" or not nodes:  # a node becomes (also) of the class
            g.add((data.draw(st.sampled_from(subjects)), RDF.type, cls))
            continue
        node = data.draw(st.sampled_from(nodes))
        if kind == "drop":
            g.remove((node, path, None))
        elif kind == "add":
            g.add((node, path, data.draw(st.sampled_from(BAD_VALUES + subjects))))
        else:  # a second value of the same kind as one it has
            values = sorted(g.objects(node, path), key=str)
            if values:
                first = values[0]
                other = (
                    Literal(str(first) + "x", lang=first.language, datatype=first.datatype)
                    if isinstance(first, Literal)
                    else data.draw(st.sampled_from(subjects))
                )
                g.add((node, path, other))
    fast = conforms(compiled_shapes() or [], g)
    assert fast is not None
    assert fast == pyshacl_conforms(g)


def test_a_report_is_pyshacl_s() -> None:
    g = Graph()
    for t in example_graphs()[0]:
        g.add(t)
    person = next(s for s in g.subjects(RDF.type, KG.Person))
    g.remove((person, RDFS.label, None))
    report = validate_graph(g)
    assert not report.conforms
    assert [v.focus for v in report.violations] == [str(person)]
    assert "rdfs:label" in report.violations[0].message


SKOS_EXACT = URIRef("http://www.w3.org/2004/02/skos/core#exactMatch")
#: one constrained property per constraint kind: datatypes (and ill-typed values), patterns,
#: languages, lengths, ranges, lists of values, sh:or, node kinds
TARGETED = [
    (KG.Event, KG.startDate),
    (KG.PressRelease, URIRef("http://purl.org/dc/terms/issued")),
    (KG.State, KG.iso3),
    (KG.Person, RDFS.label),
    (URIRef(OA + "TextPositionSelector"), URIRef(OA + "start")),
    (KG.Tenure, KG.status),
    (KG.Document, KG.symbol),
    (KG.Person, SKOS_EXACT),
]


@pytest.mark.parametrize(
    ("cls", "path"), TARGETED, ids=lambda x: str(x).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
)
def test_each_wrong_value_gets_pyshacl_s_verdict(cls: URIRef, path: URIRef) -> None:
    source = max(example_graphs(), key=lambda g: len(set(g.subjects(RDF.type, cls))))
    node = min(source.subjects(RDF.type, cls), key=str, default=None)
    if node is None:  # the examples have none of this class: make one with what it needs
        node = URIRef(BASE + "made")
    for value in BAD_VALUES:
        g = Graph()
        for t in source:
            g.add(t)
        g.add((node, RDF.type, cls))
        g.remove((node, path, None))
        g.add((node, path, value))
        assert conforms(compiled_shapes() or [], g) == pyshacl_conforms(g), value
