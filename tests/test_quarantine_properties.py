"""Property test: whatever the text, and whatever damage is done to its graph, ``prepare`` gives a
graph that conforms (what loads) plus quarantine records, or the project's InputError; never a
traceback, and never a rejected document.

The texts are those of ``tests/extract/test_properties.py`` (press-release-like text built from the
genre's parts, rule examples mutated as scraped pages mutate them) and arbitrary text; the damage,
done to the graph between rdfize and validate, is what broken extraction would do: an entity that
loses its label or gains a second one, a bad literal, a link to a node of the wrong class, or any
one statement taken away.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS

import kg.pipeline
from kg.errors import InputError
from kg.ingest import document_from_text
from kg.namespaces import KG
from kg.pipeline import prepare
from kg.resolve import Resolution
from kg.validate import validate_graph
from tests.extract.test_properties import _mutated, _release

BASE = "https://kg.example/id/"
SETTINGS = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
ENTITIES = [KG.Person, KG.Post, KG.State, KG.Organization, KG.Event, KG.Document, KG.Place]

Damage = Callable[[Graph], None]


def _entities(g: Graph) -> list[object]:
    return sorted({s for c in ENTITIES for s in g.subjects(RDF.type, c)})


def _pick(items: list[object], k: int) -> object | None:
    return items[k % len(items)] if items else None


def no_label(k: int) -> Damage:
    def damage(g: Graph) -> None:
        if (e := _pick(_entities(g), k)) is not None:
            g.remove((e, RDFS.label, None))  # type: ignore[arg-type]

    return damage


def second_label(k: int) -> Damage:
    def damage(g: Graph) -> None:
        if (e := _pick(_entities(g), k)) is not None:
            g.add((e, RDFS.label, Literal("Another Name", lang="en")))  # type: ignore[arg-type]

    return damage


def bad_literal(k: int) -> Damage:
    def damage(g: Graph) -> None:
        literals = sorted((s, p, o) for s, p, o in g if isinstance(o, Literal) and p != RDFS.label)
        if (t := _pick(literals, k)) is not None:  # a string where a date, code or number belongs
            s, p, _ = t  # type: ignore[misc]
            g.set((s, p, Literal("", lang="xx")))

    return damage


def wrong_class(k: int) -> Damage:
    def damage(g: Graph) -> None:
        relations = sorted(
            (s, p, o)
            for s, p, o in g
            if str(p).startswith(str(KG)) and (o, RDF.type, None) in g and p != KG.sourceOf
        )
        source = g.value(predicate=RDF.type, object=KG.PressRelease)
        if (t := _pick(relations, k)) is not None and source is not None:
            s, p, o = t  # type: ignore[misc]
            g.remove((s, p, o))
            g.add((s, p, source))

    return damage


def one_less(k: int) -> Damage:
    def damage(g: Graph) -> None:
        if (t := _pick(sorted(g), k)) is not None:
            g.remove(t)  # type: ignore[arg-type]

    return damage


DAMAGE = st.one_of(
    st.just(lambda g: None),
    st.builds(no_label, st.integers(0, 50)),
    st.builds(second_label, st.integers(0, 50)),
    st.builds(bad_literal, st.integers(0, 500)),
    st.builds(wrong_class, st.integers(0, 100)),
    st.builds(one_less, st.integers(0, 2000)),
)


def _prepared_or_input_error(text: str, damage: Damage) -> None:
    seen: list[Graph] = []
    with pytest.MonkeyPatch.context() as mp:
        real = kg.pipeline.rdfize

        def rdfize(resolution: Resolution) -> Graph:
            graph = real(resolution)
            damage(graph)
            seen.append(graph)
            return graph

        mp.setattr(kg.pipeline, "rdfize", rdfize)
        try:
            prepared = prepare(document_from_text(text, source="generated.txt"), BASE)
        except InputError:
            return  # the project's clean answer to text it cannot read
    [original] = seen
    result = prepared.result
    assert result.outcome == "prepared", (text, result.outcome, [v.line() for v in result.violations][:5])
    loaded = Graph().parse(data=prepared.ntriples, format="nt")
    report = validate_graph(loaded)
    assert report.conforms, (text, [v.line() for v in report.violations][:5])
    assert set(loaded) <= set(original)  # nothing added
    left_out = {t for t in original if t not in loaded}
    recorded = {(q.subject, q.predicate, q.object) for q in result.quarantined}
    assert recorded <= {(s.n3(), p.n3(), o.n3()) for s, p, o in left_out}
    event("quarantined" if result.quarantined else "whole")
    if not result.violations:
        assert not left_out and not result.quarantined and not prepared.quarantine
    else:
        assert result.quarantined and prepared.quarantine


@SETTINGS
@given(_release(), DAMAGE)
def test_generated_releases_load_conforming_or_quarantined(text: str, damage: Damage) -> None:
    _prepared_or_input_error(text, damage)


@SETTINGS
@given(st.one_of(_mutated(), st.text(max_size=300)), DAMAGE)
def test_any_text_loads_conforming_or_quarantined(text: str, damage: Damage) -> None:
    _prepared_or_input_error(text, damage)
