"""Every shape has valid and invalid example data (tests/data/shapes), checked here."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from kg.validate import shapes_graph, validate_graph

DATA = Path(__file__).parent / "data" / "shapes"
VALID = sorted(DATA.glob("*.valid.ttl"))
INVALID = sorted(DATA.glob("*.invalid.ttl"))


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example_conforms(path: Path) -> None:
    report = validate_graph(Graph().parse(path))
    assert report.conforms, [v.line() for v in report.violations]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_is_reported_with_focus_and_message(path: Path) -> None:
    report = validate_graph(Graph().parse(path))
    assert not report.conforms
    assert report.violations
    for v in report.violations:
        assert v.focus and v.message


def _node_shape(shapes: Graph, shape: object) -> object:
    parent = shapes.value(predicate=SH.property, object=shape)  # type: ignore[arg-type]
    return parent if parent is not None else shape


def test_every_node_shape_has_valid_and_invalid_examples() -> None:
    shapes = shapes_graph()
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    targets = {s: set(shapes.objects(s, SH.targetClass)) for s in node_shapes}
    valid_types = set()
    for path in VALID:
        valid_types |= set(Graph().parse(path).objects(None, RDF.type))
    failing = set()
    from pyshacl import validate

    for path in INVALID:
        _, results, _ = validate(Graph().parse(path), shacl_graph=shapes)
        for source in results.objects(None, SH.sourceShape):
            failing.add(_node_shape(shapes, source))
    no_valid = sorted(str(s) for s in node_shapes if not targets[s] & valid_types)
    no_invalid = sorted(str(s) for s in node_shapes - failing)
    assert not no_valid, f"shapes without a valid example: {no_valid}"
    assert not no_invalid, f"shapes without an invalid example: {no_invalid}"
