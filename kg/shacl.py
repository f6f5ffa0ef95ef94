"""kg's shapes compiled once into plain Python checks: does a graph conform? (the fast path)

pyshacl builds its machinery for every run (about 40 ms for one press release here), while the
shapes kg uses are SHACL Core's simplest part: target classes, simple IRI paths, counts, datatypes,
classes, node kinds, patterns, lengths, ranges, lists of values and ``sh:or`` of those. Compiled,
the same verdict costs a few milliseconds. ``kg.validate`` asks this first and runs pyshacl only
when a graph does not conform, so reports are pyshacl's, word for word.

Whatever the compiler does not know (a complex path, ``sh:node``, a severity, SPARQL constraints,
subclass hierarchies in the data...) makes ``compile_shapes`` return None and pyshacl does all the
work: a new shape can never be checked wrongly, only slowly. Tests compare the verdicts of both on
generated and mutated graphs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SH, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

#: predicates of a shape that the compiler understands (anything else in the sh: namespace: None)
KNOWN = {
    SH.targetClass,
    SH.property,
    SH.path,
    SH.message,
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH["class"],
    SH.nodeKind,
    SH.pattern,
    SH.minLength,
    SH.minInclusive,
    SH.maxInclusive,
    SH["in"],
    SH.languageIn,
    SH["or"],
}
VALUE_KEYS = KNOWN - {SH.targetClass, SH.property, SH.path, SH.message, SH.minCount, SH.maxCount}

Check = Callable[[Graph, Node], bool]


class Unsupported(Exception):
    """The shapes use something this compiler does not evaluate (pyshacl will)."""


def _list(g: Graph, head: Node) -> list[Node]:
    return list(Collection(g, head))


def _datatype(dt: Node) -> Check:
    def check(_: Graph, v: Node) -> bool:
        if not isinstance(v, Literal):
            return False
        if dt == RDF.langString:
            return bool(v.language)
        if v.language:
            return False
        actual = v.datatype or XSD.string
        return actual == dt and v.ill_typed is not True

    return check


def _class(cls: Node) -> Check:
    return lambda g, v: not isinstance(v, Literal) and (v, RDF.type, cls) in g


def _node_kind(kind: Node) -> Check:
    kinds: dict[Node, tuple[type, ...]] = {
        SH.IRI: (URIRef,),
        SH.BlankNode: (BNode,),
        SH.Literal: (Literal,),
        SH.BlankNodeOrIRI: (BNode, URIRef),
        SH.IRIOrLiteral: (URIRef, Literal),
        SH.BlankNodeOrLiteral: (BNode, Literal),
    }
    if kind not in kinds:
        raise Unsupported(f"sh:nodeKind {kind}")
    allowed = kinds[kind]
    return lambda _, v: isinstance(v, allowed)


def _pattern(regex: str) -> Check:
    compiled = re.compile(regex)
    return lambda _, v: not isinstance(v, BNode) and compiled.search(str(v)) is not None


def _min_length(n: int) -> Check:
    return lambda _, v: not isinstance(v, BNode) and len(str(v)) >= n


def _bound(bound: Literal, lower: bool) -> Check:
    def check(_: Graph, v: Node) -> bool:
        if not isinstance(v, Literal):
            return False
        try:
            return bool(v >= bound) if lower else bool(v <= bound)
        except TypeError:
            return False

    return check


def _language_in(tags: list[str]) -> Check:
    wanted = [t.lower() for t in tags]

    def check(_: Graph, v: Node) -> bool:
        lang = v.language.lower() if isinstance(v, Literal) and v.language else None
        return lang is not None and any(lang == t or lang.startswith(t + "-") for t in wanted)

    return check


def _in(allowed: set[Node]) -> Check:
    return lambda _, v: v in allowed


def _or(branches: list[list[Check]]) -> Check:
    return lambda g, v: any(all(c(g, v) for c in branch) for branch in branches)


def _value_checks(g: Graph, shape: Node) -> list[Check]:
    """The constraints of ``shape`` that each value node must meet."""
    for p in set(g.predicates(shape, None)):
        if str(p).startswith(str(SH)) and p not in KNOWN:
            raise Unsupported(str(p))
    checks: list[Check] = []
    for p, o in g.predicate_objects(shape):
        if p == SH.datatype:
            checks.append(_datatype(o))
        elif p == SH["class"]:
            checks.append(_class(o))
        elif p == SH.nodeKind:
            checks.append(_node_kind(o))
        elif p == SH.pattern:
            checks.append(_pattern(str(o)))
        elif p == SH.minLength and isinstance(o, Literal):
            checks.append(_min_length(int(o)))
        elif p in (SH.minInclusive, SH.maxInclusive) and isinstance(o, Literal):
            checks.append(_bound(o, lower=p == SH.minInclusive))
        elif p == SH["in"]:
            checks.append(_in(set(_list(g, o))))
        elif p == SH.languageIn:
            checks.append(_language_in([str(t) for t in _list(g, o)]))
        elif p == SH["or"]:
            if any(SH.property in set(g.predicates(b, None)) for b in _list(g, o)):
                raise Unsupported("sh:or over property shapes")
            checks.append(_or([_value_checks(g, b) for b in _list(g, o)]))
    return checks


@dataclass
class PropertyCheck:
    path: URIRef
    min_count: int = 0
    max_count: int | None = None
    checks: list[Check] = field(default_factory=list)

    def conforms(self, g: Graph, focus: Node) -> bool:
        values = list(g.objects(focus, self.path))
        if len(values) < self.min_count or (self.max_count is not None and len(values) > self.max_count):
            return False
        return all(c(g, v) for v in values for c in self.checks)


@dataclass
class NodeCheck:
    targets: list[URIRef]
    checks: list[Check]
    properties: list[PropertyCheck]

    def focus_nodes(self, g: Graph) -> Iterable[Node]:
        seen: set[Node] = set()
        for cls in self.targets:
            for node in g.subjects(RDF.type, cls):
                if node not in seen:
                    seen.add(node)
                    yield node


def _count(g: Graph, shape: Node, p: URIRef) -> int | None:
    value = g.value(shape, p)
    return int(value) if isinstance(value, Literal) else None


def compile_shapes(shapes: Graph) -> list[NodeCheck] | None:
    """The node shapes as checks, or None when they use anything the compiler does not know."""
    try:
        out = []
        for shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
            targets = [c for c in shapes.objects(shape, SH.targetClass) if isinstance(c, URIRef)]
            props = []
            for prop in shapes.objects(shape, SH.property):
                path = shapes.value(prop, SH.path)
                if not isinstance(path, URIRef):
                    raise Unsupported("a path that is not one IRI")
                props.append(
                    PropertyCheck(
                        path,
                        _count(shapes, prop, SH.minCount) or 0,
                        _count(shapes, prop, SH.maxCount),
                        _value_checks(shapes, prop),
                    )
                )
            out.append(NodeCheck(targets, _value_checks(shapes, shape), props))
        for _, p in shapes.subject_predicates(None):
            if p in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
                raise Unsupported(str(p))
        return out
    except Unsupported:
        return None


def conforms(compiled: list[NodeCheck], g: Graph) -> bool | None:
    """Whether ``g`` conforms (None: the data graph has what the compiler leaves to pyshacl)."""
    if (None, RDFS.subClassOf, None) in g:
        return None  # sh:class and sh:targetClass would follow the hierarchy
    for shape in compiled:
        for focus in shape.focus_nodes(g):
            if not all(c(g, focus) for c in shape.checks):
                return False
            if not all(p.conforms(g, focus) for p in shape.properties):
                return False
    return True
