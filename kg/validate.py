"""A graph against kg's shapes -> a report people can read.

Each document's graph is validated on its own, as a plain in-memory rdflib Graph, against the
shapes in ``shapes/``: the compiled checks of ``kg.shacl`` decide whether it conforms, and
pyshacl (SHACL's reference implementation in Python) writes the report of a graph that does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from kg.resources import shapes_path
from kg.shacl import NodeCheck, compile_shapes
from kg.shacl import conforms as compiled_conforms


@dataclass(frozen=True)
class Violation:
    """One SHACL result: the focus node, the property path, the value and the message."""

    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str = "Violation"
    shape: str | None = None  # the shape that reported it (a property shape: its node shape's IRI)

    def line(self) -> str:
        where = self.focus + (f" {self.path}" if self.path else "")
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{where}: {self.message}{value}"


@dataclass
class Report:
    """The outcome of validating one graph."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)


@cache
def shapes_graph() -> Graph:
    return Graph().parse(shapes_path(), format="turtle")


@cache
def compiled_shapes() -> list[NodeCheck] | None:
    return compile_shapes(shapes_graph())


def validate_graph(graph: Graph) -> Report:
    """Validate ``graph`` against kg's shapes: the compiled checks say whether it conforms (the
    common case, in milliseconds); pyshacl writes the report when it does not."""
    compiled = compiled_shapes()
    if compiled is not None and compiled_conforms(compiled, graph) is True:
        return Report(conforms=True)
    if not graph.store.context_aware:  # pyshacl needs contexts (rdfize builds on SimpleMemory)
        copy = Graph()
        for t in graph:
            copy.add(t)
        graph = copy
    conforms, results, _ = shacl_validate(
        graph,
        shacl_graph=shapes_graph(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
    )
    assert isinstance(results, Graph)
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = results.value(result, SH.resultMessage)
        severity = results.value(result, SH.resultSeverity)
        shape = results.value(result, SH.sourceShape)
        if shape is not None and not isinstance(shape, URIRef):  # a blank property shape
            shape = shapes_graph().value(predicate=SH.property, object=shape)
        violations.append(
            Violation(
                focus=str(focus),
                path=str(path) if isinstance(path, URIRef) else None,
                value=None if value is None else str(value),
                message=str(message) if message is not None else "does not conform",
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                shape=str(shape) if isinstance(shape, URIRef) else None,
            )
        )
    violations.sort(key=lambda v: (v.focus, v.path or "", v.message))
    return Report(conforms=bool(conforms), violations=violations)
