"""What only the merged graph shows: two documents giving one node two values of a property the
shapes allow once. Found before writing (``conflicts``) and in the store (``merged_violations``),
on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.merged import conflicts, functional_properties, merged_violations
from kg.namespaces import KG
from kg.store import GraphStore, RemoteStore, Store, doc_graph_iri
from tests.conftest import OxigraphServer, kg

BASE = "https://kg.example/id/"
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
EVENT = ox.NamedNode(BASE + "event/summit")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def k(term: str) -> ox.NamedNode:
    return ox.NamedNode(str(KG[term]))


def event_doc(end: str | None, label: str = "Water Summit") -> list[ox.Triple]:
    triples = [
        ox.Triple(EVENT, TYPE, k("Event")),
        ox.Triple(EVENT, LABEL, ox.Literal(label, language="en")),
        ox.Triple(EVENT, k("startDate"), ox.Literal("2031-05-02", datatype=XSD_DATE)),
    ]
    if end is not None:
        triples.append(ox.Triple(EVENT, k("endDate"), ox.Literal(end, datatype=XSD_DATE)))
    return triples


@pytest.fixture(params=["embedded", "oxigraph-server"])
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    if request.param == "embedded":
        yield Store(None, BASE)
        return
    server: OxigraphServer = request.getfixturevalue("oxigraph_server")
    server.clear()
    remote = RemoteStore(server.url, BASE)
    remote.ensure_counts()
    yield remote
    remote.close()


def test_functional_properties_come_from_the_shapes() -> None:
    pairs = {(f.cls.rsplit("#", 1)[-1], f.path.rsplit("#", 1)[-1]) for f in functional_properties()}
    assert ("Event", "endDate") in pairs and ("Document", "symbol") in pairs and ("State", "iso3") in pairs
    assert not any(path.endswith("label") for _, path in pairs)  # labels: the writer adopts the stored one
    assert ("Person", "holds") not in pairs  # a person may hold many posts


def test_a_second_value_from_another_document_is_found_before_it_is_written(store: GraphStore) -> None:
    store.put_document("a", "a.txt", event_doc("2031-05-04"))
    same, other, more = event_doc("2031-05-04"), event_doc("2031-05-09"), event_doc(None)
    assert conflicts(store, same) == []  # agreeing is fine
    assert conflicts(store, more) == []  # saying less is fine
    found = conflicts(store, other)
    assert [(t.object, v.focus, v.value) for t, v in found] == [
        (ox.Literal("2031-05-09", datatype=XSD_DATE), EVENT.value, "2031-05-09")
    ]
    assert "2031-05-04" in found[0][1].message and "2031-05-09" in found[0][1].message
    # the graph a document replaces does not count against it
    assert conflicts(store, other, ignore=[doc_graph_iri(BASE, "a")]) == []


def test_the_merged_graph_is_checked_as_it_is(store: GraphStore) -> None:
    store.put_document("a", "a.txt", event_doc("2031-05-04"))
    store.put_document("b", "b.txt", event_doc("2031-05-04"))
    assert merged_violations(store) == []
    store.put_document("c", "c.txt", event_doc("2031-05-09"))  # written without the writer's check
    [violation] = merged_violations(store)
    assert violation.focus == EVENT.value and violation.path == str(KG.endDate)
    assert violation.value is not None and set(violation.value.split(" | ")) == {"2031-05-04", "2031-05-09"}
    store.remove_document("c")
    assert merged_violations(store) == []


def test_kg_validate_names_the_merged_node(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", BASE)
    store.put_document("a", "a.txt", event_doc("2031-05-04"))
    store.put_document("c", "c.txt", event_doc("2031-05-09"))
    store.close()
    run = kg("validate", "--store", tmp_path / "s", env={"KG_BASE": BASE})
    assert run.code == 1, run.out
    [line] = [x for x in run.out.splitlines() if x.startswith("merged default graph:")]
    assert EVENT.value in line and "endDate" in line and "2031-05-09" in line
