"""Small in-memory stores typed the way the pipeline types entities (see the brief's contract)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.namespaces import KG, RDF, RDFS, SKOS
from kg.store import Store

BASE = "https://kg.test/id/"
#: ../shared next to the repository (absent outside the project's workspace).
SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def n(iri: object) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def ent(local: str) -> ox.NamedNode:
    return ox.NamedNode(f"{BASE}{local}")


def state(local: str, label: str, iso3: str) -> list[ox.Triple]:
    s = ent(local)
    return [
        ox.Triple(s, n(RDF.type), n(KG.State)),
        ox.Triple(s, n(RDFS.label), ox.Literal(label, language="en")),
        ox.Triple(s, n(KG.iso3), ox.Literal(iso3)),
    ]


def org(local: str, label: str, *alt: str, kind: str = "Organization") -> list[ox.Triple]:
    s = ent(local)
    out = [
        ox.Triple(s, n(RDF.type), n(KG[kind])),
        ox.Triple(s, n(RDFS.label), ox.Literal(label, language="en")),
    ]
    out += [ox.Triple(s, n(SKOS.altLabel), ox.Literal(a, language="en")) for a in alt]
    return out


def place(local: str, label: str, state_local: str) -> list[ox.Triple]:
    s = ent(local)
    return [
        ox.Triple(s, n(RDF.type), n(KG.Place)),
        ox.Triple(s, n(RDFS.label), ox.Literal(label, language="en")),
        ox.Triple(s, n(KG.locatedIn), ent(state_local)),
    ]


def person(local: str, label: str, post_label: str | None = None) -> list[ox.Triple]:
    s = ent(local)
    out = [
        ox.Triple(s, n(RDF.type), n(KG.Person)),
        ox.Triple(s, n(RDFS.label), ox.Literal(label, language="en")),
    ]
    if post_label:
        p = ent(f"{local}-post")
        out += [
            ox.Triple(p, n(RDF.type), n(KG.Post)),
            ox.Triple(p, n(RDFS.label), ox.Literal(post_label, language="en")),
            ox.Triple(s, n(KG.holds), p),
        ]
    return out


def seed_triples() -> list[ox.Triple]:
    """What the seed document gives the linker (States, UN bodies, IOM, Puerto Vallarta, people)."""
    return [
        *state("state/mex", "Mexico", "MEX"),
        *state("state/che", "Switzerland", "CHE"),
        *state("state/mar", "Morocco", "MAR"),
        *org("org/un", "United Nations", "UN"),
        *org("org/ga", "General Assembly"),
        *org("org/iom", "International Office of Migration", "IOM"),
        *place("place/pv", "Puerto Vallarta", "state/mex"),
        *person("person/lajcak", "Miroslav Lajčák", "President of the General Assembly"),
    ]


def make_store(triples: list[ox.Triple]) -> Store:
    store = Store(None, BASE)
    store.replace_graph(f"{BASE}graph/doc-test", triples)
    return store


@pytest.fixture
def seed_store() -> Store:
    return make_store(seed_triples())


@pytest.fixture
def services():
    from .services import Services

    s = Services()
    yield s
    s.close()
